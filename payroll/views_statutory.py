"""Absence pay pages: an employee's expected statutory and occupational payments week by week,
the notice of why statutory pay is not due, the department's recoverable amounts, and loading the
previous payroll's earnings history. Thin: reads through ``payroll.selectors_absence_pay`` and
``payroll.selectors_recovery``, writes through ``payroll.services``."""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from departments.roles import Scope
from departments.web import DepartmentPageMixin
from payroll import selectors_absence_pay, services
from payroll.engine.rates import available_tax_years
from payroll.periods import tax_year_label
from payroll.selectors_recovery import statutory_recovery
from shared_services.accounts.models import User
from shared_services.core.forms import add_service_errors

__all__ = ["EarningsHistoryLoadView", "EmployeeAbsencePayView", "StatutoryPayNoticeView", "StatutoryRecoveryView"]

MAX_EARNINGS_UPLOAD_BYTES = 50_000_000
# Pay figures and health-related absence: payroll staff, and HR staff who see sensitive data.
READERS = (Scope.PAYROLL_READ, Scope.HR_SENSITIVE)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


class ReadersOnlyMixin:
    """After ``DepartmentPageMixin`` (which resolves the access): payroll staff, and HR staff who
    see sensitive data, may read; anyone else in the department gets 403."""

    department_access: Any

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not any(self.department_access.allows(scope) for scope in READERS):
            raise PermissionDenied("Absence pay needs the 'payroll:read' or 'hr:sensitive' permission.")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class EmployeeAbsencePayView(DepartmentPageMixin, ReadersOnlyMixin, TemplateView):
    """The schedule of expected payments for each family leave, the sick pay allowance, and the
    earnings history."""

    template_name = "payroll/absence_pay.html"
    required_scope = Scope.DEPARTMENT_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        schedule = selectors_absence_pay.absence_pay_schedule(payroll_number=self.kwargs["payroll_number"])
        context.update(schedule=schedule, employee=schedule.employee,
                       charts={str(leave.leave.pk): leave.chart() for leave in schedule.leaves},
                       history=selectors_absence_pay.earnings_history_of(employee=schedule.employee)[:60],
                       can_load_history=self.department_access.allows(Scope.PAYROLL_SUBMIT))
        return context


class StatutoryPayNoticeView(DepartmentPageMixin, ReadersOnlyMixin, TemplateView):
    """The SMP1-style notice for one family leave: why the statutory payment is not due."""

    template_name = "payroll/statutory_pay_notice.html"
    required_scope = Scope.DEPARTMENT_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        notice = selectors_absence_pay.statutory_pay_notice(payroll_number=self.kwargs["payroll_number"],
                                                             leave_id=self.kwargs["leave_id"])
        context.update(notice=notice, employee=notice.employee, leave=notice.schedule.leave)
        return context


class TaxYearForm(forms.Form):
    tax_year = forms.ChoiceField(label="Tax year", choices=(),
                                 error_messages={"invalid_choice": "Choose a tax year from the list",
                                                 "required": "Choose a tax year"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tax_year"].choices = [(year, year) for year in reversed(available_tax_years())]  # type: ignore[attr-defined]


def default_tax_year() -> str:
    """This tax year, or the latest one with rates if this one has none."""
    years = available_tax_years()
    current = tax_year_label(timezone.localdate())
    return current if current in years else years[-1]


class StatutoryRecoveryView(DepartmentPageMixin, TemplateView):
    """Per tax month of a tax year: statutory family pay paid, recoverable and NIC compensation."""

    template_name = "payroll/statutory_recovery.html"
    required_scope = Scope.PAYROLL_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = TaxYearForm(self.request.GET or {"tax_year": default_tax_year()})
        recovery = None
        if form.is_valid():
            recovery = statutory_recovery(department=self.department, tax_year=form.cleaned_data["tax_year"])
        context.update(form=form, recovery=recovery, year=recovery.year_to_date() if recovery else None)
        return context


class EarningsHistoryUploadForm(forms.Form):
    file = forms.FileField(label="Upload a CSV file of earnings",
                           error_messages={"required": "Choose a CSV file of earnings to upload"})

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_EARNINGS_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file must be smaller than {MAX_EARNINGS_UPLOAD_BYTES // 1_000_000} MB")
        return upload


class EarningsHistoryLoadView(DepartmentPageMixin, FormView):
    """Load what the previous payroll paid (all or nothing, every bad line named)."""

    template_name = "payroll/earnings_history_load.html"
    form_class = EarningsHistoryUploadForm
    required_scope = Scope.PAYROLL_READ

    @cached_property
    def can_load(self) -> bool:
        return self.department_access.allows(Scope.PAYROLL_SUBMIT)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(can_load=self.can_load, columns=services.EARNINGS_HISTORY_COLUMNS)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.can_load:
            raise PermissionDenied("Loading earnings history needs the 'payroll:submit' permission.")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: EarningsHistoryUploadForm) -> HttpResponse:
        upload = form.cleaned_data["file"]
        name = upload.name or "upload"
        try:
            rows = services.earnings_history_rows_from_csv(upload.read())
            outcome = services.earnings_history_load(department=self.department, rows=rows,
                                                     acting_user=_user(self.request), source=name)
        except ValidationError as error:
            add_service_errors(form, error, aliases={"rows": "file"})
            return self.form_invalid(form)
        messages.success(self.request, f"{name}: {outcome.added} pay days added, {outcome.replaced} replaced")
        return redirect("payroll:earnings-history", department_slug=self.department.slug)
