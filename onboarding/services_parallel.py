"""Parallel runs against the legacy payroll: every write, each audited.

A parallel run takes what the legacy payroll paid in one period (its results file), calculates the
same period on the platform as a shadow pay run (never approved, finalised or paid), and compares
the two employee by employee and figure by figure. Differences are explained with a note, or fixed
by correcting the record and calculating the shadow run again; two people then sign that the
department can cut over.

A results file with any problem is refused as a whole, synchronously, with every reason in the
``ValidationError`` and nothing written, so the page, the API and the command all show the same
list. The calculation runs on the workers (or in-process for the command); the comparison follows
it (``parallel_run_compare``), reading both sides as rows and writing differences in bulk.
"""

from __future__ import annotations

import datetime
import logging
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models.functions import Collate
from django.utils import timezone

from departments.bulk import bulk_insert
from departments.models import Department
from departments.roles import Role
from departments.selectors import department_access_for_user
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from onboarding.comparison import COMPARED_FIGURES, Side, compare_employee
from onboarding.legacy_results import LegacyResultRow, ResultProblem, read_legacy_results
from onboarding.models import CutoverSignOff, ImportMapping, LegacyResult, ParallelRun, ParallelRunDifference
from onboarding.reading import FileProblem, sniff_format
from payroll import selectors as payroll_selectors
from payroll import selectors_parallel as shadow_selectors
from payroll import services as payroll_services
from payroll.periods import PeriodError
from payroll.selectors_parallel import Schedule, ShadowPayslip
from shared_services.accounts.models import User

__all__ = ["MAX_TOLERANCE", "SIGN_OFF_ROLES", "ParallelRunStart", "cutover_sign_off", "cutover_sign_off_withdraw",
           "parallel_run_calculate", "parallel_run_calculation_abandoned", "parallel_run_compare",
           "parallel_run_differences_explain", "parallel_run_in_process", "parallel_run_rerun", "parallel_run_start",
           "period_from_text", "problems_as_lines"]

logger = logging.getLogger(__name__)

MAX_TOLERANCE = Decimal("100.00")
BATCH_SIZE = 5000
# Who may sign as which lead: the department's own people (members, not the centre's operators).
SIGN_OFF_ROLES: dict[str, frozenset[str]] = {
    CutoverSignOff.Role.HR_PAYROLL_LEAD: frozenset({Role.HR_ADMIN, Role.PAYROLL_APPROVER}),
    CutoverSignOff.Role.FINANCE_LEAD: frozenset({Role.FINANCE_OFFICER}),
}
SIGN_OFF_WHO: dict[str, str] = {CutoverSignOff.Role.HR_PAYROLL_LEAD: "HR admin or payroll approver",
                CutoverSignOff.Role.FINANCE_LEAD: "finance officer"}
Resolution = ParallelRunDifference.Resolution
Classification = ParallelRunDifference.Classification
DIFFERENCE_COLUMNS = ("parallel_run", "payroll_number", "employee", "figure", "legacy_amount", "platform_amount",
                      "classification", "inputs", "resolution", "note", "resolved_by", "resolved_at")
PERIOD_YEARS = (1900, 2200)
YTD_PREFIX = "ytd_"
MAX_REASONS = 1000  # a file with more problems lists the first thousand and says how many more


def period_from_text(text: str) -> datetime.date:
    """The first day of a period given as YYYY-MM (the command's and the API's ``period``)."""
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
    if match is None or not 1 <= int(match[2]) <= 12:
        raise ValidationError({"period": "Give the period as year and month, like 2026-11."})
    # Year 0 is no date at all, and a far year has no pay period: both refused here, not met later.
    if not PERIOD_YEARS[0] <= int(match[1]) <= PERIOD_YEARS[1]:
        raise ValidationError({"period": f"The period {match[1]}-{int(match[2]):02d} is not one a payroll can run: "
                                         f"give a year from {PERIOD_YEARS[0]} to {PERIOD_YEARS[1]}, like 2026-11."})
    return datetime.date(int(match[1]), int(match[2]), 1)


# --- Starting ------------------------------------------------------------------------------------


def _tolerance(value: Decimal | str | int) -> Decimal:
    try:
        tolerance = Decimal(str(value).strip() or "0")
    except InvalidOperation:
        raise ValidationError({"tolerance": "Enter the tolerance in pounds and pence, like 0.00 or 0.05."}) from None
    if not tolerance.is_finite() or tolerance < 0 or tolerance > MAX_TOLERANCE \
            or tolerance != tolerance.quantize(Decimal("0.01")):
        raise ValidationError({"tolerance": f"Enter a tolerance from 0.00 to {MAX_TOLERANCE} in pounds and pence."})
    return tolerance.quantize(Decimal("0.01"))


