"""Pay periods, pay dates, tax periods and basic pay for whole and part periods."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payroll.periods import (
    CALENDAR_DAYS,
    MONTHLY,
    WEEKLY,
    WORKING_DAYS,
    PayDateRule,
    PaySpell,
    PeriodError,
    basic_pay,
    pay_period,
    tax_period,
    tax_year_label,
)

D = datetime.date
HOLIDAYS = {D(2026, 12, 25), D(2026, 12, 28), D(2026, 8, 31), D(2027, 1, 1)}


@pytest.mark.parametrize(("pay_date", "month"), [
    (D(2026, 4, 6), 1), (D(2026, 4, 30), 1), (D(2026, 5, 5), 1), (D(2026, 5, 6), 2),
    (D(2026, 11, 27), 8), (D(2027, 3, 31), 12), (D(2027, 4, 5), 12),
])
def test_tax_months_count_from_the_sixth_of_april(pay_date, month):
    assert tax_period(MONTHLY, pay_date) == month
    assert tax_year_label(pay_date) == "2026-27"


@pytest.mark.parametrize(("pay_date", "week"), [
    (D(2026, 4, 6), 1), (D(2026, 4, 12), 1), (D(2026, 4, 13), 2), (D(2027, 4, 3), 52),
])
def test_tax_weeks_count_from_the_sixth_of_april(pay_date, week):
    assert tax_period(WEEKLY, pay_date) == week


def test_a_weekly_pay_date_on_5_april_is_tax_week_53():
    assert tax_period(WEEKLY, D(2027, 4, 5)) == 53


def test_a_monthly_pay_date_on_a_bank_holiday_or_weekend_moves_back():
    # given the last day of the month as the pay day
    last_day = PayDateRule(frequency=MONTHLY, day_of_month=0)
    # when
    december = pay_period(last_day, D(2026, 12, 10), HOLIDAYS)
    october = pay_period(last_day, D(2026, 10, 1), HOLIDAYS)  # 31 October 2026 is a Saturday
    august = pay_period(last_day, D(2026, 8, 15), HOLIDAYS)  # 31 August 2026 is a bank holiday
    # then
    assert (december.start, december.end, december.pay_date, december.tax_period) == (
        D(2026, 12, 1), D(2026, 12, 31), D(2026, 12, 31), 9)
    assert october.pay_date == D(2026, 10, 30)
    assert august.pay_date == D(2026, 8, 28)


def test_a_fixed_day_and_a_weekly_friday():
    assert pay_period(PayDateRule(frequency=MONTHLY, day_of_month=25), D(2026, 12, 1), HOLIDAYS).pay_date == \
        D(2026, 12, 24)
    week = pay_period(PayDateRule(frequency=WEEKLY, weekday=4), D(2026, 11, 25), HOLIDAYS)
    assert (week.start, week.end, week.pay_date, week.tax_period) == (
        D(2026, 11, 23), D(2026, 11, 29), D(2026, 11, 27), 34)


def test_bad_rules_are_refused_by_name():
    with pytest.raises(PeriodError, match="day_of_month: 32"):
        PayDateRule(frequency=MONTHLY, day_of_month=32)
    with pytest.raises(PeriodError, match="frequency: 'fortnightly'"):
        PayDateRule(frequency="fortnightly")


NOVEMBER = pay_period(PayDateRule(frequency=MONTHLY), D(2026, 11, 1), HOLIDAYS)


def _spell(start, end, salary="36000", fte="1"):
    return PaySpell(start=start, end=end, annual_salary=Decimal(salary), fte=Decimal(fte))


def test_a_whole_month_pays_a_twelfth_of_the_salary_times_fte():
    assert basic_pay(NOVEMBER, [_spell(D(2026, 11, 1), D(2026, 11, 30))]) == Decimal("3000.00")
    assert basic_pay(NOVEMBER, [_spell(D(2026, 11, 1), D(2026, 11, 30), fte="0.6")]) == Decimal("1800.00")


def test_a_starter_is_paid_for_the_calendar_days_or_working_days_employed():
    # given a starter on Monday 16 November: 15 of 30 calendar days, 11 of 21 working days
    starter = [_spell(D(2026, 11, 16), D(2026, 11, 30))]
    assert basic_pay(NOVEMBER, starter, method=CALENDAR_DAYS) == Decimal("1500.00")
    assert basic_pay(NOVEMBER, starter, method=WORKING_DAYS, holidays=HOLIDAYS) == Decimal("1571.43")


def test_a_mid_month_pay_rise_pays_each_rate_for_its_days():
    spells = [_spell(D(2026, 11, 1), D(2026, 11, 20), salary="36000"),
              _spell(D(2026, 11, 21), D(2026, 11, 30), salary="39000")]
    # 3000 × 20/30 + 3250 × 10/30
    assert basic_pay(NOVEMBER, spells) == Decimal("3083.33")


def test_bank_holidays_are_not_working_days():
    december = pay_period(PayDateRule(frequency=MONTHLY), D(2026, 12, 1), HOLIDAYS)
    # December 2026 has 23 weekdays, two of them bank holidays: 21 working days; a leaver on
    # Friday 11 December worked 9 of them.
    leaver = [_spell(D(2026, 12, 1), D(2026, 12, 11))]
    assert basic_pay(december, leaver, method=WORKING_DAYS, holidays=HOLIDAYS) == Decimal("1285.71")


def test_spells_outside_the_period_or_overlapping_are_refused():
    with pytest.raises(PeriodError, match="not inside the period"):
        basic_pay(NOVEMBER, [_spell(D(2026, 10, 31), D(2026, 11, 30))])
    with pytest.raises(PeriodError, match="overlaps"):
        basic_pay(NOVEMBER, [_spell(D(2026, 11, 1), D(2026, 11, 20)), _spell(D(2026, 11, 20), D(2026, 11, 30))])


@given(st.integers(min_value=1, max_value=29), st.decimals(min_value=1000, max_value=250000, places=2))
def test_splitting_a_month_at_any_day_on_the_same_terms_pays_the_whole_month(split, salary):
    whole = basic_pay(NOVEMBER, [_spell(D(2026, 11, 1), D(2026, 11, 30), salary=str(salary))])
    split_pay = basic_pay(NOVEMBER, [_spell(D(2026, 11, 1), D(2026, 11, split), salary=str(salary)),
                                     _spell(D(2026, 11, split + 1), D(2026, 11, 30), salary=str(salary))])
    assert abs(split_pay - whole) <= Decimal("0.01")
