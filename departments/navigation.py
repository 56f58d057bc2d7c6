"""The service navigation sections and the things needing attention that departments contributes."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from departments.approvals import approval_sources
from departments.roles import Scope
from shared_services.core.hooks import AttentionItem, NavigationSection

MEMBERS_ORDER, AUDIT_ORDER, SETTINGS_ORDER = 80, 90, 100


def navigation_sections(*, department: Any, access: Any) -> list[NavigationSection]:
    slug = department.slug
    sections: list[NavigationSection] = []
    if access.allows(Scope.MEMBERS_READ):
        sections.append(NavigationSection("members", "Members", reverse("departments:members", args=[slug]),
                                          order=MEMBERS_ORDER))
    if access.allows(Scope.AUDIT_READ):
        sections.append(NavigationSection("audit", "Audit", reverse("departments:audit-log", args=[slug]),
                                          order=AUDIT_ORDER))
    # HR admins keep the department's settings, payroll officers its pay schedules' details.
    if access.allows(Scope.SETTINGS_MANAGE) or access.allows(Scope.PAYROLL_SUBMIT):
        settings_url = _url_if_served("departments:settings", slug)
        if settings_url:
            sections.append(NavigationSection("settings", "Settings", settings_url, order=SETTINGS_ORDER))
    return sections


def _url_if_served(name: str, slug: str) -> str:
    """The page's address, or "" while no page of that name is served."""
    try:
        return reverse(name, args=[slug])
    except NoReverseMatch:
        return ""


def attention_items(*, department: Any, access: Any) -> list[AttentionItem]:
    """What waits for this person's own decision in the approvals inbox, every kind in one item."""
    if access.user is None or not access.allows(Scope.SELF_SERVICE):
        return []
    day = timezone.localdate()
    counts = [(source.label, source.count(department=department, user=access.user, day=day))
              for source in approval_sources().values()]
    waiting = [(label, count) for label, count in counts if count]
    if not waiting:
        return []
    return [AttentionItem(
        label="Waiting for your approval", count=sum(count for _, count in waiting),
        url=reverse("departments:approvals", args=[department.slug]),
        hint=", ".join(f"{label}: {count}" for label, count in waiting))]