def _schedule(schedule: Schedule | None) -> Schedule:
    if schedule is not None:
        return schedule
    schedules = shadow_selectors.pay_schedules_for_parallel_runs()
    if not schedules:
        raise ValidationError({"schedule": "The department has no pay schedule yet. Set one up in payroll first."})
    if len(schedules) > 1 and not schedules[0].pays_everyone_else:
        raise ValidationError({"schedule": "The department has several pay schedules; choose the one compared."})
    return schedules[0]


def _reason(problem: ResultProblem) -> str:
    where = "The file" if problem.row_number == 0 else f"Row {problem.row_number}"
    column = f", {problem.column}" if problem.column else ""
    value = f" (“{problem.value}”)" if problem.value and problem.value != problem.column else ""
    return f"{where}{column}{value}: {problem.reason}"


def _refuse_file(problems: list[ResultProblem]) -> None:
    reasons = [_reason(problem) for problem in problems[:MAX_REASONS]]
    if len(problems) > MAX_REASONS:
        reasons.append(f"…and {len(problems) - MAX_REASONS:,} more problems. Fix these first.")
    raise ValidationError({"file": reasons})


def _stored_figures(row: LegacyResultRow) -> dict[str, str]:
    # The year to date after the period sits beside the figures under its own keys ("ytd_tax"), so
    # it is never mistaken for a figure of the period.
    return {**{name: str(amount) for name, amount in row.figures.items()},
            **{YTD_PREFIX + name: str(amount) for name, amount in row.year_to_date.items()}}


def _stored_tax_code(row: LegacyResultRow, schedule: Schedule) -> str:
    # The results file's basis is kept with the code, as a payslip shows it ("1257L M1").
    if not row.week1_month1:
        return row.tax_code
    return f"{row.tax_code} {'W1' if shadow_selectors.paid_weekly(schedule) else 'M1'}"


@transaction.atomic
def parallel_run_start(*, department: Department, period: datetime.date, upload: IO[bytes], original_name: str,
                       acting_user: User | None, mapping: ImportMapping | None = None,
                       tolerance: Decimal | str = Decimal("0"), schedule: Schedule | None = None) -> ParallelRun:
    """Check a legacy results file for the pay period containing ``period`` and, if every row is
    good and names the department's employees, store its rows and a shadow pay run of the period.

    Refused with every reason (``ValidationError``) and nothing written when a row is bad (not
    money, a duplicate payroll number, another period), a required column is missing, or no
    payroll number is the department's. The caller starts the calculation
    (``onboarding.tasks.start_parallel_run``, or ``parallel_run_calculate`` in-process).
    """
    tolerance = _tolerance(tolerance)
    upload.seek(0, 2)
    size = upload.tell()
    upload.seek(0)
    if size == 0:
        raise ValidationError({"file": "The file is empty. Choose the legacy payroll's results file."})
    if size > settings.ONBOARDING_MAX_UPLOAD_BYTES:
        raise ValidationError({"file": f"The file is {size / 1048576:.1f} MB; the largest accepted is "
                                       f"{settings.ONBOARDING_MAX_UPLOAD_BYTES / 1048576:.0f} MB."})
    try:
        file_format = sniff_format(upload.read(4096))
    except FileProblem as problem:
        raise ValidationError({"file": problem.message}) from None
    upload.seek(0)
    if mapping is not None and mapping.department_id != department.id:  # type: ignore[attr-defined]
        raise ValidationError({"mapping": "Choose one of the department's own column mappings."})
    with department_context(department.id):
        schedule = _schedule(schedule)
        try:
            pay_period = payroll_selectors.period_of(schedule, period)
        except PeriodError as error:
            raise ValidationError({"period": str(error).partition(": ")[2] or str(error)}) from None
        run = ParallelRun(department=department, token=secrets.token_hex(16), schedule=schedule,
                          period_start=pay_period.start, original_name=Path(original_name).name[:255] or "results",
                          file_format=file_format, mapping=mapping,
                          mapping_columns=dict(mapping.columns) if mapping else {}, tolerance=tolerance,
                          created_by=acting_user)
        run.upload.save("legacy-results", File(upload), save=False)
        try:
            read = read_legacy_results(Path(run.upload.path), file_format=file_format,
                                       mapping_columns=run.mapping_columns, period_start=pay_period.start,
                                       period_end=pay_period.end)
            if read.problems:
                _refuse_file(read.problems)
            numbers = [row.payroll_number for row in read.rows]
            employees = shadow_selectors.employee_ids_by_payroll_number(payroll_numbers=numbers)
            if not employees:
                raise ValidationError({"file": (
                    f"None of the file's {len(numbers):,} payroll numbers is an employee of {department.name}. "
                    "Check that this is the department's results file, and that its staff records are imported.")})
            shadow = payroll_services.pay_run_create(schedule=schedule, period_containing=pay_period.start,
                                                     acting_user=acting_user, kind=shadow_selectors.SHADOW_KIND)
        except BaseException:
            run.upload.delete(save=False)
            raise
        # The shadow run pays nobody and locks nothing: opening it only fixes who it calculates.
        shadow = payroll_services.pay_run_open(run=shadow, acting_user=acting_user)  # type: ignore[arg-type]
        run.shadow_run = shadow
        run.totals = {"compared_figures": list(read.figures), "year_to_date": list(read.year_to_date),
                      "notes": list(read.notes)}
        run.save()
        for start in range(0, len(read.rows), BATCH_SIZE):
            bulk_insert(LegacyResult, ("parallel_run", "row_number", "payroll_number", "employee", "figures",
                                       "tax_code", "ni_category"),
                        [(run.pk, row.row_number, row.payroll_number, employees.get(row.payroll_number),
                          _stored_figures(row),
                          _stored_tax_code(row, schedule), row.ni_category)
                         for row in read.rows[start:start + BATCH_SIZE]], returning=())
        audit_record(department=department, action="parallel_run.start", acting_user=acting_user, target=run,
                     changes=audit_changes({}, {"file": run.original_name, "period": pay_period.start.isoformat(),
                                                "rows": len(read.rows), "tolerance": str(tolerance),
                                                "mapping": mapping.name if mapping else "",
                                                "shadow_run": shadow.pk}))
        return run


