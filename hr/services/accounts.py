"""HR's side of the joiner–mover–leaver cycle: employee records turned into accounts and access.

``departments.services`` owns accounts and memberships and takes plain records; these services
read the employees, hand them over, and link each employee to the account it got.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Lower
from django.utils import timezone

from departments.bulk import AnyOf
from departments.models import Department
from departments.services import PersonRecord, account_provision, accounts_provision, manager_access_sync
from departments.tenancy import department_context
from hr.models import Employee, Employment
from shared_services.accounts.models import User

__all__ = ["employee_account_provision", "employee_accounts_provision", "line_manager_access_refresh"]


def _record(payroll_number: str, work_email: str, first_name: str, last_name: str, preferred_name: str,
            start_date: datetime.date, leave_date: datetime.date | None, user_id: int | None) -> PersonRecord:
    return PersonRecord(key=payroll_number, email=work_email, full_name=f"{preferred_name or first_name} {last_name}",
                        valid_from=start_date, valid_to=leave_date, user_id=user_id)


_RECORD_FIELDS = ("payroll_number", "work_email", "first_name", "last_name", "preferred_name", "start_date",
                  "leave_date", "user_id")


@transaction.atomic
def employee_accounts_provision(*, department: Department, acting_user: User | None,
                                employee_ids: Sequence[int] | None = None) -> dict[str, int]:
    """Accounts and employee memberships for the department's employees with a work e-mail (or
    those of ``employee_ids``), each employee linked to their account, then line-manager access
    brought in line with the HR record. Idempotent; returns what it did, by name."""
    with department_context(department.id):
        employees = Employee.objects.exclude(work_email="")
        if employee_ids is not None:
            employees = employees.filter(AnyOf(F("id"), list(employee_ids)))
        people = [_record(*values) for values in employees.values_list(*_RECORD_FIELDS)]
        result = accounts_provision(department=department, people=people, acting_user=acting_user,
                                    reason="Provisioned from the employee's HR record")
        # One statement links every employee still without an account to the one with their work
        # e-mail (through the unique index on the lower-cased address).
        account = User.objects.annotate(address=Lower("email")).filter(address=Lower(OuterRef("work_email")))
        linked = employees.filter(user__isnull=True).filter(Exists(account)).update(
            user_id=Subquery(account.values("id")[:1]))
        granted, ended = line_manager_access_refresh(department=department, acting_user=acting_user)
        without_email = Employee.objects.filter(work_email="").count() if employee_ids is None else 0
    return {"accounts_created": result.accounts_created, "linked": linked,
            "memberships_created": result.memberships_created, "memberships_updated": result.memberships_updated,
            "already": result.already, "left": result.left, "managers_granted": granted, "managers_ended": ended,
            "without_email": without_email}


@transaction.atomic
def employee_account_provision(*, employee: Employee, acting_user: User | None) -> User | None:
    """One employee's account and membership, dated by their start and leaving dates (a starter,
    a new work e-mail, a leaver); None without a work e-mail, or for a past leaver with no access."""
    if not employee.work_email:
        return None
    person = _record(*(getattr(employee, name) for name in _RECORD_FIELDS))
    user = account_provision(department=employee.department, person=person, acting_user=acting_user,
                             reason="Provisioned from the employee's HR record")
    if user is not None and employee.user_id is None:  # type: ignore[attr-defined]
        with department_context(employee.department_id):  # type: ignore[attr-defined]
            Employee.objects.filter(pk=employee.pk).update(user=user)
        employee.user = user
    return user


@transaction.atomic
def line_manager_access_refresh(*, department: Department, acting_user: User | None,
                                on: datetime.date | None = None) -> tuple[int, int]:
    """Whoever is, on ``on`` (today), the line manager in a current employment version of someone
    holds a MANAGER membership until their own last day; a manager who no longer manages anyone
    loses the one the HR record gave. Returns (granted, ended)."""
    day = on or timezone.localdate()
    with department_context(department.id):
        managers = dict(Employment.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
            Q(line_manager__leave_date__isnull=True) | Q(line_manager__leave_date__gte=day),
            superseded_at__isnull=True, valid_from__lte=day, line_manager__user__isnull=False,
        ).values_list("line_manager__user_id", "line_manager__leave_date").distinct())
    return manager_access_sync(department=department, managers=managers, acting_user=acting_user,
                               reason="Line manager in the HR record")
