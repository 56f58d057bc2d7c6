from django.urls import URLPattern, path

from hr import apis_settings

# Settings through the API, relative to api/v1/departments/<slug>/hr/. The list and create of
# leave types (``apis_settings.LeaveTypesApi``) share ``leave-types/`` in hr.api_urls.
urlpatterns: list[URLPattern] = [
    path("leave-types/<str:code>/", apis_settings.LeaveTypeApi.as_view(), name="leave-type"),
    path("working-patterns/", apis_settings.WorkingPatternsApi.as_view(), name="working-patterns"),
    path("working-patterns/<int:pattern_id>/", apis_settings.WorkingPatternApi.as_view(), name="working-pattern"),
]
