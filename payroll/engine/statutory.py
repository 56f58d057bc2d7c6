"""Statutory Sick Pay and Statutory Maternity Pay (RATES.md §6).

They are pay elements: what they return enters the payroll calculation as gross pay. Amounts
are Decimal pounds. SSP for a period and SMP's 90% of earnings round fractions of a penny up, in
the employee's favour; the 80%-of-earnings SSP rate (from April 2026) rounds to the nearest penny.
The rules follow the tax year given: a linked spell that began before 6 April 2026 keeps the old
rules, which the caller expresses by passing "2025-26" for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal

from payroll.engine.rates import rates_for

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")


class StatutoryPayError(ValueError):
    """Input that cannot be used; the message names the field."""


def _non_negative(field: str, value: Decimal | int) -> None:
    if value < 0:
        raise StatutoryPayError(f"{field}: {value} must not be negative")


def ssp_weekly_rate(*, tax_year: str, average_weekly_earnings: Decimal) -> Decimal:
    """The weekly SSP rate for these average weekly earnings; 0.00 when not entitled.

    Up to 2025-26: the flat rate, and nothing below the lower earnings limit. From 6 April 2026:
    the lower of the flat rate and 80% of average weekly earnings, with no earnings limit.
    """
    _non_negative("average_weekly_earnings", average_weekly_earnings)
    rates = rates_for(tax_year).statutory
    if average_weekly_earnings < rates.ssp_lower_earnings_limit:
        return ZERO
    if rates.ssp_awe_percentage > 0:
        share = (average_weekly_earnings * rates.ssp_awe_percentage).quantize(PENNY, ROUND_HALF_UP)
        return min(rates.ssp_weekly_rate, share)
    return rates.ssp_weekly_rate


@dataclass(frozen=True, slots=True)
class SspForPeriod:
    weekly_rate: Decimal
    waiting_days: int  # qualifying days in this period that served as waiting days
    days_payable: int
    amount: Decimal


def ssp_for_period(
    *,
    tax_year: str,
    average_weekly_earnings: Decimal,
    qualifying_days_per_week: int,
    qualifying_days_sick: int,
    waiting_days_already_served: int = 0,
    days_already_paid: int = 0,
) -> SspForPeriod:
    """SSP for the qualifying days of sickness in one pay period of a (linked) spell.

    ``waiting_days_already_served`` and ``days_already_paid`` carry the spell across periods and
    linked spells: waiting days are served once (none from April 2026), and SSP stops after the
    maximum number of weeks.
    """
    if not 1 <= qualifying_days_per_week <= 7:
        raise StatutoryPayError(f"qualifying_days_per_week: {qualifying_days_per_week} must be from 1 to 7")
    for field, value in (
        ("qualifying_days_sick", qualifying_days_sick),
        ("waiting_days_already_served", waiting_days_already_served),
        ("days_already_paid", days_already_paid),
    ):
        _non_negative(field, value)
    rates = rates_for(tax_year).statutory
    weekly_rate = ssp_weekly_rate(tax_year=tax_year, average_weekly_earnings=average_weekly_earnings)
    waiting = min(max(0, rates.ssp_waiting_days - waiting_days_already_served), qualifying_days_sick)
    remaining_entitlement = max(0, rates.ssp_max_weeks * qualifying_days_per_week - days_already_paid)
    payable = min(qualifying_days_sick - waiting, remaining_entitlement) if weekly_rate else 0
    amount = (weekly_rate * payable / qualifying_days_per_week).quantize(PENNY, ROUND_UP)
    return SspForPeriod(weekly_rate=weekly_rate, waiting_days=waiting, days_payable=payable, amount=amount)


def smp_weekly_amounts(*, tax_year: str, average_weekly_earnings: Decimal) -> list[Decimal]:
    """SMP for each week of the pay period: 6 weeks at 90% of AWE, then 33 at the lower of the flat
    rate and 90% of AWE. Empty when AWE are below the earnings threshold (no entitlement)."""
    _non_negative("average_weekly_earnings", average_weekly_earnings)
    rates = rates_for(tax_year).statutory
    if average_weekly_earnings < rates.family_pay_earnings_threshold:
        return []
    higher = (average_weekly_earnings * rates.smp_percentage).quantize(PENNY, ROUND_UP)
    lower = min(rates.family_pay_weekly_rate, higher)
    later_weeks = rates.smp_total_weeks - rates.smp_higher_rate_weeks
    return [higher] * rates.smp_higher_rate_weeks + [lower] * later_weeks
