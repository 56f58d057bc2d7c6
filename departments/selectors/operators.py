"""Operators serving a department."""

from __future__ import annotations

from django.db.models import QuerySet

from departments.models import Department, OperatorAssignment

__all__ = ["department_operators"]


def department_operators(*, department: Department) -> QuerySet[OperatorAssignment]:
    return OperatorAssignment.objects.current().filter(department=department).select_related("user").order_by(
        "user__full_name", "role"
    )
