"""HR pages for family leave, unauthorised absence and the department's absence pay schemes, and the
employee's own family leave requests.

Thin views: forms in ``hr.forms_absence``, reads in ``hr.selectors_absence``, writes in
``hr.services``. HR officers record and confirm (``hr:write``); the schemes are HR admins' settings;
employees see and request only their own (``self:service``, never a payroll number in the address).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from departments.roles import Role, Scope
from departments.selectors import DepartmentAccess
from departments.web import DepartmentPageMixin
from hr import selectors_absence, services
from hr.absence_schemes import DEFAULT_SCHEMES, PAY_WORDS
from hr.forms_absence import (
    AbsencePaySchemeForm,
    FamilyLeaveCancelForm,
    FamilyLeaveConfirmForm,
    FamilyLeaveForm,
    MyFamilyLeaveForm,
    UnauthorisedAbsenceForm,
)
from hr.models import AbsencePayScheme, FamilyLeave
from hr.views import EmployeePageMixin, HrPageMixin, OwnRecordMixin, _shown
from shared_services.core.forms import add_service_errors

# Hints for the family leave forms, shared by HR's and the employee's.
FAMILY_LEAVE_HINTS = {
    "kind": "Paternity, bereavement and neonatal care leave are taken in whole weeks",
    "expected_date": "Any day in the week the baby is due (as on the MATB1), or the day the child is expected to "
                     "be placed. Needed for maternity, paternity, adoption and shared parental leave",
    "matched_date": "Adoption only: the day the adopter was told they had been matched with a child",
    "event_date": "If the child has been born or placed; for parental bereavement leave, the date of death; for "
                  "neonatal care leave, the date of birth",
    "evidence_date": "Maternity: the date on the MATB1. Adoption: the date on the matching certificate",
    "evidence_received_on": "When HR had the MATB1 or matching certificate in hand",
    "statutory_weeks": "Paternity and bereavement 1 or 2, neonatal care up to 12, shared parental up to 37; "
                       "leave empty for maternity and adoption pay's full 39 weeks",
    "keeping_in_touch_days": "Days worked during the leave, like 6/1/2027, 3/2/2027, separated by commas. Up to 10 "
                             "(maternity, adoption) or 20 SPLIT days (shared parental)",
}


class HrAdminRequiredMixin:
    """After ``DepartmentPageMixin``: the department's HR settings are for its HR admins."""

    department_access: DepartmentAccess

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if Role.HR_ADMIN not in self.department_access.roles:
            raise PermissionDenied("The absence pay schemes are changed by the department's HR admins.")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc, no-any-return]


def _leave_summary(leave: FamilyLeave) -> str:
    return f"{leave.get_kind_display()}, {_shown(leave.start_date)} to {_shown(leave.end_date)}"


# --- HR: family leave -----------------------------------------------------------------------------


class FamilyLeaveRecordView(DepartmentPageMixin, EmployeePageMixin, FormView):
    """HR records family leave for an employee; it is confirmed at once, so payroll pays it."""

    template_name = "hr/family_leave_record.html"
    form_class = FamilyLeaveForm
    required_scope = Scope.HR_WRITE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["hints"] = FAMILY_LEAVE_HINTS
        return context

    def form_valid(self, form: FamilyLeaveForm) -> HttpResponse:
        try:
            leave = services.family_leave_record(employee=self.employee, acting_user=self.acting_user,
                                                 **form.leave_fields())
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Recorded: {_leave_summary(leave)}")
        return redirect(self.record_url())


