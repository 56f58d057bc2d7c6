"""The payslip page and PDF show the calculated figures and say how they were worked out."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pypdf

from payroll.assembly import TAXABLE_PAYMENT, Element, PayrollProfile, YearToDate, payslip_for
from payroll.payslip_document import document_of_calculation, payslip_html, payslip_pdf

M = Decimal


def _document():
    slip = payslip_for(
        employee_ref="MJ0001", tax_year="2026-27", frequency="monthly", period=8,
        profile=PayrollProfile(tax_code="1257L", week1_month1=False, ni_category="A", student_loans=("plan2",),
                               pension_scheme="alpha"),
        elements=[Element("BASIC", "Basic pay", TAXABLE_PAYMENT, M("2750.00"), pensionable=True),
                  Element("LONDON", "London weighting", TAXABLE_PAYMENT, M("250.00"), pensionable=True)],
        ytd=YearToDate(taxable_pay=M("19000.00"), tax=M("1700.00"), gross_pay=M("21000.00")),
    )
    return slip, document_of_calculation(
        slip, employer_name="Ministry of Justice", employee_name="Asha Reid", payroll_number="MJ0001",
        ni_number="AB123456C", pay_date=datetime.date(2026, 11, 27), frequency="monthly", tax_period=8,
        tax_year="2026-27", tax_code="1257L", ni_category="A", account_number="12345678")


def test_the_pdf_carries_the_figures_the_calculation_produced():
    # given
    slip, document = _document()
    # when
    pdf = payslip_pdf(document)
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    # Compared without white space: PDF text extraction breaks lines where the layout does.
    flat = re.sub(r"\s+", "", text)

    def shown(phrase):
        return re.sub(r"\s+", "", phrase) in flat

    # then
    assert pdf.startswith(b"%PDF")
    assert shown(f"Net pay: £{slip.net_pay:,.2f}")
    assert shown("1257L (Cumulative)")
    assert shown("Tax month 8, 2026-27")
    assert shown("London weighting £250.00")
    assert shown("Account ending 5678")
    assert shown("How this was worked out")
    assert shown("Tax this month: £995.00.")


def test_the_page_lists_every_deduction_and_the_year_to_date():
    slip, document = _document()
    html = payslip_html(document)
    for line in slip.lines:
        if line.section == "deduction":
            assert line.description in html
    assert f"£{slip.ytd_after.gross_pay:,.2f}" in html
    assert "Employer pension contribution" in html
