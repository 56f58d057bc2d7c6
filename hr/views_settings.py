"""The department's HR settings pages: leave types with their entitlement, and working patterns.

Thin views: forms in ``hr.forms_settings``, reads in ``hr.selectors``, writes in
``hr.services.leave_types`` and ``hr.services.working_patterns``. For people holding
``settings:manage`` (HR admins).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView

from departments.roles import Scope
from departments.web import DepartmentPageMixin
from hr import selectors
from hr.forms_settings import LeavePolicyForm, LeaveTypeForm, WorkingPatternForm
from hr.models import LeavePolicy, LeaveType, WorkingPattern
from hr.models.working_patterns import WEEKDAYS
from hr.services.leave_types import leave_policy_set, leave_type_create, leave_type_in_use, leave_type_update
from hr.services.working_patterns import working_pattern_create, working_pattern_update
from hr.views import HrPageMixin
from shared_services.core.forms import add_service_errors


def _policy(leave_type: LeaveType) -> LeavePolicy | None:
    return LeavePolicy.objects.filter(leave_type=leave_type).first()


def _entitlement_words(policy: LeavePolicy | None) -> list[str]:
    if policy is None:
        return []
    return [f"{hours} hours a year from {years} year{'' if years == 1 else 's'}' service"
            for years, hours in sorted(policy.hours_by_service, key=lambda band: int(band[0]))]


# --- Leave types ----------------------------------------------------------------------------------


class LeaveTypeListView(DepartmentPageMixin, HrPageMixin, TemplateView):
    template_name = "hr/settings/leave_types.html"
    required_scope = Scope.SETTINGS_MANAGE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        policies = {policy.leave_type_id: policy for policy in LeavePolicy.objects.all()}
        context["rows"] = [{"leave_type": leave_type, "entitlement": _entitlement_words(policies.get(leave_type.pk)),
                            "policy": policies.get(leave_type.pk)}
                           for leave_type in selectors.leave_types()]
        return context


class LeaveTypeCreateView(DepartmentPageMixin, HrPageMixin, FormView):
    template_name = "hr/settings/leave_type_form.html"
    form_class = LeaveTypeForm
    required_scope = Scope.SETTINGS_MANAGE
    initial = {"is_paid": "yes", "uses_balance": "no"}

    def form_valid(self, form: LeaveTypeForm) -> HttpResponse:
        try:
            leave_type = leave_type_create(department=self.department, acting_user=self.acting_user,
                                           **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{leave_type.name} has been added")
        if leave_type.uses_balance:
            return redirect("hr:settings-leave-policy", department_slug=self.department.slug, code=leave_type.code)
        return redirect("hr:settings-leave-types", department_slug=self.department.slug)


class LeaveTypeMixin:
    kwargs: dict[str, Any]

    @cached_property
    def leave_type(self) -> LeaveType:
        return selectors.leave_type_get(code=self.kwargs["code"])


class LeaveTypeChangeView(DepartmentPageMixin, HrPageMixin, LeaveTypeMixin, FormView):
    template_name = "hr/settings/leave_type_form.html"
    form_class = LeaveTypeForm
    required_scope = Scope.SETTINGS_MANAGE

    @cached_property
    def in_use(self) -> bool:
        return leave_type_in_use(self.leave_type)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.update(in_use=self.in_use, is_new=False)
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        return LeaveTypeForm.initial_for(self.leave_type)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(leave_type=self.leave_type, in_use=self.in_use)
        return context

    def form_valid(self, form: LeaveTypeForm) -> HttpResponse:
        try:
            leave_type = leave_type_update(leave_type=self.leave_type, acting_user=self.acting_user,
                                           **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{leave_type.name} is saved")
        return redirect("hr:settings-leave-types", department_slug=self.department.slug)


class LeavePolicyChangeView(DepartmentPageMixin, HrPageMixin, LeaveTypeMixin, FormView):
    template_name = "hr/settings/leave_policy_form.html"
    form_class = LeavePolicyForm
    required_scope = Scope.SETTINGS_MANAGE

    def get_initial(self) -> dict[str, Any]:
        if not self.leave_type.uses_balance:
            raise Http404("This leave type is not taken from a yearly entitlement.")
        policy = _policy(self.leave_type)
        if policy is None:
            return {"years_1": 0, "carry_over_cap_hours": 0}
        return LeavePolicyForm.initial_for(policy.hours_by_service, policy.carry_over_cap_hours)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["leave_type"] = self.leave_type
        return context

    def form_valid(self, form: LeavePolicyForm) -> HttpResponse:
        try:
            leave_policy_set(leave_type=self.leave_type, hours_by_service=form.hours_by_service(),
                             carry_over_cap_hours=form.cleaned_data["carry_over_cap_hours"],
                             acting_user=self.acting_user)
        except ValidationError as error:
            add_service_errors(form, error, aliases={"hours_by_service": "hours_1"})
            return self.form_invalid(form)
        messages.success(self.request, f"The entitlement to {self.leave_type.name.lower()} is saved")
        return redirect("hr:settings-leave-types", department_slug=self.department.slug)


# --- Working patterns -----------------------------------------------------------------------------


class WorkingPatternListView(DepartmentPageMixin, HrPageMixin, TemplateView):
    template_name = "hr/settings/working_patterns.html"
    required_scope = Scope.SETTINGS_MANAGE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["patterns"] = selectors.working_patterns()
        return context


class WorkingPatternCreateView(DepartmentPageMixin, HrPageMixin, FormView):
    template_name = "hr/settings/working_pattern_form.html"
    form_class = WorkingPatternForm
    required_scope = Scope.SETTINGS_MANAGE

    def form_valid(self, form: WorkingPatternForm) -> HttpResponse:
        try:
            pattern = working_pattern_create(department=self.department, name=form.cleaned_data["name"],
                                             hours=form.hours(), acting_user=self.acting_user)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"The working pattern {pattern.name} has been added")
        return redirect("hr:settings-working-patterns", department_slug=self.department.slug)


class WorkingPatternChangeView(DepartmentPageMixin, HrPageMixin, FormView):
    template_name = "hr/settings/working_pattern_form.html"
    form_class = WorkingPatternForm
    required_scope = Scope.SETTINGS_MANAGE

    @cached_property
    def pattern(self) -> WorkingPattern:
        return selectors.working_pattern_get(pattern_id=self.kwargs["pattern_id"])

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["is_new"] = False
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        pattern = self.pattern
        return {"name": pattern.name, "is_active": "yes" if pattern.is_active else "no",
                **{f"{day}_hours": getattr(pattern, f"{day}_hours") for day in WEEKDAYS}}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["pattern"] = self.pattern
        return context

    def form_valid(self, form: WorkingPatternForm) -> HttpResponse:
        try:
            pattern = working_pattern_update(pattern=self.pattern, name=form.cleaned_data["name"], hours=form.hours(),
                                             is_active=form.cleaned_data["is_active"] == "yes",
                                             acting_user=self.acting_user)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"The working pattern {pattern.name} is saved")
        return redirect("hr:settings-working-patterns", department_slug=self.department.slug)