class FamilyLeaveView(DepartmentPageMixin, EmployeePageMixin, TemplateView):
    """One family leave: its dates and evidence, the scheme's weeks, and (HR) confirm or cancel it."""

    template_name = "hr/family_leave_detail.html"
    required_scope = Scope.HR_READ

    @cached_property
    def leave(self) -> FamilyLeave:
        return selectors_absence.family_leave_get(leave_id=self.kwargs["leave_id"], employee=self.employee)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        leave, today = self.leave, timezone.localdate()
        allowance = next((entry for entry in selectors_absence.family_leave_allowances(employee=self.employee,
                                                                                        on=today)
                          if entry.leave.pk == leave.pk), None)
        context.update(
            leave=leave, allowance=allowance, today=today,
            confirm_form=kwargs.get("confirm_form") or FamilyLeaveConfirmForm(
                initial={"evidence_received_on": leave.evidence_received_on}, prefix="confirm"),
            cancel_form=kwargs.get("cancel_form") or FamilyLeaveCancelForm(prefix="cancel"),
            can_confirm=context["can_write"] and leave.status == FamilyLeave.Status.REQUESTED,
            can_cancel=context["can_write"] and leave.status != FamilyLeave.Status.CANCELLED,
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.department_access.allows(Scope.HR_WRITE):
            raise PermissionDenied(f"Confirming and cancelling leave needs the '{Scope.HR_WRITE}' permission.")
        if request.POST.get("action") == "confirm":
            form: FamilyLeaveConfirmForm | FamilyLeaveCancelForm = FamilyLeaveConfirmForm(request.POST,
                                                                                        prefix="confirm")
            if form.is_valid():
                try:
                    services.family_leave_confirm(leave=self.leave, acting_user=self.acting_user,
                                                  evidence_received_on=form.cleaned_data["evidence_received_on"])
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, f"Confirmed: {_leave_summary(self.leave)}")
                    return redirect(self.record_url())
            return self.render_to_response(self.get_context_data(confirm_form=form, form=form))
        form = FamilyLeaveCancelForm(request.POST, prefix="cancel")
        if form.is_valid():
            try:
                services.family_leave_cancel(leave=self.leave, acting_user=self.acting_user,
                                             reason=form.cleaned_data["reason"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Cancelled: {_leave_summary(self.leave)}")
                return redirect(self.record_url())
        return self.render_to_response(self.get_context_data(cancel_form=form, form=form))


class FamilyLeaveWaitingView(DepartmentPageMixin, HrPageMixin, TemplateView):
    """Family leave requested in self-service, waiting for HR to see the evidence and confirm it."""

    template_name = "hr/family_leave_waiting.html"
    required_scope = Scope.HR_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["waiting"] = selectors_absence.family_leaves_waiting()[:200]
        return context


class UnauthorisedAbsenceRecordView(DepartmentPageMixin, EmployeePageMixin, FormView):
    """HR records unauthorised absence: unpaid, so payroll stops pay for the days."""

    template_name = "hr/unauthorised_absence_record.html"
    form_class = UnauthorisedAbsenceForm
    required_scope = Scope.HR_WRITE

    def form_valid(self, form: UnauthorisedAbsenceForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            absence = services.unauthorised_absence_record(
                employee=self.employee, start_date=data["start_date"], end_date=data["end_date"],
                hours=data["hours"] or None, note=data["note"], acting_user=self.acting_user)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Unauthorised absence recorded from {_shown(absence.start_date)} to "
                                       f"{_shown(absence.end_date)}, {absence.hours} hours unpaid")
        return redirect(self.record_url())


# --- Settings: absence pay schemes ----------------------------------------------------------------


def _steps_in_words(scheme: selectors_absence.EffectiveScheme) -> list[str]:
    unit = "days" if scheme.kind == "sickness" else "weeks"
    return [f"{step[unit]} {unit if step[unit] != 1 else unit[:-1]} at {PAY_WORDS[step['pay']]}"
            for step in scheme.steps]


class AbsencePaySchemesView(DepartmentPageMixin, HrAdminRequiredMixin, HrPageMixin, TemplateView):
    """Each kind's scheme in effect: the department's own, or the default."""

    template_name = "hr/absence_pay_schemes.html"
    required_scope = Scope.HR_WRITE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        schemes = selectors_absence.absence_pay_schemes()
        context["schemes"] = [{"kind": kind, "label": AbsencePayScheme.Kind(kind).label, "scheme": schemes[kind],
                               "steps": _steps_in_words(schemes[kind])}
                              for kind in AbsencePayScheme.Kind.values]
        return context


class AbsencePaySchemeEditView(DepartmentPageMixin, HrAdminRequiredMixin, HrPageMixin, FormView):
    """Change one kind's scheme (steps as rows of pay and length), or go back to the default."""

    template_name = "hr/absence_pay_schemes_edit.html"
    form_class = AbsencePaySchemeForm
    required_scope = Scope.HR_WRITE

    @cached_property
    def scheme(self) -> selectors_absence.EffectiveScheme:
        scheme = selectors_absence.absence_pay_schemes().get(self.kwargs["kind"])
        if scheme is None:
            raise Http404("There is no scheme of that kind.")
        return scheme

    def list_url(self) -> str:
        return reverse("hr:absence-pay-schemes", kwargs={"department_slug": self.department.slug})

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["kind"] = self.scheme.kind
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        scheme = self.scheme
        return AbsencePaySchemeForm.initial_for(name=scheme.name, steps=scheme.steps, kind=scheme.kind,
                                                rolling_period_days=scheme.rolling_period_days,
                                                qualifying_service_weeks=scheme.qualifying_service_weeks)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        default = DEFAULT_SCHEMES[self.scheme.kind]
        context.update(scheme=self.scheme, label=AbsencePayScheme.Kind(self.scheme.kind).label,
                       default_steps=_steps_in_words(selectors_absence.EffectiveScheme(
                           self.scheme.kind, default["name"], tuple(default["steps"]),
                           default.get("rolling_period_days"), 0, True)))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.POST.get("action") == "reset":
            services.absence_pay_scheme_reset(department=self.department, kind=self.scheme.kind,
                                              acting_user=self.acting_user)
            messages.success(request, f"{AbsencePayScheme.Kind(self.scheme.kind).label} is back to the default")
            return redirect(self.list_url())
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AbsencePaySchemeForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            services.absence_pay_scheme_set(
                department=self.department, kind=self.scheme.kind, name=data["name"], steps=form.steps(),
                rolling_period_days=data.get("rolling_period_days"),
                qualifying_service_weeks=data["qualifying_service_weeks"], acting_user=self.acting_user)
        except ValidationError as error:
            add_service_errors(form, error, aliases={"steps": "step_1_pay"})
            return self.form_invalid(form)
        messages.success(self.request, f"{AbsencePayScheme.Kind(self.scheme.kind).label} is saved")
        return redirect(self.list_url())


# --- Self-service ---------------------------------------------------------------------------------


class MyFamilyLeaveRequestView(DepartmentPageMixin, OwnRecordMixin, FormView):
    """The employee asks for family leave with the date on their evidence; HR confirms it."""

    template_name = "hr/my_family_leave_request.html"
    form_class = MyFamilyLeaveForm
    required_scope = Scope.SELF_SERVICE

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.own_record is None:
            return redirect("hr:my-leave", department_slug=self.department.slug)
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.own_record is None:
            return redirect("hr:my-leave", department_slug=self.department.slug)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["hints"] = FAMILY_LEAVE_HINTS
        return context

    def form_valid(self, form: MyFamilyLeaveForm) -> HttpResponse:
        assert self.own_record is not None
        try:
            leave = services.family_leave_request(employee=self.own_record, acting_user=self.acting_user,
                                                  **form.leave_fields())
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Your request for {leave.get_kind_display().lower()}, "
                                       f"{_shown(leave.start_date)} to {_shown(leave.end_date)} is waiting for HR")
        return redirect("hr:my-leave", department_slug=self.department.slug)


class MyFamilyLeaveView(DepartmentPageMixin, OwnRecordMixin, TemplateView):
    """One of the employee's own family leaves; anyone else's is not found."""

    template_name = "hr/my_family_leave_detail.html"
    required_scope = Scope.SELF_SERVICE

    @cached_property
    def leave(self) -> FamilyLeave:
        if self.own_record is None:
            raise Http404("You have no employee record here.")
        return selectors_absence.family_leave_get(leave_id=self.kwargs["leave_id"], employee=self.own_record)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["leave"] = self.leave
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            services.family_leave_cancel(leave=self.leave, acting_user=self.acting_user, as_employee=True,
                                         reason="Withdrawn by the employee")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Withdrawn: {_leave_summary(self.leave)}")
        return redirect("hr:my-leave", department_slug=self.department.slug)