@dataclass(frozen=True)
class ParallelRunStart:
    """A parallel run whose shadow run is calculating, and the chunks the workers calculate."""

    parallel_run: ParallelRun
    calculation: payroll_services.CalculationStart


@transaction.atomic
def parallel_run_calculate(*, parallel_run: ParallelRun, acting_user: User | None) -> ParallelRunStart:
    """Start (or start again) the shadow run's calculation; the comparison follows it. The caller
    queues the chunks (``payroll.tasks.enqueue``) or runs them in-process."""
    department = parallel_run.department
    with department_context(department.id):
        run = ParallelRun.objects.select_for_update().get(pk=parallel_run.pk)
        # A run left calculating or comparing whose shadow run is no longer calculating was
        # stopped (a worker lost, a comparison abandoned): it may start again. The lock waits
        # for a comparison in progress to finish.
        still_calculating = run.shadow_run is not None and run.shadow_run.status == shadow_selectors.CALCULATING
        if run.status in (ParallelRun.Status.CALCULATING, ParallelRun.Status.COMPARING) and still_calculating:
            raise ValidationError({"status": "The shadow run is being calculated and compared already. Wait for it "
                                             "to finish."})
        if run.status == ParallelRun.Status.REJECTED or run.shadow_run is None:
            raise ValidationError({"status": "This parallel run's results file was refused; start a new one."})
        if run.sign_offs.filter(withdrawn_at=None).exists():
            raise ValidationError({"status": "The parallel run has been signed off; withdraw the sign-offs before "
                                             "calculating it again."})
        calculation = payroll_services.pay_run_calculate(run=run.shadow_run, acting_user=acting_user)  # type: ignore[arg-type]
        was = run.status
        run.status, run.started_at, run.finished_at = ParallelRun.Status.CALCULATING, timezone.now(), None
        run.save(update_fields=["status", "started_at", "finished_at"])
        audit_record(department=department, action="parallel_run.calculate", acting_user=acting_user, target=run,
                     changes=audit_changes({"status": was}, {"status": run.status,
                                                             "calculation": calculation.calculation_number}))
        return ParallelRunStart(parallel_run=run, calculation=calculation)


def parallel_run_rerun(*, parallel_run: ParallelRun, acting_user: User | None) -> ParallelRunStart:
    """Calculate the shadow run again after records were corrected, and compare again: a
    difference still there, of the same class and amounts, keeps its explanation; one that has
    changed is open again; one that has gone is marked fixed. A failed run, or one stopped while
    calculating or comparing, may be calculated again too."""
    if parallel_run.status not in (ParallelRun.Status.COMPARED, ParallelRun.Status.FAILED,
                                   ParallelRun.Status.CALCULATING, ParallelRun.Status.COMPARING):
        raise ValidationError({"status": "Only a finished parallel run can be calculated again."})
    return parallel_run_calculate(parallel_run=parallel_run, acting_user=acting_user)


# --- Comparing -----------------------------------------------------------------------------------


