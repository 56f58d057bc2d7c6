"""Every write to payroll data, atomic and audited: opening balances, pay schedules, pay inputs and
pay runs.

A pay run moves draft → open (inputs locked) → calculating → calculated → approved → finalised,
or is cancelled before it is finalised. Calculation fans out in chunks of employees
(``payroll.tasks``); each chunk replaces its own employees' payslips and nothing else, so a chunk
run twice, or after a crash, leaves exactly one payslip per employee.
"""

from __future__ import annotations

import csv
import datetime
import gc
import io
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from departments.bulk import bulk_insert, refresh_statistics
from departments.models import ApiToken, Department, DepartmentMembership
from departments.roles import Role, Scope
from departments.services import AuditEntry, audit_changes, audit_record, audit_record_many
from departments.tenancy import department_context
from finance import selectors as finance_selectors
from finance import services as finance_services
from finance.models import Account, Journal
from hr.models import CostCentre, Employee, Employment, SicknessPeriod
from hr.selectors import bank_holidays
from payroll import assembly, bacs, sick_pay, supplementary
from payroll import bulk as payroll_bulk
from payroll.engine.rates import available_tax_years
from payroll.engine.statutory import StatutoryPayError
from payroll.models import (
    OpeningBalance,
    PayInput,
    PayRun,
    PayRunException,
    PaySchedule,
    PayScheduleMember,
    Payslip,
    PayslipLine,
)
from payroll.periods import PayDateRule, PayPeriod, PaySpell, PeriodError, basic_pay, pay_period
from shared_services.accounts.models import User

BANK_HOLIDAY_REGION = "england-and-wales"  # Bacs and payroll follow the English calendar
RUN_IN_PROGRESS = (PayRun.Status.OPEN, PayRun.Status.CALCULATING, PayRun.Status.CALCULATED, PayRun.Status.APPROVED)
SICKNESS_LOOKBACK = datetime.timedelta(days=3 * 366)
CHUNK_SIZE = 1000  # employees per task: a few MB of work, a fraction of a second
# What the stall check reads and each calculation resets: how recently it moved, how often it was resumed.
PROGRESS_FIELDS = ("progress_at", "automatic_resumes", "automatically_resumed_at")


def holidays_around(day: datetime.date) -> set[datetime.date]:
    return {holiday for year in (day.year - 1, day.year, day.year + 1)
            for holiday, _ in bank_holidays(region=BANK_HOLIDAY_REGION, year=year)}


def _refuse(field: str, message: str, code: str | None = None) -> None:
    raise ValidationError({field: ValidationError(message, code=code)})


def _transition(run: PayRun, allowed_from: Sequence[str], doing: str) -> None:
    if run.status not in allowed_from:
        _refuse("status", f"This run is {run.get_status_display().lower()}, so it cannot be {doing}.")


# --- Opening balances ------------------------------------------------------------------------

BALANCE_FIGURES = ("taxable_pay", "tax_paid", "ni_employee", "ni_employer", "student_loan", "postgraduate_loan",
                   "pension_employee")
BALANCE_FIELDS = (*BALANCE_FIGURES, "ni_category", "previous_payroll_id")


@dataclass(frozen=True)
class OpeningBalanceInput:
    employee_id: int
    previous_payroll_id: str
    ni_category: str
    figures: dict[str, Decimal]


@dataclass
class OpeningBalanceOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    locked: list[int] | None = None  # employee ids whose locked balances were left alone


@transaction.atomic
def opening_balances_import(*, department: Department, tax_year: str, rows: Sequence[OpeningBalanceInput],
                            acting_user: User | None, reason: str = "") -> OpeningBalanceOutcome:
    """Create or correct opening year-to-date balances for a batch of employees, in bulk.

    Invariants: one balance per employee and tax year; a locked balance (its first pay run is
    finalised) is never changed, and its employee is reported back in ``locked``. The audit log
    gets one entry for the balances a batch creates (naming every employee) and one per corrected
    balance, in the same transaction.
    """
    # Imported here so that the changes for import speed stay inside this function.
    from django.db.models import F

    from departments.bulk import AnyOf

    if tax_year not in available_tax_years():
        raise ValidationError({"tax_year": f"{tax_year} is not a tax year the platform has rates for."})
    outcome = OpeningBalanceOutcome(locked=[])
    with department_context(department.id):
        # Stored figures as plain tuples (the ids go as one array parameter): most balances of a
        # re-import are as stored, and only a corrected one needs its model instance.
        stored = {values[0]: values for values in OpeningBalance.objects.filter(
            AnyOf(F("employee_id"), [row.employee_id for row in rows]), tax_year=tax_year,
        ).values_list("employee_id", "pk", "locked", *BALANCE_FIELDS)}
        creates: list[OpeningBalanceInput] = []
        corrections: list[tuple[int, dict[str, object], dict[str, dict[str, object]]]] = []
        to_update: list[OpeningBalance] = []
        entries: list[AuditEntry] = []
        for row in rows:
            found = stored.get(row.employee_id)
            if found is None:
                creates.append(row)
                continue
            values = {**row.figures, "ni_category": row.ni_category, "previous_payroll_id": row.previous_payroll_id}
            before = dict(zip(BALANCE_FIELDS, found[3:], strict=True))
            same = all(before.get(name) == value for name, value in values.items())
            changes = {} if same else audit_changes(before, {**before, **values})
            if not changes:
                outcome.unchanged += 1
            elif found[2]:
                outcome.locked.append(row.employee_id)  # type: ignore[union-attr]
            else:
                corrections.append((found[1], values, changes))
        instances = OpeningBalance.objects.in_bulk([pk for pk, _, _ in corrections]) if corrections else {}
        for pk, values, changes in corrections:
            balance = instances[pk]
            for name, value in values.items():
                setattr(balance, name, value)
            to_update.append(balance)
            entries.append(AuditEntry(action="opening_balance.correct", object_type="payroll.openingbalance",
                                      object_id=str(balance.pk), object_repr=str(balance), changes=changes,
                                      reason=reason))
        now = timezone.now()
        created = bulk_insert(OpeningBalance, ("employee", "tax_year", *BALANCE_FIELDS, "locked", "updated_at"), [
            (row.employee_id, tax_year, *(row.figures[name] for name in BALANCE_FIGURES), row.ni_category,
             row.previous_payroll_id, False, now) for row in creates], returning=("id",))
        if created:
            totals = {name: str(sum(row.figures[name] for row in creates)) for name in ("taxable_pay", "tax_paid")}
            entries.append(AuditEntry(
                action="opening_balances.create", object_type="payroll.openingbalance", object_id="",
                object_repr=f"{len(created)} opening balances for {tax_year}",
                changes={"employees": {"before": None, "after": [row.employee_id for row in creates]},
                         **{name: {"before": None, "after": total} for name, total in totals.items()}},
                reason=reason))
        OpeningBalance.objects.bulk_update(to_update, [*BALANCE_FIELDS, "updated_at"], batch_size=2000)
        outcome.created, outcome.updated = len(created), len(to_update)
        audit_record_many(department=department, acting_user=acting_user, entries=entries)
    return outcome


def opening_balances_statistics_refresh(*, only_if_stale: bool = False) -> None:
    """Let the planner see what bulk imports added (the application role cannot ANALYZE itself)."""
    refresh_statistics(OpeningBalance, only_if_stale=only_if_stale)


@transaction.atomic
def opening_balances_lock(*, department: Department, tax_year: str, acting_user: User | None,
                          reason: str = "First pay run finalised") -> int:
    """Lock every opening balance of the tax year (called when the first pay run is finalised).

    Idempotent: balances already locked stay as they were. Returns how many were locked now.
    """
    with department_context(department.id):
        now = timezone.now()
        locked = OpeningBalance.objects.filter(tax_year=tax_year, locked=False).update(
            locked=True, locked_at=now, locked_by=acting_user if acting_user is not None and acting_user.pk else None)
        if locked:
            audit_record(department=department, action="opening_balances.lock", acting_user=acting_user,
                         changes={"locked": {"before": 0, "after": locked}}, reason=f"{tax_year}: {reason}")
        return locked


# --- Schedules -------------------------------------------------------------------------------

