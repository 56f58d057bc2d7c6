from django.urls import URLPattern, URLResolver, path

from payroll import views_schedule_settings

# Pay schedules' details as department settings. Relative to departments/<slug>/payroll/.
urlpatterns: list[URLPattern | URLResolver] = [
    path("settings/pay-schedules/", views_schedule_settings.PayScheduleSettingsListView.as_view(),
         name="settings-schedules"),
    path("settings/pay-schedules/<int:schedule_id>/", views_schedule_settings.PayScheduleDetailsChangeView.as_view(),
         name="settings-schedule"),
]
