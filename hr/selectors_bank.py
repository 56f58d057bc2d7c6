"""Reads about bank details changes: an employee's own, HR's queue of checks, and what payroll's
report of recent changes needs (changes in a window, accounts several employees share, contact
details changed shortly before).

Each runs in the caller's department context (the scoped managers need it). Getters answer
``NotFound`` both for a change that does not exist and for one the caller may not see, so the ids
of other people's changes never leak.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from departments.models import AuditEvent
from hr.models import BankDetailsChange, Employee
from shared_services.core.problems import NotFound

__all__ = [
    "CONTACT_FIELDS",
    "TAKING_EFFECT",
    "ContactChange",
    "bank_change_timing",
    "bank_changes_between",
    "bank_details_change_get",
    "bank_details_change_of",
    "bank_details_changes_of",
    "bank_details_checks_waiting",
    "bank_details_checks_recent",
    "contact_changes_before",
    "employees_sharing_accounts",
    "masked_account",
    "personal_emails_replaced_since",
    "scheduled_change_of",
]

NOT_FOUND = "There is no bank details change at this address."
# Changes that move, or will move, someone's pay.
TAKING_EFFECT = (BankDetailsChange.Status.SCHEDULED, BankDetailsChange.Status.APPLIED)
# The employee's own contact details, by the name the audit log records them under (``email`` is
# the personal address). Someone who takes them over can then confirm a bank change themselves.
CONTACT_FIELDS = frozenset({"email", "work_email", "phone", "address_line_1", "address_line_2", "town", "postcode"})
_EMPLOYEE = Employee._meta.label_lower


def _day(value: datetime.date) -> str:
    return f"{value:%-d %B %Y}"


# --- One employee's changes, and HR's checks ------------------------------------------------------

def bank_details_changes_of(*, employee: Employee) -> QuerySet[BankDetailsChange]:
    """The employee's changes, newest first."""
    return BankDetailsChange.objects.filter(employee=employee).order_by("-requested_at", "-id")


def bank_details_change_of(*, employee: Employee, change_id: int) -> BankDetailsChange:
    """One of the employee's own changes, or ``NotFound`` (someone else's answers the same)."""
    found = bank_details_changes_of(employee=employee).filter(pk=change_id).first()
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


def scheduled_change_of(*, employee: Employee) -> BankDetailsChange | None:
    """The change waiting for the next open pay period, if there is one."""
    return (BankDetailsChange.objects.filter(employee=employee, status=BankDetailsChange.Status.SCHEDULED)
            .order_by("-requested_at", "-id").first())


def bank_details_checks_waiting() -> QuerySet[BankDetailsChange]:
    """HR's queue: changes proposed on evidence, waiting for a second person, oldest first."""
    return (BankDetailsChange.objects.filter(status=BankDetailsChange.Status.AWAITING_CHECK)
            .select_related("employee", "requested_by").order_by("requested_at", "id"))


def bank_details_checks_recent(*, limit: int = 20) -> list[BankDetailsChange]:
    """HR's changes checked most recently (confirmed or rejected), newest first."""
    return list(BankDetailsChange.objects.filter(source=BankDetailsChange.Source.HR, checked_at__isnull=False)
                .select_related("employee", "requested_by", "checked_by").order_by("-checked_at", "-id")[:limit])


def bank_details_change_get(*, change_id: int) -> BankDetailsChange:
    """A change in the department in context, or ``NotFound``."""
    found = (BankDetailsChange.objects.select_related("employee", "requested_by", "checked_by")
             .filter(pk=change_id).first())
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


# --- Words and masks pages, the API and e-mails share ---------------------------------------------

def masked_account(*, sort_code: str, account_number: str, roll_number: str = "") -> str:
    """"Sort code 20-04-15, account ending 0008": enough for the holder to recognise it, never the
    whole account number."""
    if not (sort_code or account_number):
        return "None held"
    shown = f"Sort code {sort_code[:2]}-{sort_code[2:4]}-{sort_code[4:]}" if len(sort_code) == 6 else "Sort code"
    shown += f", account ending {account_number[-4:]}"
    return f"{shown}, roll number ending {roll_number[-4:]}" if roll_number else shown


def bank_change_timing(change: BankDetailsChange, *, own: bool = True) -> str:
    """From which pay period the new account counts, in words (``own``: said to the employee).

    Said by pay period dates: the pay date of a period is payroll's, which ``hr`` cannot read.
    """
    pay = "Your pay" if own else "Pay"
    status = change.status
    if status == BankDetailsChange.Status.APPLIED:
        return (f"{pay} for the pay period that includes {_day(change.effective_from)}, and every period after it, "
                "goes to the new account.")
    if status == BankDetailsChange.Status.SCHEDULED:
        last_old = change.effective_from - datetime.timedelta(days=1)
        return (f"{pay} for the pay period ending {_day(last_old)} goes to the old account, because that pay run "
                f"has already started. {pay} for the periods from {_day(change.effective_from)} will go to the "
                "new account.")
    if status == BankDetailsChange.Status.AWAITING_CHECK:
        return "Nothing changes until a second HR officer has checked the evidence."
    return "This change was not made: pay goes to the account in use."