@transaction.atomic
def pay_schedule_create(*, department: Department, acting_user: User | None, name: str,
                        frequency: str = PaySchedule.Frequency.MONTHLY, pay_day_of_month: int = 0,
                        pay_weekday: int = 4, proration: str = PaySchedule.Proration.CALENDAR_DAYS,
                        bank_sort_code: str = "", bank_account_number: str = "",
                        bank_account_name: str = "", pays_everyone_else: bool | None = None) -> PaySchedule:
    """A new schedule. The department's first schedule pays everyone unless said otherwise; a later
    one pays only the employees moved onto it (``pay_schedule_members_move``)."""
    with department_context(department.id):
        try:
            PayDateRule(frequency=frequency, day_of_month=pay_day_of_month, weekday=pay_weekday)
        except PeriodError as error:
            field, _, message = str(error).partition(": ")
            _refuse(field, message)
        if not name.strip():
            _refuse("name", "Enter a name for the pay schedule.")
        if PaySchedule.objects.filter(name=name.strip()).exists():
            _refuse("name", f"There is already a pay schedule called {name.strip()}.")
        errors: dict[str, str] = {}
        if frequency not in PaySchedule.Frequency.values:
            errors["frequency"] = "Choose monthly or weekly."
        if proration not in PaySchedule.Proration.values:
            errors["proration"] = "Choose calendar days or working days."
        if bank_sort_code and not (len(bank_sort_code) == 6 and bank_sort_code.isdigit()):
            errors["bank_sort_code"] = "Enter the sort code as 6 digits, like 309430."
        if bank_account_number and not (len(bank_account_number) == 8 and bank_account_number.isdigit()):
            errors["bank_account_number"] = "Enter the account number as 8 digits."
        current_default = PaySchedule.objects.filter(pays_everyone_else=True).first()
        if pays_everyone_else is None:
            pays_everyone_else = current_default is None
        elif pays_everyone_else and current_default is not None:
            errors["pays_everyone_else"] = (f"{current_default.name} already pays everyone not on another "
                                            "schedule; a department has one such schedule.")
        if errors:
            raise ValidationError(errors)
        schedule = PaySchedule.objects.create(
            name=name.strip(), frequency=frequency, pay_day_of_month=pay_day_of_month, pay_weekday=pay_weekday,
            proration=proration, bank_sort_code=bank_sort_code, bank_account_number=bank_account_number,
            bank_account_name=bank_account_name, pays_everyone_else=pays_everyone_else)
        audit_record(department=department, action="pay_schedule.create", acting_user=acting_user, target=schedule,
                     changes=audit_changes({}, {"name": schedule.name, "frequency": frequency,
                                                "pays_everyone_else": pays_everyone_else}))
        return schedule


def _runs_in_progress(schedule_ids: Sequence[int]) -> list[PayRun]:
    return list(PayRun.objects.filter(schedule_id__in=schedule_ids, status__in=RUN_IN_PROGRESS)
                .select_related("schedule"))


@transaction.atomic
def pay_schedule_members_move(*, schedule: PaySchedule, payroll_numbers: Sequence[str],
                              acting_user: User | None) -> int:
    """Move employees, named by payroll number, onto ``schedule`` from whichever schedule paid them.

    All or nothing: an unknown payroll number, or a run in progress (opened and not yet finalised
    or cancelled) on either side of the move, refuses the whole move, since that run's list of
    employees is fixed. Returns how many employees changed schedule."""
    department = schedule.department
    with department_context(department.id):
        numbers = list(dict.fromkeys(number.strip() for number in payroll_numbers if number.strip()))
        if not numbers:
            _refuse("payroll_numbers", "Enter at least one payroll number.")
        employees = dict(Employee.objects.filter(payroll_number__in=numbers).values_list("payroll_number", "pk"))
        unknown = [number for number in numbers if number not in employees]
        if unknown:
            shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
            _refuse("payroll_numbers", f"No employee has the payroll number {shown}.")
        memberships = dict(PayScheduleMember.objects.filter(employee_id__in=employees.values())
                           .values_list("employee_id", "schedule_id"))
        default = PaySchedule.objects.filter(pays_everyone_else=True).values_list("pk", flat=True).first()
        moving = [pk for pk in employees.values() if memberships.get(pk, default) != schedule.pk]
        touched = {memberships.get(pk, default) for pk in moving} | {schedule.pk}
        busy = _runs_in_progress([pk for pk in touched if pk is not None]) if moving else []
        if busy:
            run = busy[0]
            _refuse("payroll_numbers", f"The {run.schedule.name} run for {run.period_start:%B %Y} is in progress "
                                       f"({run.get_status_display().lower()}). Finalise or cancel it first.")
        PayScheduleMember.objects.filter(employee_id__in=moving).delete()
        if not schedule.pays_everyone_else:
            PayScheduleMember.objects.bulk_create(
                PayScheduleMember(employee_id=pk, schedule=schedule, added_by=acting_user) for pk in moving)
        audit_record(department=department, action="pay_schedule.members_move", acting_user=acting_user,
                     target=schedule, changes=audit_changes({}, {"moved": len(moving)}))
        return len(moving)


def period_of(schedule: PaySchedule, day: datetime.date) -> PayPeriod:
    rule = PayDateRule(frequency=schedule.frequency, day_of_month=schedule.pay_day_of_month,
                       weekday=schedule.pay_weekday)
    return pay_period(rule, day, holidays_around(day))


# --- Runs: create, open, cancel -----------------------------------------------------------

def employed_between(period_start: datetime.date, period_end: datetime.date) -> Q:
    """Employees employed at some point from ``period_start`` to ``period_end``."""
    return Q(start_date__lte=period_end) & (Q(leave_date__isnull=True) | Q(leave_date__gte=period_start))


def employees_paid_in(schedule: PaySchedule, period_start: datetime.date, period_end: datetime.date) -> Q:
    """Employees the schedule pays who were employed at some point in the period: those moved onto
    it, or, for the schedule that pays everyone else, those not moved onto another."""
    employed = employed_between(period_start, period_end)
    if schedule.pays_everyone_else:
        return Q(employed, ~Exists(PayScheduleMember.objects.filter(employee_id=OuterRef("pk")).exclude(
            schedule_id=schedule.pk)))
    return Q(employed, Exists(PayScheduleMember.objects.filter(employee_id=OuterRef("pk"), schedule_id=schedule.pk)))


@transaction.atomic
def pay_run_create(*, schedule: PaySchedule, period_containing: datetime.date, acting_user: User | None,
                   kind: str = PayRun.Kind.REGULAR) -> PayRun:
    department = schedule.department
    with department_context(department.id):
        try:
            period = period_of(schedule, period_containing)
        except PeriodError as error:
            field, _, message = str(error).partition(": ")
            raise ValidationError({"period_containing" if field == "pay_date" else field: message}) from None
        if kind == PayRun.Kind.REGULAR and PayRun.objects.filter(
                schedule=schedule, period_start=period.start, kind=PayRun.Kind.REGULAR).exclude(
                status=PayRun.Status.CANCELLED).exists():
            _refuse("period_containing", f"{schedule.name} already has a run for the period from "
                                         f"{period.start:%-d %B %Y}.")
        if kind == PayRun.Kind.SUPPLEMENTARY and not PayRun.objects.filter(
                schedule=schedule, period_start=period.start, status=PayRun.Status.FINALISED).exists():
            _refuse("kind", "A supplementary run corrects a finalised period; this period has none.")
        if kind == PayRun.Kind.SUPPLEMENTARY and PayRun.objects.filter(
                schedule=schedule, period_start=period.start, kind=PayRun.Kind.SUPPLEMENTARY,
                status__in=[PayRun.Status.DRAFT, *RUN_IN_PROGRESS]).exists():
            _refuse("kind", "This period already has a supplementary run that is not finalised; finish or cancel "
                            "it first.")
        run = PayRun.objects.create(schedule=schedule, kind=kind, period_start=period.start, period_end=period.end,
                                    pay_date=period.pay_date, tax_year=period.tax_year, tax_period=period.tax_period,
                                    created_by=acting_user)
        audit_record(department=department, action="pay_run.create", acting_user=acting_user, target=run,
                     changes=audit_changes({}, {"period_start": period.start.isoformat(),
                                                "pay_date": period.pay_date.isoformat(), "kind": kind}))
        return run


def _locked_run(run: PayRun) -> PayRun:
    # NO KEY UPDATE: serialises the run's steps and progress without conflicting with the key-share
    # locks that inserting its payslips takes, which would deadlock two chunks writing at once.
    return PayRun.objects.select_for_update(no_key=True).select_related("schedule").get(pk=run.pk)


