"""P60s built from a real year's finalised runs: the figures, the PDF an employee downloads from their
payslips page, and who gets one (everyone employed on 5 April who was paid in the year)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from hr.models import Employee
from payroll.models import Payslip
from payroll.p60 import NiPeriod, p60_for
from payroll.p60_document import NI_ROWS, p60_pdf, p60_pdfs
from payroll.selectors_year_end import p60_employee_ids, p60s_for

pytestmark = pytest.mark.django_db
D = datetime.date


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_p60_carries_the_year_to_date_figures_of_the_last_finalised_payslip(moj, monthly, pay, in_department,
                                                                               finance_setting):
    # given February and March 2026 paid and finalised (the last two months of 2025-26)
    pay(monthly, D(2026, 2, 10))
    march = pay(monthly, D(2026, 3, 10))
    with in_department(moj):
        Employee.objects.filter(pk=finance_setting.claimant.pk).update(ni_number="AB123456C")
        last = Payslip.objects.get(run=march, employee=finance_setting.claimant)
        # when the year's P60s are built
        (p60,) = p60s_for(department=moj.department, tax_year="2025-26", employee_ids=[finance_setting.claimant.pk])
    # then pay and tax are the year to date of the March payslip: two months of £2,500
    assert p60.pay == Decimal(last.year_to_date["taxable_pay"]) == Decimal("5000.00")
    assert p60.tax == Decimal(last.year_to_date["tax"]) == last.income_tax * 2
    assert p60.total_pay == Decimal("5000.00")
    assert (p60.final_tax_code, p60.ni_number, p60.payroll_number) == ("1257L", "AB123456C", "E0001")
    assert p60.year_end == D(2026, 4, 5)
    # and NI is split into the bands of 2025-26's monthly thresholds (LEL £542, PT £1,048), twice
    (letter,) = p60.ni
    assert letter.letter == "A"
    assert (letter.at_lel, letter.lel_to_pt, letter.pt_to_uel) == (Decimal("1084.00"), Decimal("1012.00"),
                                                                    Decimal("2904.00"))
    assert letter.employee_contributions == last.employee_ni * 2


def test_the_p60_pdf_shows_the_figures(moj, monthly, pay, in_department, finance_setting):
    # given a finalised March 2026 run
    pay(monthly, D(2026, 3, 10))
    with in_department(moj):
        p60s = p60s_for(department=moj.department, tax_year="2025-26",
                        employee_ids=[finance_setting.claimant.pk, finance_setting.manager.pk])
    # when their PDFs are rendered in one batch
    first, second = p60_pdfs(p60s)
    text = _text(first)
    # then each is its own document, with its employee's figures
    assert "P60 End of Year Certificate" in text
    assert "Tax year to 5 April 2026" in text
    assert "E0001" in text
    assert "M0001" not in text
    assert "£2,500.00" in text
    assert f"£{p60s[0].tax:,.2f}" in text
    assert "1257L" in text
    assert moj.department.name in text
    assert "M0001" in _text(second)


def test_only_people_employed_on_5_april_and_paid_in_the_year_get_one(moj, monthly, pay, in_department,
                                                                      finance_setting):
    # given a run in March 2026, then the manager leaving on 5 April 2026 and the colleague on 6 April
    pay(monthly, D(2026, 3, 10))
    with in_department(moj):
        Employee.objects.filter(pk=finance_setting.manager.pk).update(leave_date=D(2026, 4, 5))
        Employee.objects.filter(pk=finance_setting.colleague.pk).update(leave_date=D(2026, 4, 6))
        # then the manager gets a P45 instead, and the colleague still gets a P60
        assert p60_employee_ids(tax_year="2025-26") == sorted([finance_setting.claimant.pk,
                                                               finance_setting.colleague.pk])
        # and nobody gets one for a year nobody was paid in
        assert p60_employee_ids(tax_year="2024-25") == []


def test_a_refund_is_marked_and_loans_are_whole_pounds():
    # given a year ending in a net refund, with loan deductions in pence
    p60 = p60_for(tax_year="2026-27", surname="Khan", forenames="Amir", ni_number="", payroll_number="7",
                  year_to_date={"taxable_pay": "1000.00", "tax": "-20.00", "student_loan": "99.99",
                                "postgraduate_loan": "12.50"},
                  tax_code="1257L", week1_month1=True, frequency="monthly",
                  periods=[NiPeriod("A", Decimal("1000.00"), {"LEL": "559", "PT": "1048", "UEL": "4189"})],
                  employee_ni_by_letter={"A": "0"}, employer_name="DWP", employer_paye_reference="120/AB1")
    # then the refund is flagged, loans rounded down, the code shows its basis
    assert p60.tax_refunded
    assert (p60.student_loan, p60.postgraduate_loan) == (Decimal("99"), Decimal("12"))
    assert p60.final_tax_code == "1257L M1"
    assert [(row.at_lel, row.lel_to_pt, row.pt_to_uel) for row in p60.ni] == [
        (Decimal("559.00"), Decimal("441.00"), Decimal("0.00"))]
    assert "£20.00 R" in _text(p60_pdfs([p60])[0])
    assert "£20.00 R" in _text(p60_pdf(p60))


def test_an_employee_downloads_their_own_p60_from_their_payslips_page(client, moj, monthly, pay, in_department,
                                                                      finance_setting):
    # given March 2026 paid and finalised, the claimant signed in
    pay(monthly, D(2026, 3, 10))
    client.force_login(moj.employee)
    # when they open their payslips page
    page = client.get(f"/departments/{moj.slug}/payroll/me/payslips/").content.decode()
    # then the 2025-26 P60 is offered, and its PDF is theirs
    assert "P60 for the tax year 2025-26" in page
    response = client.get(f"/departments/{moj.slug}/payroll/me/p60/2025-26/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    assert "E0001" in text
    assert "Esme" in text
    # and a year they have no P60 for, or one not yet over, is not found
    assert client.get(f"/departments/{moj.slug}/payroll/me/p60/2024-25/").status_code == 404
    assert client.get(f"/departments/{moj.slug}/payroll/me/p60/2026-27/").status_code == 404


def test_a_p60_the_form_cannot_hold_is_laid_out_whole():
    # given a year with more NI table letters than the form has rows, and a name outside Windows-1252
    def p60(letters, surname="Smith"):
        return p60_for(tax_year="2026-27", surname=surname, forenames="Ann", ni_number="", payroll_number="9",
                       year_to_date={"taxable_pay": "100.00", "tax": "0"}, tax_code="1257L", week1_month1=False,
                       frequency="monthly", periods=[], employee_ni_by_letter={letter: "1.00" for letter in letters},
                       employer_name="DWP", employer_paye_reference="120/AB1")
    many = p60("ABCJHMZ"[:NI_ROWS + 1])
    polish = p60("A", surname="Łukasiewicz")
    # when they are rendered
    many_pdf, polish_pdf = p60_pdfs([many, polish])
    # then every letter and the name are on them
    assert all(f"{letter} £" in _text(many_pdf) or f"{letter}£" in _text(many_pdf) for letter in "ABCJHM")
    assert "Łukasiewicz" in _text(polish_pdf)