def _set_status(department: Department, run_id: int, status: str, **fields: Any) -> ParallelRun:
    with department_context(department.id):
        run = ParallelRun.objects.select_for_update().get(pk=run_id)
        run.status = status
        for name, value in fields.items():
            setattr(run, name, value)
        run.save(update_fields=["status", *fields])
        return run


def parallel_run_compare(*, department: Department, parallel_run_id: int,
                         acting_user: User | None = None) -> ParallelRun:
    """Compare the legacy results with the calculated shadow run, if it is calculated (idempotent:
    a run still calculating, or already compared, is returned as it is; the caller polls).

    Runs outside a transaction, so the page sees "Comparing" while it works; the comparison
    itself is one transaction. ``acting_user`` is who asked for the calculation, recorded on
    differences found fixed.
    """
    with department_context(department.id):
        run = ParallelRun.objects.select_related("shadow_run").get(pk=parallel_run_id)
        shadow = run.shadow_run
        if run.status != ParallelRun.Status.CALCULATING or shadow is None:
            return run
        if shadow.status == shadow_selectors.CALCULATING:
            return run
        if shadow.status != shadow_selectors.CALCULATED:
            return _fail(department, run.pk, acting_user, f"The shadow run is {shadow.get_status_display().lower()}, "
                         "so there is nothing to compare. Start a new parallel run.")
    _set_status(department, run.pk, ParallelRun.Status.COMPARING)
    try:
        with department_context(department.id):
            run = (ParallelRun.objects.select_for_update(of=("self",)).select_related("shadow_run")
                   .get(pk=parallel_run_id))
            if run.status != ParallelRun.Status.COMPARING:
                return run
            _compare(department, run, acting_user)
            return run
    except Exception as error:
        # The comparison's transaction is rolled back; the run must not stay "Comparing" for ever.
        logger.exception("Parallel run %s: the comparison failed", parallel_run_id)
        return _fail(department, parallel_run_id, acting_user, (
            f"The comparison stopped with an error ({type(error).__name__}: {str(error)[:200]}). Nothing was "
            "compared; calculate the shadow run again, and report the error if it happens again."))


def parallel_run_calculation_abandoned(*, department: Department, parallel_run_id: int, waited: datetime.timedelta,
                                       acting_user: User | None = None) -> ParallelRun:
    """Stop waiting for a shadow run that has not finished calculating in ``waited``: the run
    fails with the reason (and may be calculated again). A run that has moved on is left as it is."""
    with department_context(department.id):
        run = ParallelRun.objects.select_for_update().get(pk=parallel_run_id)
        if run.status != ParallelRun.Status.CALCULATING:
            return run
    minutes = max(1, round(waited.total_seconds() / 60))
    return _fail(department, parallel_run_id, acting_user, (
        f"The shadow run had not finished calculating after {minutes} minutes, so nothing was compared. Calculate it "
        "again once payroll's calculation has finished or been resumed."))


def _fail(department: Department, run_id: int, acting_user: User | None, reason: str) -> ParallelRun:
    with department_context(department.id):
        run = ParallelRun.objects.select_for_update().get(pk=run_id)
        was = run.status
        run.status, run.finished_at, run.file_problem = ParallelRun.Status.FAILED, timezone.now(), reason
        run.save(update_fields=["status", "finished_at", "file_problem"])
        audit_record(department=department, action="parallel_run.fail", acting_user=acting_user, target=run,
                     changes=audit_changes({"status": was}, {"status": run.status, "reason": reason}))
        return run


@dataclass
class _Tally:
    compared: int = 0
    matched: int = 0
    only_legacy: int = 0
    only_platform: int = 0


_LegacyRow = tuple[str, "int | None", dict[str, str], str, str]


def _legacy_rows(run: ParallelRun) -> Iterator[_LegacyRow]:
    """The stored legacy results in bytewise order of payroll number, as the shadow payslips come."""
    return (LegacyResult.objects.filter(parallel_run=run).order_by(Collate("payroll_number", "C"))
            .values_list("payroll_number", "employee_id", "figures", "tax_code", "ni_category")
            .iterator(chunk_size=BATCH_SIZE))


def _money_text(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def _side_by_side(legacy: Iterator[_LegacyRow], platform: Iterator[ShadowPayslip]) -> Iterator[
        tuple[_LegacyRow | None, ShadowPayslip | None]]:
    """Both sides walked together by payroll number (each sorted): pairs, and either side alone.
    Memory stays flat however many employees the department has."""
    left, right = next(legacy, None), next(platform, None)
    while left is not None or right is not None:
        if right is None or (left is not None and left[0] < right.payroll_number):
            yield left, None
            left = next(legacy, None)
        elif left is None or right.payroll_number < left[0]:
            yield None, right
            right = next(platform, None)
        else:
            yield left, right
            left, right = next(legacy, None), next(platform, None)


def _platform_inputs(slip: ShadowPayslip) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        "tax_code": slip.tax_code + (" (week 1/month 1)" if slip.week1_month1 else ""),
        "ni_letter": slip.ni_category, "gross_pay": _money_text(slip.figures["gross_pay"])}
    if slip.year_to_date is not None:
        inputs["year_to_date"] = {name: _money_text(amount) for name, amount in slip.year_to_date.items()}
    if slip.failure_reason:
        inputs["failure_reason"] = slip.failure_reason
    return inputs


