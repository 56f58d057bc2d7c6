from django.urls import URLPattern, URLResolver, path

from departments import apis_settings

# Relative to api/v1/departments/<slug:department_slug>/.
urlpatterns: list[URLPattern | URLResolver] = [
    path("settings/", apis_settings.DepartmentSettingsApi.as_view(), name="department-settings"),
]
