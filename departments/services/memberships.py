"""Granting and ending people's roles in a department."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from departments.models import Department, DepartmentMembership
from departments.roles import Role
from departments.services.audit import audit_changes, audit_record
from shared_services.accounts.models import User

__all__ = ["membership_end", "membership_grant", "role_require"]


def role_require(role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": f"'{role}' is not a role. Choose one of: {', '.join(Role.values)}."})


@transaction.atomic
def membership_grant(
    *, department: Department, user: User, role: str, acting_user: User | None
) -> DepartmentMembership:
    """Give ``user`` a role in ``department``; granting a role they already hold changes nothing."""
    role_require(role)
    existing = DepartmentMembership.objects.filter(
        department=department, user=user, role=role, ended_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    membership = DepartmentMembership.objects.create(department=department, user=user, role=role)
    audit_record(
        department=department,
        action="membership.grant",
        acting_user=acting_user,
        target=membership,
        changes=audit_changes({}, {"user": user.email, "role": role}),
    )
    return membership


@transaction.atomic
def membership_end(*, membership: DepartmentMembership, acting_user: User | None) -> DepartmentMembership:
    if membership.ended_at is not None:
        return membership
    membership.ended_at = timezone.now()
    membership.save(update_fields=["ended_at"])
    audit_record(
        department=membership.department,
        action="membership.end",
        acting_user=acting_user,
        target=membership,
        changes=audit_changes({"ended_at": None}, {"ended_at": membership.ended_at}),
    )
    return membership
