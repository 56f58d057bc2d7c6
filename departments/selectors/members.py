"""Who holds which roles in a department."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from departments.models import Department, DepartmentMembership, MembershipRequest
from departments.tenancy import department_context

__all__ = ["department_members", "department_people_count", "department_roles_granted", "membership_get",
           "membership_request_get"]


def department_members(*, department: Department) -> QuerySet[DepartmentMembership]:
    return (
        DepartmentMembership.objects.current().filter(department=department)
        .select_related("user")
        .order_by("user__full_name", "user__email", "role")
    )


def department_roles_granted(*, department: Department) -> QuerySet[DepartmentMembership]:
    """Roles that give access today or will later (not ended, last day not passed), with their dates."""
    return (
        DepartmentMembership.objects.filter(department=department, ended_at__isnull=True)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=timezone.localdate()))
        .select_related("user", "granted_by")
        .order_by("user__full_name", "user__email", "role", "id")
    )


def membership_get(*, department: Department, membership_id: int) -> DepartmentMembership | None:
    """One role in this department, or None (also for another department's)."""
    return DepartmentMembership.objects.filter(department=department, pk=membership_id).select_related(
        "user", "department").first()


def membership_request_get(*, department: Department, request_id: int) -> MembershipRequest | None:
    with department_context(department.id):
        return MembershipRequest.objects.filter(pk=request_id).select_related("user", "requested_by").first()


def department_people_count(*, department: Department) -> int:
    return (
        DepartmentMembership.objects.current().filter(department=department)
        .values("user_id")
        .distinct()
        .count()
    )
