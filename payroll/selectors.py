"""Reads of payroll data: most in the caller's department context; the opening-balance reads other
apps reuse enter the department they are given."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Abs, Coalesce
from django.utils import timezone

from departments.models import Department
from departments.tenancy import department_context
from finance import selectors as finance_selectors
from finance import services as finance_services
from finance.models import Account
from hr.models import CostCentre, Employee
from hr.selectors import bank_holidays
from payroll import bacs
from payroll.models import (
    BALANCE_FIGURES,
    OpeningBalance,
    PayInput,
    PayRun,
    PaySchedule,
    PayScheduleMember,
    Payslip,
    PayslipLine,
)
from payroll.periods import PayDateRule, PayPeriod, pay_period
from payroll.selectors_review import bacs_payslips
from shared_services.core.hooks import PayPeriodLock
from shared_services.core.problems import NotFound

# --- Periods, who a run pays, and what finalising a run writes -------------------------------

BANK_HOLIDAY_REGION = "england-and-wales"  # Bacs and payroll follow the English calendar
RUN_IN_PROGRESS = (PayRun.Status.OPEN, PayRun.Status.CALCULATING, PayRun.Status.CALCULATED, PayRun.Status.APPROVED)


def holidays_around(day: datetime.date) -> set[datetime.date]:
    return {holiday for year in (day.year - 1, day.year, day.year + 1)
            for holiday, _ in bank_holidays(region=BANK_HOLIDAY_REGION, year=year)}


def period_of(schedule: PaySchedule, day: datetime.date) -> PayPeriod:
    rule = PayDateRule(frequency=schedule.frequency, day_of_month=schedule.pay_day_of_month,
                       weekday=schedule.pay_weekday)
    return pay_period(rule, day, holidays_around(day))


def employed_between(period_start: datetime.date, period_end: datetime.date) -> Q:
    """Employees employed at some point from ``period_start`` to ``period_end``."""
    return Q(start_date__lte=period_end) & (Q(leave_date__isnull=True) | Q(leave_date__gte=period_start))


def employees_paid_in(schedule: PaySchedule, period_start: datetime.date, period_end: datetime.date) -> Q:
    """Employees the schedule pays who were employed at some point in the period, or who left before
    it and have a payment entered for it (paid after leaving, on 0T week 1/month 1: assembly's
    ``tax_code_for_payment``): those moved onto it, or, for the schedule that pays everyone else, those
    not moved onto another."""
    paid_after_leaving = Exists(PayInput.objects.filter(employee_id=OuterRef("pk"), schedule_id=schedule.pk,
                                                        period_start=period_start))
    employed = employed_between(period_start, period_end) | Q(paid_after_leaving, leave_date__lt=period_start)
    if schedule.pays_everyone_else:
        return Q(employed, ~Exists(PayScheduleMember.objects.filter(employee_id=OuterRef("pk")).exclude(
            schedule_id=schedule.pk)))
    return Q(employed, Exists(PayScheduleMember.objects.filter(employee_id=OuterRef("pk"), schedule_id=schedule.pk)))


def pay_runs_in_progress(*, schedule_ids: Sequence[int]) -> list[PayRun]:
    """The schedules' runs that are open or further on, not yet finalised or cancelled."""
    return list(PayRun.objects.filter(schedule_id__in=schedule_ids, status__in=RUN_IN_PROGRESS)
                .exclude(kind=PayRun.Kind.SHADOW).select_related("schedule"))


def period_is_locked(*, schedule: PaySchedule, day: datetime.date) -> bool:
    """Whether inputs dated ``day`` fall in a period whose run is open or further on. A finalised
    period takes inputs again while a supplementary run for it waits in draft: they are its
    corrections. A shadow run locks nothing: records are corrected and it is calculated again."""
    runs = PayRun.objects.filter(schedule=schedule, period_start__lte=day, period_end__gte=day).exclude(
        kind=PayRun.Kind.SHADOW)
    if runs.filter(status__in=RUN_IN_PROGRESS).exists():
        return True
    return runs.filter(status=PayRun.Status.FINALISED).exists() and not runs.filter(
        kind=PayRun.Kind.SUPPLEMENTARY, status=PayRun.Status.DRAFT).exists()


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

    Net pay that does not leave the bank on the pay date (held, or owed to someone with no bank
    account: ``selectors_review.pay_run_unpaid_net_pay``) is not credited to the bank: it stays
    owed, as a credit on net pay control, until it is paid. Net pay paid by hand leaves the bank.

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
    from payroll.selectors_review import pay_run_unpaid_net_pay  # it reads this module's neighbours

    unpaid = pay_run_unpaid_net_pay(run=run).totals
    still_owed = unpaid.get("hold", Decimal("0.00")) + unpaid.get("no_bank_details", Decimal("0.00"))
    paid_out = net_total - still_owed
    for purpose, debit, amount in (("net_pay_control", False, net_total - reimbursed),
                                   ("net_pay_control", True, paid_out), ("bank", False, paid_out)):
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
    """Net pay to every calculated payslip above zero whose employee has bank details and whose pay
    is neither held nor paid by hand (``selectors_review.bacs_payslips``), in payroll number order;
    read as rows, a few thousand at a time."""
    reference = f"SALARY {run.pay_date:%b %Y}".upper()
    return [bacs.Payment(sort_code=sort_code, account_number=account_number,
                         account_name=f"{first_name[:1]} {last_name}", amount_pence=int(net_pay * 100),
                         reference=roll_number or reference)
            for sort_code, account_number, first_name, last_name, roll_number, net_pay in (
                bacs_payslips(run).order_by("employee__payroll_number")
                .values_list("employee__bank_sort_code", "employee__bank_account_number", "employee__first_name",
                             "employee__last_name", "employee__building_society_roll_number", "net_pay")
                .iterator(chunk_size=5000))
            if sort_code and account_number]



