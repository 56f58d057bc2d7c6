"""Reads of payroll data: most in the caller's department context; the opening-balance reads other
apps reuse enter the department they are given."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Abs, Coalesce
from django.utils import timezone

from departments.models import Department
from departments.tenancy import department_context
from hr.models import Employee
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
from payroll.services import BALANCE_FIGURES, RUN_IN_PROGRESS, employed_between
from shared_services.core.hooks import PayPeriodLock


def pay_schedules() -> QuerySet[PaySchedule]:
    return PaySchedule.objects.order_by("name")


def pay_schedule_get(*, schedule_id: int) -> PaySchedule | None:
    return PaySchedule.objects.filter(pk=schedule_id).first()


def pay_schedule_headcounts() -> dict[int, int]:
    """How many employees each schedule pays today (leavers excluded); the default schedule gets
    everyone not moved onto another."""
    today = timezone.localdate()
    current = Employee.objects.filter(employed_between(today, today))
    moved = dict(PayScheduleMember.objects.filter(employee__in=current).values("schedule_id")
                 .annotate(n=Count("pk")).values_list("schedule_id", "n"))
    counts = {pk: moved.get(pk, 0) for pk in PaySchedule.objects.values_list("pk", flat=True)}
    default = PaySchedule.objects.filter(pays_everyone_else=True).values_list("pk", flat=True).first()
    if default is not None:
        counts[default] = current.count() - sum(number for pk, number in moved.items() if pk != default)
    return counts


def pay_schedule_members(*, schedule: PaySchedule) -> QuerySet[PayScheduleMember]:
    return PayScheduleMember.objects.filter(schedule=schedule).select_related("employee").order_by(
        "employee__last_name", "employee__first_name", "employee__payroll_number")


def pay_inputs_of_period(*, schedule: PaySchedule, period_start: datetime.date) -> QuerySet[PayInput]:
    return PayInput.objects.filter(schedule=schedule, period_start=period_start).select_related("employee").order_by(
        "employee__last_name", "employee__payroll_number", "pk")


def schedule_paying(*, employee_id: int) -> PaySchedule | None:
    """The schedule that pays the employee: the one they were moved onto, or the default one."""
    moved = PayScheduleMember.objects.filter(employee_id=employee_id).select_related("schedule").first()
    return moved.schedule if moved else PaySchedule.objects.filter(pays_everyone_else=True).first()


def pay_period_lock(*, employee_id: int, day: datetime.date) -> PayPeriodLock | None:
    """Whether ``day`` falls in a period of the employee's schedule whose run is open and not yet
    finalised: its inputs, the HR record among them, are fixed until it is finalised or reopened."""
    schedule = schedule_paying(employee_id=employee_id)
    if schedule is None:
        return None
    run = PayRun.objects.filter(schedule=schedule, period_start__lte=day, period_end__gte=day,
                                status__in=RUN_IN_PROGRESS).first()
    if run is None:
        return None
    next_open_day = run.period_end + datetime.timedelta(days=1)
    return PayPeriodLock(
        message=(f"The {schedule.name} pay run for {run.period_start:%-d %B} to {run.period_end:%-d %B %Y} is "
                 f"{run.get_status_display().split(':')[0].lower()}, so changes effective in that period are locked. "
                 f"Make the change effective from {next_open_day:%-d %B %Y} (the next period), or ask payroll "
                 "to reopen the run."),
        next_open_day=next_open_day)


def pay_runs() -> QuerySet[PayRun]:
    return PayRun.objects.select_related("schedule").order_by("-period_start", "-pk")


def pay_run_get(*, run_id: int) -> PayRun | None:
    return pay_runs().select_related("opened_by", "calculated_by", "approved_by", "finalised_by").filter(
        pk=run_id).first()


@dataclass(frozen=True)
class CalculationStall:
    """Whether a calculating run has stopped moving, and what the stall check does about it."""

    stalled_after: datetime.timedelta
    stalled: bool  # no progress for longer than stalled_after
    waits_for_a_person: bool  # stalled, and automatic resumes are used up

    @property
    def stalled_after_words(self) -> str:
        seconds = int(self.stalled_after.total_seconds())
        if seconds % 60:
            return f"{seconds} seconds"
        return "1 minute" if seconds == 60 else f"{seconds // 60} minutes"


def pay_run_stall(*, run: PayRun, stalled_after: datetime.timedelta, most_automatic: int) -> CalculationStall:
    stalled = (run.status == PayRun.Status.CALCULATING and run.progress_at is not None
               and run.progress_at < timezone.now() - stalled_after)
    return CalculationStall(stalled_after=stalled_after, stalled=stalled,
                            waits_for_a_person=stalled and run.automatic_resumes >= most_automatic)


def pay_inputs() -> QuerySet[PayInput]:
    return PayInput.objects.select_related("employee").order_by("-period_start", "employee__payroll_number", "pk")


def pay_run_exceptions(*, run: PayRun) -> QuerySet[PayRunException]:
    return PayRunException.objects.filter(run=run).select_related("employee").order_by(
        "employee__last_name", "employee__payroll_number", "code")


def payslips_of_run(*, run: PayRun) -> QuerySet[Payslip]:
    return Payslip.objects.filter(run=run).select_related("employee", "cost_centre").order_by(
        "employee__last_name", "employee__first_name", "employee__payroll_number")


def published_payslips_of(*, employee_id: int) -> QuerySet[Payslip]:
    """An employee's payslips from finalised runs, newest first: what they may see."""
    return Payslip.objects.filter(employee_id=employee_id, run__status=PayRun.Status.FINALISED,
                                  status=Payslip.Status.CALCULATED).select_related("run", "run__schedule") \
        .order_by("-run__pay_date", "-run__pk")


