"""The P60, the end-of-year certificate every employee on the payroll on 5 April gets (RTI.md §8.1):
plain Python built from what the year's finalised payslips hold.

``p60_for`` takes the employee's last finalised payslip of the year (its year-to-date figures and
its tax code) and the NI facts of each period of the year, and returns the figures the form shows:
pay and tax in previous and in this employment, the final tax code, the NI bands and contributions
per table letter, statutory payments, and student and postgraduate loan deductions in whole pounds.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_FLOOR, Decimal
from typing import Any

ZERO = Decimal("0.00")
POUND = Decimal("1")
# The statutory payments a P60 lists (the 2025-26 form added neonatal care pay; RTI.md §8.1).
STATUTORY_PAYMENTS = (("SMP", "Statutory Maternity Pay"), ("SPP", "Statutory Paternity Pay"),
                      ("SHPP", "Statutory Shared Parental Pay"), ("SAP", "Statutory Adoption Pay"),
                      ("SPBP", "Statutory Parental Bereavement Pay"), ("SNCP", "Statutory Neonatal Care Pay"))


class P60Error(ValueError):
    """Figures a P60 cannot be built from; the message names the field."""


@dataclass(frozen=True)
class NiPeriod:
    """One period's NI facts as the payslip's working recorded them: the table letter, the NIable
    pay and the thresholds the engine used (``working["ni"]``)."""

    letter: str
    nicable_pay: Decimal
    thresholds: Mapping[str, Any]


@dataclass(frozen=True)
class NiLetterYear:
    """The P60's NI row for one table letter: earnings in each band and the employee's contributions."""

    letter: str
    at_lel: Decimal
    lel_to_pt: Decimal
    pt_to_uel: Decimal
    employee_contributions: Decimal


@dataclass(frozen=True)
class P60:
    tax_year: str
    year_end: datetime.date
    surname: str
    forenames: str
    ni_number: str
    payroll_number: str
    previous_pay: Decimal
    previous_tax: Decimal
    pay: Decimal
    tax: Decimal
    final_tax_code: str
    ni: tuple[NiLetterYear, ...]
    statutory_payments: tuple[tuple[str, Decimal], ...]
    student_loan: Decimal
    postgraduate_loan: Decimal
    employer_name: str
    employer_paye_reference: str

    @property
    def total_pay(self) -> Decimal:
        return self.previous_pay + self.pay

    @property
    def total_tax(self) -> Decimal:
        return self.previous_tax + self.tax

    @property
    def tax_amount(self) -> Decimal:
        """This employment's tax as the form prints it: unsigned, a refund marked ``R`` beside it."""
        return abs(self.tax)

    @property
    def tax_refunded(self) -> bool:
        """The form marks this employment's tax ``R`` when the year ends with a net refund."""
        return self.tax < 0


def _money(field: str, value: Any) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0"))
    except ArithmeticError:
        raise P60Error(f"{field}: {value!r} is not an amount") from None
    if not amount.is_finite():
        raise P60Error(f"{field}: {value!r} is not an amount")
    return amount.quantize(Decimal("0.01"))


def ni_bands(nicable_pay: Decimal, thresholds: Mapping[str, Any]) -> tuple[Decimal, Decimal, Decimal]:
    """(at the LEL, above the LEL to the PT, above the PT to the UEL) for one period's NIable pay.

    Pay below the LEL counts in no band; earnings at the LEL are whole pounds, as the FPS reports
    them (RTI.md §3.2).
    """
    lel, pt, uel = (_money(f"thresholds.{name}", thresholds.get(name)) for name in ("LEL", "PT", "UEL"))
    if not lel or nicable_pay < lel:
        return ZERO, ZERO, ZERO
    return (lel.quantize(POUND, rounding=ROUND_FLOOR).quantize(Decimal("0.01")), min(nicable_pay, pt) - lel,
            max(ZERO, min(nicable_pay, uel) - pt))


def final_code(tax_code: str, week1_month1: bool, frequency: str) -> str:
    """The code as the form shows it, with the non-cumulative marker when the basis was week 1/month 1."""
    code = "".join(tax_code.upper().split())
    if week1_month1 and not code.endswith(("W1", "M1", "X")):
        code += " W1" if frequency == "weekly" else " M1"
    return code


def p60_for(*, tax_year: str, surname: str, forenames: str, ni_number: str, payroll_number: str,
            year_to_date: Mapping[str, Any], tax_code: str, week1_month1: bool, frequency: str,
            periods: Iterable[NiPeriod], employee_ni_by_letter: Mapping[str, Any],
            statutory: Mapping[str, Any] | None = None, previous_pay: Any = ZERO, previous_tax: Any = ZERO,
            employer_name: str, employer_paye_reference: str) -> P60:
    """One employee's P60 for ``tax_year`` ("2026-27").

    ``year_to_date`` is the last finalised payslip's ``year_to_date`` (opening balances from a
    previous payroll of the same employment included); ``periods`` are the year's periods, each
    counted once (the latest payslip of a period stands for it); ``employee_ni_by_letter`` sums the
    employee's contributions per letter. Loans are shown in whole pounds, rounded down, as on the form.
    """
    if len(tax_year) != 7 or not tax_year[:4].isdigit():
        raise P60Error(f"tax_year: {tax_year!r} is not a tax year like '2026-27'")
    bands: dict[str, list[Decimal]] = {}
    for period in periods:
        row = bands.setdefault(period.letter, [ZERO, ZERO, ZERO])
        for index, amount in enumerate(ni_bands(_money("nicable_pay", period.nicable_pay), period.thresholds)):
            row[index] += amount
    letters = sorted(set(bands) | {letter for letter, amount in employee_ni_by_letter.items() if amount})
    ni = []
    for letter in letters:
        at_lel, lel_to_pt, pt_to_uel = bands.get(letter, [ZERO, ZERO, ZERO])
        ni.append(NiLetterYear(letter, at_lel, lel_to_pt, pt_to_uel,
                               _money(f"employee_ni.{letter}", employee_ni_by_letter.get(letter))))
    statutory = statutory or {}
    return P60(
        tax_year=tax_year, year_end=datetime.date(int(tax_year[:4]) + 1, 4, 5), surname=surname, forenames=forenames,
        ni_number=ni_number, payroll_number=payroll_number,
        previous_pay=_money("previous_pay", previous_pay), previous_tax=_money("previous_tax", previous_tax),
        pay=_money("year_to_date.taxable_pay", year_to_date.get("taxable_pay")),
        tax=_money("year_to_date.tax", year_to_date.get("tax")),
        final_tax_code=final_code(tax_code, week1_month1, frequency), ni=tuple(ni),
        statutory_payments=tuple((label, _money(f"statutory.{code}", statutory.get(code)))
                                 for code, label in STATUTORY_PAYMENTS),
        student_loan=_money("year_to_date.student_loan", year_to_date.get("student_loan")).quantize(
            POUND, rounding=ROUND_DOWN),
        postgraduate_loan=_money("year_to_date.postgraduate_loan", year_to_date.get("postgraduate_loan")).quantize(
            POUND, rounding=ROUND_DOWN),
        employer_name=employer_name, employer_paye_reference=employer_paye_reference,
    )
