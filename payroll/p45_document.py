"""A leaver's P45 as a page and a PDF (WeasyPrint), written from their last finalised payslip with
``payroll.p45``. Run in the department's context."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpResponse
from django.template.loader import render_to_string

from departments.models import Department
from hr.models import Employee
from payroll import selectors_tax_codes as selectors
from payroll.p45 import P45, P45Error, p45_figures


def p45_of_leaver(*, employee: Employee, department: Department) -> P45:
    """The P45 of a leaver, or ``P45Error`` when their final pay has not been finalised yet."""
    payslip = selectors.last_finalised_payslip(employee=employee)
    if payslip is None:
        raise P45Error(f"{employee} has no finalised payslip yet: the P45 is written from the final pay, once "
                       "its run is finalised.")
    run = payslip.run
    year_to_date = payslip.year_to_date
    previous = selectors.previous_employment_figures(employee=employee, tax_year=run.tax_year)
    return p45_figures(
        employer_name=department.name, employer_paye_reference=department.employer_paye_reference,
        ni_number=employee.ni_number, title=employee.title, surname=employee.last_name,
        first_names=employee.first_name, leaving_date=employee.leave_date or run.period_end,
        student_loans=employee.student_loans, tax_code=payslip.tax_code, week1_month1=payslip.week1_month1,
        frequency=run.schedule.frequency, tax_period=run.tax_period, tax_year=run.tax_year,
        pay_to_date=Decimal(year_to_date.get("taxable_pay", "0.00")),
        tax_to_date=Decimal(year_to_date.get("tax", "0.00")),
        previous_pay=previous[0] if previous else None, previous_tax=previous[1] if previous else None,
        payroll_number=employee.payroll_number, department=department.name, sex=employee.sex,
        date_of_birth=employee.date_of_birth,
        address=(employee.address_line_1, employee.address_line_2, employee.town, employee.postcode),
    )


def p45_html(p45: P45) -> str:
    return render_to_string("payroll/p45/p45_document.html", {"p45": p45})


def p45_pdf(p45: P45) -> bytes:
    """The P45 as a PDF: the same HTML, laid out for A4 by WeasyPrint."""
    from weasyprint import HTML

    return bytes(HTML(string=p45_html(p45)).write_pdf())


def p45_pdf_response(p45: P45) -> HttpResponse:
    response = HttpResponse(p45_pdf(p45), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="p45-{p45.payroll_number}-{p45.leaving_date:%Y-%m-%d}.pdf"'
    # Pay, tax and personal details: never kept by a shared cache or the browser's.
    response["Cache-Control"] = "private, no-store"
    return response
