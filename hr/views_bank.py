"""Bank details pages: the employee's own (after a fresh second factor), HR's proposal on evidence,
and the second HR officer's queue and check.

Thin views: forms in ``hr.forms_bank``, reads in ``hr.selectors_bank``, writes in
``hr.services.bank_details``. Evidence files are served only through ``BankDetailsEvidenceView``,
never from a public address.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from departments.roles import Scope
from departments.web import DepartmentPageMixin
from hr import selectors_bank
from hr.forms_bank import BankDetailsCheckForm, BankDetailsForm, BankDetailsProposalForm
from hr.models import BankDetailsChange, Employee
from hr.services.bank_details import (
    bank_details_change_confirm,
    bank_details_change_propose,
    bank_details_change_reject,
    bank_details_change_request,
)
from hr.services.self_service import evidence_content_type
from hr.views import EmployeePageMixin, HrPageMixin, OwnRecordMixin, SensitiveWriteRequiredMixin
from shared_services.accounts.step_up import StepUpRequiredMixin
from shared_services.core.forms import add_service_errors


def _account_of(employee: Employee) -> str:
    return selectors_bank.masked_account(sort_code=employee.bank_sort_code,
                                         account_number=employee.bank_account_number,
                                         roll_number=employee.building_society_roll_number)


def _account_of_change(change: BankDetailsChange, *, previous: bool = False) -> str:
    if previous:
        return selectors_bank.masked_account(sort_code=change.previous_sort_code,
                                             account_number=change.previous_account_number,
                                             roll_number=change.previous_roll_number)
    return selectors_bank.masked_account(sort_code=change.sort_code, account_number=change.account_number,
                                         roll_number=change.roll_number)


# --- The employee's own ---------------------------------------------------------------------------

class MyBankDetailsView(DepartmentPageMixin, StepUpRequiredMixin, OwnRecordMixin, FormView):
    """Where the employee's pay goes, and changing it: shown and saved only after a second factor
    given within the last few minutes."""

    template_name = "hr/bank/my_bank_details.html"
    form_class = BankDetailsForm
    required_scope = Scope.SELF_SERVICE

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.own_record is None:
            return redirect("hr:my-bank-details", department_slug=self.department.slug)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.own_record is not None:
            scheduled = selectors_bank.scheduled_change_of(employee=self.own_record)
            context.update(
                account_in_use=_account_of(self.own_record), has_account=bool(self.own_record.bank_account_number),
                scheduled=scheduled,
                scheduled_account=_account_of_change(scheduled) if scheduled else "",
                scheduled_timing=selectors_bank.bank_change_timing(scheduled) if scheduled else "",
            )
        return context

    def form_valid(self, form: BankDetailsForm) -> HttpResponse:
        assert self.own_record is not None
        data = form.cleaned_data
        try:
            change = bank_details_change_request(
                employee=self.own_record, sort_code=data["bank_sort_code"],
                account_number=data["bank_account_number"], roll_number=data["building_society_roll_number"],
                acting_user=self.acting_user)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        return redirect("hr:my-bank-details-change", department_slug=self.department.slug, change_id=change.pk)


class MyBankDetailsChangeView(DepartmentPageMixin, OwnRecordMixin, TemplateView):
    """What became of one of the employee's own changes, and from which pay period it counts."""

    template_name = "hr/bank/my_bank_details_change.html"
    required_scope = Scope.SELF_SERVICE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.own_record is None:
            raise Http404("There is no bank details change at this address.")
        change = selectors_bank.bank_details_change_of(employee=self.own_record, change_id=self.kwargs["change_id"])
        context.update(change=change, new_account=_account_of_change(change),
                       old_account=_account_of_change(change, previous=True),
                       timing=selectors_bank.bank_change_timing(change))
        return context


# --- HR's proposal on evidence --------------------------------------------------------------------