def payslip_get(*, run_id: int, payslip_id: int) -> Payslip | None:
    return Payslip.objects.filter(run_id=run_id, pk=payslip_id).select_related(
        "employee", "run", "run__schedule", "cost_centre").first()


def payslip_lines(*, payslip: Payslip) -> QuerySet[PayslipLine]:
    return PayslipLine.objects.filter(payslip=payslip).order_by("pk")


REGISTER_HEADER = ("payroll_number", "surname", "first_name", "cost_centre", "status", "tax_code", "ni_category",
                   "gross_pay", "taxable_pay", "income_tax", "employee_ni", "employer_ni", "pension_employee",
                   "pension_employer", "student_loan", "postgraduate_loan", "net_pay", "failure_reason")


def register_rows(*, run: PayRun) -> Iterator[Sequence[Any]]:
    """One row per employee on the run, for the payroll register (CSV and XLSX)."""
    for slip in payslips_of_run(run=run).iterator(chunk_size=2000):
        yield (slip.employee.payroll_number, slip.employee.last_name, slip.employee.first_name,
               slip.cost_centre.code if slip.cost_centre else "", slip.status, slip.tax_code, slip.ni_category,
               slip.gross_pay, slip.taxable_pay, slip.income_tax, slip.employee_ni, slip.employer_ni,
               slip.pension_employee, slip.pension_employer, slip.student_loan, slip.postgraduate_loan,
               slip.net_pay, slip.failure_reason)


def opening_balances_locked(*, department: Department, tax_year: str,
                            employee_ids: Iterable[int]) -> dict[int, dict[str, Decimal]]:
    """The figures of the locked opening balances among ``employee_ids``, by employee id."""
    with department_context(department.id):
        return {
            balance.employee_id: {name: getattr(balance, name) for name in BALANCE_FIGURES}
            for balance in OpeningBalance.objects.filter(tax_year=tax_year, locked=True,
                                                         employee_id__in=list(employee_ids))
        }


