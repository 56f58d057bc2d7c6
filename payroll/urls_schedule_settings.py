from django.urls import URLPattern, URLResolver

# Pay schedules' details as department settings. Relative to departments/<slug>/payroll/.
urlpatterns: list[URLPattern | URLResolver] = []
