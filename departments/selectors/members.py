"""Who holds which roles in a department."""

from __future__ import annotations

from django.db.models import QuerySet

from departments.models import Department, DepartmentMembership

__all__ = ["department_members", "department_people_count"]


def department_members(*, department: Department) -> QuerySet[DepartmentMembership]:
    return (
        DepartmentMembership.objects.current().filter(department=department)
        .select_related("user")
        .order_by("user__full_name", "user__email", "role")
    )


def department_people_count(*, department: Department) -> int:
    return (
        DepartmentMembership.objects.current().filter(department=department)
        .values("user_id")
        .distinct()
        .count()
    )
