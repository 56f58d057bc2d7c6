"""A leaver's P45 (details of employee leaving work): the figures of its boxes, from the leaver's
last finalised payslip. Plain Python: the page, the PDF and the API all show what this builds.

The boxes follow HMRC's P45 (RTI.md §8.2): Part 1A is the employee's copy, Parts 2 and 3 go to
the new employer; Part 1 is no longer sent to HMRC (the FPS carries the leaving date instead).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

POSTGRADUATE_LOAN = "pgl"
ZERO = Decimal("0.00")


class P45Error(ValueError):
    """A P45 that cannot be written; the message says why in words for the reader."""


@dataclass(frozen=True)
class P45:
    employer_name: str
    employer_paye_reference: str  # box 1: office number / reference
    ni_number: str  # box 2
    title: str  # box 3
    surname: str
    first_names: str
    leaving_date: datetime.date  # box 4
    student_loan_continues: bool  # box 5: "Y" when a plan is being repaid (CSLM10211)
    postgraduate_loan_continues: bool
    tax_code: str  # box 6, with "X" beside it on a week 1/month 1 basis
    week1_month1: bool
    period_unit: str  # box 7: "Week" or "Month"
    period_number: int
    total_pay_to_date: Decimal | None  # box 7: blank on a week 1/month 1 basis
    total_tax_to_date: Decimal | None
    this_employment_pay: Decimal | None  # box 8: only when different from box 7
    this_employment_tax: Decimal | None
    payroll_number: str  # box 9
    department: str
    sex: str  # box 10
    date_of_birth: datetime.date  # box 11
    address: tuple[str, ...]  # box 12
    tax_year: str

    @property
    def tax_code_box(self) -> str:
        return f"{self.tax_code} X" if self.week1_month1 else self.tax_code


def _code_without_basis(tax_code: str) -> tuple[str, bool]:
    """A code as stored may carry HMRC's W1/M1/X marker; the P45 shows the basis as box 6's X."""
    text = "".join(tax_code.upper().split())
    bare = re.sub(r"(W1|M1|X)$", "", text)
    return bare, bare != text


def p45_figures(*, employer_name: str, employer_paye_reference: str, ni_number: str, title: str, surname: str,
                first_names: str, leaving_date: datetime.date, student_loans: Sequence[str], tax_code: str,
                week1_month1: bool, frequency: str, tax_period: int, tax_year: str, pay_to_date: Decimal,
                tax_to_date: Decimal, previous_pay: Decimal | None, previous_tax: Decimal | None,
                payroll_number: str, department: str, sex: str, date_of_birth: datetime.date,
                address: Sequence[str]) -> P45:
    """The P45 of a leaver whose last payslip was for ``tax_period`` of ``tax_year`` and brought
    this employment's year to date to ``pay_to_date`` (taxable pay) and ``tax_to_date``.

    Box 7 carries the totals for the year, earlier employments included (``previous_pay`` and
    ``previous_tax``, from a P45 or P6B), and is left blank on a week 1/month 1 basis, where the
    new employer cannot use cumulative figures; box 8 then holds this employment's figures, as it
    does whenever they differ from box 7's.
    """
    if not tax_code.strip():
        raise P45Error("The last payslip has no tax code, so the P45 cannot show one.")
    if tax_period < 1:
        raise P45Error(f"Tax period {tax_period} is not a period of the tax year.")
    code, marked = _code_without_basis(tax_code)
    non_cumulative = week1_month1 or marked
    earlier_pay, earlier_tax = previous_pay or ZERO, previous_tax or ZERO
    has_earlier = previous_pay is not None or previous_tax is not None
    total_pay, total_tax = pay_to_date + earlier_pay, tax_to_date + earlier_tax
    this_shown = non_cumulative or has_earlier
    return P45(
        employer_name=employer_name, employer_paye_reference=employer_paye_reference, ni_number=ni_number,
        title=title, surname=surname, first_names=first_names, leaving_date=leaving_date,
        student_loan_continues=any(plan != POSTGRADUATE_LOAN for plan in student_loans),
        postgraduate_loan_continues=POSTGRADUATE_LOAN in student_loans,
        tax_code=code, week1_month1=non_cumulative,
        period_unit="Month" if frequency == "monthly" else "Week", period_number=tax_period,
        total_pay_to_date=None if non_cumulative else total_pay,
        total_tax_to_date=None if non_cumulative else total_tax,
        this_employment_pay=pay_to_date if this_shown else None,
        this_employment_tax=tax_to_date if this_shown else None,
        payroll_number=payroll_number, department=department, sex=sex, date_of_birth=date_of_birth,
        address=tuple(line for line in address if line.strip()), tax_year=tax_year,
    )