@transaction.atomic
def pay_run_open(*, run: PayRun, acting_user: User) -> PayRun:
    """Lock the period's inputs and fix who is on the run."""
    department = run.department
    with department_context(department.id):
        run = _locked_run(run)
        _transition(run, [PayRun.Status.DRAFT], "opened")
        run.status, run.opened_by, run.opened_at = PayRun.Status.OPEN, acting_user, timezone.now()
        run.employees_total = Employee.objects.filter(
            employees_paid_in(run.schedule, run.period_start, run.period_end)).count()
        run.save(update_fields=["status", "opened_by", "opened_at", "employees_total"])
        _queue_expense_claims(run, acting_user)
        audit_record(department=department, action="pay_run.open", acting_user=acting_user, target=run,
                     changes=audit_changes({"status": "draft"}, {"status": run.status}))
        return run


@transaction.atomic
def pay_run_cancel(*, run: PayRun, acting_user: User, reason: str) -> PayRun:
    department = run.department
    with department_context(department.id):
        run = _locked_run(run)
        _transition(run, [PayRun.Status.DRAFT, PayRun.Status.OPEN, PayRun.Status.CALCULATED, PayRun.Status.APPROVED],
                    "cancelled")
        if not reason.strip():
            _refuse("reason", "Say why the run is cancelled.")
        was = run.status
        _release_expense_claims(run, acting_user)
        run.status = PayRun.Status.CANCELLED
        run.save(update_fields=["status"])
        audit_record(department=department, action="pay_run.cancel", acting_user=acting_user, target=run,
                     changes=audit_changes({"status": was}, {"status": run.status}), reason=reason)
        return run


@transaction.atomic
def pay_run_reopen(*, run: PayRun, acting_user: User, reason: str) -> PayRun:
    """Send a calculated or approved run back to open, e.g. to correct an HR record first.

    Any approval is withdrawn. The payslips stay as the last calculation wrote them, but approval
    only follows a calculation (``pay_run_approve`` accepts calculated runs alone), so the run
    must be recalculated before anyone can approve it again. Inputs stay locked and queued
    expense claims stay on the run, exactly as when it was first opened.
    """
    department = run.department
    with department_context(department.id):
        run = _locked_run(run)
        _transition(run, [PayRun.Status.CALCULATED, PayRun.Status.APPROVED], "reopened")
        if not reason.strip():
            _refuse("reason", "Say why the run is reopened.")
        was = {"status": run.status, "approved_by": run.approved_by_id}
        run.status, run.approved_by, run.approved_at = PayRun.Status.OPEN, None, None
        run.save(update_fields=["status", "approved_by", "approved_at"])
        audit_record(department=department, action="pay_run.reopen", acting_user=acting_user, target=run,
                     changes=audit_changes(was, {"status": run.status, "approved_by": None}), reason=reason.strip())
        return run


def period_is_locked(*, schedule: PaySchedule, day: datetime.date) -> bool:
    """Whether inputs dated ``day`` fall in a period whose run is open or further on. A finalised
    period takes inputs again while a supplementary run for it waits in draft: they are its
    corrections."""
    runs = PayRun.objects.filter(schedule=schedule, period_start__lte=day, period_end__gte=day)
    if runs.filter(status__in=RUN_IN_PROGRESS).exists():
        return True
    return runs.filter(status=PayRun.Status.FINALISED).exists() and not runs.filter(
        kind=PayRun.Kind.SUPPLEMENTARY, status=PayRun.Status.DRAFT).exists()


def _pay_input_errors(*, kind: str, code: str, amount: Decimal | None, hours: Decimal | None,
                      rate: Decimal | None) -> tuple[dict[str, str], Decimal | None]:
    """The problems with one input's values, and its amount (hours × rate, to the penny, for hourly pay)."""
    errors: dict[str, str] = {}
    if kind not in PayInput.Kind.values:
        errors["kind"] = f"Choose one of: {', '.join(str(label) for label in PayInput.Kind.labels)}."
    if not code.strip():
        errors["code"] = "Enter a code for the payment or deduction."
    elif len(code.strip()) > 20:
        errors["code"] = "Enter a code of 20 characters or fewer."
    if hours is not None or rate is not None:
        if amount is not None:
            errors["amount"] = "Enter an amount, or hours and an hourly rate, not both."
        elif hours is None or not (Decimal("0") < hours <= Decimal("300")):
            errors["hours"] = "Enter the hours, more than 0 and at most 300 in a period."
        elif rate is None or not (Decimal("0") < rate <= Decimal("1000")):
            errors["rate"] = "Enter the hourly rate, more than £0 and at most £1,000."
        else:
            amount = (hours * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if amount <= 0:
                errors["hours"] = "The hours at this rate come to less than a penny."
    elif amount is None or amount <= 0 or amount != amount.quantize(Decimal("0.01")) or amount > Decimal("1000000"):
        errors["amount"] = "Enter an amount above £0 and up to £1,000,000, in pounds and pence."
    return errors, amount


def _input_description(description: str, code: str, hours: Decimal | None, rate: Decimal | None) -> str:
    """What the payslip says: the description, and for hourly pay how it was reached."""
    text = description.strip() or code.strip()
    if hours is not None and rate is not None:
        pence = rate.quantize(Decimal("0.01"))
        shown_rate = pence if pence == rate else rate.normalize()
        text = f"{text}: {hours.normalize():f} hours at £{shown_rate:f}"
    return text[:100]


def _period_open_for_inputs(schedule: PaySchedule, period_containing: datetime.date) -> tuple[PayPeriod, str]:
    """The pay period, and why its inputs are locked ("" when they are not). A day in a period
    the platform cannot pay (tax week 53) is refused naming ``period_containing``."""
    try:
        period = period_of(schedule, period_containing)
    except PeriodError as error:
        raise ValidationError({"period_containing": str(error).partition(": ")[2] or str(error)}) from None
    if period_is_locked(schedule=schedule, day=period.start):
        return period, (f"The pay run for the period from {period.start:%-d %B %Y} is open, so its inputs are "
                        "locked. Enter this for the next period, or reopen the run.")
    return period, ""


@transaction.atomic
def pay_input_add(*, employee: Employee, schedule: PaySchedule, period_containing: datetime.date, code: str,
                  description: str, kind: str, amount: Decimal | None, acting_user: User | None,
                  pensionable: bool = False, source_reference: str = "", hours: Decimal | None = None,
                  rate: Decimal | None = None) -> PayInput:
    """A payment or deduction for one employee in the period containing ``period_containing``: a
    fixed amount, or hours at an hourly rate (the amount is then hours × rate, half a penny up)."""
    department = employee.department
    with department_context(department.id):
        errors, amount = _pay_input_errors(kind=kind, code=code, amount=amount, hours=hours, rate=rate)
        period, locked = _period_open_for_inputs(schedule, period_containing)
        if locked:
            errors["period_containing"] = locked
        if errors:
            raise ValidationError(errors)
        assert amount is not None
        pay_input = PayInput.objects.create(
            employee=employee, schedule=schedule, period_start=period.start, code=code.strip().upper(),
            description=_input_description(description, code, hours, rate), kind=kind, amount=amount, hours=hours,
            rate=rate,
            pensionable=pensionable, source_reference=source_reference, created_by=acting_user)
        audit_record(department=department, action="pay_input.add", acting_user=acting_user, target=pay_input,
                     changes=audit_changes({}, {"employee": employee.payroll_number, "code": pay_input.code,
                                                "amount": str(amount)}))
        return pay_input


PAY_INPUT_COLUMNS = ("payroll_number", "code", "description", "kind", "amount", "hours", "hourly_rate",
                     "pensionable")
MAX_PAY_INPUT_ROWS = 100_000


@dataclass(frozen=True)
class PayInputRowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}, {self.column}: {self.message}"


class PayInputImportError(ValidationError):
    """A file of inputs refused as a whole, with every problem found, row by row."""

    def __init__(self, row_errors: list[PayInputRowError]) -> None:
        self.row_errors = row_errors
        super().__init__({"file": [str(error) for error in row_errors[:200]]})


def _decimal_cell(value: str) -> Decimal | None:
    value = value.strip().replace(",", "").lstrip("£")
    if not value:
        return None
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise ValueError("is not a number") from None
    if not number.is_finite():
        raise ValueError("is not a number")
    return number


