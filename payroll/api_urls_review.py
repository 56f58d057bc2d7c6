from django.urls import URLPattern, URLResolver

# Relative to api/v1/departments/<slug>/payroll/.
urlpatterns: list[URLPattern | URLResolver] = []
