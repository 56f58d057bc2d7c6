"""Separation of duties: a department's conflicting pairs of roles, who holds both, grants waiting
for a second HR admin, and the audit trail of bank details changes that bars approving a run."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q

from departments.models import AuditEvent, Department, DepartmentMembership, MembershipRequest, RoleConflict
from departments.tenancy import department_context
from shared_services.accounts.models import User

__all__ = ["BANK_DETAILS_FIELDS", "HeldConflict", "bank_details_changed_by", "conflicts_for_grant",
           "department_role_conflicts", "membership_requests_pending", "role_conflicts_held"]

# Employee fields that decide where pay goes: whoever changes them should not approve that pay.
BANK_DETAILS_FIELDS = ("bank_sort_code", "bank_account_number", "building_society_roll_number")


@dataclass(frozen=True)
class HeldConflict:
    """A person who holds both roles of a declared conflicting pair."""

    user: User
    conflict: RoleConflict


def department_role_conflicts(*, department: Department) -> list[RoleConflict]:
    with department_context(department.id):
        return list(RoleConflict.objects.order_by("role_a", "role_b"))


def _roles_held(department: Department, user_ids: set[int] | None = None,
                on: datetime.date | None = None) -> dict[int, set[str]]:
    memberships = DepartmentMembership.objects.current(on).filter(department=department)
    if user_ids is not None:
        memberships = memberships.filter(user_id__in=user_ids)
    held: dict[int, set[str]] = {}
    for user_id, role in memberships.values_list("user_id", "role"):
        held.setdefault(user_id, set()).add(role)
    return held


def role_conflicts_held(*, department: Department) -> list[HeldConflict]:
    """People who hold, today, both roles of one of the department's declared pairs."""
    conflicts = department_role_conflicts(department=department)
    if not conflicts:
        return []
    held = _roles_held(department)
    people = {user.pk: user for user in User.objects.filter(pk__in=list(held))}
    found = [HeldConflict(user=people[user_id], conflict=conflict)
             for user_id, roles in held.items() for conflict in conflicts
             if {conflict.role_a, conflict.role_b} <= roles]
    return sorted(found, key=lambda item: (item.user.get_full_name(), item.conflict.role_a))


def conflicts_for_grant(*, department: Department, user: User, role: str,
                        valid_from: datetime.date, valid_to: datetime.date | None) -> list[tuple[RoleConflict, str]]:
    """The declared pairs a new grant of ``role`` would complete, with the role the person already
    holds for part of the same period (roles they hold later or earlier count too, if the dates meet)."""
    overlapping = DepartmentMembership.objects.filter(department=department, user=user, ended_at__isnull=True).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if valid_to is not None:
        overlapping = overlapping.filter(valid_from__lte=valid_to)
    held = set(overlapping.values_list("role", flat=True))
    with department_context(department.id):
        conflicts = RoleConflict.objects.filter(Q(role_a=role) | Q(role_b=role)).order_by("handling", "role_a")
        return [(conflict, other) for conflict in conflicts
                if (other := conflict.role_b if conflict.role_a == role else conflict.role_a) in held]


def membership_requests_pending(*, department: Department) -> list[MembershipRequest]:
    with department_context(department.id):
        return list(MembershipRequest.objects.filter(status=MembershipRequest.Status.PENDING)
                    .select_related("user", "requested_by").order_by("requested_at"))


def bank_details_changed_by(*, department: Department, user: User, since: datetime.datetime) -> bool:
    """Whether ``user`` changed any employee's bank or building society details since ``since``,
    as the department's audit log records it (whatever the service: an edit, a hire, an import)."""
    with department_context(department.id):
        return AuditEvent.objects.filter(
            actor=user, object_type="hr.employee", occurred_at__gte=since,
            changes__has_any_keys=list(BANK_DETAILS_FIELDS),
        ).exists()
