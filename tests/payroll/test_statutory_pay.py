"""Statutory Sick Pay and Maternity Pay, from the rules in RATES.md §6."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from payroll.engine.statutory import StatutoryPayError, smp_weekly_amounts, ssp_for_period, ssp_weekly_rate


def test_2025_26_ssp_is_the_flat_rate_and_needs_earnings_at_the_lower_earnings_limit():
    assert ssp_weekly_rate(tax_year="2025-26", average_weekly_earnings=D("400")) == D("118.75")
    assert ssp_weekly_rate(tax_year="2025-26", average_weekly_earnings=D("124.99")) == D("0.00")


def test_2026_27_ssp_is_the_lower_of_the_flat_rate_and_80_percent_of_earnings_with_no_earnings_limit():
    # £400 × 80% = £320 > £123.25: the flat rate
    assert ssp_weekly_rate(tax_year="2026-27", average_weekly_earnings=D("400")) == D("123.25")
    # £100 × 80% = £80.00, below the flat rate, and no lower earnings limit any more
    assert ssp_weekly_rate(tax_year="2026-27", average_weekly_earnings=D("100")) == D("80.00")


def test_2025_26_ssp_serves_three_waiting_days_then_pays_by_the_day():
    # given a five-day week, off sick for five qualifying days
    result = ssp_for_period(tax_year="2025-26", average_weekly_earnings=D("500"), qualifying_days_per_week=5,
                            qualifying_days_sick=5)
    # then: three waiting days, two paid at £118.75 / 5 = £23.75
    assert (result.waiting_days, result.days_payable, result.amount) == (3, 2, D("47.50"))


def test_waiting_days_are_served_once_per_spell():
    result = ssp_for_period(tax_year="2025-26", average_weekly_earnings=D("500"), qualifying_days_per_week=5,
                            qualifying_days_sick=5, waiting_days_already_served=3)
    assert (result.waiting_days, result.amount) == (0, D("118.75"))


def test_2026_27_ssp_is_paid_from_the_first_day():
    result = ssp_for_period(tax_year="2026-27", average_weekly_earnings=D("500"), qualifying_days_per_week=5,
                            qualifying_days_sick=3)
    # 3 × £123.25 / 5 = £73.95
    assert (result.waiting_days, result.days_payable, result.amount) == (0, 3, D("73.95"))


def test_fractions_of_a_penny_are_rounded_up():
    # £123.25 / 3 qualifying days = £41.0833… a day: one day pays £41.09
    result = ssp_for_period(tax_year="2026-27", average_weekly_earnings=D("500"), qualifying_days_per_week=3,
                            qualifying_days_sick=1)
    assert result.amount == D("41.09")


def test_ssp_stops_after_28_weeks():
    # 28 weeks × 5 days = 140 days; 138 already paid leaves 2
    result = ssp_for_period(tax_year="2026-27", average_weekly_earnings=D("500"), qualifying_days_per_week=5,
                            qualifying_days_sick=5, days_already_paid=138)
    assert (result.days_payable, result.amount) == (2, D("49.30"))


def test_no_ssp_below_the_lower_earnings_limit_in_2025_26():
    result = ssp_for_period(tax_year="2025-26", average_weekly_earnings=D("100"), qualifying_days_per_week=5,
                            qualifying_days_sick=5)
    assert (result.days_payable, result.amount) == (0, D("0.00"))


@pytest.mark.parametrize(("field", "arguments"), [
    ("qualifying_days_per_week", {"qualifying_days_per_week": 0, "qualifying_days_sick": 1}),
    ("qualifying_days_sick", {"qualifying_days_per_week": 5, "qualifying_days_sick": -1}),
])
def test_bad_ssp_input_names_the_field(field, arguments):
    with pytest.raises(StatutoryPayError, match=field):
        ssp_for_period(tax_year="2026-27", average_weekly_earnings=D("500"), **arguments)


def test_smp_pays_six_weeks_at_90_percent_then_the_lower_of_flat_rate_and_90_percent():
    # £600 × 90% = £540; then min(£194.32, £540) for 33 weeks
    weeks = smp_weekly_amounts(tax_year="2026-27", average_weekly_earnings=D("600"))
    assert len(weeks) == 39
    assert weeks[:6] == [D("540.00")] * 6
    assert weeks[6:] == [D("194.32")] * 33


def test_smp_for_lower_earnings_stays_at_90_percent_and_rounds_up():
    # £150.01 × 90% = £135.009 → £135.01, below the flat rate throughout
    weeks = smp_weekly_amounts(tax_year="2026-27", average_weekly_earnings=D("150.01"))
    assert set(weeks) == {D("135.01")}


def test_no_smp_below_the_earnings_threshold():
    assert smp_weekly_amounts(tax_year="2026-27", average_weekly_earnings=D("128.99")) == []
    assert smp_weekly_amounts(tax_year="2025-26", average_weekly_earnings=D("128.99")) != []
