"""Statutory Sick Pay in a pay run: how much of a period's pay is SSP, from the employee's sickness
record (``hr``'s periods of sickness, linked into spells as SSP counts them) and the engine's SSP rules.

SSP sits within the department's occupational sick pay (``payroll.absence_pay``): its own line,
with the occupational pay reduced by the same amount, and paid in full when the occupational pay
is less. Average weekly earnings are taken from the contractual salary (annual
full-time salary × FTE ÷ 52): salaried staff earn it in the eight weeks before a spell.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from hr.models import SicknessPeriod
from hr.selectors import SicknessSpell, link_sickness_periods
from payroll.engine.rates import available_tax_years, rates_for
from payroll.engine.statutory import ssp_for_period
from payroll.periods import PayPeriod, tax_year_label

ZERO = Decimal("0.00")
WEEKS_IN_YEAR = Decimal(52)


@dataclass(frozen=True)
class SspDue:
    amount: Decimal
    days_payable: int
    waiting_days: int


def weekly_earnings(annual_salary: Decimal, fte: Decimal) -> Decimal:
    return (annual_salary * fte / WEEKS_IN_YEAR).quantize(Decimal("0.01"))


def _rules_year(spell: SicknessSpell, pay_tax_year: str) -> str:
    """A spell begun in an earlier tax year keeps that year's rules (waiting days before April
    2026); a year older than the rates held falls back to the oldest held."""
    began = tax_year_label(spell.first_day)
    held = available_tax_years()
    if began >= pay_tax_year:
        return pay_tax_year
    return began if began in held else held[0]


def _qualifying_days(spell: SicknessSpell, start: datetime.date, end: datetime.date) -> int:
    count = 0
    for period in spell.periods:
        first, last = max(period.first_day, start), min(period.last_day or end, end, spell.last_day)
        day = first
        while day <= last:
            if day.weekday() in period.qualifying_days:
                count += 1
            day += datetime.timedelta(days=1)
    return count


def ssp_due(*, period: PayPeriod, sickness: Sequence[SicknessPeriod],
            average_weekly_earnings: Decimal) -> SspDue | None:
    """SSP for the pay period from one employee's periods of sickness (in order of first day), or
    None when none of their spells reaches into the period."""
    amount, payable, waiting = ZERO, 0, 0
    for spell in link_sickness_periods(sickness, until=period.end):
        if spell.last_day < period.start:
            continue
        before = _qualifying_days(spell, spell.first_day, period.start - datetime.timedelta(days=1))
        within = _qualifying_days(spell, period.start, period.end)
        if within == 0:
            continue
        rules_year = _rules_year(spell, period.tax_year)
        waiting_rule = rates_for(rules_year).statutory.ssp_waiting_days
        result = ssp_for_period(
            tax_year=rules_year, average_weekly_earnings=average_weekly_earnings,
            qualifying_days_per_week=len(spell.periods[-1].qualifying_days), qualifying_days_sick=within,
            waiting_days_already_served=min(before, waiting_rule), days_already_paid=max(0, before - waiting_rule))
        amount += result.amount
        payable += result.days_payable
        waiting += result.waiting_days
    if payable == 0 and waiting == 0:
        return None
    return SspDue(amount=amount, days_payable=payable, waiting_days=waiting)
