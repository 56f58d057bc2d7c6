"""What a shadow pay run paid each employee, with the inputs it used, for the parallel run's
comparison with the legacy payroll (read-only; onboarding reads payroll through here).

Read as rows in chunks, never as model instances: a department's shadow run has tens of
thousands of payslips, and the comparison must stay well inside a minute.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, F, Value
from django.db.models.expressions import Combinable
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Collate

from departments.bulk import AnyOf
from hr.models import Employee
from payroll.models import PayRun, PaySchedule, Payslip

__all__ = ["CALCULATED", "CALCULATING", "PAYSLIP_FAILED", "SHADOW_FIGURES", "SHADOW_KIND", "YEAR_TO_DATE_AFTER",
           "YEAR_TO_DATE_BEFORE", "LiveRuns", "Schedule",
           "ShadowPayslip", "employee_ids_by_payroll_number", "live_run_finalised_after", "live_runs", "paid_weekly",
           "pay_schedules_for_parallel_runs", "shadow_run_payslips", "year_to_date_before"]

# The payslip's figures, by the names the legacy results use for them.
SHADOW_FIGURES = ("gross_pay", "taxable_pay", "income_tax", "employee_ni", "employer_ni", "student_loan",
                  "postgraduate_loan", "pension_employee", "pension_employer", "net_pay")
# The year to date the calculation started from, by name, with the payslip's stored year-to-date key
# (figures including this period) and the period's own figure that is taken off it.
YEAR_TO_DATE_BEFORE = {"taxable_pay": ("taxable_pay", "taxable_pay"), "tax": ("tax", "income_tax"),
                       "employee_ni": ("employee_ni", "employee_ni"), "student_loan": ("student_loan", "student_loan"),
                       "postgraduate_loan": ("postgraduate_loan", "postgraduate_loan"),
                       "pension_employee": ("pension_employee", "pension_employee")}
# The year to date after the period a legacy results file can give, by the payslip's stored key.
YEAR_TO_DATE_AFTER = ("taxable_pay", "tax")
READ_CHUNK = 5000
# What onboarding needs of pay runs and schedules, without their models: the shadow kind, the
# states of a calculation it waits on, and the schedule type for its annotations.
SHADOW_KIND = PayRun.Kind.SHADOW
CALCULATING = PayRun.Status.CALCULATING
CALCULATED = PayRun.Status.CALCULATED
Schedule = PaySchedule


# A payslip the calculation could not work out (its failure_reason says why).
PAYSLIP_FAILED = Payslip.Status.FAILED


def paid_weekly(schedule: PaySchedule) -> bool:
    return schedule.frequency == PaySchedule.Frequency.WEEKLY


@dataclass(frozen=True, slots=True)
class ShadowPayslip:
    """One employee's payslip in a shadow run: the figures it paid and what it started from."""

    employee_id: int
    payroll_number: str
    status: str
    failure_reason: str
    tax_code: str
    week1_month1: bool
    ni_category: str
    figures: dict[str, Decimal]
    # The year to date after the period (YEAR_TO_DATE_AFTER), when it was asked for.
    year_to_date: dict[str, Decimal] | None = None


def _money(expression: Combinable) -> Cast:
    return Cast(expression, DecimalField(max_digits=14, decimal_places=2))


def shadow_run_payslips(*, run: PayRun, chunk_size: int = READ_CHUNK,
                        with_year_to_date: bool = False) -> Iterator[ShadowPayslip]:
    """Every payslip of the run's current calculation, in the department in context, in bytewise
    (``COLLATE "C"``) order of payroll number, so the comparison can walk it beside the legacy rows.

    With ``with_year_to_date``, each carries its year to date after the period (taxable pay and
    tax), read in the same query. The year to date each started from, in full, is not read here
    (``year_to_date_before``: the comparison asks for it only for the employees that differ).
    """
    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
    after = {f"after_{key}": Coalesce(_money(KeyTextTransform(key, "year_to_date")), zero)
             for key in (YEAR_TO_DATE_AFTER if with_year_to_date else ())}
    columns = ("employee_id", "employee__payroll_number", "status", "failure_reason", "tax_code", "week1_month1",
               "ni_category", *SHADOW_FIGURES, *after)
    width = 7 + len(SHADOW_FIGURES)
    rows = (Payslip.objects.filter(run=run, calculation_number=run.calculation_number).annotate(**after)
            .order_by(Collate("employee__payroll_number", "C")).values_list(*columns).iterator(chunk_size=chunk_size))
    for row in rows:
        yield ShadowPayslip(employee_id=row[0], payroll_number=row[1], status=row[2], failure_reason=row[3],
                            tax_code=row[4], week1_month1=row[5], ni_category=row[6],
                            figures=dict(zip(SHADOW_FIGURES, row[7:width], strict=True)),
                            year_to_date=dict(zip(YEAR_TO_DATE_AFTER, row[width:], strict=True)) if after else None)


def year_to_date_before(*, run: PayRun, employee_ids: Sequence[int]) -> dict[int, dict[str, Decimal]]:
    """The year to date each employee's payslip in the run started from: the stored year to date
    (which includes the period) less the period's own figure, worked out in the query."""
    if not employee_ids:
        return {}
    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
    before = {f"before_{name}": Coalesce(_money(KeyTextTransform(key, "year_to_date")), zero) - F(figure)
              for name, (key, figure) in YEAR_TO_DATE_BEFORE.items()}
    rows = (Payslip.objects.filter(run=run, calculation_number=run.calculation_number)
            .filter(AnyOf(F("employee_id"), list(employee_ids))).annotate(**before)
            .values_list("employee_id", *before))
    return {row[0]: dict(zip(YEAR_TO_DATE_BEFORE, row[1:], strict=True)) for row in rows}


def employee_ids_by_payroll_number(*, payroll_numbers: Sequence[str]) -> dict[str, int]:
    """The department's employees among ``payroll_numbers`` (one array parameter, not thousands)."""
    if not payroll_numbers:
        return {}
    return dict(Employee.objects.filter(AnyOf(F("payroll_number"), list(payroll_numbers)))
                .values_list("payroll_number", "pk"))


def pay_schedules_for_parallel_runs() -> list[PaySchedule]:
    """The department's pay schedules, the one that pays everyone else first."""
    return list(PaySchedule.objects.order_by("-pays_everyone_else", "name"))


def live_run_finalised_after(*, schedule_id: int, period_start: datetime.date) -> bool:
    """Whether the schedule has finalised a regular (live) run of a period after ``period_start``:
    the department has gone live on the platform."""
    return PayRun.objects.filter(schedule_id=schedule_id, kind=PayRun.Kind.REGULAR, status=PayRun.Status.FINALISED,
                                 period_start__gt=period_start).exists()


@dataclass(frozen=True)
class LiveRuns:
    """The department's regular pay runs, for the onboarding task list's last step."""

    any_run: bool
    finalised: int
    latest: PayRun | None


def live_runs() -> LiveRuns:
    runs = PayRun.objects.filter(kind=PayRun.Kind.REGULAR).exclude(status=PayRun.Status.CANCELLED)
    return LiveRuns(any_run=runs.exists(), finalised=runs.filter(status=PayRun.Status.FINALISED).count(),
                    latest=runs.order_by("-period_start", "-pk").first())