@transaction.atomic
def pay_inputs_import(*, schedule: PaySchedule, period_containing: datetime.date, content: bytes,
                      acting_user: User | None, source_name: str = "") -> int:
    """Inputs for one period from a CSV file with the header ``PAY_INPUT_COLUMNS`` (``description``,
    ``hours``, ``hourly_rate`` and ``pensionable`` may be left out). All or nothing: any bad row
    refuses the file, with every problem named by row and column. Returns how many were added."""
    department = schedule.department
    with department_context(department.id):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise PayInputImportError([PayInputRowError(1, "file", "is not UTF-8 text; save it as CSV UTF-8")]
                                      ) from None
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [cell.strip().lower().replace(" ", "_") for cell in next(reader, [])]
        missing = [name for name in ("payroll_number", "code", "kind") if name not in header]
        unknown = [name for name in header if name and name not in PAY_INPUT_COLUMNS]
        if missing or unknown:
            allowed = ", ".join(PAY_INPUT_COLUMNS)
            raise PayInputImportError(
                [PayInputRowError(1, name, "this column is missing") for name in missing]
                + [PayInputRowError(1, name, f"is not a column this file can have ({allowed})") for name in unknown])
        period, locked = _period_open_for_inputs(schedule, period_containing)
        if locked:
            raise ValidationError({"period_containing": locked})
        problems: list[PayInputRowError] = []
        parsed: list[tuple[int, dict[str, str], Decimal, Decimal | None, Decimal | None]] = []
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(parsed) + len(problems) >= MAX_PAY_INPUT_ROWS:
                problems.append(PayInputRowError(number, "file", f"has more than {MAX_PAY_INPUT_ROWS:,} rows"))
                break
            if len(cells) > len(header):
                problems.append(PayInputRowError(number, "file", f"has {len(cells)} cells but the header has "
                                                                 f"{len(header)} columns"))
                continue
            row = {name: (cells[index].strip() if index < len(cells) else "") for index, name in enumerate(header)}
            values: dict[str, Decimal | None] = {}
            for column in ("amount", "hours", "hourly_rate"):
                try:
                    values[column] = _decimal_cell(row.get(column, ""))
                except ValueError as error:
                    problems.append(PayInputRowError(number, column, f"'{row[column][:30]}' {error}"))
            if len(values) < 3:
                continue
            kind = {label.lower(): value for value, label in PayInput.Kind.choices}.get(row["kind"].lower(),
                                                                                       row["kind"].lower())
            errors, amount = _pay_input_errors(kind=kind, code=row["code"], amount=values["amount"],
                                               hours=values["hours"], rate=values["hourly_rate"])
            if row.get("pensionable", "").lower() not in ("", "yes", "no", "y", "n", "true", "false"):
                errors["pensionable"] = "Enter yes or no."
            if not row["payroll_number"]:
                errors["payroll_number"] = "Enter the employee's payroll number."
            problems += [PayInputRowError(number, {"rate": "hourly_rate"}.get(column, column), message)
                         for column, message in errors.items()]
            if not errors and amount is not None:
                row["kind"] = kind
                parsed.append((number, row, amount, values["hours"], values["hourly_rate"]))
        employees = dict(Employee.objects.filter(payroll_number__in={row["payroll_number"] for _, row, *_ in parsed})
                         .values_list("payroll_number", "pk"))
        for number, row, *_ in parsed:
            if row["payroll_number"] not in employees:
                problems.append(PayInputRowError(number, "payroll_number",
                                                 f"no employee has the payroll number {row['payroll_number'][:20]}"))
        if problems:
            raise PayInputImportError(sorted(problems, key=lambda problem: problem.row))
        if not parsed:
            raise PayInputImportError([PayInputRowError(1, "file", "has no rows of inputs under the header")])
        reference = f"import:{source_name[:80]}" if source_name else "import"
        PayInput.objects.bulk_create(
            PayInput(employee_id=employees[row["payroll_number"]], schedule=schedule, period_start=period.start,
                     code=row["code"].strip().upper(),
                     description=_input_description(row.get("description", ""), row["code"], hours, rate),
                     kind=row["kind"], amount=amount, hours=hours, rate=rate,
                     pensionable=row.get("pensionable", "").lower() in ("yes", "y", "true"),
                     source_reference=f"{reference} row {number}"[:100], created_by=acting_user)
            for number, row, amount, hours, rate in parsed)
        audit_record(department=department, action="pay_input.import", acting_user=acting_user, target=schedule,
                     changes=audit_changes({}, {"period_start": period.start.isoformat(), "inputs": len(parsed),
                                                "file": source_name[:100]}))
        return len(parsed)


# --- Calculation ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CalculationStart:
    """What the workers need to calculate a run: which calculation it is, and the chunks."""

    department_id: int
    run_id: int
    calculation_number: int
    chunks: list[list[int]]


@transaction.atomic
def pay_run_calculate(*, run: PayRun, acting_user: User, chunk_size: int = CHUNK_SIZE) -> CalculationStart:
    """Start (or restart) the calculation. The caller hands the chunks to ``payroll.tasks`` after
    this transaction commits. A run already calculating is refused, so two calculations of one run
    never overlap."""
    department = run.department
    with department_context(department.id):
        run = _locked_run(run)
        if run.status == PayRun.Status.CALCULATING:
            _refuse("status", "This run is being calculated already. Wait for it to finish.")
        _transition(run, [PayRun.Status.OPEN, PayRun.Status.CALCULATED], "calculated")
        ids = list(Employee.objects.filter(employees_paid_in(run.schedule, run.period_start, run.period_end))
                   .order_by("pk").values_list("pk", flat=True))
        was = run.status
        run.status, run.calculated_by = PayRun.Status.CALCULATING, acting_user
        run.calculation_number += 1
        run.employees_total, run.employees_calculated, run.employees_failed = len(ids), 0, 0
        run.progress_at, run.automatic_resumes, run.automatically_resumed_at = timezone.now(), 0, None
        run.save(update_fields=["status", "calculated_by", "calculation_number", "employees_total",
                                "employees_calculated", "employees_failed", *PROGRESS_FIELDS])
        # Employees no longer on the run (a leaver corrected since the last calculation) lose their payslip.
        # Found in Python: a list of every employee on the run would make a statement of 75,000 parameters.
        on_run = set(ids)
        gone = {employee_id for model in (Payslip, PayRunException)
                for employee_id in model.objects.filter(run=run).values_list("employee_id", flat=True)
                if employee_id not in on_run}
        if gone:
            stale = Payslip.objects.filter(run=run, employee_id__in=gone)
            PayslipLine.objects.filter(payslip__in=stale).delete()
            PayRunException.objects.filter(run=run, employee_id__in=gone).delete()
            stale.delete()
        # Each chunk finds its employees' rows by index; the planner needs to know how big the
        # tables have grown since they were last analysed (say, the run's own earlier calculation).
        refresh_statistics(Payslip, PayslipLine, PayRunException, OpeningBalance, only_if_stale=True)
        audit_record(department=department, action="pay_run.calculate", acting_user=acting_user, target=run,
                     changes=audit_changes({"status": was}, {"status": run.status,
                                                             "calculation": run.calculation_number}))
        if not ids:
            _finish_calculation(run)
        return CalculationStart(department_id=department.id, run_id=run.pk, calculation_number=run.calculation_number,
                                chunks=[ids[start:start + chunk_size] for start in range(0, len(ids), chunk_size)])


@transaction.atomic
def pay_run_resume(*, run: PayRun, acting_user: User | None, chunk_size: int = CHUNK_SIZE) -> CalculationStart:
    """The chunks of a calculation still to do: the employees on the run without a payslip from
    the current calculation. For a calculation whose worker died: queue them again (chunks are
    idempotent, so a chunk that does come back from the broker as well does no harm)."""
    department = run.department
    with department_context(department.id):
        run = _locked_run(run)
        _transition(run, [PayRun.Status.CALCULATING], "resumed")
        return _resume(run, acting_user=acting_user, chunk_size=chunk_size, audit_extra={})


