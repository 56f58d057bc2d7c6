"""A pay run's report of recent bank details changes and the approver's acknowledgement of the
flagged ones: shown on the run page beside its exceptions, and in full on a page of its own."""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from departments.roles import Scope
from departments.web import DepartmentPageMixin
from payroll import selectors, services
from payroll.models import PayRun
from payroll.selectors_bank_changes import ACKNOWLEDGEABLE_STATUSES, RunBankChangeReport, pay_run_bank_changes
from payroll.services.bank_changes import NOTE_MAX_LENGTH
from shared_services.accounts.models import User
from shared_services.core.forms import add_service_errors

ON_RUN_PAGE = 10
PER_PAGE = 25
ACKNOWLEDGE_ALL = "all"


class BankChangeAcknowledgeForm(forms.Form):
    """Which of the flagged changes shown the approver has checked, or all of them, and a note."""

    changes = forms.TypedMultipleChoiceField(
        coerce=int, required=False, label="Flagged changes you have checked",
        error_messages={"invalid_choice": "Select only flagged changes this run lists"})
    note = forms.CharField(label="What did you check?", required=False, max_length=NOTE_MAX_LENGTH,
                           error_messages={"max_length": f"The note must be {NOTE_MAX_LENGTH} characters or fewer"},
                           widget=forms.Textarea(attrs={"rows": 3}))
    # The ids of the waiting changes the page showed; only those still on the run's list count.
    shown = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    acknowledge = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "bank-change-%s")
        super().__init__(*args, **kwargs)
        self.fields["changes"].choices = choices  # type: ignore[attr-defined]
        self.listed = {change_id for change_id, _ in choices}

    def clean_shown(self) -> list[int]:
        values = self.cleaned_data.get("shown") or []
        return [int(value) for value in values if str(value).isdigit() and int(value) in self.listed]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("acknowledge") == ACKNOWLEDGE_ALL:
            data["changes"] = data.get("shown") or []
        if not data.get("changes") and "changes" not in self.errors:
            self.add_error("changes", "Select the flagged changes you have checked, or acknowledge all shown")
        if not (data.get("note") or "").strip() and "note" not in self.errors:
            self.add_error("note", "Enter what you checked, for example that you confirmed the change with "
                                   "the employee")
        return data


class BankChangesMixin:
    """The report and its acknowledgement form for a run page; POST acknowledges and comes back."""

    kwargs: dict[str, Any]
    request: HttpRequest
    department: Any
    department_access: Any
    run: PayRun
    bank_changes_per_page = ON_RUN_PAGE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.update(self.bank_changes_context(form=kwargs.get("bank_change_form")))
        return context

    @cached_property
    def bank_change_report(self) -> RunBankChangeReport:
        return pay_run_bank_changes(run=self.run)

    def bank_changes_page(self) -> Page:
        number = self.request.GET.get("page") if self.bank_changes_per_page == PER_PAGE else 1
        return Paginator(self.bank_change_report.changes, self.bank_changes_per_page).get_page(number)

    def may_acknowledge(self) -> bool:
        return (self.department_access.allows(Scope.PAYROLL_APPROVE) and self.run.status in ACKNOWLEDGEABLE_STATUSES
                and self.run.kind != PayRun.Kind.SHADOW)

    def _form(self, data: Any = None) -> BankChangeAcknowledgeForm:
        choices = [(item.id, f"{item.employee.display_name} ({item.employee.payroll_number}), changed "
                              f"{timezone.localtime(item.change.requested_at):%-d %B %Y}: "
                              f"{', '.join(flag.label.lower() for flag in item.flags)}")
                   for item in self.bank_change_report.flagged]
        return BankChangeAcknowledgeForm(data, choices=choices)

    def bank_changes_context(self, *, form: BankChangeAcknowledgeForm | None = None) -> dict[str, Any]:
        report = self.bank_change_report
        page = self.bank_changes_page()
        waiting_shown = [item for item in page.object_list if item.needs_acknowledgement]
        return {
            "bank_changes": report, "bank_changes_page": page, "bank_changes_waiting_shown": waiting_shown,
            "bank_change_form": form or self._form(),
            "can_acknowledge_bank_changes": self.may_acknowledge() and bool(waiting_shown),
            "bank_changes_full_report": self.bank_changes_per_page == PER_PAGE,
        }

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.department_access.allows(Scope.PAYROLL_APPROVE):
            raise PermissionDenied("Acknowledging bank details changes needs the payroll:approve permission.")
        form = self._form(request.POST)
        if form.is_valid():
            try:
                written = services.pay_run_bank_changes_acknowledge(
                    run=self.run, change_ids=form.cleaned_data["changes"], note=form.cleaned_data["note"],
                    acting_user=cast(User, request.user))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                count = len(written)
                messages.success(request, f"{count} bank details change{' is' if count == 1 else 's are'} "
                                          "acknowledged for this run")
                return redirect(request.get_full_path() + "#bank-changes")
        return self.render_to_response(self.get_context_data(bank_change_form=form))  # type: ignore[attr-defined]


class PayRunBankChangesView(DepartmentPageMixin, BankChangesMixin, TemplateView):
    """Every change in the run's report, a page at a time, for runs with more than the run page shows."""

    template_name = "payroll/run_bank_changes.html"
    required_scope = Scope.PAYROLL_READ
    bank_changes_per_page = PER_PAGE

    @cached_property
    def run(self) -> PayRun:  # type: ignore[override]
        return selectors.pay_run_get(run_id=self.kwargs["run_id"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(run=self.run, run_url=reverse("payroll:run", kwargs={
            "department_slug": self.department.slug, "run_id": self.run.pk}))
        return context
