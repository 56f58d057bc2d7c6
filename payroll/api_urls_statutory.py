"""Statutory and occupational absence pay in the API, relative to
api/v1/departments/<slug>/payroll/ (``payroll.apis_statutory``)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