# --- What payroll's report of recent changes reads -----------------------------------------------

def bank_changes_between(*, start: datetime.datetime, end: datetime.datetime,
                         statuses: Iterable[str] = TAKING_EFFECT) -> list[BankDetailsChange]:
    """Changes asked for from ``start`` up to (not including) ``end`` that move or will move pay
    (applied or scheduled, unless ``statuses`` says otherwise), with the employee and the people
    who made and checked them, oldest first."""
    return list(BankDetailsChange.objects.filter(requested_at__gte=start, requested_at__lt=end,
                                                 status__in=list(statuses))
                .select_related("employee", "requested_by", "checked_by").order_by("requested_at", "id"))


def _account_key(sort_code: str, account_number: str, roll_number: str = "") -> tuple[str, str, str]:
    return sort_code, account_number, "".join(roll_number.split()).upper()


def employees_sharing_accounts(*, accounts: Iterable[tuple[str, ...]],
                               on: datetime.date | None = None) -> dict[tuple[str, ...], list[int]]:
    """The employees each account pays, among those employed on ``on`` (today by default): the
    account on their record, or one a scheduled change of theirs moves them to.

    An account is ``(sort code, account number)`` or ``(sort code, account number, roll number)``.
    A building society pays all its members through one sort code and account, told apart by the
    roll number, so employees count as sharing only when the roll numbers match too (a pair means
    "no roll number"). Keys are the accounts as given, with only those someone holds; ids ascend.
    """
    wanted = {_account_key(*account): account for account in accounts}
    if not wanted:
        return {}
    day = on or timezone.localdate()
    employed = Q(start_date__lte=day) & (Q(leave_date__isnull=True) | Q(leave_date__gte=day))
    numbers = {key[1] for key in wanted}
    holders: dict[tuple[str, ...], set[int]] = defaultdict(set)
    on_record = Employee.objects.filter(employed, bank_account_number__in=numbers).values_list(
        "pk", "bank_sort_code", "bank_account_number", "building_society_roll_number")
    scheduled = BankDetailsChange.objects.filter(
        status=BankDetailsChange.Status.SCHEDULED, account_number__in=numbers,
        employee__in=Employee.objects.filter(employed).values("pk"),
    ).values_list("employee_id", "sort_code", "account_number", "roll_number")
    for rows in (on_record, scheduled):
        for employee_id, sort_code, number, roll in rows:
            account = wanted.get(_account_key(sort_code, number, roll))
            if account is not None:
                holders[account].add(employee_id)
    return {account: sorted(ids) for account, ids in holders.items()}


@dataclass(frozen=True)
class ContactChange:
    """The latest change of an employee's contact details before a moment (from the audit log)."""

    employee_id: int
    occurred_at: datetime.datetime
    fields: tuple[str, ...]  # the contact fields that changed then, by name
    action: str


def contact_changes_before(*, employee_ids: Iterable[int], within_days: int,
                           before: Mapping[int, datetime.datetime]) -> dict[int, ContactChange]:
    """For each employee, the latest change of their contact details (``CONTACT_FIELDS``) in the
    ``within_days`` days before ``before[employee_id]`` (a bank change's time, say); employees
    without one are left out.

    Read from the audit log whatever made the change (the employee's own
    ``employee.personal_details_change``, HR's corrections, an import); a hire sets the details
    for the first time, so it does not count.
    """
    ids = [employee_id for employee_id in dict.fromkeys(employee_ids) if employee_id in before]
    if not ids:
        return {}
    window = datetime.timedelta(days=within_days)
    events = (AuditEvent.objects.filter(object_type=_EMPLOYEE, object_id__in=[str(pk) for pk in ids],
                                        occurred_at__gte=min(before[pk] for pk in ids) - window,
                                        occurred_at__lt=max(before[pk] for pk in ids),
                                        changes__has_any_keys=sorted(CONTACT_FIELDS))
              .exclude(action="employee.hire").order_by("-occurred_at", "-id")
              .values_list("object_id", "occurred_at", "changes", "action"))
    found: dict[int, ContactChange] = {}
    for object_id, occurred_at, changes, action in events:
        employee_id = int(object_id)
        moment = before[employee_id]
        if employee_id in found or not moment - window <= occurred_at < moment:
            continue
        found[employee_id] = ContactChange(employee_id=employee_id, occurred_at=occurred_at, action=action,
                                           fields=tuple(sorted(name for name in changes if name in CONTACT_FIELDS)))
    return found


def personal_emails_replaced_since(*, employee: Employee, since: datetime.datetime) -> list[str]:
    """The personal e-mail addresses the employee had before a change since ``since``, newest
    change first: told of a bank change too, in case the change of address was not theirs."""
    events = (AuditEvent.objects.filter(object_type=_EMPLOYEE, object_id=str(employee.pk), occurred_at__gte=since,
                                        changes__has_key="email")
              .exclude(action="employee.hire").order_by("-occurred_at", "-id").values_list("changes", flat=True))
    addresses: list[str] = []
    for changes in events:
        before = (changes.get("email") or {}).get("before") if isinstance(changes, dict) else None
        if isinstance(before, str) and "@" in before and before not in addresses:
            addresses.append(before)
    return addresses
