"""A run's calculation: started, resumed (by a person or the stall check) and recalculated, and
the chunks the workers run. Each chunk replaces its own employees' payslips and nothing else, so
a chunk run twice, or after a crash, leaves exactly one payslip per employee."""

from __future__ import annotations

import datetime
import gc
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from departments.bulk import bulk_insert, refresh_statistics
from departments.models import Department
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from hr.absence_schemes import SICKNESS
from hr.models import Employee, Employment, FamilyLeave, LeaveRequest, SicknessPeriod
from hr.selectors_absence import EffectiveScheme, absence_pay_schemes
from payroll import absence_pay, assembly, rti_mapping, sick_pay, supplementary
from payroll import bulk as payroll_bulk
from payroll.engine.family_pay import EarningsPaid
from payroll.models import (
    OpeningBalance,
    PayInput,
    PayRun,
    PayRunException,
    PayRunPaymentRoute,
    Payslip,
    PayslipLine,
)
from payroll.periods import PayPeriod, PaySpell, PeriodError, basic_pay
from payroll.selectors import employees_paid_in, holidays_around
from payroll.selectors_statutory import earnings_paid
from payroll.services.common import (
    _locked_run,
    _refuse,
    _transition,
)
from shared_services.accounts.models import User

CHUNK_SIZE = 1000  # employees per task: a few MB of work, a fraction of a second
SICKNESS_LOOKBACK = datetime.timedelta(days=3 * 366)  # spells of sickness link back at most three years
# What the stall check reads and each calculation resets: how recently it moved, how often it was resumed.
PROGRESS_FIELDS = ("progress_at", "automatic_resumes", "automatically_resumed_at")


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
        _transition(run, "calculate")
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
            PayRunPaymentRoute.objects.filter(run=run, employee_id__in=gone).delete()
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
        _transition(run, "resume")
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
        _transition(run, "recalculate-failed")
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
class _Figures(NamedTuple):
    """A payslip's outcome and amounts. The engine's amounts stay the decimal strings it
    formatted: PostgreSQL reads them as numeric exactly."""

    status: str
    failure_reason: str
    gross_pay: Any
    taxable_pay: Any
    income_tax: Any
    employee_ni: Any
    employer_ni: Any
    pension_employee: Any
    pension_employer: Any
    student_loan: Any
    postgraduate_loan: Any
    net_pay: Any
    year_to_date: dict[str, str]
    working: dict[str, Any]

    @classmethod
    def nothing(cls, status: str, reason: str = "") -> _Figures:
        """A failed payslip, or a supplementary run's employee with nothing more to pay."""
        return cls(status, reason, *(("0.00",) * 10), {}, {})


class _PayslipRow(NamedTuple):
    """One payslip as the chunk writes it: who and on what terms, then its figures."""

    employee: int
    cost_centre: int | None
    tax_code: str
    week1_month1: bool
    ni_category: str
    status: str
    failure_reason: str
    gross_pay: Any
    taxable_pay: Any
    income_tax: Any
    employee_ni: Any
    employer_ni: Any
    pension_employee: Any
    pension_employer: Any
    student_loan: Any
    postgraduate_loan: Any
    net_pay: Any
    year_to_date: dict[str, str]
    working: dict[str, Any]


# The row's fields are the table's columns; its figures are _Figures', in the same order (a test
# holds the two together).
PAYSLIP_COLUMNS = _PayslipRow._fields


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
        return assembly.YearToDate.from_stored(previous.year_to_date)
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


class _ChunkFacts(NamedTuple):
    """Everything a chunk reads before it calculates, one query per kind, keyed by employee."""

    employees: dict[int, _Person]
    versions: dict[int, list[_Terms]]
    inputs: dict[int, list[_Input]]
    sickness: dict[int, list[SicknessPeriod]]
    previous: dict[int, _Previous]
    openings: dict[int, _Opening]
    paid: dict[int, supplementary.PaidInPeriod] | None
    absences: _Absences


class _Absences(NamedTuple):
    """The chunk's family leave, unpaid leave, earnings before family leave, and the schemes."""

    family_leaves: dict[int, list[FamilyLeave]]
    unpaid: dict[int, list[absence_pay.UnpaidLeave]]
    earnings: dict[int, list[EarningsPaid]]
    schemes: dict[str, EffectiveScheme]


