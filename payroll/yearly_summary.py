"""An employee's yearly summary: every payslip published to them in one tax year, one row each, with
the year's totals. Plain Python: the page, the PDF and the API all show what this builds.

Each row is one finalised payslip's own figures, so a supplementary run's correction is its own
row (it paid only the difference) and the totals are the payslips' figures added up, to the penny.
Pay from another payroll earlier in the year (opening balances, a previous employer) is on no
payslip here, so it is in no total; the P60 carries it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal

ZERO = Decimal("0.00")
TAX_YEAR = re.compile(r"^(\d{4})-(\d{2})$")
# The statutory payments a payslip can carry, by their element code (``payroll.assembly``).
STATUTORY_PAYMENTS = (("SSP", "Statutory Sick Pay"), ("SMP", "Statutory Maternity Pay"),
                      ("SPP", "Statutory Paternity Pay"), ("SHPP", "Statutory Shared Parental Pay"),
                      ("SAP", "Statutory Adoption Pay"), ("SPBP", "Statutory Parental Bereavement Pay"),
                      ("SNCP", "Statutory Neonatal Care Pay"))
STATUTORY_CODES = tuple(code for code, _ in STATUTORY_PAYMENTS)


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    explanation: str


# The figures of a row, in the order the table shows them, each with what it means to the reader.
COLUMNS = (
    Column("gross_pay", "Gross pay", "Everything you were paid before anything was taken off, including overtime, "
                                     "allowances and statutory payments."),
    Column("taxable_pay", "Taxable pay", "The part of your pay Income Tax is worked out on: gross pay less pension "
                                         "contributions and anything else paid before tax or untaxed."),
    Column("income_tax", "Income tax", "Income Tax taken under PAYE. A negative figure is a refund."),
    Column("employee_ni", "National Insurance", "Your National Insurance contributions (the employee's share)."),
    Column("pension_employee", "Pension", "Your own contributions to your pension scheme."),
    Column("student_loan", "Student loan", "Student Loan repayments (plans 1, 2, 4 and 5)."),
    Column("postgraduate_loan", "Postgraduate loan", "Postgraduate Loan repayments."),
    Column("statutory_pay", "Statutory payments", "Statutory Sick Pay and statutory family pay (maternity, "
                                                  "paternity, shared parental, adoption, bereavement, neonatal "
                                                  "care) included in your gross pay."),
    Column("net_pay", "Net pay", "What was paid into your bank account."),
)


class YearlySummaryError(ValueError):
    """A tax year a summary cannot be built for; the message names the field."""


def tax_year_checked(tax_year: str) -> str:
    """``tax_year`` when it is a tax year written like "2026-27", or ``YearlySummaryError``."""
    match = TAX_YEAR.match(tax_year or "")
    if match is None or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise YearlySummaryError(f"tax_year: {tax_year!r} is not a tax year like '2026-27' (the year it starts, a "
                                 "hyphen, and the last two digits of the next year)")
    return tax_year


@dataclass(frozen=True)
class Figures:
    gross_pay: Decimal = ZERO
    taxable_pay: Decimal = ZERO
    income_tax: Decimal = ZERO
    employee_ni: Decimal = ZERO
    pension_employee: Decimal = ZERO
    student_loan: Decimal = ZERO
    postgraduate_loan: Decimal = ZERO
    statutory_pay: Decimal = ZERO
    net_pay: Decimal = ZERO

    def __add__(self, other: Figures) -> Figures:
        return Figures(**{name: getattr(self, name) + getattr(other, name) for name in FIGURE_NAMES})

    @property
    def cells(self) -> list[tuple[Column, Decimal]]:
        """Each column with its amount, in the table's order."""
        return [(column, getattr(self, column.name)) for column in COLUMNS]


FIGURE_NAMES = tuple(field.name for field in fields(Figures))


@dataclass(frozen=True)
class PayslipFigures:
    """What the summary needs of one published payslip: its stored figures and its statutory lines."""

    payslip_id: int
    run_id: int
    pay_date: datetime.date
    frequency: str
    tax_period: int
    correction: bool  # paid by a supplementary run
    gross_pay: Decimal
    taxable_pay: Decimal
    income_tax: Decimal
    employee_ni: Decimal
    pension_employee: Decimal
    student_loan: Decimal
    postgraduate_loan: Decimal
    net_pay: Decimal
    statutory: Mapping[str, Decimal]  # element code -> amount paid on this payslip


@dataclass(frozen=True)
class SummaryRow:
    payslip_id: int
    run_id: int
    pay_date: datetime.date
    period_label: str
    correction: bool
    figures: Figures


@dataclass(frozen=True)
class YearlySummary:
    tax_year: str
    employer_name: str
    employee_name: str
    payroll_number: str
    rows: tuple[SummaryRow, ...]
    totals: Figures
    statutory_totals: tuple[tuple[str, Decimal], ...]  # (label, amount) of each payment made in the year

    @property
    def starts(self) -> datetime.date:
        return datetime.date(int(self.tax_year[:4]), 4, 6)

    @property
    def ends(self) -> datetime.date:
        return datetime.date(int(self.tax_year[:4]) + 1, 4, 5)


def period_label(frequency: str, tax_period: int, *, correction: bool = False) -> str:
    """"Month 8" or "Week 34"; a supplementary run's payslip is that period's correction."""
    label = f"{'Month' if frequency == 'monthly' else 'Week'} {tax_period}"
    return f"{label} (correction)" if correction else label


def yearly_summary_for(*, tax_year: str, employer_name: str, employee_name: str, payroll_number: str,
                       payslips: Iterable[PayslipFigures]) -> YearlySummary:
    """The summary of ``tax_year`` from the year's published payslips, in the order they were paid.

    Totals are the sum of the rows, so they equal the payslips' own figures added up exactly.
    """
    tax_year_checked(tax_year)
    rows = []
    totals = Figures()
    statutory = dict.fromkeys(STATUTORY_CODES, ZERO)
    for slip in sorted(payslips, key=lambda slip: (slip.pay_date, slip.run_id, slip.payslip_id)):
        unknown = set(slip.statutory) - set(STATUTORY_CODES)
        if unknown:
            raise YearlySummaryError(f"statutory: {', '.join(sorted(unknown))} is not a statutory payment")
        figures = Figures(gross_pay=slip.gross_pay, taxable_pay=slip.taxable_pay, income_tax=slip.income_tax,
                          employee_ni=slip.employee_ni, pension_employee=slip.pension_employee,
                          student_loan=slip.student_loan, postgraduate_loan=slip.postgraduate_loan,
                          statutory_pay=sum(slip.statutory.values(), ZERO), net_pay=slip.net_pay)
        for code, amount in slip.statutory.items():
            statutory[code] += amount
        totals += figures
        rows.append(SummaryRow(payslip_id=slip.payslip_id, run_id=slip.run_id, pay_date=slip.pay_date,
                               period_label=period_label(slip.frequency, slip.tax_period, correction=slip.correction),
                               correction=slip.correction, figures=figures))
    return YearlySummary(
        tax_year=tax_year, employer_name=employer_name, employee_name=employee_name, payroll_number=payroll_number,
        rows=tuple(rows), totals=totals,
        statutory_totals=tuple((label, statutory[code]) for code, label in STATUTORY_PAYMENTS if statutory[code]))
