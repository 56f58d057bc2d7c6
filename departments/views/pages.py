"""The department home; people are in ``members``, the platform's pages in ``platform``."""

from __future__ import annotations

import calendar
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from departments import selectors
from departments.approvals import approvals_counts
from departments.roles import Role, Scope
from departments.web import DepartmentPageMixin
from shared_services.core.hooks import HomeFigure, SelfServiceLink, app_configs_with, self_service_links

__all__ = ["DepartmentChooseView", "DepartmentHomeView", "root"]


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
        waiting = self.approvals_figure()
        if waiting is not None and waiting.value:
            figures.insert(0, waiting)  # decisions other people wait on lead the page
        elif waiting is not None:
            figures.append(waiting)  # with none, a line manager still finds the inbox
        links = self_service_links(department=self.department, access=self.department_access)
        if links and self.department_access.user is not None:
            links.append(SelfServiceLink("Your e-mail notifications",
                                         reverse("departments:notification-preferences", args=[self.department.slug]),
                                         "One e-mail for each item, or a daily digest"))
        context.update(
            figures=figures,
            self_service_links=links,
            leave_year_month_name=calendar.month_name[self.department.leave_year_start_month],
            your_roles=[Role(role).label for role in sorted(self.department_access.roles)],
            can_read_members=self.department_access.allows(Scope.MEMBERS_READ),
            can_read_audit=self.department_access.allows(Scope.AUDIT_READ),
        )
        return context

    def approvals_figure(self) -> HomeFigure | None:
        access = self.department_access
        if access.user is None or not access.allows(Scope.SELF_SERVICE):
            return None
        waiting = sum(approvals_counts(department=self.department, user=access.user).values())
        if not waiting and not access.allows(Scope.TEAM_READ):
            return None
        return HomeFigure(label="Waiting for your approval", value=waiting,
                          hint="Leave, expenses and other requests for your decision",
                          url=reverse("departments:approvals", kwargs={"department_slug": self.department.slug}))


def root(request: HttpRequest) -> HttpResponseBase:
    if request.user.is_authenticated:
        return redirect("departments:choose")
    return redirect("accounts:sign-in")
