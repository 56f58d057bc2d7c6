"""Statutory family pay (SMP, SAP, SPP, ShPP, SPBP, SNCP): every case in ``family_pay_cases.json``
matches, and bad input is refused naming the field."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from payroll.engine.family_pay import (
    AverageWeeklyEarnings,
    EarningsPaid,
    FamilyPayError,
    Payment,
    PaymentWeek,
    Week,
    average_weekly_earnings,
    entitlement,
    latest_start_date,
    paid_within,
    payment_weeks,
    qualifying_week,
)

CASES = json.loads((Path(__file__).parent / "family_pay_cases.json").read_text(encoding="utf-8"))
D = Decimal


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _qualifying_week(case: dict[str, Any]) -> Week:
    return qualifying_week(
        payment=Payment(case["payment"]), expected_date=_date(case.get("expected_date")),
        matched_date=_date(case.get("matched_date")), event_date=_date(case.get("event_date")),
        adoption=case.get("adoption", False), care_start=_date(case.get("care_start")),
    )


def _awe(case: dict[str, Any], week: Week) -> AverageWeeklyEarnings | None:
    earnings = [EarningsPaid(pay_date=datetime.date.fromisoformat(row["pay_date"]), amount=D(row["amount"]))
                for row in case["earnings"]]
    return average_weekly_earnings(payments=earnings, qualifying_week=week, frequency=case["frequency"])


def _expand(ranges: dict[str, str]) -> list[Decimal]:
    """{"1-6": "585.00", "7": "187.18"} → the amount of each week, in order."""
    amounts: dict[int, Decimal] = {}
    for key, amount in ranges.items():
        first, _, last = key.partition("-")
        for number in range(int(first), int(last or first) + 1):
            amounts[number] = D(amount)
    assert sorted(amounts) == list(range(1, len(amounts) + 1)), "week ranges must cover 1..n"
    return [amounts[number] for number in sorted(amounts)]


def _check_awe(expected: dict[str, Any] | None, awe: AverageWeeklyEarnings | None) -> None:
    if expected is None:
        assert awe is None
        return
    assert awe is not None
    assert awe.amount == D(expected["amount"])
    assert awe.payments_counted == expected["payments_counted"]
    if "period_start" in expected:
        assert (awe.period_start.isoformat(), awe.period_end.isoformat()) == (
            expected["period_start"], expected["period_end"])


def _check_entitlement(case: dict[str, Any], expected: dict[str, Any], week: Week,
                       awe: AverageWeeklyEarnings | None) -> None:
    result = entitlement(
        payment=Payment(case["payment"]), qualifying_week=week,
        employment_start=datetime.date.fromisoformat(case["employment_start"]),
        leave_date=_date(case.get("leave_date")), average_weekly_earnings=awe,
        employed_on=_date(case.get("employed_on")),
    )
    assert result.eligible is expected["eligible"], result.reasons
    if "lower_earnings_limit" in expected:
        assert result.lower_earnings_limit == D(expected["lower_earnings_limit"])
    for words in expected.get("reasons_mention", []):
        assert any(words in reason for reason in result.reasons), (words, result.reasons)
    if "reasons_count" in expected:
        assert len(result.reasons) == expected["reasons_count"], result.reasons


def _check_weeks(expected: dict[str, Any], weeks: list[PaymentWeek]) -> None:
    amounts = _expand(expected["week_amounts"])
    assert [week.amount for week in weeks] == amounts
    assert [week.number for week in weeks] == list(range(1, len(amounts) + 1))
    assert sum(week.amount for week in weeks) == D(expected["total"])
    for number, rate in expected.get("week_rates", {}).items():
        assert weeks[int(number) - 1].rate == rate
    for number, (start, end) in expected.get("week_dates", {}).items():
        week = weeks[int(number) - 1]
        assert (week.start.isoformat(), week.end.isoformat()) == (start, end)


def _check_paid_within(case: dict[str, Any], expected: dict[str, Any], weeks: list[PaymentWeek]) -> None:
    paid_by_week: dict[int, Decimal] = {}
    for (start, end), period_expected in zip(case["periods"], expected["paid_within"], strict=True):
        paid = paid_within(weeks, datetime.date.fromisoformat(start), datetime.date.fromisoformat(end))
        assert [[week.number, str(amount), days] for week, amount, days in paid] == period_expected
        for week, amount, _days in paid:
            paid_by_week[week.number] = paid_by_week.get(week.number, D(0)) + amount
    # A week split across the periods adds up to exactly its amount.
    for number, amount in paid_by_week.items():
        if amount != weeks[number - 1].amount:
            assert case["periods"][-1][1] < weeks[number - 1].end.isoformat()  # only a week cut off at the end


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_family_pay_case(case: dict[str, Any]) -> None:
    # given a case's dates, earnings and pay start
    expected = case["expected"]
    week: Week | None = None
    awe: AverageWeeklyEarnings | None = None
    if any(case.get(key) for key in ("expected_date", "matched_date", "event_date", "care_start")):
        # when the qualifying week is worked out
        week = _qualifying_week(case)
        if "qualifying_week" in expected:
            assert [week.start.isoformat(), week.end.isoformat()] == expected["qualifying_week"]
        if "latest_start" in expected:
            assert latest_start_date(week).isoformat() == expected["latest_start"]
    if "earnings" in case:
        assert week is not None
        awe = _awe(case, week)
        if "average_weekly_earnings" in expected:
            _check_awe(expected["average_weekly_earnings"], awe)
    if "employment_start" in case:
        assert week is not None
        _check_entitlement(case, expected, week, awe)
    if "pay_start" not in case:
        return
    weekly = D(case["average_weekly_earnings"]) if "average_weekly_earnings" in case else (awe.amount if awe else None)
    assert weekly is not None
    kwargs: dict[str, Any] = {"payment": Payment(case["payment"]),
                              "pay_start": datetime.date.fromisoformat(case["pay_start"]),
                              "average_weekly_earnings": weekly, "weeks": case.get("weeks")}
    if "error" in expected:
        # then the input is refused, naming the field
        with pytest.raises(FamilyPayError, match=rf"^{expected['error']}:"):
            payment_weeks(**kwargs)
        return
    # then the weeks, their amounts and what each pay period carries match
    weeks = payment_weeks(**kwargs)
    _check_weeks(expected, weeks)
    if "periods" in case:
        _check_paid_within(case, expected, weeks)


def test_every_payment_has_a_case() -> None:
    assert {case["payment"] for case in CASES} == {payment.value for payment in Payment}


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"payment": Payment.SMP}, "expected_date"),
    ({"payment": Payment.SPP, "matched_date": datetime.date(2026, 3, 1)}, "expected_date"),
    ({"payment": Payment.SAP, "expected_date": datetime.date(2026, 3, 1)}, "matched_date"),
    ({"payment": Payment.SPP, "adoption": True, "expected_date": datetime.date(2026, 3, 1)}, "matched_date"),
    ({"payment": Payment.SHPP, "adoption": True}, "matched_date"),
    ({"payment": Payment.SNCP, "adoption": True}, "matched_date"),
    ({"payment": Payment.SPBP, "expected_date": datetime.date(2026, 3, 1)}, "event_date"),
])
def test_qualifying_week_names_the_missing_date(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(FamilyPayError, match=rf"^{field}:"):
        qualifying_week(**kwargs)


@pytest.mark.parametrize(("payment", "weeks"), [
    (Payment.SPP, None), (Payment.SPP, 0), (Payment.SPP, 3), (Payment.SHPP, 38), (Payment.SPBP, 3),
    (Payment.SNCP, 13), (Payment.SMP, 40), (Payment.SAP, 40), (Payment.SMP, 0),
])
def test_payment_weeks_out_of_range_are_refused(payment: Payment, weeks: int | None) -> None:
    with pytest.raises(FamilyPayError, match=r"^weeks:"):
        payment_weeks(payment=payment, pay_start=datetime.date(2026, 5, 3),
                      average_weekly_earnings=D("300"), weeks=weeks)


def test_smp_weeks_shorten_the_period_when_curtailed() -> None:
    weeks = payment_weeks(payment=Payment.SMP, pay_start=datetime.date(2026, 5, 3),
                          average_weekly_earnings=D("300"), weeks=10)
    assert [week.amount for week in weeks] == [D("270.00")] * 6 + [D("194.32")] * 4


def test_negative_earnings_are_refused() -> None:
    with pytest.raises(FamilyPayError, match=r"^average_weekly_earnings:"):
        payment_weeks(payment=Payment.SMP, pay_start=datetime.date(2026, 5, 3), average_weekly_earnings=D("-1"))


def test_a_pay_start_beyond_the_known_rates_is_refused() -> None:
    with pytest.raises(FamilyPayError, match=r"^pay_start: no statutory pay rates for the 2029-30"):
        payment_weeks(payment=Payment.SPP, pay_start=datetime.date(2029, 6, 1),
                      average_weekly_earnings=D("300"), weeks=2)


def test_a_qualifying_week_before_the_known_rates_is_refused() -> None:
    week = qualifying_week(payment=Payment.SMP, expected_date=datetime.date(2025, 5, 1))
    with pytest.raises(FamilyPayError, match=r"^qualifying_week: no statutory pay rates for the 2024-25"):
        entitlement(payment=Payment.SMP, qualifying_week=week, employment_start=datetime.date(2020, 1, 1),
                    leave_date=None, average_weekly_earnings=None)


def test_paid_within_refuses_a_period_that_ends_before_it_starts() -> None:
    weeks = payment_weeks(payment=Payment.SPP, pay_start=datetime.date(2026, 5, 3),
                          average_weekly_earnings=D("300"), weeks=2)
    with pytest.raises(FamilyPayError, match=r"^end:"):
        paid_within(weeks, datetime.date(2026, 5, 31), datetime.date(2026, 5, 1))


def test_paid_within_leaves_out_weeks_outside_the_period() -> None:
    weeks = payment_weeks(payment=Payment.SPP, pay_start=datetime.date(2026, 5, 3),
                          average_weekly_earnings=D("300"), weeks=2)
    assert paid_within(weeks, datetime.date(2026, 6, 1), datetime.date(2026, 6, 30)) == []


@pytest.mark.parametrize("offset", range(7))
def test_split_weeks_add_up_to_the_week_whatever_the_day_they_split(offset: int) -> None:
    # given SNCP at an awkward 90% (£123.46), paid from a date that moves through the week
    pay_start = datetime.date(2026, 5, 3) + datetime.timedelta(days=offset)
    weeks = payment_weeks(payment=Payment.SNCP, pay_start=pay_start, average_weekly_earnings=D("137.17"), weeks=12)
    # when paid in calendar months
    day = datetime.timedelta(days=1)
    months = [(datetime.date(2026, m, 1), datetime.date(2026, m + 1, 1) - day) for m in (5, 6, 7)]
    paid = [row for start, end in months for row in paid_within(weeks, start, end)]
    # then every week is paid exactly once in total, and its days add up to 7
    assert sum(amount for _week, amount, _days in paid) == sum(week.amount for week in weeks) == D("123.46") * 12
    for week in weeks:
        assert sum(days for w, _amount, days in paid if w is week) == 7


def test_average_weekly_earnings_shown_to_the_penny_never_rounds_up_to_the_limit() -> None:
    awe = AverageWeeklyEarnings(amount=D("128.9976923"), period_start=datetime.date(2026, 4, 29),
                                period_end=datetime.date(2026, 6, 28), payments_counted=2)
    assert awe.shown == D("128.99")
