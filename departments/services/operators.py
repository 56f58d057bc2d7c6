"""Shared-services centre operators serving departments through dated assignments."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from departments.models import Department, OperatorAssignment
from departments.services.audit import audit_changes, audit_record
from departments.services.memberships import role_require
from shared_services.accounts.models import User

__all__ = ["operator_assign"]


@transaction.atomic
def operator_assign(
    *,
    department: Department,
    user: User,
    role: str,
    acting_user: User | None,
    valid_from: Any = None,
    valid_to: Any = None,
    reason: str = "",
) -> OperatorAssignment:
    """Let a shared-services centre person serve ``department`` for a dated period."""
    role_require(role)
    assignment = OperatorAssignment(
        department=department,
        user=user,
        role=role,
        valid_from=valid_from or timezone.localdate(),
        valid_to=valid_to,
        reason=reason,
        created_by=acting_user,
    )
    if assignment.valid_to is not None and assignment.valid_to < assignment.valid_from:
        raise ValidationError({"valid_to": "The last day must be on or after the first day."})
    assignment.save()
    audit_record(
        department=department,
        action="operator_assignment.create",
        acting_user=acting_user,
        target=assignment,
        changes=audit_changes(
            {}, {"user": user.email, "role": role, "valid_from": assignment.valid_from, "valid_to": assignment.valid_to}
        ),
        reason=reason,
    )
    return assignment