class EmployeeBankDetailsView(DepartmentPageMixin, SensitiveWriteRequiredMixin, StepUpRequiredMixin,
                              EmployeePageMixin, FormView):
    """HR proposes a new account for an employee, on evidence; a second HR officer checks it before
    it counts. Asks for a recent second factor before it shows or saves."""

    template_name = "hr/employee_bank_details.html"
    form_class = BankDetailsProposalForm
    required_scope = Scope.HR_WRITE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        changes = list(selectors_bank.bank_details_changes_of(employee=self.employee)
                       .select_related("requested_by", "checked_by")[:10])
        context.update(
            account_in_use=_account_of(self.employee),
            changes=[{"change": change, "account": _account_of_change(change),
                      "timing": selectors_bank.bank_change_timing(change, own=False)} for change in changes],
            waiting=next((change for change in changes
                          if change.status == BankDetailsChange.Status.AWAITING_CHECK), None),
        )
        return context

    def form_valid(self, form: BankDetailsProposalForm) -> HttpResponse:
        data = form.cleaned_data
        evidence = data.get("evidence")
        try:
            bank_details_change_propose(
                employee=self.employee, sort_code=data["bank_sort_code"], account_number=data["bank_account_number"],
                roll_number=data["building_society_roll_number"], reason=data["reason"], evidence=evidence,
                evidence_name=evidence.name if evidence else "", acting_user=self.acting_user)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"The change of {self.employee.display_name}'s bank details is waiting for "
                                       "a second HR officer's check. Nothing changes until then.")
        return redirect(self.record_url())


# --- The second person's check --------------------------------------------------------------------

class BankDetailsChecksView(DepartmentPageMixin, SensitiveWriteRequiredMixin, HrPageMixin, TemplateView):
    """HR's queue of proposed changes waiting for a second person, and those checked lately."""

    template_name = "hr/bank/checks.html"
    required_scope = Scope.HR_WRITE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(waiting=list(selectors_bank.bank_details_checks_waiting()[:200]),
                       recent=selectors_bank.bank_details_checks_recent())
        return context


class BankDetailsChangeMixin(HrPageMixin):
    kwargs: dict[str, Any]

    @cached_property
    def change(self) -> BankDetailsChange:
        return selectors_bank.bank_details_change_get(change_id=self.kwargs["change_id"])

    def check_url(self) -> str:
        return reverse("hr:bank-details-check", kwargs={"department_slug": self.department.slug,
                                                        "change_id": self.change.pk})


class BankDetailsCheckView(DepartmentPageMixin, SensitiveWriteRequiredMixin, StepUpRequiredMixin,
                           BankDetailsChangeMixin, FormView):
    """One proposed change beside its evidence: a second HR officer confirms or rejects it. The new
    account is shown whole, to be compared with the evidence."""

    template_name = "hr/bank/check.html"
    form_class = BankDetailsCheckForm
    required_scope = Scope.HR_WRITE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        change = self.change
        waiting = change.status == BankDetailsChange.Status.AWAITING_CHECK
        context.update(
            change=change, employee=change.employee, account_in_use=_account_of(change.employee),
            timing=selectors_bank.bank_change_timing(change, own=False),
            own_proposal=change.requested_by_id == self.acting_user.pk,  # type: ignore[attr-defined]
            own_record=change.employee.user_id == self.acting_user.pk,  # type: ignore[attr-defined]
            may_decide=waiting,
        )
        return context

    def form_valid(self, form: BankDetailsCheckForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            if data["decision"] == BankDetailsCheckForm.CONFIRM:
                change = bank_details_change_confirm(change=self.change, acting_user=self.acting_user,
                                                     note=data["note"])
                messages.success(self.request, f"Confirmed: {change.employee.display_name}'s bank details change. "
                                               f"{selectors_bank.bank_change_timing(change, own=False)}")
            else:
                change = bank_details_change_reject(change=self.change, acting_user=self.acting_user,
                                                    reason=data["note"])
                messages.success(self.request, f"Rejected: {change.employee.display_name}'s bank details change. "
                                               "Their bank details are unchanged.")
        except ValidationError as error:
            add_service_errors(form, error, aliases={"reason": "note"})
            return self.form_invalid(form)
        return redirect("hr:bank-details-checks", department_slug=self.department.slug)


class BankDetailsEvidenceView(DepartmentPageMixin, SensitiveWriteRequiredMixin, StepUpRequiredMixin,
                              BankDetailsChangeMixin, View):
    """The evidence for HR's proposal, only through these checks: the files have no public address."""

    required_scope = Scope.HR_WRITE

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        change = self.change
        if not change.evidence:
            raise Http404("This change has no evidence file.")
        handle = change.evidence.open("rb")
        content_type = evidence_content_type(handle.read(16)) or "application/octet-stream"
        handle.seek(0)
        response = FileResponse(handle, as_attachment=True, filename=change.evidence_name or "evidence",
                                content_type=content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
