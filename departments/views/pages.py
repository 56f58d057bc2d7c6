"""The department home, its people and audit log, and the platform's department pages."""

from __future__ import annotations

import calendar
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView

from departments import selectors, services
from departments.forms import DepartmentCreateForm
from departments.models import Department
from departments.roles import Role, Scope
from departments.web import DepartmentPageMixin
from shared_services.core.forms import add_service_errors
from shared_services.core.hooks import HomeFigure, app_configs_with

__all__ = ["AuditLogView", "DepartmentChooseView", "DepartmentHomeView", "DepartmentMembersView",
           "PlatformDepartmentCreateView", "PlatformDepartmentListView", "PlatformOperatorMixin", "root"]


class DepartmentChooseView(LoginRequiredMixin, TemplateView):
    """After sign-in: straight to the only department, or a list to choose from."""

    template_name = "departments/choose.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        departments = list(selectors.departments_reachable_by(user=request.user))  # type: ignore[arg-type]
        chosen = request.GET.get("department", "")
        if chosen and any(department.slug == chosen for department in departments):
            return redirect("departments:home", department_slug=chosen)
        if len(departments) == 1:
            return redirect("departments:home", department_slug=departments[0].slug)
        return self.render_to_response(self.get_context_data(departments=departments))


class DepartmentHomeView(DepartmentPageMixin, TemplateView):
    template_name = "departments/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        figures: list[HomeFigure] = []
        for _, figures_for in app_configs_with("department_home_figures"):
            figures.extend(figures_for(department=self.department, access=self.department_access))
        context.update(
            figures=figures,
            leave_year_month_name=calendar.month_name[self.department.leave_year_start_month],
            your_roles=[Role(role).label for role in sorted(self.department_access.roles)],
            can_read_members=self.department_access.allows(Scope.MEMBERS_READ),
            can_read_audit=self.department_access.allows(Scope.AUDIT_READ),
        )
        return context


class DepartmentMembersView(DepartmentPageMixin, TemplateView):
    template_name = "departments/members.html"
    required_scope = Scope.MEMBERS_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            members=selectors.department_members(department=self.department),
            operators=selectors.department_operators(department=self.department),
        )
        return context


class AuditLogView(DepartmentPageMixin, TemplateView):
    template_name = "departments/audit_log.html"
    required_scope = Scope.AUDIT_READ
    page_size = 50

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        paginator = Paginator(selectors.audit_events(department=self.department), self.page_size)
        context["page"] = paginator.get_page(self.request.GET.get("page"))
        return context


def root(request: HttpRequest) -> HttpResponseBase:
    if request.user.is_authenticated:
        return redirect("departments:choose")
    return redirect("accounts:sign-in")


class PlatformOperatorMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Pages for the shared-services centre's platform staff (``is_staff``): global, no department."""

    def test_func(self) -> bool:
        user = self.request.user  # type: ignore[attr-defined]
        return bool(user.is_authenticated and user.is_staff and user.is_active)


class PlatformDepartmentListView(PlatformOperatorMixin, TemplateView):
    template_name = "departments/platform_departments.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["all_departments"] = Department.objects.order_by("name")
        return context


class PlatformDepartmentCreateView(PlatformOperatorMixin, FormView):
    template_name = "departments/platform_department_new.html"
    form_class = DepartmentCreateForm

    def form_valid(self, form: DepartmentCreateForm) -> HttpResponse:
        try:
            department, admin = services.department_onboard(
                settings=form.settings(), hr_admin_email=form.cleaned_data["hr_admin_email"],
                hr_admin_name=form.cleaned_data["hr_admin_name"], acting_user=self.request.user)  # type: ignore[arg-type]
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{department.name} was created, with {admin.email} as its first HR admin.")
        return redirect("departments:platform-departments")