def _resume(run: PayRun, *, acting_user: User | None, chunk_size: int,
            audit_extra: dict[str, Any]) -> CalculationStart:
    """Resume a locked, calculating run: its progress clock restarts, so the stall check waits a
    whole interval again before it looks at this run."""
    done = Payslip.objects.filter(run=run, calculation_number=run.calculation_number).values("employee_id")
    ids = list(Employee.objects.filter(employees_paid_in(run.schedule, run.period_start, run.period_end))
               .exclude(pk__in=done).order_by("pk").values_list("pk", flat=True))
    run.progress_at = timezone.now()
    run.save(update_fields=[*PROGRESS_FIELDS])
    audit_record(department=run.department, action="pay_run.resume", acting_user=acting_user, target=run,
                 changes=audit_changes({}, {"calculation": run.calculation_number, "employees_left": len(ids),
                                            **audit_extra}))
    if not ids:
        _record_progress(run.pk, run.calculation_number)
    return CalculationStart(department_id=run.department_id, run_id=run.pk, calculation_number=run.calculation_number,
                            chunks=[ids[start:start + chunk_size] for start in range(0, len(ids), chunk_size)])


@transaction.atomic
def pay_runs_resume_stalled(*, department: Department, stalled_after: datetime.timedelta, most_automatic: int,
                            acting_user: User | None = None, chunk_size: int = CHUNK_SIZE) -> list[CalculationStart]:
    """Resume the department's calculations that have not moved for ``stalled_after`` (a worker
    died with a chunk its broker will not give back), each at most ``most_automatic`` times per
    calculation; past that the run waits for a person, as a worker that never comes back would
    otherwise have its chunks queued again for ever. The caller queues the chunks after commit.

    Safe beside a live worker: resuming only queues again the employees with no payslip of the
    current calculation, and a chunk done twice replaces its own payslips."""
    now = timezone.now()
    starts = []
    with department_context(department.id):
        stalled = PayRun.objects.filter(status=PayRun.Status.CALCULATING, progress_at__lt=now - stalled_after,
                                        automatic_resumes__lt=most_automatic).order_by("pk")
        for candidate in stalled:
            run = _locked_run(candidate)
            # Looked at again under the lock: a chunk may have moved it, or another check resumed it.
            if (run.status != PayRun.Status.CALCULATING or run.progress_at is None
                    or run.progress_at >= now - stalled_after or run.automatic_resumes >= most_automatic):
                continue
            still_for = int((now - run.progress_at).total_seconds())
            run.automatic_resumes += 1
            run.automatically_resumed_at = now
            starts.append(_resume(run, acting_user=acting_user, chunk_size=chunk_size,
                                  audit_extra={"automatic": True, "no_progress_for_s": still_for,
                                               "automatic_resume": run.automatic_resumes}))
    return starts


@transaction.atomic
def pay_run_recalculate_failed(*, run: PayRun, acting_user: User,
                               chunk_size: int = CHUNK_SIZE) -> CalculationStart:
    """Calculate again only the employees whose calculation failed (their record since fixed),
    leaving everyone else's payslip as it is. A new calculation, so chunks of the old one still in
    flight do nothing; the payslips kept are counted as part of it."""
    department = run.department
    with department_context(department.id):
        run = _locked_run(run)
        _transition(run, [PayRun.Status.CALCULATED], "recalculated")
        failed = list(Payslip.objects.filter(run=run, status=Payslip.Status.FAILED).order_by("employee_id")
                      .values_list("employee_id", flat=True))
        if not failed:
            _refuse("status", "No employee's calculation failed in this run; recalculate the whole run instead.")
        run.calculation_number += 1
        kept = Payslip.objects.filter(run=run).exclude(status=Payslip.Status.FAILED).update(
            calculation_number=run.calculation_number)
        run.status, run.calculated_by = PayRun.Status.CALCULATING, acting_user
        run.employees_calculated, run.employees_failed = kept, 0
        run.progress_at, run.automatic_resumes, run.automatically_resumed_at = timezone.now(), 0, None
        run.save(update_fields=["status", "calculated_by", "calculation_number", "employees_calculated",
                                "employees_failed", *PROGRESS_FIELDS])
        audit_record(department=department, action="pay_run.recalculate_failed", acting_user=acting_user,
                     target=run, changes=audit_changes({"status": PayRun.Status.CALCULATED},
                                                       {"status": run.status, "calculation": run.calculation_number,
                                                        "employees": len(failed)}))
        chunks = [failed[start:start + chunk_size] for start in range(0, len(failed), chunk_size)]
        return CalculationStart(department_id=department.id, run_id=run.pk, calculation_number=run.calculation_number,
                                chunks=chunks)


class _Person(NamedTuple):
    """What a calculation reads of an employee (a row, not a model: a chunk reads hundreds)."""

    pk: int
    payroll_number: str
    tax_code: str
    tax_basis: str
    ni_category: str
    student_loans: list[str]
    pension_scheme: str
    start_date: datetime.date
    leave_date: datetime.date | None
    bank_sort_code: str
    bank_account_number: str


class _Terms(NamedTuple):
    """What a calculation reads of an employment version."""

    employee_id: int
    valid_from: datetime.date
    valid_to: datetime.date | None
    annual_salary: Decimal
    fte: Decimal
    cost_centre_id: int | None


class _Input(NamedTuple):
    employee_id: int
    code: str
    description: str
    kind: str
    amount: Decimal
    pensionable: bool


class _Opening(NamedTuple):
    employee_id: int
    taxable_pay: Decimal
    tax_paid: Decimal
    ni_employee: Decimal
    ni_employer: Decimal
    student_loan: Decimal
    postgraduate_loan: Decimal
    pension_employee: Decimal


class _Previous(NamedTuple):
    """The employee's last finalised payslip of the tax year."""

    employee_id: int
    year_to_date: dict[str, str]
    tax_code: str
    net_pay: Decimal


# The columns of a chunk's payslip rows (the run, calculation and time are the same for all).
PAYSLIP_COLUMNS = ("employee", "cost_centre", "tax_code", "week1_month1", "ni_category", "status", "failure_reason",
                   "gross_pay", "taxable_pay", "income_tax", "employee_ni", "employer_ni", "pension_employee",
                   "pension_employer", "student_loan", "postgraduate_loan", "net_pay", "year_to_date", "working")
FAILED_FIGURES: tuple[Any, ...] = (Payslip.Status.FAILED, "", *(("0.00",) * 10), {}, {})


def _spells(period: PayPeriod, employee: _Person, versions: Sequence[_Terms]) -> list[PaySpell]:
    spells = []
    first_day = max(period.start, employee.start_date)
    last_day = min(period.end, employee.leave_date or period.end)
    for version in versions:
        start = max(first_day, version.valid_from)
        end = min(last_day, version.valid_to or last_day)
        if start <= end:
            spells.append(PaySpell(start=start, end=end, annual_salary=version.annual_salary, fte=version.fte))
    return spells


def _year_to_date(previous: _Previous | None, opening: _Opening | None) -> assembly.YearToDate:
    """Figures before this period: the last finalised payslip of the tax year, or else what the
    previous payroll system paid (the opening balance), or else nothing yet."""
    if previous is not None:
        return assembly.YearToDate(**{name: Decimal(value) for name, value in previous.year_to_date.items()})
    if opening is not None:
        return assembly.YearToDate(
            taxable_pay=opening.taxable_pay, tax=opening.tax_paid, employee_ni=opening.ni_employee,
            employer_ni=opening.ni_employer, student_loan=opening.student_loan,
            postgraduate_loan=opening.postgraduate_loan, pension_employee=opening.pension_employee)
    return assembly.YearToDate()


class _Superseded(Exception):
    """A chunk's calculation was replaced by a newer one while it ran: its writes are undone."""


