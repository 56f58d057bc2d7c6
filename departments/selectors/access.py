"""Who may reach which department, and through what (membership, operator assignment, token)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from departments.models import ApiToken, Department, DepartmentMembership, OperatorAssignment
from departments.roles import Scope, scopes_for_roles
from shared_services.accounts.models import User

__all__ = ["DepartmentAccess", "department_access_for_token", "department_access_for_user", "department_ids",
           "departments_reachable_by"]


@dataclass(frozen=True)
class DepartmentAccess:
    """What one caller may do in one department, and how they reached it."""

    department: Department
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    operator_assignment: OperatorAssignment | None = None
    api_token: ApiToken | None = None
    via: str = field(default="membership")
    user: User | None = None  # the person, when access is a person's (not a token's)

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


def department_access_for_user(*, user: User, department_slug: str) -> DepartmentAccess | None:
    """The user's access to a department through memberships or a current operator assignment.

    None when the department does not exist, is inactive, or the user holds no access: callers
    answer 404 either way, so a department's existence never leaks.
    """
    if not user.is_authenticated or not user.is_active or user.kind != User.Kind.PERSON:
        return None
    # Members (nearly every caller) are answered by one statement: their current memberships with
    # the department. Only a caller with none is looked for among the operators.
    memberships = list(
        DepartmentMembership.objects.current()
        .filter(user=user, department__slug=department_slug, department__is_active=True)
        .select_related("department")
    )
    if memberships:
        roles = {membership.role for membership in memberships}
        return DepartmentAccess(department=memberships[0].department, roles=frozenset(roles),
                                scopes=scopes_for_roles(roles), user=user)
    department = Department.objects.filter(slug=department_slug, is_active=True).first()
    if department is None:
        return None
    assignment = (
        OperatorAssignment.objects.current().filter(user=user, department=department).order_by("-valid_from").first()
    )
    if assignment is None:
        return None
    operator_roles = frozenset(
        OperatorAssignment.objects.current().filter(user=user, department=department).values_list("role", flat=True)
    )
    return DepartmentAccess(
        department=department,
        roles=operator_roles,
        scopes=scopes_for_roles(operator_roles),
        operator_assignment=assignment,
        via="operator_assignment",
        user=user,
    )


def department_access_for_token(*, api_token: ApiToken, department_slug: str) -> DepartmentAccess | None:
    """A token reaches its own department only; any other slug answers as if it did not exist."""
    if not api_token.is_active or api_token.department.slug != department_slug or not api_token.department.is_active:
        return None
    # Every token may read its own department's basic details; everything else needs a scope.
    scopes = frozenset(api_token.scopes) | {Scope.DEPARTMENT_READ}
    return DepartmentAccess(department=api_token.department, scopes=scopes, api_token=api_token, via="api_token")


def departments_reachable_by(*, user: User) -> QuerySet[Department]:
    """Departments a person can open: through a membership, or a current operator assignment."""
    if not user.is_authenticated:
        return Department.objects.none()
    api_token = getattr(user, "api_token", None) if user.kind == User.Kind.API_CLIENT else None
    if api_token is not None:
        return Department.objects.filter(id=api_token.department_id, is_active=True) if api_token.is_active else (
            Department.objects.none()
        )
    member_of = DepartmentMembership.objects.current().filter(user=user).values("department_id")
    served = OperatorAssignment.objects.current().filter(user=user).values("department_id")
    return Department.objects.filter(is_active=True).filter(id__in=member_of.union(served)).order_by("name")


def department_ids() -> list[int]:
    """Every department's id, for platform schedules that fan out one task per department."""
    return list(Department.objects.order_by("pk").values_list("pk", flat=True))
