"""Statutory family payments: SMP, SAP, SPP (birth and adoption), ShPP, SPBP and SNCP.

Each has a qualifying week, a test of continuous employment into it and of average weekly earnings
over the relevant period before it, a number of payment weeks and a weekly rate per tax year
(RATES.md §6, the rates files' [statutory] tables). Amounts are Decimal pounds.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from enum import StrEnum

from payroll.engine.rates import RatesError, StatutoryPayRates, available_tax_years, rates_for

PENNY = Decimal("0.01")
# HMRC agree that average weekly earnings are not rounded to the penny (its SMP checksheets say "do
# not round"); GOV.UK's own calculators truncate at 7 decimal places, and so does this.
AWE_PLACES = Decimal("0.0000001")
WEEK = datetime.timedelta(days=7)


class FamilyPayError(ValueError):
    """Input that cannot be used; the message names the field."""


class Payment(StrEnum):
    """The statutory payments, by the code their payslip lines, P60s and EPS figures use."""

    SMP = "SMP"
    SAP = "SAP"
    SPP = "SPP"
    SHPP = "SHPP"
    SPBP = "SPBP"
    SNCP = "SNCP"


@dataclass(frozen=True, slots=True)
class EarningsPaid:
    """Earnings subject to Class 1 NICs paid on one day (a payslip, or the previous payroll's record)."""

    pay_date: datetime.date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Week:
    start: datetime.date  # a Sunday
    end: datetime.date  # the Saturday after


@dataclass(frozen=True, slots=True)
class AverageWeeklyEarnings:
    amount: Decimal
    period_start: datetime.date  # the day after the earlier normal pay day
    period_end: datetime.date  # the last normal pay day on or before the qualifying week's Saturday
    payments_counted: int

    @property
    def shown(self) -> Decimal:
        """The amount to the penny for people to read, never rounded up past a limit it falls short of."""
        return self.amount.quantize(PENNY, ROUND_DOWN)


@dataclass(frozen=True, slots=True)
class Entitlement:
    """Whether the employee qualifies, and why not in words an SMP1-style notice can carry."""

    payment: Payment
    qualifying_week: Week
    average_weekly_earnings: AverageWeeklyEarnings | None
    lower_earnings_limit: Decimal
    reasons: tuple[str, ...]

    @property
    def eligible(self) -> bool:
        return not self.reasons


@dataclass(frozen=True, slots=True)
class PaymentWeek:
    """One week of statutory pay: its number (from 1), its days, its amount and the rate in words."""

    number: int
    start: datetime.date
    end: datetime.date
    amount: Decimal
    rate: str


ADOPTION_MATCH_PAYMENTS = (Payment.SAP, Payment.SPP, Payment.SHPP, Payment.SNCP)
# Weeks 1-6 at 90% of earnings, then the lower of the flat rate and 90%.
TWO_RATE_PAYMENTS = (Payment.SMP, Payment.SAP)


def _money(amount: Decimal) -> str:
    return f"£{amount:,.2f}"


def _day(day: datetime.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _week_text(week: Week) -> str:
    return f"{_day(week.start)} to {_day(week.end)}"


def week_containing(day: datetime.date) -> Week:
    """The Sunday-to-Saturday week that ``day`` falls in."""
    start = day - datetime.timedelta(days=(day.weekday() + 1) % 7)
    return Week(start=start, end=start + datetime.timedelta(days=6))


def tax_year_of(day: datetime.date) -> str:
    """The tax year (6 April to 5 April) that ``day`` falls in, e.g. "2026-27"."""
    first = day.year if day >= datetime.date(day.year, 4, 6) else day.year - 1
    return f"{first}-{(first + 1) % 100:02d}"


def first_sunday_in_april(year: int) -> datetime.date:
    april_first = datetime.date(year, 4, 1)
    return april_first + datetime.timedelta(days=(6 - april_first.weekday()) % 7)


def rate_year_of(day: datetime.date) -> str:
    """The tax year whose flat rate pays a payment week starting on ``day``: family pay rates change
    from the first Sunday in April (5 April 2026), not on 6 April."""
    first = day.year if day >= first_sunday_in_april(day.year) else day.year - 1
    return f"{first}-{(first + 1) % 100:02d}"


def _rates(field: str, tax_year: str) -> StatutoryPayRates:
    try:
        return rates_for(tax_year).statutory
    except RatesError:
        raise FamilyPayError(f"{field}: no statutory pay rates for the {tax_year} tax year") from None


def _rules(tax_year: str) -> StatutoryPayRates:
    """The year's rates for the counts that do not change between years (weeks of service, of the
    relevant period, of pay): a year without a rates file borrows the nearest year's."""
    years = available_tax_years()
    if tax_year in years:
        return rates_for(tax_year).statutory
    nearest = years[0] if tax_year < years[0] else years[-1]
    return rates_for(nearest).statutory


def qualifying_week(*, payment: Payment, expected_date: datetime.date | None = None,
                    matched_date: datetime.date | None = None, event_date: datetime.date | None = None,
                    adoption: bool = False, care_start: datetime.date | None = None) -> Week:
    """The week whose end the service and earnings tests look back from.

    Birth: the 15th week before the expected week of childbirth. Adoption (SAP, and SPP, ShPP or SNCP
    for an adoption): the week the adopter was told of the match. SPBP: the week before the week of
    the child's death (``event_date``). SNCP for a parent with no SMP, SPP or ShPP for the birth:
    the week before the week neonatal care started (``care_start``), as HMRC's guide says.
    """
    payment = Payment(payment)
    if payment is Payment.SPBP:
        if event_date is None:
            raise FamilyPayError("event_date: the date of the child's death is needed for SPBP")
        return _week_before(event_date)
    if payment is Payment.SAP or (adoption and payment in ADOPTION_MATCH_PAYMENTS):
        if matched_date is None:
            raise FamilyPayError("matched_date: the date the adopter was told of the match is needed")
        return week_containing(matched_date)
    if payment is Payment.SNCP and care_start is not None:
        return _week_before(care_start)
    if expected_date is None:
        raise FamilyPayError("expected_date: the expected week of childbirth is needed")
    expected_week = week_containing(expected_date)
    start = expected_week.start - 15 * WEEK
    return Week(start=start, end=start + datetime.timedelta(days=6))


def _week_before(day: datetime.date) -> Week:
    week = week_containing(day)
    return Week(start=week.start - WEEK, end=week.end - WEEK)


def average_weekly_earnings(*, payments: Sequence[EarningsPaid], qualifying_week: Week,
                            frequency: str) -> AverageWeeklyEarnings | None:
    """Average weekly earnings over the relevant period, or None when no two pay days bound it.

    The period ends with the last normal pay day on or before the qualifying week's Saturday and
    starts the day after the last normal pay day at least 8 weeks before that; earnings paid in it
    count. The pay days in ``payments`` are taken as the normal pay days.
    """
    by_day: dict[datetime.date, Decimal] = {}
    for paid in payments:
        by_day[paid.pay_date] = by_day.get(paid.pay_date, Decimal(0)) + paid.amount
    days = sorted(by_day)
    last = max((day for day in days if day <= qualifying_week.end), default=None)
    if last is None:
        return None
    weeks = _rules(tax_year_of(qualifying_week.end)).relevant_period_weeks
    earlier = max((day for day in days if day <= last - weeks * WEEK), default=None)
    if earlier is None:
        return None
    counted = [day for day in days if earlier < day <= last]
    total = sum((by_day[day] for day in counted), Decimal(0))
    span = (last - earlier).days
    if frequency == "monthly":
        # Monthly pay: the average per month, made weekly (× 12 / 52).
        amount = total / len(counted) * 12 / 52
    elif frequency in ("weekly", "fortnightly", "four_weekly"):
        amount = total / (Decimal(span) / 7)
    else:
        amount = total / span * 7
    return AverageWeeklyEarnings(
        amount=amount.quantize(AWE_PLACES, ROUND_DOWN),
        period_start=earlier + datetime.timedelta(days=1),
        period_end=last,
        payments_counted=len(counted),
    )


def latest_start_date(qualifying_week: Week) -> datetime.date:
    """The last day an employee could have started and still have 26 weeks' continuous employment
    into the qualifying week: a week counts if employed on any day of it, so the Saturday 25 weeks
    before the qualifying week's Saturday."""
    service_weeks = _rules(tax_year_of(qualifying_week.end)).family_pay_service_weeks
    return qualifying_week.end - (service_weeks - 1) * WEEK


def entitlement(*, payment: Payment, qualifying_week: Week, employment_start: datetime.date,
                leave_date: datetime.date | None, average_weekly_earnings: AverageWeeklyEarnings | None,
                employed_on: datetime.date | None = None) -> Entitlement:
    """Whether the employee qualifies for ``payment``, with every reason they do not.

    Continuous employment: 26 weeks ending with the qualifying week, any part of a week counting, so
    the latest start is the Saturday 25 weeks before the qualifying week's Saturday. Earnings: the
    average at or above the lower earnings limit in force at the end of the qualifying week.
    """
    payment = Payment(payment)
    tax_year = tax_year_of(qualifying_week.end)
    lel = _rates("qualifying_week", tax_year).family_pay_earnings_threshold
    service_weeks = _rules(tax_year).family_pay_service_weeks
    reasons: list[str] = []
    latest_start = latest_start_date(qualifying_week)
    if employment_start > latest_start:
        reasons.append(
            f"You started work with us on {_day(employment_start)}. To qualify you must have worked for us "
            f"for {service_weeks} weeks into the qualifying week ({_week_text(qualifying_week)}), which "
            f"means starting on or before {_day(latest_start)}."
        )
    must_be_employed_on = max(qualifying_week.start, employed_on or qualifying_week.start)
    if leave_date is not None and leave_date < must_be_employed_on:
        if employed_on is not None and employed_on > qualifying_week.start:
            needed = f"until {_day(employed_on)}"
        else:
            needed = f"into the qualifying week ({_week_text(qualifying_week)})"
        reasons.append(f"Your employment with us ended on {_day(leave_date)}; you needed to be employed {needed}.")
    if average_weekly_earnings is None:
        reasons.append(
            f"There is no pay history for the relevant period (the 8 weeks or more up to the last pay day "
            f"on or before {_day(qualifying_week.end)}), so your average weekly earnings cannot be worked out."
        )
    elif average_weekly_earnings.amount < lel:
        reasons.append(
            f"Your average weekly earnings were {_money(average_weekly_earnings.shown)} "
            f"(pay from {_day(average_weekly_earnings.period_start)} to {_day(average_weekly_earnings.period_end)}), "
            f"below the lower earnings limit of {_money(lel)} a week."
        )
    return Entitlement(
        payment=payment,
        qualifying_week=qualifying_week,
        average_weekly_earnings=average_weekly_earnings,
        lower_earnings_limit=lel,
        reasons=tuple(reasons),
    )


def _weeks_allowed(payment: Payment, rules: StatutoryPayRates) -> tuple[int, int]:
    """(weeks at 90% of earnings, most weeks payable) for ``payment``."""
    if payment is Payment.SMP:
        return rules.smp_higher_rate_weeks, rules.smp_total_weeks
    if payment is Payment.SAP:
        return rules.sap_higher_rate_weeks, rules.sap_total_weeks
    most = {
        Payment.SPP: rules.spp_max_weeks,
        Payment.SHPP: rules.shpp_max_weeks,
        Payment.SPBP: rules.spbp_max_weeks,
        Payment.SNCP: rules.sncp_max_weeks,
    }[payment]
    return 0, most


def payment_weeks(*, payment: Payment, pay_start: datetime.date, average_weekly_earnings: Decimal,
                  weeks: int | None = None) -> list[PaymentWeek]:
    """The payment weeks from ``pay_start``: consecutive 7-day weeks starting on any weekday.

    SMP and SAP pay 90% of earnings for the first 6 weeks and then the lower of the flat rate and
    90% (``weeks`` shortens them); the others pay the lower for ``weeks`` weeks. 90% of earnings
    rounds up to the penny. A week starting on or after the first Sunday in April takes the new
    tax year's flat rate.
    """
    payment = Payment(payment)
    if average_weekly_earnings < 0:
        raise FamilyPayError(f"average_weekly_earnings: {average_weekly_earnings} must not be negative")
    higher_weeks, most = _weeks_allowed(payment, _rules(rate_year_of(pay_start)))
    if weeks is None:
        if payment not in TWO_RATE_PAYMENTS:
            raise FamilyPayError(f"weeks: the number of weeks of {payment.value} is needed")
        weeks = most
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= most:
        raise FamilyPayError(f"weeks: {payment.value} is paid for 1 to {most} weeks, not {weeks}")
    result = []
    for number in range(1, weeks + 1):
        start = pay_start + (number - 1) * WEEK
        statutory = _rates("pay_start", rate_year_of(start))
        ninety = (average_weekly_earnings * statutory.smp_percentage).quantize(PENNY, ROUND_UP)
        flat = statutory.family_pay_weekly_rate
        if number <= higher_weeks or ninety < flat:
            amount, rate = ninety, f"90% of average weekly earnings ({_money(ninety)})"
        else:
            amount, rate = flat, f"standard rate ({_money(flat)})"
        result.append(PaymentWeek(number=number, start=start, end=start + datetime.timedelta(days=6),
                                  amount=amount, rate=rate))
    return result


def paid_within(weeks: Sequence[PaymentWeek], start: datetime.date,
                end: datetime.date) -> list[tuple[PaymentWeek, Decimal, int]]:
    """The payment weeks with days in the pay period [start, end]: (week, amount due in the period,
    days of the week in it). A week split across two periods pays each its share of days, worked
    as the share up to the period's end less the share before its start (each rounded to the
    penny, half up), so the parts always add up to the week's amount."""
    if end < start:
        raise FamilyPayError(f"end: the pay period ends ({end}) before it starts ({start})")
    result = []
    for week in weeks:
        first, last = max(week.start, start), min(week.end, end)
        if first > last:
            continue
        length = (week.end - week.start).days + 1
        days_in = (last - first).days + 1
        if days_in == length:
            result.append((week, week.amount, days_in))
            continue
        through_end = (last - week.start).days + 1
        before_start = (first - week.start).days
        due = _share(week.amount, through_end, length) - _share(week.amount, before_start, length)
        result.append((week, due, days_in))
    return result


def _share(amount: Decimal, days: int, length: int) -> Decimal:
    return (amount * days / length).quantize(PENNY, ROUND_HALF_UP)