def calculate_employees(*, run_id: int, calculation_number: int, employee_ids: Sequence[int]) -> int:
    """Calculate one chunk, in the department context the task opened. Replaces these employees'
    payslips, lines and exceptions in the run, and no others; a chunk from a superseded calculation
    does nothing. Returns how many payslips it wrote.

    Reads rows rather than model instances and writes each table with one set-based INSERT; a
    failed employee gets a failed payslip with the reason and a ``calculation_failed`` exception.
    """
    run = PayRun.objects.select_related("schedule").get(pk=run_id)
    if run.status != PayRun.Status.CALCULATING or run.calculation_number != calculation_number:
        return 0
    with _no_cycle_collection():
        return _calculate_chunk(run, calculation_number, list(dict.fromkeys(employee_ids)))


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """A chunk makes tens of thousands of short-lived dicts and tuples, which reference counting
    frees; the cycle collector would walk the whole heap over and over meanwhile (a third of the
    chunk's time), so it waits until the chunk is done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _calculate_chunk(run: PayRun, calculation_number: int, ids: list[int]) -> int:
    run_id = run.pk
    period = PayPeriod(frequency=run.schedule.frequency, start=run.period_start, end=run.period_end,
                       pay_date=run.pay_date, tax_year=run.tax_year, tax_period=run.tax_period)
    holidays = holidays_around(run.pay_date)
    employees = {row[0]: _Person._make(row) for row in Employee.objects.filter(pk__in=ids).values_list(
        *_Person._fields)}
    versions: dict[int, list[_Terms]] = {}
    for row in (Employment.objects.filter(employee_id__in=ids, superseded_at__isnull=True,
                                          valid_from__lte=run.period_end)
                .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=run.period_start)).order_by("valid_from")
                .values_list(*_Terms._fields)):
        versions.setdefault(row[0], []).append(_Terms._make(row))
    inputs: dict[int, list[_Input]] = {}
    for row in (PayInput.objects.filter(schedule=run.schedule, period_start=run.period_start, employee_id__in=ids)
                .order_by("pk").values_list(*_Input._fields)):
        inputs.setdefault(row[0], []).append(_Input._make(row))
    # Periods of sickness that could be part of a spell reaching into this period (spells link
    # back at most three years).
    sickness: dict[int, list[SicknessPeriod]] = {}
    for sick in (SicknessPeriod.objects.filter(employee_id__in=ids, first_day__lte=run.period_end)
                 .filter(Q(last_day__isnull=True) | Q(last_day__gte=run.period_start - SICKNESS_LOOKBACK))
                 .only("employee_id", "first_day", "last_day", "qualifying_days").order_by("first_day")):
        sickness.setdefault(sick.employee_id, []).append(sick)
    # The tax year's finalised runs before this one, oldest first: the latest payslip wins.
    finalised = list(PayRun.objects.filter(status=PayRun.Status.FINALISED, tax_year=run.tax_year,
                                           pay_date__lt=run.pay_date).order_by("pay_date", "pk")
                     .values_list("pk", flat=True))
    previous: dict[int, _Previous] = {}
    if finalised:
        order = {run_pk: position for position, run_pk in enumerate(finalised)}
        for _, *row in sorted(
                Payslip.objects.filter(run_id__in=finalised, employee_id__in=ids, status=Payslip.Status.CALCULATED)
                .values_list("run_id", *_Previous._fields), key=lambda row: order[row[0]]):
            previous[row[0]] = _Previous._make(row)
    openings = {row[0]: _Opening._make(row) for row in OpeningBalance.objects.filter(
        tax_year=run.tax_year, employee_id__in=ids).values_list(*_Opening._fields)}
    paid = _paid_in_period(run, ids) if run.kind == PayRun.Kind.SUPPLEMENTARY else None
    now = timezone.now()
    slips: list[tuple[Any, ...]] = []
    slip_lines: dict[int, tuple[assembly.Line, ...]] = {}
    exceptions: list[tuple[int, int, str, str]] = []
    calculated_count = 0
    for employee_id in ids:
        employee = employees[employee_id]
        own_versions = versions.get(employee_id, ())
        week1_month1 = employee.tax_basis == Employee.TaxBasis.WEEK1_MONTH1
        earlier = previous.get(employee_id)
        calculated: assembly.Payslip | None = None
        try:
            calculated = _payslip(run, period, holidays, employee, own_versions, inputs.get(employee_id, ()),
                                  _year_to_date(earlier, openings.get(employee_id)), week1_month1=week1_month1,
                                  sickness=sickness.get(employee_id, ()))
            if paid is not None:
                calculated = supplementary.correction(calculated, paid.get(employee_id, supplementary.PaidInPeriod()))
        except (assembly.PayslipError, PeriodError) as error:
            calculated = None
            reason = str(error)[:500]
            figures: tuple[Any, ...] = (Payslip.Status.FAILED, reason, *FAILED_FIGURES[2:])
            exceptions.append((run_id, employee_id, "calculation_failed", reason))
        else:
            if calculated is None:  # a supplementary run's employee already paid right
                figures = (Payslip.Status.UNCHANGED, "", *FAILED_FIGURES[2:])
            else:
                figures = _fill(calculated)
                slip_lines[employee_id] = calculated.lines
            calculated_count += 1
        slips.append((employee_id, own_versions[-1].cost_centre_id if own_versions else None, employee.tax_code,
                      week1_month1, employee.ni_category, *figures))
        facts = assembly.ReviewFacts(
            has_bank_details=bool(employee.bank_sort_code and employee.bank_account_number),
            left_before_period=employee.leave_date is not None and employee.leave_date < run.period_start,
            tax_code=employee.tax_code, week1_month1=week1_month1,
            previous_tax_code=earlier.tax_code if earlier else None,
            # A correction's net pay is a difference: comparing it with last period's says nothing.
            previous_net_pay=earlier.net_pay if earlier and paid is None else None)
        if paid is None or calculated is not None:
            exceptions += [(run_id, employee_id, code, reason)
                           for code, reason in assembly.review_exceptions(payslip=calculated, facts=facts)]
    try:
        with transaction.atomic():
            # The first calculation's chunks only insert; the employees a chunk finds already written
            # (it ran before) have their payslips and lines replaced. A recalculation replaces them all.
            constants = {"run": run_id, "calculation_number": calculation_number, "calculated_at": now}
            removed: Counter[str] = Counter()
            if calculation_number > 1:
                removed.update(payroll_bulk.payslips_delete(run_id=run_id, employee_ids=ids,
                                                            calculation_number=calculation_number))
            written = bulk_insert(Payslip, PAYSLIP_COLUMNS, slips, constants=constants,
                                  unique=("department", "run", "employee"), returning=("id", "employee"))
            if len(written) < len(slips):
                inserted = {employee_id for _, employee_id in written}
                again = [slip for slip in slips if slip[0] not in inserted]
                removed.update(payroll_bulk.payslips_delete(run_id=run_id, employee_ids=[slip[0] for slip in again],
                                                            calculation_number=calculation_number))
                written += bulk_insert(Payslip, PAYSLIP_COLUMNS, again, constants=constants,
                                       returning=("id", "employee"))
            payroll_bulk.exceptions_delete(run_id=run_id, employee_ids=ids)
            payslip_ids = {employee_id: slip_id for slip_id, employee_id in written}
            kinds: dict[tuple[str, str, str, bool], int] = {}  # numbered from 1, as SQL's ordinality
            line_rows = [(payslip_ids[employee_id],
                          kinds.setdefault((line.code, line.description[:100], line.section, line.after_tax),
                                           len(kinds) + 1),
                          line.amount)
                         for employee_id, lines in slip_lines.items() for line in lines]
            payroll_bulk.payslip_lines_insert(run_id=run_id, lines=line_rows, kinds=list(kinds))
            bulk_insert(PayRunException, ("run", "employee", "code", "reason"), exceptions, returning=())
            if not _record_progress(
                    run_id, calculation_number,
                    calculated=calculated_count - removed.get(Payslip.Status.CALCULATED, 0)
                    - removed.get(Payslip.Status.UNCHANGED, 0),
                    failed=len(slips) - calculated_count - removed.get(Payslip.Status.FAILED, 0)):
                raise _Superseded
    except _Superseded:
        return 0
    return len(slips)


PAID_FIGURES = (*supplementary.RESULT_FIGURES, "net_pay")


def _paid_in_period(run: PayRun, ids: Sequence[int]) -> dict[int, supplementary.PaidInPeriod]:
    """What the schedule's finalised runs of this period paid each employee of the chunk."""
    slips = {row[0]: row[1:] for row in Payslip.objects.filter(
        run__schedule_id=run.schedule_id, run__period_start=run.period_start, run__status=PayRun.Status.FINALISED,
        employee_id__in=ids, status=Payslip.Status.CALCULATED).values_list("pk", "employee_id", "gross_pay",
                                                                           *PAID_FIGURES)}
    lines: dict[int, list[tuple[str, str, str, bool, Decimal]]] = {}
    for payslip_id, *line in PayslipLine.objects.filter(payslip_id__in=list(slips)).values_list(
            "payslip_id", "code", "description", "section", "after_tax", "amount"):
        lines.setdefault(payslip_id, []).append(tuple(line))  # type: ignore[arg-type]
    paid: dict[int, supplementary.PaidInPeriod] = {}
    for payslip_id, (employee_id, gross, *figures) in slips.items():
        paid.setdefault(employee_id, supplementary.PaidInPeriod()).add_payslip(
            gross_pay=gross, figures=dict(zip(PAID_FIGURES, figures, strict=True)), lines=lines.get(payslip_id, ()))
    return paid


