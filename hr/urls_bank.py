from django.urls import URLPattern

# Included by the app's urls.py, so its names are in that app's namespace.
urlpatterns: list[URLPattern] = []
