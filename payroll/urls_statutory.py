"""Statutory and occupational absence pay pages under departments/<slug>/payroll/
(``payroll.views_statutory``), in the "payroll" namespace."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
