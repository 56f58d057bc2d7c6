from django.urls import URLPattern, URLResolver, path

from departments.views import settings

# The department's own settings (bank holidays' region, …). Relative to departments/<slug>/.
urlpatterns: list[URLPattern | URLResolver] = [
    path("settings/", settings.DepartmentSettingsView.as_view(), name="settings"),
    path("settings/leave-year-and-bank-holidays/", settings.DepartmentSettingsChangeView.as_view(),
         name="settings-change"),
]