def _chunk_facts(run: PayRun, ids: list[int]) -> _ChunkFacts:
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
    schemes = absence_pay_schemes()
    # Periods of sickness that could be part of a spell reaching into this period (spells link
    # back at most three years), or count towards the sick pay scheme's rolling period.
    rolling = datetime.timedelta(days=schemes[SICKNESS].rolling_period_days or 0)
    sickness: dict[int, list[SicknessPeriod]] = {}
    for sick in (SicknessPeriod.objects.filter(employee_id__in=ids, first_day__lte=run.period_end)
                 .filter(Q(last_day__isnull=True)
                         | Q(last_day__gte=run.period_start - max(SICKNESS_LOOKBACK, rolling)))
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
    return _ChunkFacts(employees, versions, inputs, sickness, previous, openings, paid,
                       _absences(run, ids, schemes))


def _absences(run: PayRun, ids: list[int], schemes: dict[str, EffectiveScheme]) -> _Absences:
    family_leaves: dict[int, list[FamilyLeave]] = {}
    # Leave that ended just before the period still pays the rest of a payment week begun in it.
    for leave in FamilyLeave.objects.filter(
            employee_id__in=ids, status=FamilyLeave.Status.CONFIRMED, start_date__lte=run.period_end,
            end_date__gte=run.period_start - absence_pay.PAYMENT_WEEK_TAIL).order_by("start_date", "pk"):
        family_leaves.setdefault(leave.employee_id, []).append(leave)
    unpaid: dict[int, list[absence_pay.UnpaidLeave]] = {}
    for row in (LeaveRequest.objects.filter(employee_id__in=ids, status=LeaveRequest.Status.APPROVED,
                                            leave_type__is_paid=False, start_date__lte=run.period_end,
                                            end_date__gte=run.period_start)
                .order_by("start_date", "pk").values_list("employee_id", "start_date", "end_date", "leave_type__kind",
                                                          "leave_type__name")):
        unpaid.setdefault(row[0], []).append(absence_pay.UnpaidLeave._make(row))
    earnings: dict[int, list[EarningsPaid]] = {}
    window = absence_pay.earnings_window([leave for leaves in family_leaves.values() for leave in leaves])
    if window is not None:
        earnings = earnings_paid(employee_ids=list(family_leaves), since=window[0], until=window[1])
    return _Absences(family_leaves, unpaid, earnings, schemes)


def _calculate_chunk(run: PayRun, calculation_number: int, ids: list[int]) -> int:
    run_id = run.pk
    period = PayPeriod(frequency=run.schedule.frequency, start=run.period_start, end=run.period_end,
                       pay_date=run.pay_date, tax_year=run.tax_year, tax_period=run.tax_period)
    holidays = holidays_around(run.pay_date)
    employees, versions, inputs, sickness, previous, openings, paid, absences = _chunk_facts(run, ids)
    now = timezone.now()
    slips: list[_PayslipRow] = []
    slip_lines: dict[int, tuple[assembly.Line, ...]] = {}
    exceptions: list[tuple[int, int, str, str]] = []
    calculated_count = 0
    for employee_id in ids:
        employee = employees[employee_id]
        own_versions = versions.get(employee_id, ())
        # Tax week 53 is paid on the week-1 basis whatever the code's basis (HMRC); the payslip says so,
        # and so does its FPS.
        week1_month1 = employee.tax_basis == Employee.TaxBasis.WEEK1_MONTH1 or run.tax_period > 52
        # HMRC: a payment for a period after the one the employee left in (after their P45) is on 0T
        # week 1/month 1.
        tax_code, week1_month1 = assembly.tax_code_for_payment(
            tax_code=employee.tax_code, week1_month1=week1_month1, leave_date=employee.leave_date,
            period_start=run.period_start)
        employee = employee._replace(tax_code=tax_code)
        earlier = previous.get(employee_id)
        calculated: assembly.Payslip | None = None
        absence_exceptions: list[tuple[str, str]] = []
        try:
            calculated, absence_exceptions = _payslip(
                run, period, holidays, employee, own_versions, inputs.get(employee_id, ()),
                _year_to_date(earlier, openings.get(employee_id)), week1_month1=week1_month1,
                sickness=sickness.get(employee_id, ()), absences=absences)
            if paid is not None:
                calculated = supplementary.correction(calculated, paid.get(employee_id, supplementary.PaidInPeriod()))
        except (assembly.PayslipError, PeriodError) as error:
            calculated = None
            reason = str(error)[:500]
            figures = _Figures.nothing(Payslip.Status.FAILED, reason)
            exceptions.append((run_id, employee_id, "calculation_failed", reason))
        else:
            if calculated is None:  # a supplementary run's employee already paid right
                figures = _Figures.nothing(Payslip.Status.UNCHANGED)
            else:
                figures = _fill(calculated)
                slip_lines[employee_id] = calculated.lines
            calculated_count += 1
        slips.append(_PayslipRow(employee_id, own_versions[-1].cost_centre_id if own_versions else None,
                                 employee.tax_code, week1_month1, employee.ni_category, *figures))
        facts = assembly.ReviewFacts(
            has_bank_details=bool(employee.bank_sort_code and employee.bank_account_number),
            left_before_period=employee.leave_date is not None and employee.leave_date < run.period_start,
            tax_code=employee.tax_code, week1_month1=week1_month1,
            previous_tax_code=earlier.tax_code if earlier else None,
            # A correction's net pay is a difference: comparing it with last period's says nothing.
            previous_net_pay=earlier.net_pay if earlier and paid is None else None)
        if paid is None or calculated is not None:
            exceptions += [(run_id, employee_id, code, reason)
                           for code, reason in [*assembly.review_exceptions(payslip=calculated, facts=facts),
                                                *absence_exceptions]]
    # What the FPS could not describe, shown before approval (RTI.md §4), in the same pass.
    exceptions += rti_mapping.run_exceptions(
        run=run, slips=[slip for slip in slips if slip.status == Payslip.Status.CALCULATED])
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
                again = [slip for slip in slips if slip.employee not in inserted]
                removed.update(payroll_bulk.payslips_delete(
                    run_id=run_id, employee_ids=[slip.employee for slip in again],
                    calculation_number=calculation_number))
                written += bulk_insert(Payslip, PAYSLIP_COLUMNS, again, constants=constants,
                                       returning=("id", "employee"))
            payroll_bulk.exceptions_delete(run_id=run_id, employee_ids=ids)
            # A payment route was decided for the figures just replaced (acknowledgements go with the
            # exceptions): the new figures are reviewed afresh.
            if calculation_number > 1:
                PayRunPaymentRoute.objects.filter(run_id=run_id, employee_id__in=ids).delete()
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
             week1_month1: bool, sickness: Sequence[SicknessPeriod] = (),
             absences: _Absences | None = None) -> tuple[assembly.Payslip, list[tuple[str, str]]]:
    """The employee's payslip, and what their absences give a payroll officer to look at."""
    if not versions:
        raise assembly.PayslipError("employment: no employment version covers this period")
    spells = _spells(period, employee, versions)
    basic = basic_pay(period, spells, method=run.schedule.proration, holidays=holidays)
    basic_element = assembly.Element("BASIC", "Basic pay", assembly.TAXABLE_PAYMENT, basic,
                                     pensionable=bool(employee.pension_scheme))
    family_leaves = absences.family_leaves.get(employee.pk, ()) if absences else ()
    unpaid = absences.unpaid.get(employee.pk, ()) if absences else ()
    if absences is not None and (sickness or family_leaves or unpaid):
        changed = absence_pay.absence_pay(
            period=period, spells=spells, method=run.schedule.proration, holidays=holidays, basic=basic_element,
            employment_start=employee.start_date, leave_date=employee.leave_date, frequency=run.schedule.frequency,
            schemes=absences.schemes,
            average_weekly_earnings=sick_pay.weekly_earnings(versions[-1].annual_salary, versions[-1].fte),
            sickness=sickness, family_leaves=family_leaves, unpaid=unpaid,
            earnings=absences.earnings.get(employee.pk, ()))
        elements, absence_exceptions = list(changed.elements), changed.exceptions
    else:
        elements, absence_exceptions = [basic_element], []
    elements += [assembly.Element(item.code, item.description, item.kind, item.amount, pensionable=item.pensionable)
                 for item in inputs]
    return assembly.payslip_for(
        employee_ref=employee.payroll_number, tax_year=run.tax_year, frequency=run.schedule.frequency,
        period=run.tax_period, elements=elements, ytd=ytd,
        profile=assembly.PayrollProfile(tax_code=employee.tax_code, week1_month1=week1_month1,
                                        ni_category=employee.ni_category, student_loans=tuple(employee.student_loans),
                                        pension_scheme=employee.pension_scheme or None)), absence_exceptions


