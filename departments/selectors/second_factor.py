"""Who must give a second factor when signing in with a password: people who approve pay, move money
or manage access, and operators serving a department."""

from __future__ import annotations

from departments.models import DepartmentMembership, OperatorAssignment
from departments.roles import Role
from shared_services.accounts.models import User

__all__ = ["ROLES_NEEDING_SECOND_FACTOR", "second_factor_required_for"]

ROLES_NEEDING_SECOND_FACTOR = frozenset({Role.PAYROLL_APPROVER, Role.FINANCE_OFFICER, Role.HR_ADMIN})


def second_factor_required_for(*, user: User) -> bool:
    return (DepartmentMembership.objects.current().filter(user=user, role__in=ROLES_NEEDING_SECOND_FACTOR).exists()
            or OperatorAssignment.objects.current().filter(user=user).exists())
