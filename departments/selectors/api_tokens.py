"""A department's API clients."""

from __future__ import annotations

from django.db.models import QuerySet

from departments.models import ApiToken, Department

__all__ = ["department_api_tokens"]


def department_api_tokens(*, department: Department) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(department=department).order_by("revoked_at", "name")
