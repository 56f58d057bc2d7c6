"""Shared-services centre operators serving departments through dated, time-boxed assignments."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from departments.models import Department, OperatorAssignment
from departments.services.audit import audit_changes, audit_record
from departments.services.memberships import role_require
from shared_services.accounts.models import User

__all__ = ["BREAK_GLASS_MAX_DAYS", "operator_assign", "operator_assignment_approve", "operator_assignment_end"]

BREAK_GLASS_MAX_DAYS = 1


def _require_platform_admin(acting_user: User | None) -> None:
    # None is the platform's own command line and demo seed; a person must be a platform admin.
    if acting_user is not None and acting_user.platform_role != User.PlatformRole.PLATFORM_ADMIN:
        raise ValidationError({"__all__": "Only a platform administrator can manage operator assignments."})


def _check_period(kind: str, valid_from: datetime.date, valid_to: datetime.date | None) -> None:
    if valid_to is None:
        raise ValidationError({"valid_to": "Enter the last day of the assignment: assignments are time-boxed."})
    if valid_to < valid_from:
        raise ValidationError({"valid_to": "The last day must be on or after the first day."})
    longest = BREAK_GLASS_MAX_DAYS if kind == OperatorAssignment.Kind.BREAK_GLASS else (
        settings.OPERATOR_ASSIGNMENT_MAX_DAYS)
    if (valid_to - valid_from).days > longest:
        label = "A break-glass assignment" if kind == OperatorAssignment.Kind.BREAK_GLASS else "An assignment"
        raise ValidationError({"valid_to": f"{label} may last at most {longest} day{'s' if longest != 1 else ''} "
                                           f"after its first day; the latest last day is "
                                           f"{valid_from + datetime.timedelta(days=longest):%-d %B %Y}."})


@transaction.atomic
def operator_assign(
    *,
    department: Department,
    user: User,
    role: str,
    acting_user: User | None,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    reason: str = "",
    kind: str = OperatorAssignment.Kind.STANDARD,
) -> OperatorAssignment:
    """A platform administrator lets an operator serve ``department`` for a time-boxed period.

    A break-glass assignment (urgent, at most a day) gives no access until another platform
    administrator approves it.
    """
    _require_platform_admin(acting_user)
    role_require(role)
    if kind not in OperatorAssignment.Kind.values:
        raise ValidationError({"kind": "Choose a planned or a break-glass assignment."})
    if user.platform_role != User.PlatformRole.OPERATOR or not user.is_active:
        raise ValidationError({"user": f"{user.get_full_name()} is not a shared-services operator; only operators "
                                       "can be assigned to departments."})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the operator needs to serve this department."})
    start = valid_from or timezone.localdate()
    _check_period(kind, start, valid_to)
    assignment = OperatorAssignment.objects.create(department=department, user=user, role=role, valid_from=start,
                                                   valid_to=valid_to, reason=reason[:300], kind=kind,
                                                   created_by=acting_user)
    audit_record(
        department=department,
        action="operator_assignment.create",
        acting_user=acting_user,
        target=assignment,
        changes=audit_changes({}, {"user": user.email, "role": role, "kind": kind, "valid_from": start,
                                   "valid_to": valid_to}),
        reason=reason,
    )
    return assignment


@transaction.atomic
def operator_assignment_approve(*, assignment: OperatorAssignment, acting_user: User) -> OperatorAssignment:
    """A second platform administrator approves a break-glass assignment, which then gives access."""
    _require_platform_admin(acting_user)
    assignment = OperatorAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.kind != OperatorAssignment.Kind.BREAK_GLASS:
        raise ValidationError({"__all__": "Only break-glass assignments need approval."})
    if assignment.approved_at is not None or assignment.ended_at is not None:
        raise ValidationError({"__all__": "This assignment has already been approved or ended."})
    if assignment.created_by_id == acting_user.pk:
        raise ValidationError({"__all__": "You created this break-glass assignment, so another platform "
                                          "administrator must approve it."})
    if assignment.user_id == acting_user.pk:
        raise ValidationError({"__all__": "You cannot approve your own assignment."})
    assignment.approved_by, assignment.approved_at = acting_user, timezone.now()
    assignment.save(update_fields=["approved_by", "approved_at"])
    audit_record(department=assignment.department, action="operator_assignment.approve", acting_user=acting_user,
                 target=assignment,
                 changes=audit_changes({"approved_at": None}, {"approved_at": assignment.approved_at}))
    return assignment


@transaction.atomic
def operator_assignment_end(*, assignment: OperatorAssignment, reason: str, acting_user: User | None) -> (
        OperatorAssignment):
    """End an assignment now, with a reason; the operator loses access to the department at once."""
    _require_platform_admin(acting_user)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the assignment is ending."})
    assignment = OperatorAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.ended_at is not None:
        raise ValidationError({"__all__": "This assignment has already ended."})
    assignment.ended_at, assignment.ended_by, assignment.end_reason = timezone.now(), acting_user, reason[:300]
    assignment.save(update_fields=["ended_at", "ended_by", "end_reason"])
    audit_record(department=assignment.department, action="operator_assignment.end", acting_user=acting_user,
                 target=assignment, changes=audit_changes({"ended_at": None}, {"ended_at": assignment.ended_at}),
                 reason=reason)
    return assignment
