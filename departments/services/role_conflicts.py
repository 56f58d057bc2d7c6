"""Separation of duties: the pairs of roles one person may not hold together in a department."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from departments.models import AuditEvent, Department, RoleConflict
from departments.roles import Role
from departments.services.audit import audit_changes, audit_record
from departments.tenancy import department_context
from shared_services.accounts.models import User

__all__ = ["DEFAULT_ROLE_CONFLICTS", "role_conflict_add", "role_conflict_remove", "role_conflicts_install_defaults"]

# Every department starts with these: whoever prepares a payroll should not also approve it.
DEFAULT_ROLE_CONFLICTS: tuple[tuple[str, str, str], ...] = (
    (Role.PAYROLL_OFFICER, Role.PAYROLL_APPROVER, RoleConflict.Handling.SECOND_APPROVAL),
)


def _ordered(role_a: str, role_b: str) -> tuple[str, str]:
    # The table keeps each pair once, in one order (a check constraint), whichever way it is asked for.
    first, second = sorted((role_a, role_b))
    return first, second


@transaction.atomic
def role_conflict_add(*, department: Department, role_a: str, role_b: str, handling: str,
                      acting_user: User | None) -> RoleConflict:
    errors: dict[str, str] = {}
    for name, role in (("role_a", role_a), ("role_b", role_b)):
        if role not in Role.values:
            errors[name] = "Choose a role."
    if not errors and role_a == role_b:
        errors["role_b"] = "Choose two different roles."
    if handling not in RoleConflict.Handling.values:
        errors["handling"] = "Choose whether the grant is refused or needs a second HR admin's approval."
    if errors:
        raise ValidationError(errors)
    first, second = _ordered(role_a, role_b)
    with department_context(department.id):
        if RoleConflict.objects.filter(role_a=first, role_b=second).exists():
            raise ValidationError({"role_b": f"{Role(first).label} with {Role(second).label} is already declared."})
        conflict = RoleConflict.objects.create(role_a=first, role_b=second, handling=handling, created_by=acting_user)
    audit_record(department=department, action="role_conflict.add", acting_user=acting_user, target=conflict,
                 changes=audit_changes({}, {"role_a": first, "role_b": second, "handling": handling}))
    return conflict


@transaction.atomic
def role_conflict_remove(*, conflict: RoleConflict, acting_user: User | None) -> None:
    department = conflict.department
    before = {"role_a": conflict.role_a, "role_b": conflict.role_b, "handling": conflict.handling}
    with department_context(department.id):
        audit_record(department=department, action="role_conflict.remove", acting_user=acting_user, target=conflict,
                     changes=audit_changes(before, {}))
        RoleConflict.objects.filter(pk=conflict.pk).delete()


@transaction.atomic
def role_conflicts_install_defaults(*, department: Department, acting_user: User | None) -> int:
    """Declare the default pairs the department lacks; returns how many were added. Idempotent.

    A default pair an HR admin has removed stays removed: it is not installed again.
    """
    added = 0
    with department_context(department.id):
        removed = {(changes.get("role_a", {}).get("before"), changes.get("role_b", {}).get("before"))
                   for changes in AuditEvent.objects.filter(action="role_conflict.remove")
                   .values_list("changes", flat=True)}
        existing = set(RoleConflict.objects.values_list("role_a", "role_b"))
        for role_a, role_b, handling in DEFAULT_ROLE_CONFLICTS:
            pair = _ordered(role_a, role_b)
            if pair in existing or pair in removed:
                continue
            role_conflict_add(department=department, role_a=pair[0], role_b=pair[1], handling=handling,
                              acting_user=acting_user)
            added += 1
    return added
