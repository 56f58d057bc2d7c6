"""A department's single sign-on settings pages."""

from django.urls import URLPattern

app_name = "sso"

urlpatterns: list[URLPattern] = []
