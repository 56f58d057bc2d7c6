"""Statutory family payments: SMP, SAP, SPP (birth and adoption), ShPP, SPBP and SNCP.

Each has a qualifying week, a test of continuous employment into it and of average weekly earnings
over the relevant period before it, a number of payment weeks and a weekly rate per tax year
(RATES.md §6, the rates files' [statutory] tables). Amounts are Decimal pounds.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


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


def qualifying_week(*, payment: Payment, expected_date: datetime.date | None = None,
                    matched_date: datetime.date | None = None, event_date: datetime.date | None = None,
                    adoption: bool = False) -> Week:
    raise NotImplementedError


def average_weekly_earnings(*, payments: Sequence[EarningsPaid], qualifying_week: Week,
                            frequency: str) -> AverageWeeklyEarnings | None:
    raise NotImplementedError


def entitlement(*, payment: Payment, qualifying_week: Week, employment_start: datetime.date,
                leave_date: datetime.date | None, average_weekly_earnings: AverageWeeklyEarnings | None,
                employed_on: datetime.date | None = None) -> Entitlement:
    raise NotImplementedError


def payment_weeks(*, payment: Payment, pay_start: datetime.date, average_weekly_earnings: Decimal,
                  weeks: int | None = None) -> list[PaymentWeek]:
    raise NotImplementedError


def paid_within(weeks: Sequence[PaymentWeek], start: datetime.date,
                end: datetime.date) -> list[tuple[PaymentWeek, Decimal, int]]:
    raise NotImplementedError
