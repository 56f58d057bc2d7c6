"""Recent bank details changes beside a pay run's exceptions: which changes count for the run, the
flags that say why one deserves a second look before pay is released, and who acknowledged them.

Redirecting someone's pay is the favourite payroll fraud, so the report errs towards showing too
much: every change in use or scheduled for the run's period, made since the schedule's previous
regular run was approved, for the employees the run pays.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from departments.tenancy import department_context
from hr import selectors_bank as bank_selectors
from hr.models import BankDetailsChange, Employee
from hr.visibility import masked
from payroll.models import BankChangeAcknowledgement, PayRun
from payroll.periods import is_working_day
from payroll.selectors import employees_paid_in, holidays_around

__all__ = ["ACKNOWLEDGEABLE_STATUSES", "AFTER_CONTACT_CHANGE", "CHANGED_BEFORE_PAY_DAY", "FLAG_LABELS",
           "SHARED_ACCOUNT", "BankChangeFlag", "RunBankChange", "RunBankChangeReport", "pay_run_bank_changes"]

CHANGED_BEFORE_PAY_DAY = "changed_before_pay_day"
SHARED_ACCOUNT = "shared_account"
AFTER_CONTACT_CHANGE = "after_contact_change"
FLAG_LABELS = {
    CHANGED_BEFORE_PAY_DAY: "Changed shortly before pay day",
    SHARED_ACCOUNT: "Account shared with another employee",
    AFTER_CONTACT_CHANGE: "Changed soon after contact details",
}
WORKING_DAYS_BEFORE_PAY_DAY = 5
DAYS_AFTER_CONTACT_CHANGE = 14
# Without a previous approved run, a little more than a month back covers a monthly schedule's first run.
LOOKBACK_WITHOUT_PREVIOUS_RUN = datetime.timedelta(days=35)
# A run takes acknowledgements while approval is still ahead of it.
ACKNOWLEDGEABLE_STATUSES = (PayRun.Status.OPEN, PayRun.Status.CALCULATING, PayRun.Status.CALCULATED)
# How a flag's reason names the contact details that changed (``hr.selectors_bank.CONTACT_FIELDS``).
CONTACT_FIELD_WORDS = {
    "email": "personal e-mail address",
    "work_email": "work e-mail address",
    "phone": "phone number",
    "address_line_1": "address",
    "address_line_2": "address",
    "town": "address",
    "postcode": "address",
}


@dataclass(frozen=True)
class BankChangeFlag:
    code: str
    reason: str

    @property
    def label(self) -> str:
        return FLAG_LABELS[self.code]


@dataclass(frozen=True)
class RunBankChange:
    """One change in a run's report, with its flags and this run's acknowledgement of it (if any)."""

    change: BankDetailsChange
    flags: tuple[BankChangeFlag, ...]
    acknowledgement: BankChangeAcknowledgement | None

    @property
    def id(self) -> int:
        return self.change.pk

    @property
    def flag_codes(self) -> list[str]:
        return [flag.code for flag in self.flags]

    @property
    def acknowledged(self) -> bool:
        """Acknowledged for this run, with every flag it has now seen (a flag raised after the
        acknowledgement, such as a second employee moving to the account, needs another look)."""
        return self.acknowledgement is not None and set(self.flag_codes) <= set(self.acknowledgement.flags)

    @property
    def needs_acknowledgement(self) -> bool:
        return bool(self.flags) and not self.acknowledged

    @property
    def employee(self) -> Employee:
        return self.change.employee

    @property
    def made_by(self) -> str:
        """Who made the change, to follow "by": the employee, or HR and whoever checked it."""
        change = self.change
        if change.source == BankDetailsChange.Source.EMPLOYEE:
            return "the employee"
        by = f"HR ({_name(change.requested_by)})"
        return f"{by}, checked by {_name(change.checked_by)}" if change.checked_by_id else by  # type: ignore[attr-defined]

    @property
    def previous_account(self) -> str:
        change = self.change
        return _masked_account(change.previous_sort_code, change.previous_account_number, change.previous_roll_number)

    @property
    def new_account(self) -> str:
        change = self.change
        return _masked_account(change.sort_code, change.account_number, change.roll_number)


@dataclass(frozen=True)
class RunBankChangeReport:
    run: PayRun
    since: datetime.datetime
    previous_run: PayRun | None  # whose approval ``since`` is, or None for the lookback
    changes: list[RunBankChange] = field(default_factory=list)

    @property
    def flagged(self) -> list[RunBankChange]:
        return [item for item in self.changes if item.flags]

    @property
    def waiting(self) -> list[RunBankChange]:
        """Flagged changes not yet acknowledged for this run: approval waits for them."""
        return [item for item in self.changes if item.needs_acknowledgement]

    def get(self, change_id: int) -> RunBankChange | None:
        return next((item for item in self.changes if item.id == change_id), None)


def _name(user: object) -> str:
    if user is None:
        return "someone not recorded"
    return str(user.get_full_name())  # type: ignore[attr-defined]


def _masked_account(sort_code: str, account_number: str, roll_number: str) -> str:
    if not (sort_code or account_number):
        return "no account held"
    shown = f"sort code {masked(sort_code)}, account {masked(account_number)}"
    return f"{shown}, roll number {masked(roll_number)}" if roll_number else shown


def _since(run: PayRun) -> tuple[datetime.datetime, PayRun | None]:
    """When the schedule's previous regular run was approved, or the lookback before the pay date."""
    previous = (PayRun.objects.filter(schedule_id=run.schedule_id, kind=PayRun.Kind.REGULAR,
                                      status__in=[PayRun.Status.APPROVED, PayRun.Status.FINALISED],
                                      approved_at__isnull=False, period_start__lte=run.period_start)
                .exclude(pk=run.pk).order_by("-period_start", "-approved_at").first())
    if previous is not None and previous.approved_at is not None:
        return previous.approved_at, previous
    start = datetime.datetime.combine(run.pay_date - LOOKBACK_WITHOUT_PREVIOUS_RUN, datetime.time.min)
    return timezone.make_aware(start), None