def _payslip(run: PayRun, period: PayPeriod, holidays: set[datetime.date], employee: _Person,
             versions: Sequence[_Terms], inputs: Sequence[_Input], ytd: assembly.YearToDate, *,
             week1_month1: bool, sickness: Sequence[SicknessPeriod] = ()) -> assembly.Payslip:
    if not versions:
        raise assembly.PayslipError("employment: no employment version covers this period")
    basic = basic_pay(period, _spells(period, employee, versions), method=run.schedule.proration, holidays=holidays)
    basic_element = assembly.Element("BASIC", "Basic pay", assembly.TAXABLE_PAYMENT, basic,
                                     pensionable=bool(employee.pension_scheme))
    due = None
    if sickness:
        try:
            due = sick_pay.ssp_due(period=period, sickness=sickness, average_weekly_earnings=sick_pay.weekly_earnings(
                versions[-1].annual_salary, versions[-1].fte))
        except StatutoryPayError as error:
            raise assembly.PayslipError(f"sickness: {error}") from None
    elements = sick_pay.with_sick_pay(basic_element, due)
    elements += [assembly.Element(item.code, item.description, item.kind, item.amount, pensionable=item.pensionable)
                 for item in inputs]
    return assembly.payslip_for(
        employee_ref=employee.payroll_number, tax_year=run.tax_year, frequency=run.schedule.frequency,
        period=run.tax_period, elements=elements, ytd=ytd,
        profile=assembly.PayrollProfile(tax_code=employee.tax_code, week1_month1=week1_month1,
                                        ni_category=employee.ni_category, student_loans=tuple(employee.student_loans),
                                        pension_scheme=employee.pension_scheme or None))


def _fill(calculated: assembly.Payslip) -> tuple[Any, ...]:
    """A calculated payslip's figures, in ``PAYSLIP_COLUMNS`` order from ``status`` on. The engine's
    amounts stay the decimal strings it formatted: PostgreSQL reads them as numeric exactly."""
    result = calculated.result
    ytd = calculated.ytd_after
    # The engine's own result is kept with its working: the payslip's explanation is written from both.
    working = {**calculated.working, "result": {key: value for key, value in result.items() if key != "working"}}
    return (Payslip.Status.CALCULATED, "", calculated.gross_pay, calculated.taxable_pay, result["income_tax"],
            result["employee_ni"], result["employer_ni"], result["pension_employee"],
            calculated.amount("ER_PENSION"), result["student_loan"], result["postgraduate_loan"], calculated.net_pay,
            {name: str(value) for name, value in vars(ytd).items()}, working)


def _record_progress(run_id: int, calculation_number: int, *, calculated: int | None = None,
                     failed: int = 0) -> bool:
    """Add a chunk's payslips to the run's progress (``calculated``/``failed``: how many it wrote,
    less how many of the same calculation it replaced), or, with no figures, count the run's
    payslips afresh. The last chunk moves the run to calculated.

    Under the run's lock, held to the chunk's commit, so each payslip of the calculation is counted
    exactly once however chunks are retried or doubled. Returns False when the calculation is no
    longer the run's current one (nothing is recorded).
    """
    run = PayRun.objects.select_for_update(no_key=True).get(pk=run_id)
    if run.status != PayRun.Status.CALCULATING or run.calculation_number != calculation_number:
        return False
    if calculated is None:
        counts = {row["status"]: row["n"] for row in Payslip.objects.filter(
            run=run, calculation_number=calculation_number).values("status").annotate(n=Count("pk"))}
        run.employees_calculated = counts.get(Payslip.Status.CALCULATED, 0) + counts.get(Payslip.Status.UNCHANGED, 0)
        run.employees_failed = counts.get(Payslip.Status.FAILED, 0)
    else:
        run.employees_calculated += calculated
        run.employees_failed += failed
    run.progress_at = timezone.now()
    run.save(update_fields=["employees_calculated", "employees_failed", "progress_at"])
    if run.employees_calculated + run.employees_failed >= run.employees_total:
        _finish_calculation(run)
    return True


def _finish_calculation(run: PayRun) -> None:
    run.status, run.calculated_at = PayRun.Status.CALCULATED, timezone.now()
    run.save(update_fields=["status", "calculated_at"])
    audit_record(department=run.department, action="pay_run.calculated", acting_user=None, target=run,
                 changes=audit_changes({"status": PayRun.Status.CALCULATING},
                                       {"status": run.status, "calculated": run.employees_calculated,
                                        "failed": run.employees_failed}))


# --- Approval ------------------------------------------------------------------------------

def _people_behind(user_id: int | None) -> set[int]:
    """The user, and for an API client the person who created its token: four eyes means two
    people, not two credentials of one person."""
    if user_id is None:
        return set()
    creator = ApiToken.objects.filter(user_id=user_id).values_list("created_by_id", flat=True).first()
    return {user_id} | ({creator} if creator is not None else set())


def _may_approve(user: User, department: Department) -> bool:
    """A person approves through the payroll approver role; an API client through a live token
    of this department carrying the payroll:approve scope."""
    if user.kind == User.Kind.API_CLIENT:
        return ApiToken.objects.filter(user=user, department=department, revoked_at__isnull=True,
                                       scopes__contains=[Scope.PAYROLL_APPROVE]).exists()
    return DepartmentMembership.objects.filter(user=user, department=department, ended_at__isnull=True,
                                               role=Role.PAYROLL_APPROVER).exists()


@transaction.atomic
def pay_run_approve(*, run: PayRun, acting_user: User) -> PayRun:
    """Four eyes: a payroll approver who neither opened nor calculated the run (nor created the
    API token that did). Refusals for who is acting carry the code ``four_eyes``."""
    department = run.department
    with department_context(department.id):
        run = _locked_run(run)
        _transition(run, [PayRun.Status.CALCULATED], "approved")
        if _people_behind(acting_user.pk) & (_people_behind(run.opened_by_id) | _people_behind(run.calculated_by_id)):
            _refuse("__all__", "You opened or calculated this run, so someone else must approve it.",
                    code="four_eyes")
        if not _may_approve(acting_user, department):
            _refuse("__all__", "Only a payroll approver can approve a pay run.", code="four_eyes")
        if run.employees_failed:
            _refuse("status", f"{run.employees_failed} employee(s) failed to calculate. Fix them and recalculate "
                              "first.")
        run.status, run.approved_by, run.approved_at = PayRun.Status.APPROVED, acting_user, timezone.now()
        run.save(update_fields=["status", "approved_by", "approved_at"])
        audit_record(department=department, action="pay_run.approve", acting_user=acting_user, target=run,
                     changes=audit_changes({"status": PayRun.Status.CALCULATED}, {"status": run.status}))
        return run


# --- Reimbursed expenses ---------------------------------------------------------------------

def _queue_expense_claims(run: PayRun, acting_user: User | None) -> int:
    """Approved expense claims become non-taxable reimbursements on this run (one input each)."""
    claims = list(finance_selectors.expense_claims_payable_through_payroll(approved_on_or_before=run.period_end)
                  .filter(employee__in=Employee.objects.filter(
                      employees_paid_in(run.schedule, run.period_start, run.period_end))))
    if not claims:
        return 0
    finance_services.expense_claims_queue_for_payroll(department=run.department, claims=claims,
                                                      pay_run_reference=run.reference, acting_user=acting_user)
    PayInput.objects.bulk_create(
        PayInput(employee_id=claim.employee_id, schedule=run.schedule, period_start=run.period_start,
                 code="EXPENSES", description=f"Expenses: {claim.purpose}"[:100], kind=PayInput.Kind.REIMBURSEMENT,
                 amount=claim.total,  # type: ignore[attr-defined]  # annotated by the selector
                 source_reference=f"expense-claim-{claim.pk}", created_by=acting_user)
        for claim in claims)
    return len(claims)


def _release_expense_claims(run: PayRun, acting_user: User | None) -> None:
    claims = list(finance_selectors.expense_claims_in_pay_run(pay_run_reference=run.reference))
    if claims:
        finance_services.expense_claims_release_from_payroll(department=run.department, claims=claims,
                                                             acting_user=acting_user)
        PayInput.objects.filter(schedule=run.schedule, period_start=run.period_start,
                                source_reference__in=[f"expense-claim-{claim.pk}" for claim in claims]).delete()