def _differs(legacy: Mapping[str, Decimal], platform: Mapping[str, Decimal], figures: tuple[str, ...],
             tolerance: Decimal) -> bool:
    # The quick test most employees pass: the full classification runs only for those that differ.
    for name in figures:
        amount = legacy.get(name)
        if amount is not None and abs(platform[name] - amount) > tolerance:
            return True
    return False


def _split_legacy(stored: Mapping[str, str]) -> tuple[dict[str, Decimal], dict[str, Decimal] | None]:
    """A stored legacy row's figures of the period, and its year to date after it (None: not given)."""
    figures: dict[str, Decimal] = {}
    year_to_date: dict[str, Decimal] = {}
    for name, amount in stored.items():
        if name.startswith(YTD_PREFIX):
            year_to_date[name.removeprefix(YTD_PREFIX)] = Decimal(amount)
        else:
            figures[name] = Decimal(amount)
    return figures, year_to_date or None


def _legacy_inputs(tax_code: str, ni_category: str, figures: Mapping[str, Any],
                   year_to_date: Mapping[str, Decimal] | None = None) -> dict[str, Any]:
    gross = figures.get("gross_pay")
    inputs: dict[str, Any] = {"tax_code": tax_code, "ni_letter": ni_category,
                              "gross_pay": None if gross is None else str(gross)}
    if year_to_date is not None:
        inputs["year_to_date"] = {name: _money_text(amount) for name, amount in year_to_date.items()}
    return inputs


def _failed_payslip(left: _LegacyRow, figures: Mapping[str, Decimal], year_to_date: Mapping[str, Decimal] | None,
                    slip: ShadowPayslip) -> dict[str, Any]:
    # A payslip the platform could not calculate has no figures to set against the legacy's (its
    # zeros would show as every figure differing): one difference says so, with the reason.
    return {"payroll_number": slip.payroll_number, "employee": slip.employee_id, "figure": "",
            "legacy_amount": figures.get("net_pay"), "platform_amount": None, "classification": Classification.PAY,
            "inputs": {"legacy": _legacy_inputs(left[3], left[4], figures, year_to_date),
                       "platform": _platform_inputs(slip)}}


