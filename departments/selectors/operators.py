"""Operators serving departments, and every assignment by its state."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from departments.models import Department, OperatorAssignment
from shared_services.accounts.models import User

__all__ = ["department_operators", "operator_assignment_state", "operator_assignments_by_state", "operators"]


def department_operators(*, department: Department) -> QuerySet[OperatorAssignment]:
    return OperatorAssignment.objects.current().filter(department=department).select_related("user").order_by(
        "user__full_name", "role"
    )


def operator_assignment_state(assignment: OperatorAssignment) -> str:
    """``current``, ``pending`` (a break-glass one awaiting its second person, or one that starts
    later) or ``ended`` (ended early, or past its last day)."""
    today = timezone.localdate()
    if assignment.ended_at is not None or (assignment.valid_to is not None and assignment.valid_to < today):
        return "ended"
    if assignment.valid_from > today or (
            assignment.kind == OperatorAssignment.Kind.BREAK_GLASS and assignment.approved_at is None):
        return "pending"
    return "current"


def operator_assignments_by_state(*, user: User | None = None) -> dict[str, list[OperatorAssignment]]:
    """Every assignment (or one operator's), grouped as current, pending and ended, newest first."""
    assignments = OperatorAssignment.objects.select_related("user", "department", "created_by", "approved_by",
                                                            "ended_by").order_by("-valid_from", "-id")
    if user is not None:
        assignments = assignments.filter(user=user)
    grouped: dict[str, list[OperatorAssignment]] = {"current": [], "pending": [], "ended": []}
    for assignment in assignments:
        grouped[operator_assignment_state(assignment)].append(assignment)
    return grouped


def operators() -> QuerySet[User]:
    """People a platform administrator may assign to departments."""
    return User.objects.filter(Q(platform_role=User.PlatformRole.OPERATOR), is_active=True).order_by("full_name",
                                                                                                      "email")
