"""Changing where an employee's pay goes. Every change is a ``BankDetailsChange`` row, so payroll
can report recent ones and nobody's account is overwritten silently; values are masked in the
audit log and never whole in an e-mail.

Two ways in: the employee changes their own after a fresh second factor (the page and the API
check it), or HR proposes a change on evidence, which a second HR officer confirms or rejects.
Either way a change counts from the first pay period whose inputs are not locked: applied now when
today's period is open, else scheduled for the next one and applied when payroll opens that run
(``bank_details_changes_apply_due``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from departments.models import Department, Notification
from departments.notifications import notify
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from hr.models import BankDetailsChange, Employee
from hr.selectors_bank import bank_change_timing, masked_account, personal_emails_replaced_since
from hr.services.self_service import MAX_EVIDENCE_BYTES, evidence_content_type
from hr.validators import (
    normalise_account_number,
    normalise_roll_number,
    normalise_sort_code,
    validate_account_number,
    validate_bank_account,
    validate_roll_number,
    validate_sort_code,
)
from shared_services.accounts.models import User
from shared_services.core.hooks import pay_period_lock, pay_unfinalised_until

__all__ = [
    "BANK_FIELDS",
    "BankAccount",
    "bank_account_checked",
    "bank_details_change_confirm",
    "bank_details_change_propose",
    "bank_details_change_reject",
    "bank_details_change_request",
    "bank_details_changes_apply_due",
]

BANK_FIELDS = ("bank_sort_code", "bank_account_number", "building_society_roll_number")
MAX_REASON = 500
# How far back a change of personal e-mail sends the bank change's e-mail to the old address too.
OLD_ADDRESS_DAYS = 30
# Pay periods are at most a month: a year of locked periods means something else is wrong.
MOST_LOCKED_PERIODS = 13


@dataclass(frozen=True)
class BankAccount:
    """Where pay goes, in the form the employee record holds it (digits only, roll number in capitals)."""

    sort_code: str
    account_number: str
    roll_number: str = ""

    @classmethod
    def of(cls, employee: Employee) -> BankAccount:
        return cls(employee.bank_sort_code, employee.bank_account_number, employee.building_society_roll_number)

    @property
    def fields(self) -> dict[str, str]:
        return dict(zip(BANK_FIELDS, (self.sort_code, self.account_number, self.roll_number), strict=True))


def bank_account_checked(*, sort_code: str, account_number: str, roll_number: str = "") -> BankAccount:
    """The account normalised ("20-04-15" and "20 04 15" are 200415), or a ``ValidationError``
    naming each field that is wrong (keys as the employee record's fields)."""
    values = BankAccount(normalise_sort_code(sort_code.strip()), normalise_account_number(account_number.strip()),
                         normalise_roll_number(roll_number))
    errors: dict[str, list[str]] = {}
    if not values.sort_code:
        errors["bank_sort_code"] = ["Enter the sort code"]
    else:
        try:
            validate_sort_code(values.sort_code)
        except ValidationError as error:
            errors["bank_sort_code"] = error.messages
    if not values.account_number:
        errors["bank_account_number"] = ["Enter the account number"]
    else:
        try:
            validate_account_number(values.account_number)
        except ValidationError as error:
            errors["bank_account_number"] = error.messages
    if values.roll_number:
        try:
            validate_roll_number(values.roll_number)
        except ValidationError as error:
            errors["building_society_roll_number"] = error.messages
    if not errors:
        try:
            validate_bank_account(values.sort_code, values.account_number)
        except ValidationError as error:
            errors["bank_account_number"] = error.messages
    if errors:
        raise ValidationError(errors)
    return values


def _evidence_checked(evidence: IO[bytes] | None, errors: dict[str, list[str]]) -> bytes | None:
    """The evidence's bytes, judged a PDF, JPEG or PNG by its first bytes (never by its name or the
    browser's word for it); problems go into ``errors``."""
    if evidence is None:
        errors["evidence"] = ["Choose the evidence file: a letter or statement from the bank"]
        return None
    size = getattr(evidence, "size", None)
    too_big = f"The evidence file must be smaller than {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB"
    if size is not None and size > MAX_EVIDENCE_BYTES:
        errors["evidence"] = [too_big]
        return None
    content = evidence.read(MAX_EVIDENCE_BYTES + 1)
    if len(content) > MAX_EVIDENCE_BYTES:
        errors["evidence"] = [too_big]
        return None
    if not content:
        errors["evidence"] = ["The evidence file is empty"]
        return None
    if evidence_content_type(content[:16]) is None:
        errors["evidence"] = ["The evidence must be a PDF, JPEG or PNG file"]
        return None
    return content


def _first_open_day(employee: Employee, today: datetime.date) -> datetime.date:
    """Today, or the first day of the first pay period after it whose inputs are not locked."""
    day = today
    for _ in range(MOST_LOCKED_PERIODS):
        lock = pay_period_lock(employee_id=employee.pk, day=day)
        if lock is None:
            return day
        day = lock.next_open_day
    raise ValidationError({"__all__": "Every pay period for the next year is locked; ask payroll why."})


def _locked_employee(employee: Employee) -> Employee:
    # Only the employee row is locked; the account joined beside it is read for its address.
    return Employee.objects.select_for_update(of=("self",)).select_related("user").get(pk=employee.pk)


def _locked_change(change: BankDetailsChange) -> BankDetailsChange:
    return BankDetailsChange.objects.select_for_update().get(pk=change.pk)


def _refuse_no_change(current: BankAccount, wanted: BankAccount) -> None:
    if current == wanted:
        raise ValidationError({"__all__": "These are the bank details pay already goes to: nothing changed"})


def _scheduled_of(employee: Employee) -> list[BankDetailsChange]:
    return list(BankDetailsChange.objects.select_for_update()
                .filter(employee=employee, status=BankDetailsChange.Status.SCHEDULED).order_by("requested_at"))


def _cancel_scheduled(changes: list[BankDetailsChange], *, by: BankDetailsChange, acting_user: User | None) -> None:
    """A newer change replaces one still waiting, which would otherwise overwrite it later."""
    for old in changes:
        old.status = BankDetailsChange.Status.CANCELLED
        old.save(update_fields=["status"])
        audit_record(department=old.department, action="bank_details_change.cancel", acting_user=acting_user,
                     target=old, changes=audit_changes({"status": BankDetailsChange.Status.SCHEDULED},
                                                       {"status": old.status}),
                     reason=f"Replaced by bank details change {by.pk}")


def _apply(change: BankDetailsChange, employee: Employee, *, acting_user: User | None, reason: str) -> None:
    """Put the change on the (locked) employee record; ``previous_*`` become what it replaced."""
    before = BankAccount.of(employee)
    after = BankAccount(change.sort_code, change.account_number, change.roll_number)
    change.previous_sort_code, change.previous_account_number, change.previous_roll_number = (
        before.sort_code, before.account_number, before.roll_number)
    change.status = BankDetailsChange.Status.APPLIED
    change.applied_at = timezone.now()
    change.save(update_fields=["previous_sort_code", "previous_account_number", "previous_roll_number", "status",
                               "applied_at"])
    for name, value in after.fields.items():
        setattr(employee, name, value)
    employee.save(update_fields=list(BANK_FIELDS))
    # Against the employee, named by the record's fields: the audit log masks them, and payroll's
    # separation of duties reads who changed them.
    audit_record(department=change.department, action="employee.bank_details_change", acting_user=acting_user,
                 target=employee, changes=audit_changes(before.fields, after.fields),
                 reason=f"{reason} (bank details change {change.pk})".strip())


def _take_effect(change: BankDetailsChange, employee: Employee, *, today: datetime.date,
                 acting_user: User | None) -> None:
    """Apply now when today's pay period is open and no run of the employee's schedule is under way;
    else schedule for the first open period (after any run under way: a late run's Bacs file is
    built from the record when it is finalised, so it must not meet an account its approver never
    saw; payroll applies the change when that run is finalised or the next one opens)."""
    change.effective_from = _first_open_day(employee, today)
    unfinalised = pay_unfinalised_until(employee_id=employee.pk)
    if unfinalised is not None:
        change.effective_from = max(change.effective_from, unfinalised + datetime.timedelta(days=1))
    if change.effective_from <= today and unfinalised is None:
        _apply(change, employee, acting_user=acting_user, reason=change.reason)
    else:
        change.status = BankDetailsChange.Status.SCHEDULED
        change.save(update_fields=["effective_from", "status"])


def _addresses(employee: Employee) -> list[str]:
    """The personal address, the sign-in one, and personal ones replaced in the last 30 days."""
    since = timezone.now() - datetime.timedelta(days=OLD_ADDRESS_DAYS)
    candidates = [employee.email, employee.work_email, employee.user.email if employee.user else "",
                  *personal_emails_replaced_since(employee=employee, since=since)]
    seen: dict[str, str] = {}
    for address in candidates:
        if address and address.strip().lower() not in seen:
            seen[address.strip().lower()] = address.strip()
    return list(seen.values())


def _notify_changed(change: BankDetailsChange, employee: Employee) -> None:
    """Tell the employee at every address they have, and at a personal one replaced lately: a
    fraudster who changed the address first would otherwise hide the bank change from them."""
    department = change.department
    by = ("You changed" if change.source == BankDetailsChange.Source.EMPLOYEE
          else "HR changed, after a second person checked the evidence,")
    new_account = masked_account(sort_code=change.sort_code, account_number=change.account_number,
                                 roll_number=change.roll_number)
    body = (
        f"{by} the bank account your pay from {department.name} goes to, on "
        f"{timezone.localtime(change.requested_at if change.checked_at is None else change.checked_at):%-d %B %Y}.\n\n"
        f"New account: {new_account}.\n\n"
        f"{bank_change_timing(change)}\n\n"
        "If you made or asked for this change, you do not need to do anything.\n\n"
        "If you did not, contact your HR team straight away: someone else may be trying to take your pay.\n"
    )
    link = reverse("hr:my-bank-details", kwargs={"department_slug": department.slug})
    for address in _addresses(employee):
        notify(department=department, kind=Notification.Kind.BANK_DETAILS_CHANGED,
               subject="Your bank details have been changed", body=body, to_address=address,
               user=employee.user, link=link, name=employee.display_name)


# --- The employee's own change ---------------------------------------------------------------------

@transaction.atomic
def bank_details_change_request(*, employee: Employee, sort_code: str, account_number: str, roll_number: str = "",
                                acting_user: User) -> BankDetailsChange:
    """The employee changes where their own pay goes. The caller has checked a fresh second factor.

    Applied now when today's pay period is open; scheduled from the first day of the next open one
    when its run has started (a change never lands in a locked period). A change still scheduled
    is replaced (cancelled). The same account again, or a scheduled one again, is refused.
    """
    department = employee.department
    with department_context(department.id):
        wanted = bank_account_checked(sort_code=sort_code, account_number=account_number, roll_number=roll_number)
        locked = _locked_employee(employee)
        _refuse_no_change(BankAccount.of(locked), wanted)
        waiting = _scheduled_of(locked)
        if any(BankAccount(old.sort_code, old.account_number, old.roll_number) == wanted for old in waiting):
            raise ValidationError({"__all__": "This change is already scheduled: nothing changed"})
        today = timezone.localdate()
        change = BankDetailsChange.objects.create(
            department=department, employee=locked, source=BankDetailsChange.Source.EMPLOYEE,
            status=BankDetailsChange.Status.SCHEDULED, sort_code=wanted.sort_code,
            account_number=wanted.account_number, roll_number=wanted.roll_number,
            previous_sort_code=locked.bank_sort_code, previous_account_number=locked.bank_account_number,
            previous_roll_number=locked.building_society_roll_number, effective_from=today,
            requested_by=acting_user, reason="Changed by the employee")
        _cancel_scheduled(waiting, by=change, acting_user=acting_user)
        _take_effect(change, locked, today=today, acting_user=acting_user)
        audit_record(department=department, action="bank_details_change.request", acting_user=acting_user,
                     target=change, changes=audit_changes({}, {**wanted.fields, "status": change.status,
                                                               "effective_from": change.effective_from}))
        _notify_changed(change, locked)
        return change


# --- HR's change on evidence, and the second person's check ---------------------------------------

def _refuse_own_record(employee: Employee, acting_user: User, doing: str) -> None:
    if employee.user_id is not None and employee.user_id == acting_user.pk:  # type: ignore[attr-defined]
        raise ValidationError({"__all__": ValidationError(
            f"You cannot {doing} your own bank details: change them on your own bank details page.",
            code="four_eyes")})


@transaction.atomic
def bank_details_change_propose(*, employee: Employee, sort_code: str, account_number: str, roll_number: str = "",
                                reason: str, evidence: IO[bytes] | None, evidence_name: str = "",
                                acting_user: User) -> BankDetailsChange:
    """HR proposes a new account for an employee, with the reason and the evidence (a PDF, JPEG or
    PNG under 10 MB, judged by its bytes). Nothing changes until a second HR officer confirms it
    (``bank_details_change_confirm``). One proposal per employee waits at a time."""
    department = employee.department
    with department_context(department.id):
        errors: dict[str, list[str]] = {}
        try:
            wanted: BankAccount | None = bank_account_checked(sort_code=sort_code, account_number=account_number,
                                                              roll_number=roll_number)
        except ValidationError as error:
            errors.update(error.message_dict)
            wanted = None
        reason = reason.strip()
        if not reason:
            errors["reason"] = ["Enter why the bank details are changing, and who asked"]
        elif len(reason) > MAX_REASON:
            errors["reason"] = [f"The reason must be {MAX_REASON} characters or fewer"]
        stored = _evidence_checked(evidence, errors)
        if errors:
            raise ValidationError(errors)
        assert wanted is not None
        assert stored is not None
        _refuse_own_record(employee, acting_user, "propose a change to")
        locked = _locked_employee(employee)
        _refuse_no_change(BankAccount.of(locked), wanted)
        if BankDetailsChange.objects.filter(employee=locked, status=BankDetailsChange.Status.AWAITING_CHECK).exists():
            raise ValidationError({"__all__": f"A change for {locked.display_name} is already waiting for a second "
                                              "person's check: have it checked or rejected first."})
        change = BankDetailsChange(
            department=department, employee=locked, source=BankDetailsChange.Source.HR,
            status=BankDetailsChange.Status.AWAITING_CHECK, sort_code=wanted.sort_code,
            account_number=wanted.account_number, roll_number=wanted.roll_number,
            previous_sort_code=locked.bank_sort_code, previous_account_number=locked.bank_account_number,
            previous_roll_number=locked.building_society_roll_number,
            effective_from=_first_open_day(locked, timezone.localdate()), reason=reason, requested_by=acting_user,
            evidence_name=(evidence_name or "evidence").replace("\\", "/").rsplit("/", 1)[-1][:255])
        # Stored under the department's folder with a random name (the model's upload path).
        change.evidence.save("evidence", ContentFile(stored), save=False)
        change.save()
        audit_record(department=department, action="bank_details_change.propose", acting_user=acting_user,
                     target=change, changes=audit_changes({}, {**wanted.fields, "evidence": change.evidence_name}),
                     reason=reason)
        return change


def _checkable(change: BankDetailsChange, acting_user: User) -> BankDetailsChange:
    """The change, locked, when ``acting_user`` may check it now; else a ``ValidationError``."""
    locked = _locked_change(change)
    if locked.status != BankDetailsChange.Status.AWAITING_CHECK:
        raise ValidationError({"__all__": f"This change is {locked.get_status_display().lower()}: it has been "
                                          "checked already."})
    # Refused here with words; the table's check constraint holds it even if this were skipped.
    if locked.requested_by_id == acting_user.pk:  # type: ignore[attr-defined]
        raise ValidationError({"__all__": ValidationError(
            "You proposed this change, so another HR officer must check it.", code="four_eyes")})
    _refuse_own_record(locked.employee, acting_user, "check a change to")
    return locked


@transaction.atomic
def bank_details_change_confirm(*, change: BankDetailsChange, acting_user: User, note: str = "") -> BankDetailsChange:
    """A second HR officer (never the proposer, nor the employee) confirms HR's proposal: it is
    applied or scheduled exactly as the employee's own change would be, and the employee is told."""
    department = change.department
    with department_context(department.id):
        note = note.strip()
        if len(note) > MAX_REASON:
            raise ValidationError({"note": f"The note must be {MAX_REASON} characters or fewer"})
        locked = _checkable(change, acting_user)
        employee = _locked_employee(locked.employee)
        _refuse_no_change(BankAccount.of(employee),
                          BankAccount(locked.sort_code, locked.account_number, locked.roll_number))
        locked.checked_by, locked.checked_at, locked.check_note = acting_user, timezone.now(), note
        locked.save(update_fields=["checked_by", "checked_at", "check_note"])
        waiting = _scheduled_of(employee)
        _cancel_scheduled(waiting, by=locked, acting_user=acting_user)
        _take_effect(locked, employee, today=timezone.localdate(), acting_user=acting_user)
        audit_record(department=department, action="bank_details_change.confirm", acting_user=acting_user,
                     target=locked, changes=audit_changes({"status": BankDetailsChange.Status.AWAITING_CHECK},
                                                          {"status": locked.status,
                                                           "effective_from": locked.effective_from}),
                     reason=note)
        _notify_changed(locked, employee)
        return locked


@transaction.atomic
def bank_details_change_reject(*, change: BankDetailsChange, acting_user: User, reason: str) -> BankDetailsChange:
    """A second HR officer rejects HR's proposal, saying why; the employee record is untouched."""
    department = change.department
    with department_context(department.id):
        reason = reason.strip()
        if not reason:
            raise ValidationError({"reason": "Enter why the change is rejected"})
        if len(reason) > MAX_REASON:
            raise ValidationError({"reason": f"The reason must be {MAX_REASON} characters or fewer"})
        locked = _checkable(change, acting_user)
        locked.status = BankDetailsChange.Status.REJECTED
        locked.checked_by, locked.checked_at, locked.check_note = acting_user, timezone.now(), reason
        locked.save(update_fields=["status", "checked_by", "checked_at", "check_note"])
        audit_record(department=department, action="bank_details_change.reject", acting_user=acting_user,
                     target=locked, changes=audit_changes({"status": BankDetailsChange.Status.AWAITING_CHECK},
                                                          {"status": locked.status}), reason=reason)
        return locked


# --- Scheduled changes, when their pay period opens -----------------------------------------------

@transaction.atomic
def bank_details_changes_apply_due(*, department: Department, up_to: datetime.date,
                                   employees: QuerySet[Employee] | None = None,
                                   acting_user: User | None = None) -> int:
    """Apply the scheduled changes counting from ``up_to`` or before, of ``employees`` (all, if
    None); returns how many.

    Payroll calls it when it opens the run for a period (``up_to`` its last day, ``employees``
    those its schedule pays), so the run pays into the new accounts; it does not ask about locks,
    because that run is the one the change was waiting for. Idempotent: an applied change is no
    longer scheduled. Employees are locked before their changes, in the order the employee's own
    change locks them, so the two never wait on each other.
    """
    with department_context(department.id):
        due = BankDetailsChange.objects.filter(status=BankDetailsChange.Status.SCHEDULED, effective_from__lte=up_to)
        if employees is not None:
            due = due.filter(employee__in=employees.values("pk"))
        employee_ids = sorted(set(due.values_list("employee_id", flat=True)))
        locked = {person.pk: person for person in Employee.objects.select_for_update(of=("self",))
                  .select_related("user").filter(pk__in=employee_ids).order_by("pk")}
        changes = list(BankDetailsChange.objects.select_for_update()
                       .filter(status=BankDetailsChange.Status.SCHEDULED, effective_from__lte=up_to,
                               employee_id__in=employee_ids)
                       .order_by("effective_from", "requested_at", "id"))
        for change in changes:
            _apply(change, locked[change.employee_id], acting_user=acting_user,
                   reason=f"Scheduled from {change.effective_from:%-d %B %Y}")
        return len(changes)