def _compare(department: Department, run: ParallelRun, acting_user: User | None) -> None:
    shadow = run.shadow_run
    assert shadow is not None
    tolerance = Decimal(run.tolerance)
    compared_figures = tuple(run.totals.get("compared_figures") or COMPARED_FIGURES)
    # The platform's year to date after the period is read with the payslips, only when the file gave one.
    with_year_to_date = bool(run.totals.get("year_to_date"))
    zero = Decimal("0.00")
    legacy_totals = dict.fromkeys(compared_figures, zero)
    platform_totals = dict.fromkeys(compared_figures, zero)
    found: list[dict[str, Any]] = []
    tally = _Tally()
    differing: set[str] = set()
    payslips = shadow_selectors.shadow_run_payslips(run=shadow, with_year_to_date=with_year_to_date)
    for left, slip in _side_by_side(_legacy_rows(run), payslips):
        figures: dict[str, Decimal] = {}
        year_to_date: dict[str, Decimal] | None = None
        if left is not None:
            figures, year_to_date = _split_legacy(left[2])
            for name in compared_figures:
                legacy_totals[name] += figures.get(name, zero)
        failed = slip is not None and slip.status == shadow_selectors.PAYSLIP_FAILED
        if slip is not None and not failed:
            for name in compared_figures:
                platform_totals[name] += slip.figures[name]
        if slip is None:
            assert left is not None
            number, employee_id, _, tax_code, ni_category = left
            tally.only_legacy += 1
            found.append({"payroll_number": number, "employee": employee_id, "figure": "",
                          "legacy_amount": figures.get("net_pay"), "platform_amount": None,
                          "classification": Classification.ONLY_LEGACY,
                          "inputs": {"legacy": _legacy_inputs(tax_code, ni_category, figures, year_to_date),
                                     "platform": {"known": employee_id is not None}}})
            continue
        if left is None:
            tally.only_platform += 1
            found.append({"payroll_number": slip.payroll_number, "employee": slip.employee_id, "figure": "",
                          "legacy_amount": None, "platform_amount": None if failed else slip.figures["net_pay"],
                          "classification": Classification.ONLY_PLATFORM,
                          "inputs": {"legacy": None, "platform": _platform_inputs(slip)}})
            continue
        _, _, _, tax_code, ni_category = left
        tally.compared += 1
        if failed:
            differing.add(slip.payroll_number)
            found.append(_failed_payslip(left, figures, year_to_date, slip))
            continue
        ytd_given = year_to_date is not None and slip.year_to_date is not None
        if not _differs(figures, slip.figures, compared_figures, tolerance) and not (
                ytd_given and _differs(year_to_date or {}, slip.year_to_date or {}, tuple(year_to_date or ()),
                                       tolerance)):
            tally.matched += 1
            continue
        # The year to date is judged only when the legacy results give it (comparison.py).
        differences = compare_employee(
            legacy=Side(figures=figures, tax_code=tax_code, ni_category=ni_category, year_to_date=year_to_date),
            platform=Side(figures={name: slip.figures[name] for name in compared_figures}, tax_code=slip.tax_code,
                          ni_category=slip.ni_category, non_cumulative=slip.week1_month1,
                          year_to_date=slip.year_to_date),
            tolerance=tolerance)
        if not differences:
            tally.matched += 1
            continue
        differing.add(slip.payroll_number)
        inputs = {"legacy": _legacy_inputs(tax_code, ni_category, figures, year_to_date),
                  "platform": _platform_inputs(slip)}
        found.extend({"payroll_number": slip.payroll_number, "employee": slip.employee_id, "figure": difference.figure,
                      "legacy_amount": difference.legacy, "platform_amount": difference.platform,
                      "classification": difference.classification, "inputs": inputs}
                     for difference in differences)
    # The platform's year to date before the period, beside each difference, read for those employees only.
    before = shadow_selectors.year_to_date_before(
        run=shadow, employee_ids=sorted({row["employee"] for row in found
                                         if row["classification"] != Classification.ONLY_LEGACY}))
    for row in found:
        platform = row["inputs"].get("platform")
        if platform is not None and row["employee"] in before:
            platform["year_to_date_before"] = {name: _money_text(amount)
                                               for name, amount in before[row["employee"]].items()}
    current = _store_differences(run, found, acting_user, calculation=shadow.calculation_number)
    run.employees_compared, run.employees_differing = tally.compared, len(differing)
    run.employees_matched = tally.matched
    run.only_in_legacy, run.only_on_platform = tally.only_legacy, tally.only_platform
    run.totals = {**run.totals, "calculation": shadow.calculation_number,
                  "figures": {name: {"legacy": f"{legacy_totals[name]:.2f}", "platform": f"{platform_totals[name]:.2f}",
                                     "difference": f"{platform_totals[name] - legacy_totals[name]:.2f}"}
                              for name in compared_figures}}
    run.classes = dict(sorted(Counter(current).items()))
    run.status, run.finished_at = ParallelRun.Status.COMPARED, timezone.now()
    run.save(update_fields=["employees_compared", "employees_matched", "employees_differing", "only_in_legacy",
                            "only_on_platform", "totals", "classes", "status", "finished_at"])
    audit_record(department=department, action="parallel_run.compare", acting_user=acting_user, target=run,
                 changes=audit_changes({}, {"compared": tally.compared, "matched": tally.matched,
                                            "differing": len(differing), "only_in_legacy": tally.only_legacy,
                                            "only_on_platform": tally.only_platform,
                                            "calculation": shadow.calculation_number}))


