"""Approval deputies, and telling people about decisions.

A line manager names a deputy for dated days; while the delegation runs, the deputy decides what
waits for the manager (leave, expense claims), never their own. The people who decide (the
manager and whoever deputises for them) are told when something waits, and the person who asked
is told when it is decided.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from departments.models import Department, Notification
from departments.notifications import notify
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from hr import selectors
from hr.models import ApprovalDelegation, Employee
from hr.selectors_delegation import delegation_overlapping, deputies_of, is_deputy_for
from shared_services.accounts.models import User

__all__ = [
    "approval_delegation_cancel",
    "approval_delegation_create",
    "approvals_inbox_path",
    "approvers_notify",
    "deputy_acting_for",
    "requester_notify_decided",
]


def _day(value: datetime.date) -> str:
    return f"{value:%-d %B %Y}"


def approvals_inbox_path(department: Department) -> str:
    """Where a line manager (or deputy) decides what waits for them."""
    return reverse("departments:approvals", kwargs={"department_slug": department.slug})


def _work_address(employee: Employee) -> str:
    """The address a person signs in with: their work e-mail, else their account's."""
    if employee.work_email:
        return employee.work_email
    return employee.user.email if employee.user is not None else ""


def _personal_address(employee: Employee) -> str:
    return employee.email or _work_address(employee)


def approvers_notify(*, department: Department, manager: Employee | None, subject: str, body: str) -> None:
    """Tell ``manager``, and whoever deputises for them today, that something waits for their decision."""
    if manager is None:
        return
    with department_context(department.id):
        for person in [manager, *deputies_of(manager=manager, day=timezone.localdate())]:
            notify(department=department, kind=Notification.Kind.ITEM_WAITING, subject=subject, body=body,
                   to_address=_work_address(person), user=person.user, link=approvals_inbox_path(department))


def requester_notify_decided(*, department: Department, employee: Employee, subject: str, body: str,
                             link: str) -> None:
    """Tell the person a request was about that it was decided, at their personal address."""
    notify(department=department, kind=Notification.Kind.REQUEST_DECIDED, subject=subject, body=body,
           to_address=_personal_address(employee), user=employee.user, link=link)


def deputy_acting_for(*, acting_user: User, manager: Employee | None, day: datetime.date) -> Employee | None:
    """``manager`` when ``acting_user`` is their deputy on ``day``; None otherwise (or without a manager)."""
    if manager is None:
        return None
    deputy = selectors.employee_of_user(user_id=acting_user.pk)
    if deputy is None or deputy.pk == manager.pk:
        return None
    return manager if is_deputy_for(deputy=deputy, manager=manager, day=day) else None


