from django.urls import URLPattern, URLResolver

# Relative to api/v1/departments/<slug:department_slug>/.
urlpatterns: list[URLPattern | URLResolver] = []
