"""The department home; people are in ``members``, the platform's pages in ``platform``."""

from __future__ import annotations

import calendar
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from departments import selectors
from departments.roles import Role, Scope
from departments.selectors.platform_home import attention_for
from departments.web import DepartmentPageMixin
from shared_services.core.hooks import HomeFigure, SelfServiceLink, app_configs_with, self_service_links

__all__ = ["DepartmentChooseView", "DepartmentHomeView", "root"]


class DepartmentChooseView(LoginRequiredMixin, TemplateView):
    """After sign-in: straight to the only department, or a list to choose from; the shared-services
    centre's people to their platform home, which lists theirs. The department switcher asks here too."""

    template_name = "departments/choose.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        departments = list(selectors.departments_reachable_by(user=request.user))  # type: ignore[arg-type]
        chosen = request.GET.get("department", "")
        if chosen and any(department.slug == chosen for department in departments):
            return redirect("departments:home", department_slug=chosen)
        if _has_platform_role(request):
            return redirect("departments:platform-home")
        if len(departments) == 1:
            return redirect("departments:home", department_slug=departments[0].slug)
        return self.render_to_response(self.get_context_data(departments=departments))


class DepartmentHomeView(DepartmentPageMixin, TemplateView):
    """A home per role: what needs doing for this person first, then the figures their access shows."""

    template_name = "departments/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        access = self.department_access
        attention = attention_for(access=access)
        figures: list[HomeFigure] = []
        for _, figures_for in app_configs_with("department_home_figures"):
            figures.extend(figures_for(department=self.department, access=access))
        manager = access.user is not None and access.allows(Scope.SELF_SERVICE) and access.allows(Scope.TEAM_READ)
        if manager and not any(item.url.startswith(self.approvals_url) for item in attention):
            # With nothing waiting, a line manager still finds the inbox.
            figures.append(HomeFigure(label="Waiting for your approval", value=0,
                                      hint="Leave, expenses and other requests for your decision",
                                      url=self.approvals_url))
        links = self_service_links(department=self.department, access=access)
        if links and access.user is not None:
            links.append(SelfServiceLink("Your e-mail notifications",
                                         reverse("departments:notification-preferences", args=[self.department.slug]),
                                         "One e-mail for each item, or a daily digest"))
        context.update(
            attention=attention,
            today=timezone.localdate(),
            figures=figures,
            self_service_links=links,
            leave_year_month_name=calendar.month_name[self.department.leave_year_start_month],
            your_roles=[Role(role).label for role in sorted(access.roles)],
            can_read_members=access.allows(Scope.MEMBERS_READ),
            can_read_audit=access.allows(Scope.AUDIT_READ),
        )
        return context

    @property
    def approvals_url(self) -> str:
        return reverse("departments:approvals", kwargs={"department_slug": self.department.slug})


def _has_platform_role(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "platform_role", None))


def root(request: HttpRequest) -> HttpResponseBase:
    if request.user.is_authenticated and _has_platform_role(request):
        return redirect("departments:platform-home")
    if request.user.is_authenticated:
        return redirect("departments:choose")
    return redirect("accounts:sign-in")