def _store_differences(run: ParallelRun, found: list[dict[str, Any]], acting_user: User | None, *,
                       calculation: int) -> list[str]:
    """Replace the run's differences with ``found``, carrying resolutions over: a difference still
    there with the same class and amounts keeps its explanation; one gone since the last
    comparison is kept, marked fixed.
    Returns the classes of the differences now found."""
    earlier = {(row[0], row[1]): row for row in ParallelRunDifference.objects.filter(parallel_run=run).values_list(
        "payroll_number", "figure", "employee_id", "legacy_amount", "platform_amount", "classification", "inputs",
        "resolution", "note", "resolved_by_id", "resolved_at")}
    now = timezone.now()
    rows: list[tuple[Any, ...]] = []
    for difference in found:
        key = (difference["payroll_number"], difference["figure"])
        before = earlier.pop(key, None)
        resolution, note, resolved_by, resolved_at = Resolution.OPEN, "", None, None
        # An explanation was given for those amounts on that ground: if either has changed, the
        # difference is open again for someone to look at.
        if before is not None and before[7] == Resolution.EXPLAINED and (before[3], before[4], before[5]) == (
                difference["legacy_amount"], difference["platform_amount"], difference["classification"]):
            resolution, note, resolved_by, resolved_at = before[7:11]
        rows.append((run.pk, difference["payroll_number"], difference["employee"], difference["figure"],
                     difference["legacy_amount"], difference["platform_amount"], difference["classification"],
                     difference["inputs"], resolution, note, resolved_by, resolved_at))
    for (number, figure), before in earlier.items():
        _, _, employee_id, legacy_amount, platform_amount, classification, inputs, resolution, note, by, at = before
        if resolution != Resolution.FIXED:
            resolution, at = Resolution.FIXED, now
            by = acting_user.pk if acting_user is not None and acting_user.pk else None
            note = (note + " " if note else "") + f"Matched when the shadow run was calculated again ({calculation})."
        rows.append((run.pk, number, employee_id, figure, legacy_amount, platform_amount, classification, inputs,
                     resolution, note[:500], by, at))
    ParallelRunDifference.objects.filter(parallel_run=run).delete()
    for start in range(0, len(rows), BATCH_SIZE):
        bulk_insert(ParallelRunDifference, DIFFERENCE_COLUMNS, rows[start:start + BATCH_SIZE], returning=())
    return [difference["classification"] for difference in found]


# --- Explanations ----------------------------------------------------------------------------------


@transaction.atomic
def parallel_run_differences_explain(*, parallel_run: ParallelRun, difference_ids: Iterable[int], note: str,
                                     acting_user: User | None) -> int:
    """Mark differences explained, with the note that explains them (one note for all of them).
    Differences marked fixed by a recalculation stay fixed. Returns how many were explained."""
    note = (note or "").strip()
    ids = sorted({int(pk) for pk in difference_ids})
    errors = {}
    if not note:
        errors["note"] = "Say why the figures differ, for whoever signs the cut-over off."
    elif len(note) > 500:
        errors["note"] = "The note must be 500 characters or fewer."
    if not ids:
        errors["differences"] = "Choose at least one difference to explain."
    if errors:
        raise ValidationError(errors)
    department = parallel_run.department
    with department_context(department.id):
        run = ParallelRun.objects.select_for_update().get(pk=parallel_run.pk)
        if run.status != ParallelRun.Status.COMPARED:
            raise ValidationError({"status": "Differences can be explained once the comparison has finished."})
        if run.sign_offs.filter(withdrawn_at=None).exists():
            raise ValidationError({"status": "The parallel run has been signed off; withdraw the sign-offs first."})
        chosen = ParallelRunDifference.objects.filter(parallel_run=run, pk__in=ids)
        if chosen.count() != len(ids):
            raise ValidationError({"differences": "Some of the chosen differences are not this parallel run's."})
        explained = chosen.exclude(resolution=Resolution.FIXED).update(
            resolution=Resolution.EXPLAINED, note=note, resolved_by=acting_user, resolved_at=timezone.now())
        audit_record(department=department, action="parallel_run.explain", acting_user=acting_user, target=run,
                     changes=audit_changes({}, {"differences": ids[:100], "count": explained, "note": note}))
        return explained


# --- Sign-off --------------------------------------------------------------------------------------


def _accepted(run: ParallelRun) -> dict[str, Any]:
    resolutions = Counter(ParallelRunDifference.objects.filter(parallel_run=run).values_list("resolution", flat=True))
    everyone = run.employees_compared + run.only_in_legacy + run.only_on_platform
    return {"period_start": run.period_start.isoformat(), "shadow_run": run.shadow_run_id,  # type: ignore[attr-defined]
            "calculation": run.totals.get("calculation"), "employees_compared": run.employees_compared,
            "employees_matched": run.employees_matched, "employees_differing": run.employees_differing,
            "only_in_legacy": run.only_in_legacy, "only_on_platform": run.only_on_platform,
            "matched_share": f"{(Decimal(run.employees_matched) * 100 / everyone) if everyone else Decimal(0):.2f}",
            "explained": resolutions.get(Resolution.EXPLAINED, 0), "fixed": resolutions.get(Resolution.FIXED, 0),
            "tolerance": f"{Decimal(run.tolerance):.2f}", "classes": dict(run.classes)}


