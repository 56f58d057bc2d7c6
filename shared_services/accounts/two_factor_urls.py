"""Second factors (enrol, verify, step up, recovery codes) and sessions (sign out everywhere)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
