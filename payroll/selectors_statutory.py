"""Reads for statutory pay: the earnings an employee was paid on each pay day (the platform's
finalised payslips, and before them the previous payroll's earnings history)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from payroll.engine.family_pay import EarningsPaid
from payroll.models import EarningsHistory, PayRun, Payslip, PayslipLine

__all__ = ["earnings_paid"]

ZERO = Decimal("0.00")
# The deductions the engine works out; any other deduction before tax is salary sacrifice.
_ENGINE_DEDUCTIONS = ("PENSION", "TAX", "NI", "SLOAN", "PGLOAN")


def earnings_paid(*, employee_ids: Sequence[int], since: datetime.date,
                  until: datetime.date) -> dict[int, list[EarningsPaid]]:
    """Per employee, the earnings subject to Class 1 NICs paid on each pay day in [since, until],
    sorted by date.

    A period's pay day is its regular run's pay date; a supplementary run's payslip adds to it
    rather than making a pay day of its own (the period's normal pay day is the one that counts for
    average weekly earnings). A payslip's NICable pay is its NI working's ``nicable_pay`` (a
    supplementary payslip's working is its whole period recalculated, so it stands for the whole
    period), or else its gross pay less salary sacrifice (a supplementary's gross is the difference,
    so it adds). The previous payroll's ``EarningsHistory`` fills the pay days with no payslip here.
    """
    ids = list(dict.fromkeys(employee_ids))
    if not ids or until < since:
        return {}
    finalised = PayRun.objects.filter(status=PayRun.Status.FINALISED)
    # A supplementary run pays after its period's regular run: one paid after ``until`` may still
    # belong to a pay day inside the range, so the bound is on the period's start.
    rows = list(Payslip.objects.filter(
        run__in=finalised, employee_id__in=ids, status=Payslip.Status.CALCULATED,
        run__pay_date__gte=since, run__period_start__lte=until,
    ).order_by("run__pay_date", "run_id").values_list(
        "pk", "employee_id", "run__schedule_id", "run__period_start", "run__kind", "run__pay_date", "gross_pay",
        "working__ni"))
    if not rows:
        return _with_history(ids, since, until, {})
    regular = finalised.filter(kind=PayRun.Kind.REGULAR, schedule_id__in={row[2] for row in rows},
                               period_start__in={row[3] for row in rows})
    regular_pay_days = {(schedule_id, period_start): pay_date for schedule_id, period_start, pay_date
                        in regular.values_list("schedule_id", "period_start", "pay_date")}
    without_working = [row[0] for row in rows if _nicable(row[7]) is None]
    sacrificed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    if without_working:
        for payslip_id, amount in PayslipLine.objects.filter(
                payslip_id__in=without_working, section="deduction", after_tax=False).exclude(
                code__in=_ENGINE_DEDUCTIONS).values_list("payslip_id", "amount"):
            sacrificed[payslip_id] += amount
    # Per employee and period (schedule, start): the period's pay day and its NICable pay so far.
    periods: dict[tuple[int, int, datetime.date], tuple[datetime.date, Decimal]] = {}
    for payslip_id, employee_id, schedule_id, period_start, kind, pay_date, gross, ni_working in rows:
        key = (employee_id, schedule_id, period_start)
        day = regular_pay_days.get((schedule_id, period_start), pay_date if kind == PayRun.Kind.REGULAR else None)
        before = periods.get(key)
        if day is None:
            day = before[0] if before else pay_date
        nicable = _nicable(ni_working)
        if nicable is None:
            amount = (before[1] if before else ZERO) + gross - sacrificed[payslip_id]
        else:
            amount = nicable
        periods[key] = (day, amount)
    platform: dict[int, dict[datetime.date, Decimal]] = defaultdict(dict)
    for (employee_id, _schedule, _start), (day, amount) in periods.items():
        if since <= day <= until:
            platform[employee_id][day] = platform[employee_id].get(day, ZERO) + amount
    return _with_history(ids, since, until, platform)


def _nicable(ni_working: Any) -> Decimal | None:
    if isinstance(ni_working, dict) and ni_working.get("nicable_pay") is not None:
        return Decimal(str(ni_working["nicable_pay"]))
    return None


def _with_history(ids: list[int], since: datetime.date, until: datetime.date,
                  platform: dict[int, dict[datetime.date, Decimal]]) -> dict[int, list[EarningsPaid]]:
    """The platform's pay days, and the previous payroll's for the days the platform paid nothing."""
    paid: dict[int, dict[datetime.date, Decimal]] = {employee_id: dict(days) for employee_id, days in platform.items()}
    for employee_id, pay_date, earnings in EarningsHistory.objects.filter(
            employee_id__in=ids, pay_date__gte=since, pay_date__lte=until).values_list(
            "employee_id", "pay_date", "earnings"):
        if pay_date not in platform.get(employee_id, {}):
            paid.setdefault(employee_id, {})[pay_date] = earnings
    return {employee_id: [EarningsPaid(pay_date=day, amount=days[day]) for day in sorted(days)]
            for employee_id, days in paid.items() if days}
