"""Self-service details pages and HR's queue of requests to change what only HR changes.

Thin views: forms from ``hr.forms_self_service``, reads from ``hr.selectors_self_service``, writes
through ``hr.services.self_service``. An employee reaches only their own record and requests;
another's request id is not found.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from departments.roles import Scope
from departments.web import DepartmentPageMixin
from hr import selectors, selectors_self_service
from hr.forms_self_service import (
    AddressForm,
    DateOfBirthRequestForm,
    DecisionForm,
    EmailForm,
    EmergencyContactForm,
    NameRequestForm,
    NiNumberRequestForm,
    PhoneForm,
)
from hr.models import DetailChangeRequest, Employee
from hr.services.self_service import (
    FIELD_LABELS,
    detail_change_request_create,
    detail_change_request_decide,
    detail_change_request_withdraw,
    employee_personal_details_change,
    evidence_content_type,
)
from hr.views import EmployeePageMixin, HrPageMixin, OwnRecordMixin, SensitiveWriteRequiredMixin
from shared_services.core.forms import add_service_errors


@dataclass(frozen=True)
class Section:
    """A part of "Your details" with its own form: changed directly, or asked of HR."""

    form_class: type[forms.Form]
    title: str
    done: str = ""


CHANGE_SECTIONS = {
    "address": Section(AddressForm, "Change your address", "Your address has been changed"),
    "phone": Section(PhoneForm, "Change your phone number", "Your phone number has been changed"),
    "email": Section(EmailForm, "Change your personal e-mail address",
                     "Your personal e-mail address has been changed"),
    "emergency-contact": Section(EmergencyContactForm, "Change your emergency contact",
                                 "Your emergency contact has been changed"),
}
REQUEST_SECTIONS = {
    "name": Section(NameRequestForm, "Ask HR to change your name"),
    "date-of-birth": Section(DateOfBirthRequestForm, "Ask HR to change your date of birth"),
    "ni-number": Section(NiNumberRequestForm, "Ask HR to change your National Insurance number"),
}
# Which request section asks for each field, so a field already waiting for HR shows no link.
REQUEST_SECTION_OF = {"first_name": "name", "last_name": "name", "date_of_birth": "date-of-birth",
                      "ni_number": "ni-number"}
STATUS_TAGS: dict[str, str] = {
    DetailChangeRequest.Status.PENDING: "govuk-tag--yellow",
    DetailChangeRequest.Status.APPROVED: "govuk-tag--green",
    DetailChangeRequest.Status.REJECTED: "govuk-tag--red",
    DetailChangeRequest.Status.WITHDRAWN: "govuk-tag--grey",
}


def _shown(name: str, value: str) -> str:
    """A stored request value (text) as a page shows it."""
    if name == "date_of_birth" and value:
        try:
            return f"{datetime.date.fromisoformat(value):%-d %B %Y}"
        except ValueError:
            return value
    return value


def request_rows(change_request: DetailChangeRequest) -> list[dict[str, str]]:
    """One row per requested field: its label, the value held when asked, and the value asked for."""
    return [{"name": name, "label": FIELD_LABELS.get(name, name), "current": _shown(name, change_request.current.get(
        name, "")), "requested": _shown(name, str(value))} for name, value in change_request.requested.items()]


def _listed(change_request: DetailChangeRequest) -> dict[str, Any]:
    return {"request": change_request, "what": ", ".join(FIELD_LABELS.get(name, name).lower()
                                                         if name != "ni_number" else FIELD_LABELS[name]
                                                         for name in change_request.requested),
            "tag": STATUS_TAGS.get(change_request.status, "govuk-tag--grey")}


class OwnDetailsMixin(OwnRecordMixin):
    """A self-service details page: without an employee record it goes back to "Your details",
    which explains."""

    department: Any

    def details_url(self) -> str:
        return reverse("hr:my-details", kwargs={"department_slug": self.department.slug})

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if self.own_record is None:
            return redirect(self.details_url())
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc, no-any-return]

    @property
    def employee(self) -> Employee:
        assert self.own_record is not None
        return self.own_record


class MyDetailsView(DepartmentPageMixin, OwnRecordMixin, TemplateView):
    """The employee's personal details, with a way to change each (directly or by asking HR), and
    their requests to HR."""

    template_name = "hr/me/details.html"
    required_scope = Scope.SELF_SERVICE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        own = self.own_record
        if own is None:
            return context
        waiting = selectors_self_service.pending_fields_of(employee=own)
        context.update(
            ni_number_ending=own.ni_number[-3:] if own.ni_number else "",
            waiting={REQUEST_SECTION_OF[name] for name in waiting if name in REQUEST_SECTION_OF},
            requests=[_listed(row) for row in selectors_self_service.detail_change_requests_of(employee=own)[:50]],
        )
        return context


class MyDetailsChangeView(DepartmentPageMixin, OwnDetailsMixin, FormView):
    """Change one section of the employee's contact details."""

    template_name = "hr/me/details_change.html"
    required_scope = Scope.SELF_SERVICE

    @cached_property
    def section(self) -> Section:
        section = CHANGE_SECTIONS.get(self.kwargs["section"])
        if section is None:
            raise Http404("There is no such part of your details.")
        return section

    def get_form_class(self) -> type[forms.Form]:
        return self.section.form_class

    def get_initial(self) -> dict[str, Any]:
        return {name: getattr(self.employee, name) for name in self.section.form_class.base_fields}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(section=self.section, section_key=self.kwargs["section"], details_url=self.details_url())
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            employee_personal_details_change(employee=self.employee, changes=form.changes(),
                                             acting_user=self.acting_user)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.section.done)
        return redirect(self.details_url())


