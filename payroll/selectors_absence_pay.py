"""An employee's absence pay as payroll expects to pay it: for each family leave, the statutory test
and the payments week by week beside the occupational scheme's step and what is already paid; the
sick pay allowance used and left; and the previous payroll's earnings history. Read by the schedule
page, the notice of why statutory pay is not due, and their API twins. Runs in the department's
context.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from hr.absence_schemes import (
    NIL,
    PAY_WORDS,
    SICKNESS,
    STATUTORY,
    AllowanceLeft,
    Step,
    family_leave_step,
    sick_pay_allowance,
    sickness_days,
    weeks_of_service,
)
from hr.models import Employee, FamilyLeave, SicknessPeriod
from hr.selectors import employee_get
from hr.selectors_absence import EffectiveScheme, absence_pay_schemes, family_leave_get
from payroll.absence_pay import PAYMENT_NAMES, earnings_window
from payroll.engine.family_pay import FamilyPayError, Payment, PaymentWeek
from payroll.models import EarningsHistory, PayRun, PayslipLine
from payroll.selectors import schedule_paying
from payroll.selectors_statutory import earnings_paid
from payroll.statutory_pay import PAYMENT_FOR_LEAVE, SCHEME_FOR_LEAVE, LeavePay, family_leave_pay

__all__ = [
    "NOTICE_FORMS",
    "AbsencePaySchedule",
    "LeaveSchedule",
    "ScheduleWeek",
    "SickPayAllowance",
    "StatutoryPayNotice",
    "absence_pay_schedule",
    "earnings_history_of",
    "frequency_of",
    "leave_schedule",
    "statutory_pay_notice",
]

ZERO = Decimal("0.00")
WEEK = datetime.timedelta(days=7)
# HMRC's forms for telling an employee why a statutory payment is not due (or stops).
NOTICE_FORMS: dict[str, str] = {
    Payment.SMP: "SMP1", Payment.SAP: "SAP1", Payment.SPP: "SPP1", Payment.SHPP: "ShPP1", Payment.SPBP: "SPBP1",
    Payment.SNCP: "SNCP1",
}
PAID, PART_PAID = "paid", "part paid"


@dataclass(frozen=True)
class ScheduleWeek:
    """One week of the leave (or of statutory pay): the occupational step, the statutory amount due
    (None: no statutory pay that week), whether finalised payslips paid it, and KIT days in it."""

    number: int
    start: datetime.date
    end: datetime.date
    step: Step
    scheme_pay: str  # the step in words: "full pay", "statutory pay only", …
    statutory: PaymentWeek | None
    paid: str  # PAID, PART_PAID or "" (still to come)
    keeping_in_touch_days: tuple[datetime.date, ...]

    @property
    def statutory_amount(self) -> Decimal:
        return self.statutory.amount if self.statutory else ZERO


@dataclass(frozen=True)
class LeaveSchedule:
    leave: FamilyLeave
    pay: LeavePay
    payment_name: str
    notice_form: str
    scheme: EffectiveScheme
    occupational_note: str  # why the occupational steps do not apply, or ""
    weeks: tuple[ScheduleWeek, ...]

    @property
    def statutory_total(self) -> Decimal:
        return sum((week.statutory_amount for week in self.weeks), ZERO)

    @property
    def statutory_paid(self) -> Decimal:
        return sum((week.statutory_amount for week in self.weeks if week.paid == PAID), ZERO)

    def chart(self) -> dict[str, list[str]]:
        """The weeks as a bar chart's data: labels, the statutory amounts, and which are paid."""
        return {"labels": [f"Week {week.number}" for week in self.weeks],
                "amounts": [str(week.statutory_amount) for week in self.weeks],
                "paid": [week.paid for week in self.weeks]}


@dataclass(frozen=True)
class SickPayAllowance:
    scheme: EffectiveScheme
    on: datetime.date
    steps: tuple[AllowanceLeft, ...]
    days_in_period: int  # calendar days of sickness in the rolling period up to ``on``


@dataclass(frozen=True)
class AbsencePaySchedule:
    employee: Employee
    frequency: str
    leaves: tuple[LeaveSchedule, ...]
    sick_pay: SickPayAllowance


def earnings_history_of(*, employee: Employee) -> QuerySet[EarningsHistory]:
    """What the previous payroll paid the employee, latest pay day first."""
    return EarningsHistory.objects.filter(employee=employee).order_by("-pay_date")


def _leave_pay(leave: FamilyLeave, employee: Employee, frequency: str) -> LeavePay:
    """The statutory test and weeks over the same earnings the pay run reads; input the test cannot
    use (a date it needs is missing) is a reason in the notice, not an error."""
    window = earnings_window([leave])
    earnings = earnings_paid(employee_ids=[employee.pk], since=window[0], until=window[1]).get(
        employee.pk, []) if window else []
    try:
        return family_leave_pay(leave=leave, employment_start=employee.start_date, leave_date=employee.leave_date,
                                earnings=earnings, frequency=frequency)
    except FamilyPayError as error:
        reason = str(error).split(": ", 1)[-1]
        return LeavePay(leave=leave, payment=PAYMENT_FOR_LEAVE[leave.kind], entitlement=None, weeks=(),
                        reasons=(f"{reason[:1].upper()}{reason[1:]}.",))


def _periods_paid(employee: Employee, payment: Payment) -> list[tuple[datetime.date, datetime.date]]:
    """The pay periods of finalised runs whose payslip for the employee carries the payment's line."""
    return sorted(set(PayslipLine.objects.filter(
        payslip__employee=employee, code=payment.value, run__status=PayRun.Status.FINALISED,
    ).values_list("run__period_start", "run__period_end")))