def opening_balance_totals(*, department: Department, tax_year: str,
                           employee_ids: Iterable[int]) -> dict[str, Decimal]:
    """Sums of each year-to-date figure over the given employees' opening balances."""
    with department_context(department.id):
        sums = OpeningBalance.objects.filter(tax_year=tax_year, employee_id__in=list(employee_ids)).aggregate(
            **{name: Sum(name) for name in BALANCE_FIGURES})
    return {name: sums[name] or Decimal("0.00") for name in BALANCE_FIGURES}


# --- Variance against the previous period ---------------------------------------------------

VARIANCE_FIGURES = (("gross_pay", "Gross pay"), ("taxable_pay", "Taxable pay"), ("income_tax", "Income tax"),
                    ("employee_ni", "Employees' National Insurance"), ("employer_ni", "Employer's National Insurance"),
                    ("pension_employee", "Employees' pension"), ("pension_employer", "Employer's pension"),
                    ("student_loan", "Student loans"), ("postgraduate_loan", "Postgraduate loans"),
                    ("net_pay", "Net pay"))


@dataclass(frozen=True)
class VarianceLine:
    label: str
    previous: Decimal | int
    current: Decimal | int

    @property
    def change(self) -> Decimal | int:
        return self.current - self.previous

    @property
    def percent(self) -> Decimal | None:
        if not self.previous:
            return None
        return (Decimal(self.change) * 100 / Decimal(self.previous)).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class EmployeeVariance:
    payroll_number: str
    name: str
    previous_net: Decimal | None
    current_net: Decimal | None

    @property
    def change(self) -> Decimal:
        return (self.current_net or Decimal(0)) - (self.previous_net or Decimal(0))


@dataclass(frozen=True)
class VarianceReport:
    previous: PayRun
    lines: list[VarianceLine]
    joiners: int
    leavers: int
    largest_changes: list[EmployeeVariance]


def previous_run(*, run: PayRun) -> PayRun | None:
    """The schedule's last finalised regular run before this one."""
    return PayRun.objects.filter(schedule_id=run.schedule_id, kind=PayRun.Kind.REGULAR,
                                 status=PayRun.Status.FINALISED, period_start__lt=run.period_start).order_by(
        "-period_start").first()


def _totals(run: PayRun) -> dict[str, Any]:
    return Payslip.objects.filter(run=run, status=Payslip.Status.CALCULATED).aggregate(
        headcount=Count("pk"), **{name: Sum(name) for name, _ in VARIANCE_FIGURES})


def pay_run_variance(*, run: PayRun, largest: int = 20) -> VarianceReport | None:
    """This run's totals beside the previous period's, who joined and left the payroll between
    them, and the employees whose net pay changed most. None before there is a previous run."""
    previous = previous_run(run=run)
    if previous is None:
        return None
    before, now = _totals(previous), _totals(run)
    lines = [VarianceLine("Employees paid", before["headcount"], now["headcount"])]
    lines += [VarianceLine(label, before[name] or Decimal("0.00"), now[name] or Decimal("0.00"))
              for name, label in VARIANCE_FIGURES]
    paid_before = Payslip.objects.filter(run=previous, status=Payslip.Status.CALCULATED)
    paid_now = Payslip.objects.filter(run=run, status=Payslip.Status.CALCULATED)
    joiners = paid_now.exclude(employee_id__in=paid_before.values("employee_id")).count()
    leavers = paid_before.exclude(employee_id__in=paid_now.values("employee_id")).count()
    previous_net = Subquery(paid_before.filter(employee_id=OuterRef("employee_id")).values("net_pay")[:1])
    changes = (paid_now.annotate(previous_net=previous_net)
               .annotate(change=Abs(F("net_pay") - Coalesce(F("previous_net"), Value(Decimal(0)))))
               .order_by("-change", "employee__payroll_number")
               .values_list("employee__payroll_number", "employee__first_name", "employee__last_name",
                            "previous_net", "net_pay")[:largest])
    return VarianceReport(previous=previous, lines=lines, joiners=joiners, leavers=leavers, largest_changes=[
        EmployeeVariance(number, f"{first} {last}", before_net, now_net)
        for number, first, last, before_net, now_net in changes])
