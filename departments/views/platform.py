"""The platform's own pages, for the shared-services centre: reached through a platform role, never a
department. Platform administrators manage departments and operator assignments; operators see their
own assignments (they reach departments only through them)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView

from departments import selectors, services
from departments.forms import DepartmentCreateForm, OperatorAssignmentForm, ReasonForm
from departments.models import Department, OperatorAssignment
from departments.selectors.platform_home import platform_home_departments
from shared_services.accounts.models import User
from shared_services.core.forms import add_service_errors

__all__ = ["OperatorAssignmentApproveView", "OperatorAssignmentCreateView", "OperatorAssignmentEndView",
           "OperatorAssignmentListView", "PlatformAdminMixin", "PlatformDepartmentCreateView",
           "PlatformDepartmentListView", "PlatformHomeView", "PlatformStaffMixin"]


class PlatformStaffMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Pages for people with one of ``platform_roles`` (global, no department)."""

    platform_roles: ClassVar[tuple[str, ...]] = (User.PlatformRole.PLATFORM_ADMIN, User.PlatformRole.OPERATOR)

    def test_func(self) -> bool:
        user = self.request.user  # type: ignore[attr-defined]
        return bool(user.is_authenticated and user.is_active and user.platform_role in self.platform_roles)


class PlatformAdminMixin(PlatformStaffMixin):
    platform_roles = (User.PlatformRole.PLATFORM_ADMIN,)


def _person(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class PlatformHomeView(PlatformStaffMixin, TemplateView):
    """Where the shared-services centre's people start: the departments they serve, and what needs
    attention in each."""

    template_name = "departments/platform_home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = _person(self.request)
        context.update(is_admin=user.platform_role == User.PlatformRole.PLATFORM_ADMIN,
                       served=platform_home_departments(user=user))
        return context


class PlatformDepartmentListView(PlatformAdminMixin, TemplateView):
    template_name = "departments/platform_departments.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["all_departments"] = Department.objects.order_by("name")
        return context


class PlatformDepartmentCreateView(PlatformAdminMixin, FormView):
    template_name = "departments/platform_department_new.html"
    form_class = DepartmentCreateForm

    def form_valid(self, form: DepartmentCreateForm) -> HttpResponse:
        try:
            department, admin = services.department_onboard(
                settings=form.settings(), hr_admin_email=form.cleaned_data["hr_admin_email"],
                hr_admin_name=form.cleaned_data["hr_admin_name"], acting_user=_person(self.request))
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{department.name} was created, with {admin.email} as its first HR admin.")
        return redirect("departments:platform-departments")


class OperatorAssignmentListView(PlatformStaffMixin, TemplateView):
    """Every assignment (platform admins) or one's own (operators): current, pending and ended."""

    template_name = "departments/platform_assignments.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = _person(self.request)
        is_admin = user.platform_role == User.PlatformRole.PLATFORM_ADMIN
        context.update(is_admin=is_admin,
                       assignments=selectors.operator_assignments_by_state(user=None if is_admin else user))
        return context


class OperatorAssignmentCreateView(PlatformAdminMixin, FormView):
    template_name = "departments/platform_assignment_new.html"
    form_class = OperatorAssignmentForm

    def form_valid(self, form: OperatorAssignmentForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            assignment = services.operator_assign(
                department=data["department"], user=data["operator"], role=data["role"], kind=data["kind"],
                valid_from=data["valid_from"], valid_to=data["valid_to"], reason=data["reason"],
                acting_user=_person(self.request))
        except ValidationError as error:
            add_service_errors(form, error, aliases={"user": "operator"})
            return self.form_invalid(form)
        if assignment.kind == OperatorAssignment.Kind.BREAK_GLASS:
            messages.success(self.request, f"The break-glass assignment of {assignment.user} to "
                                           f"{assignment.department} needs another platform administrator's "
                                           "approval before it gives access.")
        else:
            messages.success(self.request, f"{assignment.user} now serves {assignment.department}.")
        return redirect("departments:platform-assignments")


def _assignment(assignment_id: int) -> OperatorAssignment:
    assignment = OperatorAssignment.objects.select_related("user", "department").filter(pk=assignment_id).first()
    if assignment is None:
        raise Http404("There is no such assignment.")
    return assignment


class OperatorAssignmentApproveView(PlatformAdminMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        assignment = _assignment(kwargs["assignment_id"])
        try:
            services.operator_assignment_approve(assignment=assignment, acting_user=_person(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{assignment.user} may now serve {assignment.department} (break-glass).")
        return redirect("departments:platform-assignments")


class OperatorAssignmentEndView(PlatformAdminMixin, FormView):
    template_name = "departments/platform_assignment_end.html"
    form_class = ReasonForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["assignment"] = _assignment(self.kwargs["assignment_id"])
        return context

    def form_valid(self, form: ReasonForm) -> HttpResponse:
        assignment = _assignment(self.kwargs["assignment_id"])
        try:
            services.operator_assignment_end(assignment=assignment, reason=form.cleaned_data["reason"],
                                             acting_user=_person(self.request))
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{assignment.user} no longer serves {assignment.department}.")
        return redirect("departments:platform-assignments")