def _paid(start: datetime.date, end: datetime.date, periods: Sequence[tuple[datetime.date, datetime.date]]) -> str:
    days = {start + datetime.timedelta(days=offset) for offset in range((end - start).days + 1)}
    covered = {day for day in days for first, last in periods if first <= day <= last}
    if not covered:
        return ""
    return PAID if covered == days else PART_PAID


def _occupational_note(scheme: EffectiveScheme, employee: Employee, leave: FamilyLeave) -> str:
    if not scheme.qualifying_service_weeks:
        return ""
    served = weeks_of_service(employment_start=employee.start_date, on=leave.start_date)
    if served >= scheme.qualifying_service_weeks:
        return ""
    return (f"{scheme.name} needs {scheme.qualifying_service_weeks} weeks' service when the leave starts; "
            f"{employee.first_name} will have {served}, so statutory pay only is paid.")


def leave_schedule(*, leave: FamilyLeave, employee: Employee, frequency: str,
                   schemes: dict[str, EffectiveScheme] | None = None) -> LeaveSchedule:
    """One family leave's statutory test and its weeks, from the first day of the leave (or of
    statutory pay, if earlier) to the last day of either."""
    schemes = schemes if schemes is not None else absence_pay_schemes()
    scheme = schemes[SCHEME_FOR_LEAVE[leave.kind]]
    pay = _leave_pay(leave, employee, frequency)
    note = _occupational_note(scheme, employee, leave)
    periods = _periods_paid(employee, pay.payment)
    statutory_by_start = {week.start: week for week in pay.weeks}
    starts = set(statutory_by_start)
    day = leave.start_date
    while day <= leave.end_date:
        starts.add(day)
        day += WEEK
    weeks = []
    for number, start in enumerate(sorted(starts), start=1):
        end = start + datetime.timedelta(days=6)
        if start < leave.start_date or start > leave.end_date:
            step = Step(NIL, 0, number, "week")  # outside the leave: no occupational pay
        elif note:
            step = Step(STATUTORY, 0, (start - leave.start_date).days // 7 + 1, "week")
        else:
            step = family_leave_step(steps=scheme.steps, leave_start=leave.start_date, day=start)
        statutory = statutory_by_start.get(start)
        weeks.append(ScheduleWeek(
            number=number, start=start, end=end, step=step, scheme_pay=PAY_WORDS[step.pay], statutory=statutory,
            paid=_paid(start, end, periods) if statutory else "",
            keeping_in_touch_days=tuple(sorted(day for day in leave.keeping_in_touch_days if start <= day <= end))))
    return LeaveSchedule(leave=leave, pay=pay, payment_name=PAYMENT_NAMES[pay.payment],
                         notice_form=NOTICE_FORMS[pay.payment], scheme=scheme, occupational_note=note,
                         weeks=tuple(weeks))


def _sick_pay(employee: Employee, scheme: EffectiveScheme, on: datetime.date) -> SickPayAllowance:
    rolling = scheme.rolling_period_days or 1
    periods = SicknessPeriod.objects.filter(employee=employee, first_day__lte=on).values_list("first_day", "last_day")
    days = sickness_days(list(periods), until=on)
    first_counted = on - datetime.timedelta(days=rolling - 1)
    steps = sick_pay_allowance(steps=scheme.steps, rolling_period_days=rolling, sick_days=days, on=on)
    return SickPayAllowance(scheme=scheme, on=on, steps=tuple(steps),
                            days_in_period=sum(1 for day in days if first_counted <= day <= on))


def frequency_of(employee: Employee) -> str:
    schedule = schedule_paying(employee_id=employee.pk)
    return schedule.frequency if schedule is not None else "monthly"


def absence_pay_schedule(*, payroll_number: str, on: datetime.date | None = None) -> AbsencePaySchedule:
    """The employee's family leaves (requested or confirmed) with their schedules, and the sick pay
    allowance as it stands on ``on`` (today by default). ``NotFound`` for an unknown payroll number."""
    employee = employee_get(payroll_number=payroll_number)
    frequency = frequency_of(employee)
    schemes = absence_pay_schemes()
    leaves = FamilyLeave.objects.filter(employee=employee, status__in=[
        FamilyLeave.Status.REQUESTED, FamilyLeave.Status.CONFIRMED]).order_by("start_date", "pk")
    return AbsencePaySchedule(
        employee=employee, frequency=frequency,
        leaves=tuple(leave_schedule(leave=leave, employee=employee, frequency=frequency, schemes=schemes)
                     for leave in leaves),
        sick_pay=_sick_pay(employee, schemes[SICKNESS], on or timezone.localdate()))


@dataclass(frozen=True)
class StatutoryPayNotice:
    """What an SMP1-style form tells the employee (SMP1, SAP1, SPP1, ShPP1, SPBP1 or SNCP1): who
    they are, the payment and its dates, and each reason it is not due; ``due`` when it is."""

    employee: Employee
    schedule: LeaveSchedule
    issued_on: datetime.date

    @property
    def due(self) -> bool:
        return self.schedule.pay.eligible

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.schedule.pay.reasons

    @property
    def form(self) -> str:
        return self.schedule.notice_form

    @property
    def payment_name(self) -> str:
        return self.schedule.payment_name


def statutory_pay_notice(*, payroll_number: str, leave_id: int,
                         issued_on: datetime.date | None = None) -> StatutoryPayNotice:
    """The notice for one of the employee's family leaves, dated ``issued_on`` (today by default);
    ``NotFound`` for an unknown employee or a leave that is not theirs."""
    employee = employee_get(payroll_number=payroll_number)
    leave = family_leave_get(employee=employee, leave_id=leave_id)
    return StatutoryPayNotice(
        employee=employee,
        schedule=leave_schedule(leave=leave, employee=employee, frequency=frequency_of(employee)),
        issued_on=issued_on or timezone.localdate())