# --- Finalising ----------------------------------------------------------------------------

JOURNAL_ACCOUNTS = {
    # payslip line code -> (account purpose, debit side?, charged to the cost centre?)
    "TAX": ("paye_ni_liability", False, False),
    "NI": ("paye_ni_liability", False, False),
    "ER_NI": ("paye_ni_liability", False, False),
    "SLOAN": ("student_loan_liability", False, False),
    "PGLOAN": ("student_loan_liability", False, False),
    "PENSION": ("pension_liability", False, False),
    "ER_PENSION": ("pension_liability", False, False),
}


def payroll_journal_lines(run: PayRun) -> list[finance_services.JournalLineInput]:
    """The run's journal: pay and employer costs by cost centre, against what is owed to HMRC, the
    pension scheme and others, net pay through net pay control, and net pay out of the bank.

    Balanced by construction: on every payslip, payments less deductions is net pay, and each
    employer cost is both a cost and a liability. The lines are summed in the database by code,
    section and cost centre, so a run of any size reads a few hundred rows.
    """
    totals: dict[tuple[str, bool, int | None], Decimal] = {}

    def add(purpose: str, debit: bool, cost_centre_id: int | None, amount: Decimal, lines: int = 1) -> None:
        # ``lines``: how many non-zero payslip lines make up the amount; zero lines post nothing.
        if lines:
            key = (purpose, debit, cost_centre_id)
            totals[key] = totals.get(key, Decimal("0.00")) + amount

    reimbursed = Decimal("0.00")
    non_zero = ~Q(amount=0)
    for line in (PayslipLine.objects.filter(run=run, payslip__status=Payslip.Status.CALCULATED)
                 .values("code", "section", "payslip__cost_centre_id")
                 .annotate(total=Sum("amount", filter=non_zero, default=Decimal("0.00")),
                           lines=Count("pk", filter=non_zero))
                 .order_by()):
        code, section, amount, centre = line["code"], line["section"], line["total"], line["payslip__cost_centre_id"]
        lines = line["lines"]
        if code == "EXPENSES" and section == "payment":
            reimbursed += amount  # finance moves these from expenses payable into net pay control
        elif section == "payment":
            add("staff_costs", True, centre, amount, lines)
        elif code == "ER_NI":
            add("employer_ni", True, centre, amount, lines)
            add("paye_ni_liability", False, None, amount, lines)
        elif code == "ER_PENSION":
            add("employer_pension", True, centre, amount, lines)
            add("pension_liability", False, None, amount, lines)
        elif code in JOURNAL_ACCOUNTS:
            add(JOURNAL_ACCOUNTS[code][0], False, None, amount, lines)
        else:  # salary sacrifice and deductions from net pay, owed to whoever they are for
            add("pay_deductions_payable", False, None, amount, lines)
    net_total = Payslip.objects.filter(run=run, status=Payslip.Status.CALCULATED).aggregate(
        total=Sum("net_pay", default=Decimal("0.00")))["total"]
    for purpose, debit, amount in (("net_pay_control", False, net_total - reimbursed),
                                   ("net_pay_control", True, net_total), ("bank", False, net_total)):
        add(purpose, debit, None, amount, 1 if amount else 0)
    accounts: dict[str, Account] = {}
    for purpose in {purpose for purpose, _, _ in totals}:
        account = finance_selectors.account_for_purpose(purpose=purpose)
        if account is None:
            raise ValidationError({"journal": f"Finance has no active account for {purpose.replace('_', ' ')}: "
                                              "add one to the chart of accounts before finalising."})
        accounts[purpose] = account
    centres = {centre.pk: centre for centre in CostCentre.objects.filter(
        pk__in={centre for _, _, centre in totals if centre is not None})}
    return [finance_services.JournalLineInput(
        account=accounts[purpose], debit=amount if debit else Decimal("0.00"),
        credit=Decimal("0.00") if debit else amount,
        cost_centre=centres.get(centre) if centre is not None else None,
        description=f"Payroll {run.pay_date:%B %Y}")
        for (purpose, debit, centre), amount in sorted(totals.items(), key=lambda item: (not item[0][1], item[0][0],
                                                                                          item[0][2] or 0))]


def bacs_payments(run: PayRun) -> list[bacs.Payment]:
    """Net pay to every calculated payslip above zero whose employee has bank details, in payroll
    number order; read as rows, a few thousand at a time."""
    reference = f"SALARY {run.pay_date:%b %Y}".upper()
    return [bacs.Payment(sort_code=sort_code, account_number=account_number,
                         account_name=f"{first_name[:1]} {last_name}", amount_pence=int(net_pay * 100),
                         reference=roll_number or reference)
            for sort_code, account_number, first_name, last_name, roll_number, net_pay in (
                Payslip.objects.filter(run=run, status=Payslip.Status.CALCULATED, net_pay__gt=0)
                .order_by("employee__payroll_number")
                .values_list("employee__bank_sort_code", "employee__bank_account_number", "employee__first_name",
                             "employee__last_name", "employee__building_society_roll_number", "net_pay")
                .iterator(chunk_size=5000))
            if sort_code and account_number]


@transaction.atomic
def pay_run_finalise(*, run: PayRun, acting_user: User) -> PayRun:
    """Publish the payslips, post the payroll journal, write the Bacs file and pay the queued
    expense claims, all in one transaction: a finalised run has all of them or none."""
    department = Department.objects.get(pk=run.department_id)  # its Bacs details as they are now
    with department_context(department.id):
        run = _locked_run(run)
        _transition(run, [PayRun.Status.APPROVED], "finalised")
        schedule = run.schedule
        missing = {name: message for name, value, message in (
            ("bacs_service_user_number", department.bacs_service_user_number,
             "The department has no Bacs service user number."),
            ("bank_sort_code", schedule.bank_sort_code, f"Pay schedule {schedule.name} has no bank sort code."),
            ("bank_account_number", schedule.bank_account_number,
             f"Pay schedule {schedule.name} has no bank account number."),
        ) if not value}
        if missing:
            raise ValidationError(missing)
        cycle = bacs.bacs_cycle(run.pay_date, holidays_around(run.pay_date))
        payments = bacs_payments(run)
        try:
            bacs_text = bacs.standard18_file(
                originator=bacs.Originator(service_user_number=department.bacs_service_user_number,
                                           name=department.name, sort_code=schedule.bank_sort_code,
                                           account_number=schedule.bank_account_number,
                                           account_name=schedule.bank_account_name or department.name),
                payments=payments, processing_day=cycle.processing_day, created_on=cycle.input_day,
                serial=f"{run.pk % 1_000_000:06d}")
        except bacs.BacsError as error:
            raise ValidationError({"bacs": str(error)}) from None
        journal = finance_services.journal_post(
            department=department, acting_user=acting_user, posted_on=run.pay_date,
            description=f"Payroll: {schedule.name}, {run.period_start:%B %Y}", lines=payroll_journal_lines(run),
            source=Journal.Source.PAYROLL, source_reference=run.reference)
        # The balances carried over from the previous payroll are history once a run has used them.
        opening_balances_lock(department=department, tax_year=run.tax_year, acting_user=acting_user,
                              reason=f"Pay run {run.reference} finalised")
        queued = list(finance_selectors.expense_claims_in_pay_run(pay_run_reference=run.reference))
        if queued:
            # Recorded when the run is finalised: finance takes no payments dated in the future.
            finance_services.expense_claims_mark_paid(department=department, claims=queued, acting_user=acting_user,
                                                      paid_on=min(run.pay_date, timezone.localdate()))
        path = default_storage.save(
            f"payroll/department-{department.id}/pay-runs/{run.pk}/bacs-{run.pay_date:%Y-%m-%d}.txt",
            ContentFile(bacs_text.encode("ascii")))
        run.status, run.finalised_by, run.finalised_at = PayRun.Status.FINALISED, acting_user, timezone.now()
        run.journal, run.bacs_file, run.bacs_processing_day = journal, path, cycle.processing_day
        run.save(update_fields=["status", "finalised_by", "finalised_at", "journal", "bacs_file",
                                "bacs_processing_day"])
        audit_record(department=department, action="pay_run.finalise", acting_user=acting_user, target=run,
                     changes=audit_changes({"status": PayRun.Status.APPROVED},
                                           {"status": run.status, "payments": len(payments),
                                            "journal": journal.pk}))
        return run