def _fill(calculated: assembly.Payslip) -> _Figures:
    """A calculated payslip's figures."""
    result = calculated.result
    ytd = calculated.ytd_after
    # The engine's own result is kept with its working: the payslip's explanation is written from both.
    working = {**calculated.working, "result": {key: value for key, value in result.items() if key != "working"}}
    return _Figures(
        status=Payslip.Status.CALCULATED, failure_reason="", gross_pay=calculated.gross_pay,
        taxable_pay=calculated.taxable_pay, income_tax=result["income_tax"], employee_ni=result["employee_ni"],
        employer_ni=result["employer_ni"], pension_employee=result["pension_employee"],
        pension_employer=calculated.amount("ER_PENSION"), student_loan=result["student_loan"],
        postgraduate_loan=result["postgraduate_loan"], net_pay=calculated.net_pay,
        year_to_date=_stored_year_to_date(ytd), working=working)


def _stored_year_to_date(ytd: assembly.YearToDate) -> dict[str, str]:
    """The year to date as a payslip stores it. A statutory payment's figure is stored once one has
    been paid in the year (absent reads as nothing), so the payslips of everyone else stay as they were."""
    statutory = set(assembly.STATUTORY_YEAR_TO_DATE.values())
    return {name: str(value) for name, value in vars(ytd).items() if value or name not in statutory}


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
