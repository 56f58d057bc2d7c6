"""Pay periods, pay dates and basic pay for a period: plain Python the pay run builds on.

A department pays monthly or weekly. Its pay date rule gives each period's pay date; the tax period
(tax month 1-12 or tax week 1-53) follows from the pay date, as HMRC counts it from 6 April. Basic
pay for a period comes from the annual full-time salary and the FTE of each employment version in
force during it, pro-rated by calendar days or by working days as the department chooses.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MONTHLY, WEEKLY = "monthly", "weekly"
CALENDAR_DAYS, WORKING_DAYS = "calendar_days", "working_days"
PENNY = Decimal("0.01")


class PeriodError(ValueError):
    """A date or rule that gives no valid pay period; the message names the field."""


def tax_year_start(day: datetime.date) -> datetime.date:
    start = datetime.date(day.year, 4, 6)
    return start if day >= start else datetime.date(day.year - 1, 4, 6)


def tax_year_label(day: datetime.date) -> str:
    """"2026-27" for any day from 6 April 2026 to 5 April 2027."""
    start = tax_year_start(day).year
    return f"{start}-{(start + 1) % 100:02d}"


WEEK_53 = 53  # the first tax week after the 52 full weeks of a tax year


def tax_period(frequency: str, pay_date: datetime.date) -> int:
    """Tax month (6 April to 5 May is month 1) or tax week (6 to 12 April is week 1) of a pay date.

    52 weeks make 364 days, so a weekly pay date on 5 April (or on 4 or 5 April in a leap year) falls
    in tax week 53. HMRC's rule for such a payment ("Week 53 payments", in HMRC's employer further
    guide to PAYE and NICs, CWG2) is applied by the engine: tax on a non-cumulative week 1 basis with
    the code's week-1 allowance, NI and loans on the weekly thresholds as any other week
    (``payroll.engine.calculator``). The FPS reports it as ``WeekNo`` 53, which HMRC's schema allows
    (RTI.md §3.2: the 2025-26 XSD's WeekNo pattern takes 1-54 and 56).
    """
    start = tax_year_start(pay_date)
    if frequency == MONTHLY:
        months = (pay_date.year - start.year) * 12 + pay_date.month - start.month
        return months + (1 if pay_date.day >= 6 else 0)
    if frequency == WEEKLY:
        return (pay_date - start).days // 7 + 1
    raise PeriodError(f"frequency: {frequency!r} must be {MONTHLY} or {WEEKLY}")


def is_week_53(frequency: str, tax_period_number: int) -> bool:
    """Whether a weekly period is paid in tax week 53 (HMRC's "week 53 payment")."""
    return frequency == WEEKLY and tax_period_number >= WEEK_53


@dataclass(frozen=True)
class PayDateRule:
    """When a period is paid. Monthly: on ``day_of_month`` (0 means the last day), moved back to
    the working day before when it is not one. Weekly: on ``weekday`` (0 is Monday) of the week."""

    frequency: str
    day_of_month: int = 0
    weekday: int = 4

    def __post_init__(self) -> None:
        if self.frequency not in (MONTHLY, WEEKLY):
            raise PeriodError(f"frequency: {self.frequency!r} must be {MONTHLY} or {WEEKLY}")
        if not 0 <= self.day_of_month <= 31:
            raise PeriodError(f"day_of_month: {self.day_of_month} must be 0 (the last day) to 31")
        if not 0 <= self.weekday <= 6:
            raise PeriodError(f"weekday: {self.weekday} must be 0 (Monday) to 6 (Sunday)")


@dataclass(frozen=True)
class PayPeriod:
    """One pay period: the days worked for, the day paid, and the tax period HMRC counts."""

    frequency: str
    start: datetime.date
    end: datetime.date
    pay_date: datetime.date
    tax_year: str
    tax_period: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def is_working_day(day: datetime.date, holidays: Collection[datetime.date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def _working_day_on_or_before(day: datetime.date, holidays: Collection[datetime.date]) -> datetime.date:
    while not is_working_day(day, holidays):
        day -= datetime.timedelta(days=1)
    return day


def pay_period(rule: PayDateRule, day: datetime.date, holidays: Collection[datetime.date]) -> PayPeriod:
    """The period containing ``day``: a calendar month, or a Monday-to-Sunday week."""
    if rule.frequency == MONTHLY:
        last = calendar.monthrange(day.year, day.month)[1]
        start, end = day.replace(day=1), day.replace(day=last)
        nominal = end if rule.day_of_month == 0 else day.replace(day=min(rule.day_of_month, last))
    else:
        start = day - datetime.timedelta(days=day.weekday())
        end = start + datetime.timedelta(days=6)
        nominal = start + datetime.timedelta(days=rule.weekday)
    pay_date = _working_day_on_or_before(nominal, holidays)
    return PayPeriod(frequency=rule.frequency, start=start, end=end, pay_date=pay_date,
                     tax_year=tax_year_label(pay_date), tax_period=tax_period(rule.frequency, pay_date))


@dataclass(frozen=True)
class PaySpell:
    """A stretch of days on one set of terms: an employment version clipped to the period."""

    start: datetime.date
    end: datetime.date
    annual_salary: Decimal
    fte: Decimal


def _days_counted(start: datetime.date, end: datetime.date, method: str,
                  holidays: Collection[datetime.date]) -> int:
    if method == CALENDAR_DAYS:
        return (end - start).days + 1
    if method == WORKING_DAYS:
        return sum(1 for offset in range((end - start).days + 1)
                   if is_working_day(start + datetime.timedelta(days=offset), holidays))
    raise PeriodError(f"proration: {method!r} must be {CALENDAR_DAYS} or {WORKING_DAYS}")


def basic_pay(period: PayPeriod, spells: Sequence[PaySpell], *, method: str = CALENDAR_DAYS,
              holidays: Collection[datetime.date] = ()) -> Decimal:
    """Basic pay for the period, to the penny.

    A full period on one set of terms pays the annual salary × FTE ÷ 12 (or ÷ 52). Otherwise each
    spell pays its share of that by the days it covers (calendar days, or Monday-to-Friday working
    days less bank holidays), so starters, leavers and mid-period changes are paid for exactly
    the days on each set of terms. Spells must lie inside the period and must not overlap.
    """
    # Week 53 pays a week like any other: 1/52 of the annual salary.
    per_year = 12 if period.frequency == MONTHLY else 52
    ordered = sorted(spells, key=lambda spell: spell.start)
    for spell in ordered:
        if spell.start < period.start or spell.end > period.end or spell.end < spell.start:
            raise PeriodError(f"spells: {spell.start} to {spell.end} is not inside the period "
                              f"{period.start} to {period.end}")
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.start <= before.end:
            raise PeriodError(f"spells: {before.start} to {before.end} overlaps {after.start} to {after.end}")
    in_period = _days_counted(period.start, period.end, method, holidays)
    total = Decimal("0")
    for spell in ordered:
        full_period_pay = spell.annual_salary * spell.fte / per_year
        covered = _days_counted(spell.start, spell.end, method, holidays)
        if covered == in_period:
            total += full_period_pay
        elif in_period:
            total += full_period_pay * covered / in_period
    return total.quantize(PENNY, rounding=ROUND_HALF_UP)
