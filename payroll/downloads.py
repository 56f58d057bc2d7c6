"""The files a pay run gives out (its register, its Bacs file, a payslip's PDF), built once for the
pages and the API so both hand out the same bytes. Run in the department's context."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, HttpResponseBase

from payroll import selectors
from payroll.assembly import Line
from payroll.models import PayRun, Payslip
from payroll.payslip_document import PayslipDocument, payslip_document, payslip_pdf
from shared_services.core.spreadsheets import csv_response, xlsx_response

RUN_FILES = ("register.csv", "register.xlsx", "bacs")


def run_file_response(*, run: PayRun, department_slug: str, what: str) -> HttpResponseBase | None:
    """One of ``RUN_FILES`` as an attachment; None when there is no such file (yet: the Bacs file
    is written when the run is finalised)."""
    stem = f"{department_slug}-payroll-{run.period_start:%Y-%m}-run-{run.pk}"
    response: HttpResponseBase
    if what == "bacs":
        if not run.bacs_file:
            return None
        response = FileResponse(default_storage.open(run.bacs_file, "rb"), as_attachment=True,
                                filename=f"{stem}-bacs.txt", content_type="text/plain")
    elif what == "register.csv":
        response = csv_response(filename=f"{stem}-register.csv", header=selectors.REGISTER_HEADER,
                                rows=selectors.register_rows(run=run))
    elif what == "register.xlsx":
        response = xlsx_response(filename=f"{stem}-register.xlsx", sheet_title="Payroll register",
                                 header=selectors.REGISTER_HEADER, rows=selectors.register_rows(run=run))
    else:
        return None
    # Pay and bank details: never kept by a shared cache or the browser's.
    response["Cache-Control"] = "private, no-store"
    return response


def payslip_document_for(payslip: Payslip, department_name: str) -> PayslipDocument:
    employee, run = payslip.employee, payslip.run
    lines = [Line(line.code, line.description, line.amount, line.section, line.after_tax)
             for line in selectors.payslip_lines(payslip=payslip)]
    working = dict(payslip.working)
    result = {**working.pop("result", {}), "working": working}
    return payslip_document(
        lines=lines, result=result, year_to_date=payslip.year_to_date, gross_pay=payslip.gross_pay,
        net_pay=payslip.net_pay, employer_name=department_name,
        employee_name=f"{employee.preferred_name or employee.first_name} {employee.last_name}",
        payroll_number=employee.payroll_number, ni_number=employee.ni_number, pay_date=run.pay_date,
        frequency=run.schedule.frequency, tax_period=run.tax_period, tax_year=run.tax_year,
        tax_code=payslip.tax_code, ni_category=payslip.ni_category, account_number=employee.bank_account_number)


def payslip_pdf_response(payslip: Payslip, department_name: str) -> HttpResponse:
    response = HttpResponse(payslip_pdf(payslip_document_for(payslip, department_name)),
                            content_type="application/pdf")
    response["Content-Disposition"] = (f'attachment; filename="payslip-{payslip.employee.payroll_number}-'
                                       f'{payslip.run.pay_date:%Y-%m-%d}.pdf"')
    response["Cache-Control"] = "private, no-store"
    return response
