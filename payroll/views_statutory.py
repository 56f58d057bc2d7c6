"""Absence pay pages: an employee's expected statutory and occupational payments week by week,
the notice of why statutory pay is not due, and the department's recoverable amounts."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views import View

__all__ = ["EmployeeAbsencePayView"]


class EmployeeAbsencePayView(View):
    def get(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        raise Http404
