from django.urls import URLPattern

# Settings through the API, relative to api/v1/departments/<slug>/hr/.
urlpatterns: list[URLPattern] = []