class MyDetailsRequestView(DepartmentPageMixin, OwnDetailsMixin, FormView):
    """Ask HR to change the employee's name, date of birth or NI number, with evidence."""

    template_name = "hr/me/details_request.html"
    required_scope = Scope.SELF_SERVICE

    @cached_property
    def section(self) -> Section:
        section = REQUEST_SECTIONS.get(self.kwargs["section"])
        if section is None:
            raise Http404("There is no such part of your details.")
        return section

    def get_form_class(self) -> type[forms.Form]:
        return self.section.form_class

    def get_initial(self) -> dict[str, Any]:
        # The name as held, to edit the part that changes; the others start empty.
        if self.kwargs["section"] == "name":
            return {"first_name": self.employee.first_name, "last_name": self.employee.last_name}
        return {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        own = self.employee
        held = {"name": f"{own.first_name} {own.last_name}",
                "date-of-birth": f"{own.date_of_birth:%-d %B %Y}",
                "ni-number": f"a number ending {own.ni_number[-3:]}" if own.ni_number else "no number"}
        context.update(section=self.section, section_key=self.kwargs["section"], details_url=self.details_url(),
                       held=held[self.kwargs["section"]])
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        evidence = form.cleaned_data["evidence"]
        try:
            detail_change_request_create(employee=self.employee, changes=form.changes(),
                                         reason=form.cleaned_data["reason"], evidence=evidence,
                                         evidence_name=evidence.name, acting_user=self.acting_user)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Your request has been sent to HR. You will get an e-mail when it is decided")
        return redirect(self.details_url())


class MyDetailsRequestWithdrawView(DepartmentPageMixin, OwnDetailsMixin, View):
    """Withdraw one of the employee's own requests that HR has not decided."""

    required_scope = Scope.SELF_SERVICE
    kwargs: dict[str, Any]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        change_request = selectors_self_service.detail_change_request_of(employee=self.employee,
                                                                         request_id=kwargs["request_id"])
        try:
            detail_change_request_withdraw(change_request=change_request, acting_user=self.acting_user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Your request to change your {_listed(change_request)['what']} is withdrawn")
        return redirect(self.details_url())


# --- HR ----------------------------------------------------------------------------------------


class DetailRequestListView(DepartmentPageMixin, SensitiveWriteRequiredMixin, HrPageMixin, TemplateView):
    """HR's queue of requests to change name, date of birth or NI number: waiting ones by default."""

    template_name = "hr/detail_requests/list.html"
    required_scope = Scope.HR_WRITE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", DetailChangeRequest.Status.PENDING)
        if status != "all" and status not in DetailChangeRequest.Status.values:
            status = DetailChangeRequest.Status.PENDING
        rows = selectors_self_service.detail_change_requests(status="" if status == "all" else status)[:200]
        context.update(status=status, rows=[_listed(row) for row in rows],
                       statuses=[(DetailChangeRequest.Status.PENDING, "Waiting"), ("all", "All requests")])
        return context


class DetailRequestView(DepartmentPageMixin, SensitiveWriteRequiredMixin, HrPageMixin, FormView):
    """One request: the values now, when asked and asked for, the evidence, and the decision."""

    template_name = "hr/detail_requests/detail.html"
    form_class = DecisionForm
    required_scope = Scope.HR_WRITE
    kwargs: dict[str, Any]

    @cached_property
    def change_request(self) -> DetailChangeRequest:
        return selectors_self_service.detail_change_request_get(request_id=self.kwargs["request_id"])

    def own_request(self) -> bool:
        """The officer is the employee the request is about, or made it: they may not decide it."""
        user_id = self.acting_user.pk
        return user_id in (self.change_request.employee.user_id, self.change_request.requested_by_id)  # type: ignore[attr-defined]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        change_request = self.change_request
        employee = change_request.employee
        rows = request_rows(change_request)
        for row in rows:
            now = getattr(employee, row["name"])
            row["now"] = _shown(row["name"], now.isoformat() if isinstance(now, datetime.date) else str(now or ""))
        waiting, own = change_request.status == DetailChangeRequest.Status.PENDING, self.own_request()
        context.update(change_request=change_request, employee=employee, rows=rows,
                       tag=STATUS_TAGS.get(change_request.status, "govuk-tag--grey"),
                       may_decide=waiting and not own, own_request=own)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.change_request.status != DetailChangeRequest.Status.PENDING:
            messages.error(request, "This request is no longer waiting for a decision.")
            return redirect(self.request.path)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: DecisionForm) -> HttpResponse:
        approve = form.cleaned_data["decision"] == "approve"
        try:
            detail_change_request_decide(change_request=self.change_request, approve=approve,
                                         acting_user=self.acting_user, note=form.cleaned_data["note"])
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        employee = self.change_request.employee
        messages.success(self.request, f"{'Approved' if approve else 'Rejected'}: {employee.display_name}'s "
                                       f"request to change their {_listed(self.change_request)['what']}")
        return redirect("hr:detail-requests", department_slug=self.department.slug)


class DetailRequestEvidenceView(DepartmentPageMixin, HrPageMixin, View):
    """A request's evidence, only through this view's checks (the files have no public address):
    to HR officers who decide requests, and to the employee who sent it."""

    required_scope = Scope.SELF_SERVICE
    kwargs: dict[str, Any]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if self.department_access.allows(Scope.HR_WRITE) and self.department_access.allows(Scope.HR_SENSITIVE):
            change_request = selectors_self_service.detail_change_request_get(request_id=kwargs["request_id"])
        else:
            own = selectors.employee_of_user(user_id=self.acting_user.pk)
            if own is None:
                raise Http404(selectors_self_service.NOT_FOUND)
            change_request = selectors_self_service.detail_change_request_of(employee=own,
                                                                             request_id=kwargs["request_id"])
        if not change_request.evidence:
            raise Http404("This request has no evidence.")
        try:
            handle = change_request.evidence.open("rb")
        except OSError:
            raise Http404("The evidence file is missing; ask the employee to send it again.") from None
        content_type = evidence_content_type(handle.read(16)) or "application/octet-stream"
        handle.seek(0)
        response = FileResponse(handle, as_attachment=True, filename=change_request.evidence_name or "evidence",
                                content_type=content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class EmployeeDetailChangesView(DepartmentPageMixin, EmployeePageMixin, TemplateView):
    """For HR: the changes made to one employee's personal details (by them, by HR, or by approving
    a request) and the employee's requests to HR. Values of sensitive fields are masked, as in the
    audit log."""

    template_name = "hr/detail_requests/employee_changes.html"
    required_scope = Scope.HR_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        employee = self.employee
        changes = []
        for event in selectors_self_service.personal_details_changes_of(employee=employee)[:100]:
            by_employee = event.actor_id is not None and event.actor_id == employee.user_id  # type: ignore[attr-defined]
            changes.append({
                "event": event,
                "by": "The employee" if by_employee else (event.actor.get_full_name() if event.actor else "The system"),
                "how": "Request approved" if event.action == selectors_self_service.DETAILS_CHANGE_REQUEST_APPROVE
                else "Changed directly",
                "fields": [{"label": FIELD_LABELS.get(name, name), "before": change.get("before") or "(none)",
                            "after": change.get("after") or "(none)"} for name, change in event.changes.items()],
            })
        requests = [_listed(row) for row in selectors_self_service.detail_change_requests_of(employee=employee)[:50]]
        context.update(changes=changes, requests=requests,
                       may_decide=self.department_access.allows(Scope.HR_WRITE) and self.sees_sensitive)
        return context
