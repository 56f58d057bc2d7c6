"""The department's settings page: its details, the settings its HR admins change here, and each
app's settings pages for this person."""

from __future__ import annotations

import calendar
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView

from departments.forms import DepartmentSettingsForm
from departments.roles import Scope
from departments.selectors import DepartmentAccess
from departments.services.settings import department_settings_update
from departments.web import DepartmentPageMixin
from shared_services.accounts.models import User
from shared_services.core.forms import add_service_errors
from shared_services.core.hooks import settings_links

__all__ = ["DepartmentSettingsChangeView", "DepartmentSettingsView"]

# Who sees the settings page: those who change settings, and payroll officers for pay schedules.
SETTINGS_PAGE_SCOPES = (Scope.SETTINGS_MANAGE, Scope.PAYROLL_SUBMIT)


class _SettingsAccessMixin:
    """After ``DepartmentPageMixin``: a 403 unless the person holds one of ``allowed_scopes``."""

    allowed_scopes: tuple[str, ...] = SETTINGS_PAGE_SCOPES
    department_access: DepartmentAccess

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not any(self.department_access.allows(scope) for scope in self.allowed_scopes):
            raise PermissionDenied("The department's settings are for its HR admins and payroll officers.")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc, no-any-return]


class DepartmentSettingsView(DepartmentPageMixin, _SettingsAccessMixin, TemplateView):
    template_name = "departments/settings.html"
    required_scope = Scope.DEPARTMENT_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(links=settings_links(department=self.department, access=self.department_access),
                       leave_year_month=calendar.month_name[self.department.leave_year_start_month],
                       can_change=self.department_access.allows(Scope.SETTINGS_MANAGE))
        return context


class DepartmentSettingsChangeView(DepartmentPageMixin, _SettingsAccessMixin, FormView):
    template_name = "departments/settings_change.html"
    form_class = DepartmentSettingsForm
    required_scope = Scope.DEPARTMENT_READ
    allowed_scopes = (Scope.SETTINGS_MANAGE,)

    def get_initial(self) -> dict[str, Any]:
        department = self.department
        return {"leave_year_start_day": department.leave_year_start_day,
                "leave_year_start_month": department.leave_year_start_month,
                "bank_holiday_region": department.bank_holiday_region}

    def form_valid(self, form: DepartmentSettingsForm) -> HttpResponse:
        try:
            department_settings_update(department=self.department, acting_user=cast(User, self.request.user),
                                       **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "The department's settings are saved")
        return redirect("departments:settings", department_slug=self.department.slug)
