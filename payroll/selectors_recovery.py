"""What a department may recover from HMRC of the statutory family payments it paid: per tax month
of a tax year and year to date, the same figures the recovery page, its API and the EPS's
``RecoverableAmountsYTD`` show.

An employer recovers a share of what it paid (the rates files' ``statutory_recovery_rate``, 92%);
one that qualifies for small employers' relief recovers all of it and an amount on top in
compensation for the employer's NICs paid on it (``small_employers_relief_rate``, e.g. 108.5%: the
part above 100% is the NIC compensation). Figures are worked out on the year to date and rounded
once to the penny, so each month is the difference between two years to date and the months add
up to the year exactly.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from departments.models import Department
from payroll.engine.family_pay import Payment
from payroll.engine.rates import rates_for
from payroll.models import PayRun, PayslipLine
from payroll.periods import MONTHLY, tax_period

__all__ = ["MonthRecovery", "PaymentRecovery", "StatutoryRecovery", "statutory_recovery", "tax_month_span"]

ZERO = Decimal("0.00")
PENNY = Decimal("0.01")
ONE = Decimal("1")
PAYMENTS: tuple[Payment, ...] = tuple(Payment)


@dataclass(frozen=True)
class PaymentRecovery:
    """One statutory payment in a tax month (or the year to date): paid, recovered, NIC compensation."""

    payment: Payment
    paid: Decimal
    recovered: Decimal
    nic_compensation: Decimal

    @property
    def recoverable(self) -> Decimal:
        return self.recovered + self.nic_compensation


@dataclass(frozen=True)
class MonthRecovery:
    """A tax month's figures (or, from ``StatutoryRecovery.year_to_date``, the year's up to it)."""

    tax_month: int
    first_day: datetime.date
    last_day: datetime.date
    payments: tuple[PaymentRecovery, ...]  # in ``PAYMENTS`` order

    def of(self, payment: Payment | str) -> PaymentRecovery:
        return next(row for row in self.payments if row.payment == payment)

    @property
    def paid(self) -> Decimal:
        return sum((row.paid for row in self.payments), ZERO)

    @property
    def recovered(self) -> Decimal:
        return sum((row.recovered for row in self.payments), ZERO)

    @property
    def nic_compensation(self) -> Decimal:
        return sum((row.nic_compensation for row in self.payments), ZERO)

    @property
    def recoverable(self) -> Decimal:
        return self.recovered + self.nic_compensation


@dataclass(frozen=True)
class StatutoryRecovery:
    tax_year: str
    small_employers_relief: bool
    rate: Decimal  # what is recovered of each pound paid, NIC compensation included (0.92, or 1.085)
    months: tuple[MonthRecovery, ...]  # tax months 1 to 12

    @property
    def recovered_rate(self) -> Decimal:
        return min(self.rate, ONE)

    @property
    def compensation_rate(self) -> Decimal:
        return max(self.rate - ONE, ZERO)

    @property
    def rate_percent(self) -> str:
        return _percent(self.rate)

    @property
    def compensation_percent(self) -> str:
        return _percent(self.compensation_rate)

    def year_to_date(self, tax_month: int = 12) -> MonthRecovery:
        """The year's figures from tax month 1 up to and including ``tax_month``."""
        upto = self.months[:tax_month]
        payments = tuple(PaymentRecovery(
            payment=payment, paid=sum((month.of(payment).paid for month in upto), ZERO),
            recovered=sum((month.of(payment).recovered for month in upto), ZERO),
            nic_compensation=sum((month.of(payment).nic_compensation for month in upto), ZERO))
            for payment in PAYMENTS)
        return MonthRecovery(tax_month=tax_month, first_day=self.months[0].first_day,
                             last_day=upto[-1].last_day, payments=payments)


def tax_month_span(tax_year: str, tax_month: int) -> tuple[datetime.date, datetime.date]:
    """The 6th of the tax month's calendar month to the 5th of the next (tax month 1: 6 April to 5 May)."""
    start_year = int(tax_year[:4])
    month = 3 + tax_month  # April is 4
    first = datetime.date(start_year + (month - 1) // 12, (month - 1) % 12 + 1, 6)
    after = datetime.date(start_year + month // 12, month % 12 + 1, 5)
    return first, after


def _percent(rate: Decimal) -> str:
    """0.92 as "92", 1.085 as "108.5"."""
    return f"{(rate * 100).normalize():f}"


def _rounded(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def statutory_recovery(*, department: Department, tax_year: str) -> StatutoryRecovery:
    """The department's statutory family payments and what it may recover of them, per tax month of
    ``tax_year`` (e.g. "2026-27"; ``payroll.engine.rates.RatesError`` when no rates file has it).

    A payment counts in the tax month of its run's pay date, for every finalised run of the year,
    supplementary runs included (their lines are the period's differences, so summing every run's
    lines is right). Runs in the department's context.
    """
    statutory = rates_for(tax_year).statutory
    relief = bool(department.small_employers_relief)
    rate = Decimal(statutory.small_employers_relief_rate if relief else statutory.statutory_recovery_rate)
    first_day, last_day = tax_month_span(tax_year, 1)[0], tax_month_span(tax_year, 12)[1]
    runs = PayRun.objects.filter(department=department, tax_year=tax_year, status=PayRun.Status.FINALISED,
                                 pay_date__gte=first_day, pay_date__lte=last_day)
    paid: dict[tuple[int, str], Decimal] = {}
    for row in (PayslipLine.objects.filter(run__in=runs, code__in=[payment.value for payment in PAYMENTS])
                .values("run__pay_date", "code").annotate(total=Sum("amount")).order_by()):
        key = (tax_period(MONTHLY, row["run__pay_date"]), row["code"])
        paid[key] = paid.get(key, ZERO) + row["total"]
    recovered_rate, compensation_rate = min(rate, ONE), max(rate - ONE, ZERO)
    running = dict.fromkeys(PAYMENTS, ZERO)
    before = {payment: (ZERO, ZERO) for payment in PAYMENTS}
    months = []
    for tax_month in range(1, 13):
        rows = []
        for payment in PAYMENTS:
            in_month = paid.get((tax_month, payment.value), ZERO)
            running[payment] += in_month
            to_date = (_rounded(running[payment] * recovered_rate), _rounded(running[payment] * compensation_rate))
            rows.append(PaymentRecovery(payment=payment, paid=in_month, recovered=to_date[0] - before[payment][0],
                                        nic_compensation=to_date[1] - before[payment][1]))
            before[payment] = to_date
        first, last = tax_month_span(tax_year, tax_month)
        months.append(MonthRecovery(tax_month=tax_month, first_day=first, last_day=last, payments=tuple(rows)))
    return StatutoryRecovery(tax_year=tax_year, small_employers_relief=relief, rate=rate, months=tuple(months))
