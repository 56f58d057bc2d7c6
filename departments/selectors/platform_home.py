"""What needs attention in a department, for its home page and for the operators' platform home,
which lists the departments a person with a platform role serves."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from departments.models import Department, OperatorAssignment
from departments.roles import Role
from departments.selectors.access import DepartmentAccess, department_access_for_user
from departments.tenancy import department_context
from shared_services.accounts.models import User
from shared_services.core.hooks import AttentionItem, attention_items

__all__ = ["ServedDepartment", "attention_for", "platform_home_departments"]


def attention_for(*, access: DepartmentAccess) -> list[AttentionItem]:
    """Every app's items for this access, in the department's context; those with the nearest
    deadline first, then the rest in the apps' order."""
    with department_context(access.department.id):
        items = attention_items(department=access.department, access=access)
    return sorted(items, key=lambda item: (item.due is None, item.due or datetime.date.min))


@dataclass(frozen=True)
class ServedRole:
    label: str
    valid_to: datetime.date | None  # the assignment's last day; None when open-ended


@dataclass(frozen=True)
class ServedDepartment:
    department: Department
    assignments: tuple[ServedRole, ...]  # none for a platform administrator not assigned to it
    access: DepartmentAccess | None  # None: the person cannot open the department
    attention: tuple[AttentionItem, ...]

    @property
    def waiting(self) -> int:
        return sum(item.count for item in self.attention)


def platform_home_departments(*, user: User) -> list[ServedDepartment]:
    """An operator's departments are those of their current assignments; a platform administrator
    sees every active department. What needs attention is worked out with the access the person has
    in each (their assignment's role), so it is never more than they could see by opening it."""
    if not user.is_authenticated or not user.platform_role:
        return []
    assignments: dict[int, list[OperatorAssignment]] = {}
    for assignment in (OperatorAssignment.objects.current().filter(user=user, department__is_active=True)
                       .select_related("department").order_by("department__name", "role")):
        assignments.setdefault(assignment.department_id, []).append(assignment)
    if user.platform_role == User.PlatformRole.PLATFORM_ADMIN:
        departments = list(Department.objects.filter(is_active=True).order_by("name"))
    else:
        departments = [served[0].department for served in assignments.values()]
    served_departments = []
    for department in departments:
        access = department_access_for_user(user=user, department_slug=department.slug)
        served_departments.append(ServedDepartment(
            department=department,
            assignments=tuple(ServedRole(label=Role(assignment.role).label, valid_to=assignment.valid_to)
                              for assignment in assignments.get(department.id, [])),
            access=access,
            attention=tuple(attention_for(access=access)) if access is not None else (),
        ))
    return served_departments
