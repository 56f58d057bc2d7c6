"""The service navigation sections and the things needing attention that hr contributes."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from departments.roles import Scope
from hr import selectors_absence, selectors_bank, selectors_self_service
from hr.selectors import employee_of_user
from shared_services.core.hooks import AttentionItem, NavigationSection

# Where hr's sections sit among every app's (``NavigationSection.order``).
PEOPLE_ORDER, ORGANISATION_ORDER, LEAVE_ORDER = 10, 20, 30


def navigation_sections(*, department: Any, access: Any) -> list[NavigationSection]:
    slug = department.slug
    sections: list[NavigationSection] = []
    if access.allows(Scope.HR_READ):
        sections += [
            NavigationSection("people", "People", reverse("hr:employees", args=[slug]), order=PEOPLE_ORDER),
            NavigationSection("organisation", "Organisation", reverse("hr:organisation", args=[slug]),
                              order=ORGANISATION_ORDER),
        ]
    leave = _leave_landing(access=access, slug=slug)
    if leave:
        sections.append(NavigationSection("leave", "Leave", leave, order=LEAVE_ORDER))
    return sections


def _leave_landing(*, access: Any, slug: str) -> str:
    """One leave page per person: HR's family leave to confirm, a line manager's team, or one's own
    (the last two only with an employee record, which both pages are about)."""
    if access.allows(Scope.HR_WRITE):
        return reverse("hr:family-leave-waiting", args=[slug])
    if access.user is None or not access.allows(Scope.SELF_SERVICE):
        return ""
    if employee_of_user(user_id=access.user.pk) is None:
        return ""
    if access.allows(Scope.TEAM_READ):
        return reverse("hr:team", args=[slug])
    return reverse("hr:my-leave", args=[slug])


def attention_items(*, department: Any, access: Any) -> list[AttentionItem]:
    """HR's queues: detail changes to decide, bank details changes to check, family leave to confirm.

    A line manager's leave decisions are in the approvals inbox, which ``departments`` counts."""
    slug = department.slug
    items: list[AttentionItem] = []
    if access.allows(Scope.HR_WRITE) and access.allows(Scope.HR_SENSITIVE):
        details = selectors_self_service.detail_change_requests().count()
        if details:
            items.append(AttentionItem(
                label="Changes of name, date of birth or NI number to decide", count=details,
                url=reverse("hr:detail-requests", args=[slug]), hint="Asked for by employees, with evidence"))
        checks = selectors_bank.bank_details_checks_waiting().count()
        if checks:
            items.append(AttentionItem(
                label="Bank details changes to check", count=checks,
                url=reverse("hr:bank-details-checks", args=[slug]),
                hint="Proposed by HR; a second officer checks each one"))
    if access.allows(Scope.HR_WRITE):
        waiting = selectors_absence.family_leaves_waiting()
        first = waiting.first()
        if first is not None:
            items.append(AttentionItem(
                label="Family leave to confirm", count=waiting.count(),
                url=reverse("hr:family-leave-waiting", args=[slug]),
                hint="Asked for in self-service; the date is when the soonest starts", due=first.start_date))
    return items