@transaction.atomic
def cutover_sign_off(*, parallel_run: ParallelRun, role: str, acting_user: User, note: str = "") -> CutoverSignOff:
    """Sign a compared parallel run off as the HR or payroll lead (an HR admin or a payroll
    approver) or as the finance lead (a finance officer) of the department.

    Refused while any difference is open, to a person without the role's access through a
    membership, and to the person who signed as the other lead: cut-over needs two people. What
    was accepted (counts, matched share, explanations, tolerance) is recorded with the signature.
    """
    errors: dict[str, str] = {}
    if role not in SIGN_OFF_ROLES:
        raise ValidationError({"role": "Choose whether you sign as the HR or payroll lead or as the finance lead."})
    if len(note or "") > 500:
        errors["note"] = "The note must be 500 characters or fewer."
    department = parallel_run.department
    access = department_access_for_user(user=acting_user, department_slug=department.slug)
    if access is None or access.via != "membership" or not access.roles & SIGN_OFF_ROLES[role]:
        label = CutoverSignOff.Role(role).label
        errors["role"] = (f"Only the department's {SIGN_OFF_WHO[role]} can sign off as the "
                          f"{label[0].lower()}{label[1:]}.")
    with department_context(department.id):
        run = ParallelRun.objects.select_for_update().get(pk=parallel_run.pk)
        if run.status != ParallelRun.Status.COMPARED:
            errors.setdefault("status", "A parallel run is signed off once its comparison has finished.")
        else:
            still_open = ParallelRunDifference.objects.filter(parallel_run=run, resolution=Resolution.OPEN).count()
            if still_open:
                errors.setdefault("status", f"{still_open:,} differences are still to explain or fix.")
        live = list(run.sign_offs.filter(withdrawn_at=None))
        if any(sign_off.role == role for sign_off in live):
            label = CutoverSignOff.Role(role).label
            errors.setdefault("role", f"The {label[0].lower()}{label[1:]} has signed already.")
        if any(sign_off.signed_by_id == acting_user.pk for sign_off in live):  # type: ignore[attr-defined]
            errors.setdefault("role", "You have signed as the other lead; a second person signs this part.")
        if errors:
            raise ValidationError(errors)
        sign_off = CutoverSignOff.objects.create(department=department, parallel_run=run, role=role,
                                                 signed_by=acting_user, signed_at=timezone.now(),
                                                 accepted=_accepted(run), note=(note or "").strip())
        audit_record(department=department, action="parallel_run.sign_off", acting_user=acting_user, target=run,
                     changes=audit_changes({}, {"role": role, "accepted": sign_off.accepted}))
        return sign_off


@transaction.atomic
def cutover_sign_off_withdraw(*, sign_off: CutoverSignOff, acting_user: User, reason: str) -> CutoverSignOff:
    """Withdraw a sign-off (the signer, or another holder of the same role), until the first live
    pay run after the compared period is finalised."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the sign-off is withdrawn."})
    department = sign_off.department
    access = department_access_for_user(user=acting_user, department_slug=department.slug)
    if access is None or access.via != "membership" or not access.roles & SIGN_OFF_ROLES[sign_off.role]:
        raise ValidationError({"role": "Only someone who could sign as this lead can withdraw the sign-off."})
    with department_context(department.id):
        sign_off = CutoverSignOff.objects.select_for_update().select_related("parallel_run").get(pk=sign_off.pk)
        if sign_off.withdrawn_at is not None:
            raise ValidationError({"sign_off": "This sign-off has been withdrawn already."})
        run = sign_off.parallel_run
        if shadow_selectors.live_run_finalised_after(schedule_id=run.schedule_id,  # type: ignore[attr-defined]
                                                     period_start=run.period_start):
            raise ValidationError({"sign_off": "The department has gone live: its first live pay run is finalised."})
        sign_off.withdrawn_at = timezone.now()
        sign_off.save(update_fields=["withdrawn_at"])
        audit_record(department=department, action="parallel_run.sign_off_withdraw", acting_user=acting_user,
                     target=run, changes=audit_changes({"role": sign_off.role}, {}), reason=reason)
        return sign_off


def parallel_run_in_process(*, parallel_run: ParallelRun, acting_user: User | None) -> ParallelRun:
    """Calculate the shadow run in this process, chunk by chunk, then compare (the command's way,
    with no workers): the same chunks the workers would run, each its own transaction."""
    start = parallel_run_calculate(parallel_run=parallel_run, acting_user=acting_user)
    department = parallel_run.department
    calculation = start.calculation
    for chunk in calculation.chunks:
        with department_context(department.id):
            payroll_services.calculate_employees(run_id=calculation.run_id,
                                                 calculation_number=calculation.calculation_number,
                                                 employee_ids=chunk)
    return parallel_run_compare(department=department, parallel_run_id=parallel_run.pk, acting_user=acting_user)


def problems_as_lines(error: ValidationError) -> list[str]:
    """A service's refusal as plain lines (the command prints them)."""
    messages: Mapping[str, list[str]] = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    return [message for texts in messages.values() for message in texts]