def _changes_of(run: PayRun, since: datetime.datetime) -> list[BankDetailsChange]:
    """Changes in use or scheduled for the run's period, made since ``since`` or counting from a day
    in the period (those made while the previous run was open and scheduled for this one), for the
    employees the run pays."""
    paid = Employee.objects.filter(employees_paid_in(run.schedule, run.period_start, run.period_end)).values("pk")
    return list(BankDetailsChange.objects.filter(
        Q(requested_at__gte=since) | Q(effective_from__gte=run.period_start),
        status__in=bank_selectors.TAKING_EFFECT, effective_from__lte=run.period_end, employee__in=paid,
    ).select_related("employee", "requested_by", "checked_by").order_by("-requested_at", "-pk"))


def _working_days_after(day: datetime.date, until: datetime.date, holidays: set[datetime.date]) -> int:
    """Working days after ``day`` up to and including ``until``."""
    count, current = 0, day
    while current < until:
        current += datetime.timedelta(days=1)
        count += is_working_day(current, holidays)
    return count


def _before_pay_day(change: BankDetailsChange, pay_date: datetime.date,
                    holidays: set[datetime.date]) -> BankChangeFlag | None:
    """Made within ``WORKING_DAYS_BEFORE_PAY_DAY`` working days (England and Wales bank holidays)
    before the pay date, or on or after it."""
    made_on = timezone.localtime(change.requested_at).date()
    if made_on >= pay_date:
        return BankChangeFlag(CHANGED_BEFORE_PAY_DAY,
                              f"Made on {made_on:%-d %B %Y}, on or after pay day ({pay_date:%-d %B %Y}).")
    # Five working days never span three weeks, even over Christmas: no need to count further back.
    if (pay_date - made_on).days > 21:
        return None
    working_days = _working_days_after(made_on, pay_date, holidays)
    if working_days > WORKING_DAYS_BEFORE_PAY_DAY:
        return None
    return BankChangeFlag(CHANGED_BEFORE_PAY_DAY,
                          f"Made on {made_on:%-d %B %Y}, {working_days} working day{'' if working_days == 1 else 's'} "
                          f"before pay day ({pay_date:%-d %B %Y}). Fraudulent changes are often made late, so "
                          "that pay goes out before the employee notices.")