def pay_schedules() -> QuerySet[PaySchedule]:
    return PaySchedule.objects.order_by("name")


def pay_schedule_get(*, schedule_id: int) -> PaySchedule:
    """A pay schedule of the department in context, or ``Http404`` (a 404 to pages and the API)."""
    schedule = PaySchedule.objects.filter(pk=schedule_id).first()
    if schedule is None:
        raise NotFound("This department has no pay schedule with that id.")
    return schedule


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
                                status__in=RUN_IN_PROGRESS).exclude(kind=PayRun.Kind.SHADOW).first()
    if run is None:
        return None
    next_open_day = run.period_end + datetime.timedelta(days=1)
    return PayPeriodLock(
        message=(f"The {schedule.name} pay run for {run.period_start:%-d %B} to {run.period_end:%-d %B %Y} is "
                 f"{run.get_status_display().split(':')[0].lower()}, so changes effective in that period are locked. "
                 f"Make the change effective from {next_open_day:%-d %B %Y} (the next period), or ask payroll "
                 "to reopen the run."),
        next_open_day=next_open_day)


def pay_unfinalised_until(*, employee_id: int) -> datetime.date | None:
    """The last day of the latest period of the employee's schedule whose regular run is under way
    (open to approved): its Bacs file is built from the employee record when it is finalised."""
    schedule = schedule_paying(employee_id=employee_id)
    if schedule is None:
        return None
    return unfinalised_until(schedule=schedule)


def unfinalised_until(*, schedule: PaySchedule, before: datetime.date | None = None) -> datetime.date | None:
    """The last day of the latest period of ``schedule`` (starting before ``before``, if given)
    whose regular or supplementary run is under way, not yet finalised."""
    runs = PayRun.objects.filter(schedule=schedule, status__in=RUN_IN_PROGRESS).exclude(kind=PayRun.Kind.SHADOW)
    if before is not None:
        runs = runs.filter(period_start__lt=before)
    return runs.aggregate(end=Max("period_end"))["end"]


def pay_runs() -> QuerySet[PayRun]:
    return PayRun.objects.select_related("schedule").order_by("-period_start", "-pk")


def pay_run_get(*, run_id: int) -> PayRun:
    """A pay run of the department in context, or ``Http404`` (a 404 to pages and the API)."""
    run = pay_runs().select_related("opened_by", "calculated_by", "approved_by", "finalised_by").filter(
        pk=run_id).first()
    if run is None:
        raise NotFound("This department has no pay run with that id.")
    return run


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


def payslips_of_run(*, run: PayRun) -> QuerySet[Payslip]:
    return Payslip.objects.filter(run=run).select_related("employee", "cost_centre").order_by(
        "employee__last_name", "employee__first_name", "employee__payroll_number")


def published_payslips_of(*, employee_id: int) -> QuerySet[Payslip]:
    """An employee's payslips from finalised runs, newest first: what they may see."""
    return Payslip.objects.filter(employee_id=employee_id, run__status=PayRun.Status.FINALISED,
                                  status=Payslip.Status.CALCULATED).select_related("run", "run__schedule") \
        .order_by("-run__pay_date", "-run__pk")


def payslip_get(*, run_id: int, payslip_id: int) -> Payslip:
    """A payslip of the run, or ``Http404`` (a 404 to pages and the API)."""
    payslip = Payslip.objects.filter(run_id=run_id, pk=payslip_id).select_related(
        "employee", "run", "run__schedule", "cost_centre").first()
    if payslip is None:
        raise NotFound("This run has no payslip with that id.")
    return payslip


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


def pay_run_totals(*, run: PayRun) -> dict[str, Any]:
    """The run's calculated payslips summed: gross, tax, both NI figures and net pay."""
    return Payslip.objects.filter(run=run, status=Payslip.Status.CALCULATED).aggregate(
        gross=Sum("gross_pay"), tax=Sum("income_tax"), employee_ni=Sum("employee_ni"),
        employer_ni=Sum("employer_ni"), net=Sum("net_pay"))


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