def _one_year_after(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _delegation_errors(*, manager: Employee, deputy: Employee, starts_on: datetime.date, ends_on: datetime.date,
                       note: str, today: datetime.date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not selectors.direct_reports(manager=manager, on=today).exists():
        errors["manager"] = "Only a line manager with people reporting to them can name a deputy."
    if deputy.pk == manager.pk:
        errors["deputy"] = "Choose someone other than yourself as your deputy."
    elif deputy.user_id is None:
        errors["deputy"] = (f"{deputy.display_name} cannot sign in, so could not decide anything; choose someone "
                            "who can.")
    elif deputy.leave_date is not None and deputy.leave_date < today:
        errors["deputy"] = f"{deputy.display_name} has left the department; choose someone who works here."
    elif deputy.leave_date is not None and deputy.leave_date < ends_on:
        errors["deputy"] = (f"{deputy.display_name} leaves on {_day(deputy.leave_date)}, before the delegation "
                            "ends; choose someone else or end it sooner.")
    elif deputy.start_date > starts_on:
        errors["deputy"] = f"{deputy.display_name} starts on {_day(deputy.start_date)}, after the delegation starts."
    elif selectors.direct_reports(manager=manager, on=today).filter(employee=deputy).exists():
        errors["deputy"] = (f"{deputy.display_name} reports to you, so would be deciding their own requests; choose "
                            "someone outside your team, such as a fellow manager.")
    if starts_on < today:
        errors["starts_on"] = "The first day must be today or in the future."
    if ends_on < starts_on:
        errors["ends_on"] = "The last day must be the same as or after the first day."
    elif ends_on >= _one_year_after(starts_on):
        errors["ends_on"] = "A delegation can last a year at most; name a deputy again after it ends."
    if len(note) > 300:
        errors["note"] = "The note must be 300 characters or fewer."
    return errors


@transaction.atomic
def approval_delegation_create(*, manager: Employee, deputy: Employee, starts_on: datetime.date,
                               ends_on: datetime.date, acting_user: User | None,
                               note: str = "") -> ApprovalDelegation:
    """``deputy`` decides what waits for ``manager`` from ``starts_on`` to ``ends_on`` (both included).

    A manager's delegations never overlap (cancelled ones aside), so on any day at most one person
    deputises for them; the manager's row is locked while that is checked, so two requests at
    once cannot both pass. Nobody deputises for their own manager, as they would then decide
    their own requests.
    """
    department = manager.department
    with department_context(department.id):
        Employee.objects.select_for_update().filter(pk=manager.pk).first()
        note = note.strip()
        errors = _delegation_errors(manager=manager, deputy=deputy, starts_on=starts_on, ends_on=ends_on,
                                    note=note, today=timezone.localdate())
        if not errors:
            clash = delegation_overlapping(manager=manager, starts_on=starts_on, ends_on=ends_on)
            if clash is not None:
                errors["starts_on"] = (f"These dates overlap your delegation to {clash.deputy.display_name} from "
                                       f"{_day(clash.starts_on)} to {_day(clash.ends_on)}; cancel that one first "
                                       "or choose other dates.")
        if errors:
            raise ValidationError(errors)
        delegation = ApprovalDelegation.objects.create(manager=manager, deputy=deputy, starts_on=starts_on,
                                                       ends_on=ends_on, note=note, created_by=acting_user)
        audit_record(department=department, action="approval_delegation.create", acting_user=acting_user,
                     target=delegation,
                     changes=audit_changes({}, {"manager": manager.payroll_number, "deputy": deputy.payroll_number,
                                                "starts_on": starts_on, "ends_on": ends_on, "note": note}))
        notify(department=department, kind=Notification.Kind.ITEM_WAITING,
               subject=f"You are deputy for {manager.display_name} from {_day(starts_on)} to {_day(ends_on)}",
               body=(f"{manager.display_name} has named you as their deputy from {_day(starts_on)} to "
                     f"{_day(ends_on)}.\n\nOn those days, leave requests and expense claims from their team "
                     "wait for your decision as well as theirs. You will find them in your approvals."
                     + (f"\n\nTheir note: {note}" if note else "")),
               to_address=_work_address(deputy), user=deputy.user, link=approvals_inbox_path(department))
        return delegation


@transaction.atomic
def approval_delegation_cancel(*, delegation: ApprovalDelegation, acting_user: User | None) -> ApprovalDelegation:
    """End a delegation now: from this moment the deputy no longer decides for the manager.

    One that has already ended stays as it was, for the record of who decided what.
    """
    department = delegation.department
    with department_context(department.id):
        delegation = ApprovalDelegation.objects.select_for_update().select_related("manager", "deputy").get(
            pk=delegation.pk)
        if delegation.cancelled_at is not None:
            raise ValidationError({"delegation": "This delegation is cancelled already."})
        if delegation.ends_on < timezone.localdate():
            raise ValidationError({"delegation": "This delegation has ended already."})
        delegation.cancelled_at, delegation.cancelled_by = timezone.now(), acting_user
        delegation.save(update_fields=["cancelled_at", "cancelled_by"])
        audit_record(department=department, action="approval_delegation.cancel", acting_user=acting_user,
                     target=delegation,
                     changes=audit_changes({"cancelled": False}, {"cancelled": True}))
        return delegation
