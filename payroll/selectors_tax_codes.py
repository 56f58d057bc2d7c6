"""Reads for tax code notices and leavers' P45s: the notices received, the pay period a notice
applies from, and a leaver's last finalised payslip. Run in the department's context."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.utils import timezone
from rest_framework.exceptions import NotFound

from hr.models import Employee
from payroll.models import PayRun, PaySchedule, Payslip, TaxCodeNotice
from payroll.periods import PayPeriod
from payroll.selectors import RUN_IN_PROGRESS, period_is_locked, period_of

# More locked periods in a row than a schedule can have: weekly runs finalised a year ahead.
MAX_LOCKED_PERIODS = 60


def tax_code_notices(*, status: str = "") -> QuerySet[TaxCodeNotice]:
    """Notices newest first, with their employee; only those in ``status`` when given."""
    notices = TaxCodeNotice.objects.select_related("employee").order_by("-received_at", "-id")
    return notices.filter(status=status) if status else notices


def tax_code_notice_counts() -> dict[str, int]:
    """How many notices there are in each status (every status present, 0 when none)."""
    counts = dict(TaxCodeNotice.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in TaxCodeNotice.Status.values}


def pending_tax_code_notices(*, employee_ids: list[int] | None = None) -> QuerySet[TaxCodeNotice]:
    """Notices waiting to be applied, in the order HMRC's changes happened (the latest wins)."""
    notices = TaxCodeNotice.objects.filter(status=TaxCodeNotice.Status.PENDING, employee__isnull=False)
    if employee_ids is not None:
        notices = notices.filter(employee_id__in=employee_ids)
    return notices.select_related("employee").order_by("effective_from", "received_at", "id")


def same_notice_received(*, employee_id: int, form: str, tax_code: str, week1_month1: bool,
                         effective_from: datetime.date) -> TaxCodeNotice | None:
    """An earlier notice (applied or waiting) saying exactly the same: HMRC sent it twice."""
    return TaxCodeNotice.objects.filter(
        employee_id=employee_id, form=form, tax_code=tax_code, week1_month1=week1_month1,
        effective_from=effective_from, status__in=[TaxCodeNotice.Status.PENDING, TaxCodeNotice.Status.APPLIED],
    ).first()


def schedule_run_in_progress(*, schedule: PaySchedule) -> PayRun | None:
    """The schedule's run that is open or further on and not yet finalised, if any."""
    return (PayRun.objects.filter(schedule=schedule, status__in=RUN_IN_PROGRESS).exclude(kind=PayRun.Kind.SHADOW)
            .order_by("period_start").first())


def _following(schedule: PaySchedule, period: PayPeriod) -> PayPeriod:
    return period_of(schedule, period.end + datetime.timedelta(days=1))


def first_period_paid_on_or_after(*, schedule: PaySchedule, day: datetime.date) -> PayPeriod:
    """The first period of the schedule not yet locked whose pay day is on or after ``day``: a
    notice effective from ``day`` is operated from the next pay day on or after it, and never in a
    period whose run is already under way or finalised."""
    period = period_of(schedule, day)
    if period.pay_date < day:
        period = _following(schedule, period)
    for _ in range(MAX_LOCKED_PERIODS):
        if not period_is_locked(schedule=schedule, day=period.start):
            return period
        period = _following(schedule, period)
    return period


def next_period_to_pay(*, schedule: PaySchedule) -> PayPeriod:
    """The period after the schedule's latest run under way or finalised; with none, today's."""
    latest = (PayRun.objects.filter(schedule=schedule, kind=PayRun.Kind.REGULAR)
              .exclude(status__in=[PayRun.Status.DRAFT, PayRun.Status.CANCELLED]).order_by("-period_end").first())
    if latest is None:
        return period_of(schedule, timezone.localdate())
    return period_of(schedule, latest.period_end + datetime.timedelta(days=1))


def last_finalised_payslip(*, employee: Employee) -> Payslip | None:
    """The employee's latest payslip from a finalised run: what their P45 is written from."""
    return (Payslip.objects.filter(employee=employee, run__status=PayRun.Status.FINALISED,
                                   status=Payslip.Status.CALCULATED)
            .select_related("run", "run__schedule").order_by("-run__pay_date", "-run__pk").first())


def leaver_get(*, payroll_number: str) -> Employee:
    """A leaver of the department by payroll number, or ``NotFound`` (404 to pages and the API),
    also for someone who has not left: a P45 is for leavers only."""
    employee = Employee.objects.filter(payroll_number=payroll_number).first()
    if employee is None or employee.leave_date is None:
        raise NotFound("No leaver has this payroll number.")
    return employee


def previous_employment_figures(*, employee: Employee, tax_year: str) -> tuple[Decimal, Decimal] | None:
    """Pay and tax in earlier employments this tax year, from the latest P6B HMRC sent for the
    employee that took effect in the year; None when HMRC sent none."""
    start_year = int(tax_year[:4])
    notice = (TaxCodeNotice.objects.filter(
        employee=employee, form=TaxCodeNotice.Form.P6B, status=TaxCodeNotice.Status.APPLIED,
        effective_from__gte=datetime.date(start_year, 4, 6), effective_from__lte=datetime.date(start_year + 1, 4, 5),
        previous_pay__isnull=False, previous_tax__isnull=False).order_by("-effective_from", "-id").first())
    if notice is None or notice.previous_pay is None or notice.previous_tax is None:
        return None
    return notice.previous_pay, notice.previous_tax
