"""A payslip as the employee reads it, on a page and as a PDF (WeasyPrint).

``PayslipDocument`` holds what a payslip shows; ``payslip_document`` builds one from a calculated
payslip (``payroll.assembly``), so the page, the PDF and the stored figures never disagree.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string

from payroll.assembly import Line, Payslip
from payroll.explain import explain, pounds

YEAR_TO_DATE_ROWS = (("gross_pay", "Gross pay"), ("taxable_pay", "Taxable pay"), ("tax", "Income tax"),
                     ("employee_ni", "National Insurance"), ("pension_employee", "Pension contributions"),
                     ("student_loan", "Student loan"), ("postgraduate_loan", "Postgraduate loan"),
                     ("net_pay", "Net pay"))


@dataclass(frozen=True)
class PayslipDocument:
    employer_name: str
    employee_name: str
    payroll_number: str
    ni_number: str
    pay_date: datetime.date
    period_label: str
    tax_code: str
    tax_basis: str
    ni_category: str
    payments: tuple[Line, ...]
    deductions: tuple[Line, ...]
    employer_contributions: tuple[Line, ...]
    gross_pay: Decimal
    total_deductions: Decimal
    net_pay: Decimal
    year_to_date: tuple[tuple[str, Decimal], ...]
    explanation: tuple[str, ...]
    paid_to: str


def payslip_document(*, lines: Sequence[Line], result: dict[str, Any], year_to_date: dict[str, Decimal],
                     gross_pay: Decimal, net_pay: Decimal, employer_name: str, employee_name: str,
                     payroll_number: str, ni_number: str, pay_date: datetime.date, frequency: str, tax_period: int,
                     tax_year: str, tax_code: str, ni_category: str, account_number: str) -> PayslipDocument:
    """``result`` is the engine's result with its working; ``lines`` and the totals are the payslip's
    (which add reimbursements and deductions from net pay to the engine's figures)."""
    deductions = tuple(line for line in lines if line.section == "deduction")
    unit = "month" if frequency == "monthly" else "week"
    week1_month1 = result["working"]["paye"]["basis"] != "cumulative"
    explanation = explain(gross_pay=sum((line.amount for line in lines if line.section == "payment"
                                         and not line.after_tax), Decimal("0.00")),
                          frequency=frequency, result=result)
    after_tax = [line for line in lines if line.after_tax]
    for line in after_tax:
        how = "is added after tax, untaxed." if line.section == "payment" else "is taken from net pay."
        explanation.append(f"{line.description}: {pounds(line.amount)} {how}")
    if after_tax:
        explanation.append(f"You are paid {pounds(net_pay)}.")
    return PayslipDocument(
        employer_name=employer_name, employee_name=employee_name, payroll_number=payroll_number,
        ni_number=ni_number, pay_date=pay_date, period_label=f"Tax {unit} {tax_period}, {tax_year}",
        tax_code=tax_code, tax_basis=f"{unit.title()} 1" if week1_month1 else "Cumulative", ni_category=ni_category,
        payments=tuple(line for line in lines if line.section == "payment"), deductions=deductions,
        employer_contributions=tuple(line for line in lines if line.section == "employer"),
        gross_pay=gross_pay, total_deductions=sum((line.amount for line in deductions), Decimal("0.00")),
        net_pay=net_pay,
        year_to_date=tuple((label, Decimal(year_to_date.get(name, "0.00"))) for name, label in YEAR_TO_DATE_ROWS),
        explanation=tuple(explanation),
        paid_to=f"Account ending {account_number[-4:]}" if account_number else "No bank account held",
    )


def document_of_calculation(payslip: Payslip, **details: Any) -> PayslipDocument:
    """The document of a payslip just calculated (``payroll.assembly``)."""
    return payslip_document(lines=payslip.lines, result=payslip.result, gross_pay=payslip.gross_pay,
                            net_pay=payslip.net_pay, year_to_date=vars(payslip.ytd_after), **details)


def payslip_html(document: PayslipDocument) -> str:
    return render_to_string("payroll/payslip_document.html", {"payslip": document})


def payslip_pdf(document: PayslipDocument) -> bytes:
    """The payslip as a PDF: the same HTML, laid out for A4 by WeasyPrint."""
    from weasyprint import HTML

    return bytes(HTML(string=payslip_html(document)).write_pdf())