def _names_of(employee_ids: Iterable[int], most: int = 3) -> str:
    ids = sorted(employee_ids)
    people = Employee.objects.filter(pk__in=ids[:most]).order_by("last_name", "first_name", "payroll_number")
    named = [f"{person.display_name} ({person.payroll_number})" for person in people]
    if len(ids) > most:
        named.append(f"{len(ids) - most} more")
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def _shared_accounts(changes: Sequence[BankDetailsChange]) -> dict[int, BankChangeFlag]:
    """Changes whose new account is also another current employee's (on their record, or where a
    scheduled change takes them); a building society's account counts only with the same roll number."""
    holders = bank_selectors.employees_sharing_accounts(
        accounts={(change.sort_code, change.account_number, change.roll_number) for change in changes})
    flags: dict[int, BankChangeFlag] = {}
    for change in changes:
        others = set(holders.get((change.sort_code, change.account_number, change.roll_number), [])) - {
            change.employee_id}  # type: ignore[attr-defined]
        if others:
            count = len(others)
            flags[change.pk] = BankChangeFlag(
                SHARED_ACCOUNT,
                f"The new account is also the account of {count} other employee{'' if count == 1 else 's'}: "
                f"{_names_of(others)}. Several people's pay going to one account is a common sign of fraud.")
    return flags


def _after_contact_changes(changes: Sequence[BankDetailsChange]) -> dict[int, BankChangeFlag]:
    """Changes made within ``DAYS_AFTER_CONTACT_CHANGE`` days after the employee's contact details
    changed, as the audit log records it (``hr.selectors_bank.contact_changes_before``)."""
    flags: dict[int, BankChangeFlag] = {}
    # The hr read takes one moment per employee: an employee with several changes is asked once for each.
    rounds: list[dict[int, BankDetailsChange]] = []
    for change in changes:
        employee_id = change.employee_id  # type: ignore[attr-defined]
        round_ = next((taken for taken in rounds if employee_id not in taken), None)
        if round_ is None:
            round_ = {}
            rounds.append(round_)
        round_[employee_id] = change
    for round_ in rounds:
        found = bank_selectors.contact_changes_before(
            employee_ids=list(round_), within_days=DAYS_AFTER_CONTACT_CHANGE,
            before={employee_id: change.requested_at for employee_id, change in round_.items()})
        for employee_id, contact in found.items():
            change = round_[employee_id]
            what = sorted({CONTACT_FIELD_WORDS.get(name, name.replace("_", " ")) for name in contact.fields})
            changed_on = timezone.localtime(contact.occurred_at).date()
            days = (timezone.localtime(change.requested_at).date() - changed_on).days
            after = "the same day" if days == 0 else f"{days} day{'' if days == 1 else 's'} after"
            flags[change.pk] = BankChangeFlag(
                AFTER_CONTACT_CHANGE,
                f"Made {after} the employee's {' and '.join(what)} changed "
                f"(on {changed_on:%-d %B %Y}). Someone who takes over an employee's "
                "contact details can then confirm a bank change that the employee never asked for.")
    return flags


def _ordered(items: list[RunBankChange]) -> list[RunBankChange]:
    """Waiting for acknowledgement first, then the other flagged changes, then the rest; newest first
    within each (the list is already newest first, and the sort is stable)."""
    return sorted(items, key=lambda item: (not item.needs_acknowledgement, not item.flags))


def pay_run_bank_changes(*, run: PayRun) -> RunBankChangeReport:
    """The run's report of recent bank details changes, flagged and with acknowledgements. A shadow
    run pays nobody, so its report is empty."""
    with department_context(run.department_id):  # type: ignore[attr-defined]
        since, previous = _since(run)
        if run.kind == PayRun.Kind.SHADOW:
            return RunBankChangeReport(run=run, since=since, previous_run=previous)
        changes = _changes_of(run, since)
        shared = _shared_accounts(changes)
        after_contact = _after_contact_changes(changes)
        holidays = holidays_around(run.pay_date)
        acknowledgements = {ack.bank_change_id: ack for ack in BankChangeAcknowledgement.objects.filter(  # type: ignore[attr-defined]
            run=run, bank_change_id__in=[change.pk for change in changes]).select_related("acknowledged_by")}
        items = []
        for change in changes:
            flags = tuple(flag for flag in (_before_pay_day(change, run.pay_date, holidays), shared.get(change.pk),
                                            after_contact.get(change.pk)) if flag is not None)
            items.append(RunBankChange(change=change, flags=flags, acknowledgement=acknowledgements.get(change.pk)))
        return RunBankChangeReport(run=run, since=since, previous_run=previous, changes=_ordered(items))
