"""A leaver's P45: its boxes from the last finalised payslip's year to date, as a PDF for HR (the
HR record links to it), for the leaver in self-service, and through the API; never before the
final pay is finalised, never for someone who has not left, never a colleague's."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pypdf
import pytest
from django.utils import timezone

from departments.models import Department
from hr import services as hr_services
from hr.models import Employee
from hr.services.employees import employee_tax_code_set
from payroll import services
from payroll.models import Payslip, TaxCodeNotice
from payroll.p45 import P45Error, p45_figures
from payroll.selectors import period_of

D = datetime.date


def _figures(**overrides):
    arguments = {
        "employer_name": "Ministry of Justice", "employer_paye_reference": "120/AB12345", "ni_number": "AB123456C",
        "title": "Ms", "surname": "Smith", "first_names": "Jane", "leaving_date": D(2026, 11, 14),
        "student_loans": ["plan2"], "tax_code": "1257L", "week1_month1": False, "frequency": "monthly",
        "tax_period": 8, "tax_year": "2026-27", "pay_to_date": Decimal("20000.00"), "tax_to_date": Decimal("2322.80"),
        "previous_pay": None, "previous_tax": None, "payroll_number": "MOJ-000123", "department": "MOJ",
        "sex": "F", "date_of_birth": D(1985, 3, 14), "address": ["1 High Street", "", "Leeds", "LS1 1AA"]}
    return p45_figures(**{**arguments, **overrides})


def test_a_cumulative_leaver_has_totals_in_box_7_and_box_8_blank():
    p45 = _figures()
    assert (p45.tax_code_box, p45.period_unit, p45.period_number) == ("1257L", "Month", 8)
    assert (p45.total_pay_to_date, p45.total_tax_to_date) == (Decimal("20000.00"), Decimal("2322.80"))
    assert (p45.this_employment_pay, p45.this_employment_tax) == (None, None)
    assert p45.student_loan_continues
    assert not p45.postgraduate_loan_continues
    assert p45.address == ("1 High Street", "Leeds", "LS1 1AA")


def test_week1_month1_marks_box_6_with_x_and_leaves_box_7_blank():
    p45 = _figures(tax_code="1257L", week1_month1=True)
    assert p45.tax_code_box == "1257L X"
    assert (p45.total_pay_to_date, p45.total_tax_to_date) == (None, None)
    assert (p45.this_employment_pay, p45.this_employment_tax) == (Decimal("20000.00"), Decimal("2322.80"))


def test_pay_from_earlier_employments_adds_to_box_7_and_box_8_shows_this_employment():
    p45 = _figures(previous_pay=Decimal("5000.00"), previous_tax=Decimal("400.00"), student_loans=["pgl"])
    assert (p45.total_pay_to_date, p45.total_tax_to_date) == (Decimal("25000.00"), Decimal("2722.80"))
    assert (p45.this_employment_pay, p45.this_employment_tax) == (Decimal("20000.00"), Decimal("2322.80"))
    assert not p45.student_loan_continues
    assert p45.postgraduate_loan_continues


def test_a_payslip_without_a_tax_code_gives_no_p45():
    with pytest.raises(P45Error, match="no tax code"):
        _figures(tax_code=" ")


# --- Through a real pay run -------------------------------------------------------------------------

@pytest.fixture
def leaver_paid(moj, finance_setting, approved_run, in_department):
    """Esme (E0001, moj's employee persona) leaves in this month's period; the run paying her final
    pay is approved, not yet finalised."""
    Department.objects.filter(pk=moj.department.pk).update(employer_paye_reference="120/AB12345")
    moj.department.refresh_from_db()

    def leave(schedule):
        with in_department(moj):
            employee = Employee.objects.get(payroll_number="E0001")
            employee_tax_code_set(employee=employee, tax_code="1185L", tax_basis="cumulative",
                                              acting_user=None, reason="set-up")
            Employee.objects.filter(pk=employee.pk).update(student_loans=["plan2"])
        with in_department(moj):
            period = period_of(schedule, timezone.localdate())
            hr_services.employee_leave(employee=Employee.objects.get(payroll_number="E0001"),
                                       leave_date=period.start + datetime.timedelta(days=9),
                                       reason=Employee.LeaveReason.RESIGNATION, acting_user=moj.hr_officer)

    return approved_run(before_open=leave)


def _pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_the_p45_carries_the_final_payslips_year_to_date(client, moj, leaver_paid, in_department):
    # given the run paying the leaver's final pay
    run = leaver_paid
    client.force_login(moj.hr_officer)
    url = f"/departments/{moj.slug}/payroll/employees/E0001/p45/"
    # then before it is finalised there is no P45 yet
    assert "ready once the run" in client.get(url).content.decode()
    assert client.get(f"/departments/{moj.slug}/payroll/employees/E0001/p45.pdf").status_code == 404
    # when it is finalised
    services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
    with in_department(moj):
        payslip = Payslip.objects.get(run=run, employee__payroll_number="E0001")
        leave_date = Employee.objects.get(payroll_number="E0001").leave_date
    pay, tax = Decimal(payslip.year_to_date["taxable_pay"]), Decimal(payslip.year_to_date["tax"])
    # then the HR record links to the P45, and the P45 shows the leaving date, code and totals to date
    record = client.get(f"/departments/{moj.slug}/hr/employees/E0001/").content.decode()
    assert f'href="{url}"' in record
    page = client.get(url).content.decode()
    assert f"£{pay:,.2f}" in page
    assert f"£{tax:,.2f}" in page
    pdf = client.get(f"/departments/{moj.slug}/payroll/employees/E0001/p45.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = _pdf_text(pdf.content)
    assert leave_date.strftime("%d %m %Y") in text
    assert "1185L" in text
    assert f"Month {run.tax_period}" in text
    assert f"£{pay:,.2f}" in text
    assert f"£{tax:,.2f}" in text
    assert "120/AB12345" in text
    assert re.search(r"Student Loan deductions to\s+continue\s+Y\b", text)


def test_the_leaver_sees_their_own_p45_and_no_one_elses(client, moj, leaver_paid, in_department):
    services.pay_run_finalise(run=leaver_paid, acting_user=moj.payroll_approver)
    with in_department(moj):
        hr_services.employee_leave(employee=Employee.objects.get(payroll_number="M0001"), leave_date=D(2099, 1, 1),
                                   reason=Employee.LeaveReason.RETIREMENT, acting_user=moj.hr_officer)
    client.force_login(moj.employee)  # Esme, E0001
    own = client.get(f"/departments/{moj.slug}/payroll/employees/E0001/p45.pdf")
    assert own.content.startswith(b"%PDF")
    assert client.get(f"/departments/{moj.slug}/payroll/employees/M0001/p45/").status_code == 404


def test_the_api_gives_the_p45_pdf_and_refuses_until_the_final_pay_is_finalised(api_client, moj, dft, leaver_paid):
    api_client.force_login(moj.payroll_officer)
    url = f"/api/v1/departments/{moj.slug}/payroll/employees/E0001/p45.pdf"
    early = api_client.get(url)
    assert early.status_code == 409
    assert early["Content-Type"].startswith("application/problem+json")
    services.pay_run_finalise(run=leaver_paid, acting_user=moj.payroll_approver)
    response = api_client.get(url)
    assert response.content.startswith(b"%PDF")
    # someone still employed has no P45, and another department's caller cannot reach this one
    assert api_client.get(f"/api/v1/departments/{moj.slug}/payroll/employees/E0002/p45.pdf").status_code == 404
    api_client.force_login(dft.payroll_officer)
    assert api_client.get(url).status_code == 404


def test_a_p6b_gives_the_p45_the_pay_and_tax_of_earlier_employments(moj, leaver_paid, in_department):
    from payroll.p45_document import p45_of_leaver

    services.pay_run_finalise(run=leaver_paid, acting_user=moj.payroll_approver)
    with in_department(moj):
        employee = Employee.objects.get(payroll_number="E0001")
        TaxCodeNotice.objects.create(department=moj.department, employee=employee, form="P6B", tax_code="1185L",
                                     effective_from=D(int(leaver_paid.tax_year[:4]), 6, 1),
                                     previous_pay=Decimal("5000.00"), previous_tax=Decimal("400.00"),
                                     status=TaxCodeNotice.Status.APPLIED)
        p45 = p45_of_leaver(employee=employee, department=moj.department)
        payslip = Payslip.objects.get(run=leaver_paid, employee=employee)
    assert p45.total_pay_to_date == Decimal(payslip.year_to_date["taxable_pay"]) + Decimal("5000.00")
    assert p45.this_employment_tax == Decimal(payslip.year_to_date["tax"])
