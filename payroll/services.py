"""Every write to payroll data, atomic and audited: opening balances, pay schedules, pay inputs and
pay runs.

A pay run moves draft → open (inputs locked) → calculating → calculated → approved → finalised,
or is cancelled before it is finalised. Calculation fans out in chunks of employees
(``payroll.tasks``); each chunk replaces its own employees' payslips and nothing else, so a chunk
run twice, or after a crash, leaves exactly one payslip per employee.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from departments.bulk import bulk_insert, refresh_statistics
from departments.models import Department
from departments.roles import Role
from departments.services import AuditEntry, audit_changes, audit_record, audit_record_many
from departments.tenancy import department_context
from finance import selectors as finance_selectors
from finance import services as finance_services
from finance.models import Account, Journal
from hr.models import CostCentre, Employee, Employment
from hr.selectors import bank_holidays
from payroll import assembly, bacs
from payroll.engine.rates import available_tax_years
from payroll.models import OpeningBalance, PayInput, PayRun, PayRunException, PaySchedule, Payslip, PayslipLine
from payroll.periods import PayDateRule, PayPeriod, PaySpell, PeriodError, basic_pay, pay_period
from shared_services.accounts.models import User

BANK_HOLIDAY_REGION = "england-and-wales"  # Bacs and payroll follow the English calendar
CHUNK_SIZE = 500


def holidays_around(day: datetime.date) -> set[datetime.date]:
    return {holiday for year in (day.year - 1, day.year, day.year + 1)
            for holiday, _ in bank_holidays(region=BANK_HOLIDAY_REGION, year=year)}


def _refuse(field: str, message: str) -> None:
    raise ValidationError({field: message})


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
                        bank_account_name: str = "") -> PaySchedule:
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
        schedule = PaySchedule.objects.create(
            name=name.strip(), frequency=frequency, pay_day_of_month=pay_day_of_month, pay_weekday=pay_weekday,
            proration=proration, bank_sort_code=bank_sort_code, bank_account_number=bank_account_number,
            bank_account_name=bank_account_name)
        audit_record(department=department, action="pay_schedule.create", acting_user=acting_user, target=schedule,
                     changes=audit_changes({}, {"name": schedule.name, "frequency": frequency}))
        return schedule


def period_of(schedule: PaySchedule, day: datetime.date) -> PayPeriod:
    rule = PayDateRule(frequency=schedule.frequency, day_of_month=schedule.pay_day_of_month,
                       weekday=schedule.pay_weekday)
    return pay_period(rule, day, holidays_around(day))


# --- Runs: create, open, cancel -----------------------------------------------------------

def employees_paid_in(period_start: datetime.date, period_end: datetime.date) -> Q:
    """Employees employed at some point in the period."""
    return Q(start_date__lte=period_end) & (Q(leave_date__isnull=True) | Q(leave_date__gte=period_start))


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
        run.employees_total = Employee.objects.filter(employees_paid_in(run.period_start, run.period_end)).count()
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


def period_is_locked(*, schedule: PaySchedule, day: datetime.date) -> bool:
    """Whether inputs dated ``day`` fall in a period whose run is open or further on."""
    return PayRun.objects.filter(schedule=schedule, period_start__lte=day, period_end__gte=day).exclude(
        status__in=[PayRun.Status.DRAFT, PayRun.Status.CANCELLED]).exists()


@transaction.atomic
def pay_input_add(*, employee: Employee, schedule: PaySchedule, period_containing: datetime.date, code: str,
                  description: str, kind: str, amount: Decimal, acting_user: User | None, pensionable: bool = False,
                  source_reference: str = "") -> PayInput:
    department = employee.department
    with department_context(department.id):
        errors: dict[str, str] = {}
        if kind not in PayInput.Kind.values:
            errors["kind"] = f"Choose one of: {', '.join(label for label in PayInput.Kind.labels)}."
        if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            errors["amount"] = "Enter an amount above £0, in pounds and pence."
        if not code.strip():
            errors["code"] = "Enter a code for the payment or deduction."
        period = period_of(schedule, period_containing)
        if period_is_locked(schedule=schedule, day=period.start):
            errors["period_containing"] = (f"The pay run for {period.start:%B %Y} is open, so its inputs are "
                                           "locked. Enter this for the next period, or reopen the run.")
        if errors:
            raise ValidationError(errors)
        pay_input = PayInput.objects.create(
            employee=employee, schedule=schedule, period_start=period.start, code=code.strip().upper(),
            description=description.strip() or code, kind=kind, amount=amount, pensionable=pensionable,
            source_reference=source_reference, created_by=acting_user)
        audit_record(department=department, action="pay_input.add", acting_user=acting_user, target=pay_input,
                     changes=audit_changes({}, {"employee": employee.payroll_number, "code": pay_input.code,
                                                "amount": str(amount)}))
        return pay_input


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
        ids = list(Employee.objects.filter(employees_paid_in(run.period_start, run.period_end))
                   .order_by("pk").values_list("pk", flat=True))
        was = run.status
        run.status, run.calculated_by = PayRun.Status.CALCULATING, acting_user
        run.calculation_number += 1
        run.employees_total, run.employees_calculated, run.employees_failed = len(ids), 0, 0
        run.save(update_fields=["status", "calculated_by", "calculation_number", "employees_total",
                                "employees_calculated", "employees_failed"])
        # Employees no longer on the run (a leaver corrected since the last calculation) lose their payslip.
        stale = Payslip.objects.filter(run=run).exclude(employee_id__in=ids)
        PayslipLine.objects.filter(payslip__in=stale).delete()
        PayRunException.objects.filter(run=run).exclude(employee_id__in=ids).delete()
        stale.delete()
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
        done = Payslip.objects.filter(run=run, calculation_number=run.calculation_number).values("employee_id")
        ids = list(Employee.objects.filter(employees_paid_in(run.period_start, run.period_end))
                   .exclude(pk__in=done).order_by("pk").values_list("pk", flat=True))
        audit_record(department=department, action="pay_run.resume", acting_user=acting_user, target=run,
                     changes=audit_changes({}, {"calculation": run.calculation_number, "employees_left": len(ids)}))
        if not ids:
            _record_progress(run.pk, run.calculation_number)
        return CalculationStart(department_id=department.id, run_id=run.pk, calculation_number=run.calculation_number,
                                chunks=[ids[start:start + chunk_size] for start in range(0, len(ids), chunk_size)])


def _spells(period: PayPeriod, employee: Employee, versions: list[Employment]) -> list[PaySpell]:
    spells = []
    first_day = max(period.start, employee.start_date)
    last_day = min(period.end, employee.leave_date or period.end)
    for version in versions:
        start = max(first_day, version.valid_from)
        end = min(last_day, version.valid_to or last_day)
        if start <= end:
            spells.append(PaySpell(start=start, end=end, annual_salary=version.annual_salary, fte=version.fte))
    return spells


def _year_to_date(previous: Payslip | None, opening: OpeningBalance | None) -> assembly.YearToDate:
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


def calculate_employees(*, run_id: int, calculation_number: int, employee_ids: Sequence[int]) -> int:
    """Calculate one chunk, in the department context the task opened. Replaces these employees'
    payslips, lines and exceptions in the run, and no others; a chunk from a superseded calculation
    does nothing. Returns how many payslips it wrote."""
    run = PayRun.objects.select_related("schedule").get(pk=run_id)
    if run.status != PayRun.Status.CALCULATING or run.calculation_number != calculation_number:
        return 0
    period = PayPeriod(frequency=run.schedule.frequency, start=run.period_start, end=run.period_end,
                       pay_date=run.pay_date, tax_year=run.tax_year, tax_period=run.tax_period)
    holidays = holidays_around(run.pay_date)
    employees = {employee.pk: employee for employee in Employee.objects.filter(pk__in=employee_ids)}
    versions: dict[int, list[Employment]] = {}
    for version in (Employment.objects.filter(employee_id__in=employee_ids, superseded_at__isnull=True,
                                              valid_from__lte=run.period_end)
                    .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=run.period_start)).order_by("valid_from")):
        versions.setdefault(version.employee_id, []).append(version)
    inputs: dict[int, list[PayInput]] = {}
    for pay_input in PayInput.objects.filter(schedule=run.schedule, period_start=run.period_start,
                                             employee_id__in=employee_ids).order_by("pk"):
        inputs.setdefault(pay_input.employee_id, []).append(pay_input)
    previous: dict[int, Payslip] = {}
    for slip in (Payslip.objects.filter(employee_id__in=employee_ids, status=Payslip.Status.CALCULATED,
                                        run__status=PayRun.Status.FINALISED, run__tax_year=run.tax_year,
                                        run__pay_date__lt=run.pay_date)
                 .order_by("employee_id", "run__pay_date", "run__pk")):
        previous[slip.employee_id] = slip  # the latest, by pay date
    openings = {balance.employee_id: balance for balance in OpeningBalance.objects.filter(
        tax_year=run.tax_year, employee_id__in=employee_ids)}
    now = timezone.now()
    slips: list[Payslip] = []
    lines: list[tuple[Payslip, list[assembly.Line]]] = []
    exceptions: list[PayRunException] = []
    for employee_id in employee_ids:
        employee = employees[employee_id]
        own_versions = versions.get(employee_id, [])
        slip = Payslip(run=run, employee=employee, calculated_at=now, calculation_number=calculation_number,
                       tax_code=employee.tax_code,
                       week1_month1=employee.tax_basis == Employee.TaxBasis.WEEK1_MONTH1,
                       ni_category=employee.ni_category,
                       cost_centre_id=own_versions[-1].cost_centre_id if own_versions else None)
        calculated: assembly.Payslip | None = None
        try:
            calculated = _payslip(run, period, holidays, employee, own_versions, inputs.get(employee_id, []),
                                  _year_to_date(previous.get(employee_id), openings.get(employee_id)),
                                  week1_month1=slip.week1_month1)
        except (assembly.PayslipError, PeriodError) as error:
            slip.status, slip.failure_reason = Payslip.Status.FAILED, str(error)[:500]
        if calculated is not None:
            _fill(slip, calculated)
            lines.append((slip, list(calculated.lines)))
        slips.append(slip)
        earlier = previous.get(employee_id)
        facts = assembly.ReviewFacts(
            has_bank_details=bool(employee.bank_sort_code and employee.bank_account_number),
            left_before_period=employee.leave_date is not None and employee.leave_date < run.period_start,
            tax_code=employee.tax_code, week1_month1=slip.week1_month1,
            previous_tax_code=earlier.tax_code if earlier else None,
            previous_net_pay=earlier.net_pay if earlier else None)
        if slip.status == Payslip.Status.FAILED:
            exceptions.append(PayRunException(run=run, employee=employee, code="calculation_failed",
                                              reason=slip.failure_reason))
        exceptions += [PayRunException(run=run, employee=employee, code=code, reason=reason)
                       for code, reason in assembly.review_exceptions(payslip=calculated, facts=facts)]
    with transaction.atomic():
        replaced = Payslip.objects.filter(run=run, employee_id__in=employee_ids)
        PayslipLine.objects.filter(payslip__in=replaced).delete()
        PayRunException.objects.filter(run=run, employee_id__in=employee_ids).delete()
        replaced.delete()
        Payslip.objects.bulk_create(slips)
        PayslipLine.objects.bulk_create(
            PayslipLine(payslip=slip, run=run, code=line.code, description=line.description[:100],
                        section=line.section, after_tax=line.after_tax, amount=line.amount)
            for slip, slip_lines in lines for line in slip_lines)
        PayRunException.objects.bulk_create(exceptions)
        _record_progress(run.pk, calculation_number)
    return len(slips)


def _payslip(run: PayRun, period: PayPeriod, holidays: set[datetime.date], employee: Employee,
             versions: list[Employment], inputs: list[PayInput], ytd: assembly.YearToDate, *,
             week1_month1: bool) -> assembly.Payslip:
    if not versions:
        raise assembly.PayslipError("employment: no employment version covers this period")
    basic = basic_pay(period, _spells(period, employee, versions), method=run.schedule.proration, holidays=holidays)
    elements = [assembly.Element("BASIC", "Basic pay", assembly.TAXABLE_PAYMENT, basic,
                                 pensionable=bool(employee.pension_scheme))]
    elements += [assembly.Element(item.code, item.description, item.kind, item.amount, pensionable=item.pensionable)
                 for item in inputs]
    return assembly.payslip_for(
        employee_ref=employee.payroll_number, tax_year=run.tax_year, frequency=run.schedule.frequency,
        period=run.tax_period, elements=elements, ytd=ytd,
        profile=assembly.PayrollProfile(tax_code=employee.tax_code, week1_month1=week1_month1,
                                        ni_category=employee.ni_category, student_loans=tuple(employee.student_loans),
                                        pension_scheme=employee.pension_scheme or None))


def _fill(slip: Payslip, calculated: assembly.Payslip) -> None:
    result = calculated.result
    slip.status = Payslip.Status.CALCULATED
    slip.gross_pay, slip.taxable_pay, slip.net_pay = calculated.gross_pay, calculated.taxable_pay, calculated.net_pay
    for field in ("income_tax", "employee_ni", "employer_ni", "pension_employee", "student_loan",
                  "postgraduate_loan"):
        setattr(slip, field, Decimal(result[field]))
    slip.pension_employer = calculated.amount("ER_PENSION")
    slip.year_to_date = {name: str(value) for name, value in vars(calculated.ytd_after).items()}
    # The engine's own result is kept with its working: the payslip's explanation is written from both.
    slip.working = {**calculated.working, "result": {key: value for key, value in result.items() if key != "working"}}


def _record_progress(run_id: int, calculation_number: int) -> None:
    """Count what the chunks have written (not what they say), so a chunk run twice is counted
    once; the last chunk moves the run to calculated."""
    run = PayRun.objects.select_for_update(no_key=True).get(pk=run_id)
    if run.status != PayRun.Status.CALCULATING or run.calculation_number != calculation_number:
        return
    counts = {row["status"]: row["n"] for row in Payslip.objects.filter(
        run=run, calculation_number=calculation_number).values("status").annotate(n=Count("pk"))}
    run.employees_calculated = counts.get(Payslip.Status.CALCULATED, 0)
    run.employees_failed = counts.get(Payslip.Status.FAILED, 0)
    run.save(update_fields=["employees_calculated", "employees_failed"])
    if run.employees_calculated + run.employees_failed >= run.employees_total:
        _finish_calculation(run)


def _finish_calculation(run: PayRun) -> None:
    run.status, run.calculated_at = PayRun.Status.CALCULATED, timezone.now()
    run.save(update_fields=["status", "calculated_at"])
    audit_record(department=run.department, action="pay_run.calculated", acting_user=None, target=run,
                 changes=audit_changes({"status": PayRun.Status.CALCULATING},
                                       {"status": run.status, "calculated": run.employees_calculated,
                                        "failed": run.employees_failed}))


# --- Approval ------------------------------------------------------------------------------

@transaction.atomic
def pay_run_approve(*, run: PayRun, acting_user: User) -> PayRun:
    """Four eyes: a payroll approver who neither opened nor calculated the run."""
    from departments.models import DepartmentMembership

    department = run.department
    with department_context(department.id):
        run = _locked_run(run)
        _transition(run, [PayRun.Status.CALCULATED], "approved")
        if acting_user.pk in (run.opened_by_id, run.calculated_by_id):
            _refuse("__all__", "You opened or calculated this run, so someone else must approve it.")
        if not DepartmentMembership.objects.filter(user=acting_user, department=department, ended_at__isnull=True,
                                                   role=Role.PAYROLL_APPROVER).exists():
            _refuse("__all__", "Only a payroll approver can approve a pay run.")
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
                  .filter(employee__in=Employee.objects.filter(employees_paid_in(run.period_start,
                                                                                  run.period_end))))
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
    employer cost is both a cost and a liability.
    """
    totals: dict[tuple[str, bool, int | None], Decimal] = {}

    def add(purpose: str, debit: bool, cost_centre_id: int | None, amount: Decimal) -> None:
        if amount:
            key = (purpose, debit, cost_centre_id)
            totals[key] = totals.get(key, Decimal("0.00")) + amount

    net_total = Decimal("0.00")
    reimbursed = Decimal("0.00")
    for line in (PayslipLine.objects.filter(run=run, payslip__status=Payslip.Status.CALCULATED)
                 .values("code", "section", "amount", "payslip__cost_centre_id")):
        code, section, amount, centre = line["code"], line["section"], line["amount"], line["payslip__cost_centre_id"]
        if code == "EXPENSES" and section == "payment":
            reimbursed += amount  # finance moves these from expenses payable into net pay control
        elif section == "payment":
            add("staff_costs", True, centre, amount)
        elif code == "ER_NI":
            add("employer_ni", True, centre, amount)
            add("paye_ni_liability", False, None, amount)
        elif code == "ER_PENSION":
            add("employer_pension", True, centre, amount)
            add("pension_liability", False, None, amount)
        elif code in JOURNAL_ACCOUNTS:
            add(JOURNAL_ACCOUNTS[code][0], False, None, amount)
        else:  # salary sacrifice and deductions from net pay, owed to whoever they are for
            add("pay_deductions_payable", False, None, amount)
    for slip_net in Payslip.objects.filter(run=run, status=Payslip.Status.CALCULATED).values_list("net_pay",
                                                                                                flat=True):
        net_total += slip_net
    add("net_pay_control", False, None, net_total - reimbursed)
    add("net_pay_control", True, None, net_total)
    add("bank", False, None, net_total)
    accounts: dict[str, Account] = {}
    for purpose, _, _ in totals:
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
    reference = f"SALARY {run.pay_date:%b %Y}".upper()
    return [bacs.Payment(sort_code=slip.employee.bank_sort_code, account_number=slip.employee.bank_account_number,
                         account_name=f"{slip.employee.first_name[:1]} {slip.employee.last_name}",
                         amount_pence=int(slip.net_pay * 100),
                         reference=slip.employee.building_society_roll_number or reference)
            for slip in Payslip.objects.filter(run=run, status=Payslip.Status.CALCULATED, net_pay__gt=0)
            .select_related("employee").order_by("employee__payroll_number")
            if slip.employee.bank_sort_code and slip.employee.bank_account_number]


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
