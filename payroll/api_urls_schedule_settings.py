from django.urls import URLPattern, URLResolver, path

from payroll import apis_schedule_settings

# Relative to api/v1/departments/<slug>/payroll/.
urlpatterns: list[URLPattern | URLResolver] = [
    path("schedules/<int:schedule_id>/", apis_schedule_settings.PayScheduleApi.as_view(), name="schedule"),
]
