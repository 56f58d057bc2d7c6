"""What every page's frame shows: the department switcher, and on a department's pages the service
navigation by role, the section the page is in and its breadcrumbs.

Everything is computed when a template first reads it, so a fragment that never shows the frame
(a progress poll) costs nothing; a full page costs one query for the person's access, whatever the
number of sections."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from departments.selectors import DepartmentAccess, department_access_for_user, departments_reachable_by
from departments.tenancy import department_context
from shared_services.accounts.models import User
from shared_services.core.hooks import NavigationSection, navigation_sections


@dataclass(frozen=True)
class NavigationItem:
    key: str
    label: str
    url: str
    active: bool = False  # the page is in this section
    current: bool = False  # the page is the section's own page


@dataclass(frozen=True)
class Breadcrumb:
    label: str
    url: str = ""  # none for the page itself


class DepartmentNavigation:
    """The service navigation of one department's page for one person."""

    def __init__(self, *, request: HttpRequest, user: User, department_slug: str) -> None:
        self._request = request
        self._user = user
        self._slug = department_slug
        self.path = request.path

    @cached_property
    def access(self) -> DepartmentAccess | None:
        # The page's own check of the person's access, when it left it on the request, saves a query.
        checked = getattr(self._request, "department_access", None)
        if isinstance(checked, DepartmentAccess) and checked.department.slug == self._slug:
            return checked
        return department_access_for_user(user=self._user, department_slug=self._slug)

    @cached_property
    def home_url(self) -> str:
        return reverse("departments:home", args=[self._slug]) if self.access is not None else ""

    @property
    def is_home(self) -> bool:
        return bool(self.home_url) and self.path == self.home_url

    @cached_property
    def sections(self) -> list[NavigationSection]:
        access = self.access
        if access is None:
            return []
        # Apps read their data to decide (an employee record, say): in the department's own context,
        # which error pages rendered after the view has left it do not have.
        with department_context(access.department.id):
            return navigation_sections(department=access.department, access=access)

    @cached_property
    def active_section(self) -> NavigationSection | None:
        """The section whose address is the longest start of this page's: the pay runs for a run's
        page, the payslips (not the pay runs) for a payslip under ``payroll/me/``."""
        if self.is_home:
            return None
        matching = [section for section in self.sections if self.path.startswith(section.url)]
        return max(matching, key=lambda section: len(section.url), default=None)

    @cached_property
    def items(self) -> list[NavigationItem]:
        active = self.active_section
        return [NavigationItem(section.key, section.label, section.url, active=section is active,
                               current=section is active and self.path == section.url)
                for section in self.sections]

    @cached_property
    def breadcrumbs(self) -> list[Breadcrumb]:
        """Home, then the section: a link from deeper pages, the page itself on the section's own."""
        section = self.active_section
        if section is None:
            return []
        here = self.path == section.url
        return [Breadcrumb("Home", self.home_url), Breadcrumb(section.label, "" if here else section.url)]


def departments(request: HttpRequest) -> dict[str, object]:
    """The department switcher, and the navigation of the department in the page's address."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    current_slug = match.kwargs.get("department_slug", "") if match is not None else ""
    context: dict[str, object] = {
        "reachable_departments": SimpleLazyObject(lambda: list(departments_reachable_by(user=user))),
        "current_department_slug": current_slug,
    }
    if current_slug:
        context["department_navigation"] = DepartmentNavigation(request=request, user=user,
                                                                department_slug=current_slug)
    return context
