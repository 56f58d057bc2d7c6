"""A yearly summary as a PDF (WeasyPrint), from the same tables as its page, laid out on A4 turned
sideways so that every column fits; and the HTTP answer that hands it out."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string

from payroll.yearly_summary import COLUMNS, YearlySummary


def yearly_summary_html(summary: YearlySummary) -> str:
    return render_to_string("payroll/documents/yearly_summary_document.html",
                            {"summary": summary, "columns": COLUMNS})


def yearly_summary_pdf(summary: YearlySummary) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=yearly_summary_html(summary)).write_pdf())


def yearly_summary_pdf_response(summary: YearlySummary) -> HttpResponse:
    response = HttpResponse(yearly_summary_pdf(summary), content_type="application/pdf")
    response["Content-Disposition"] = (f'attachment; filename="yearly-summary-{summary.tax_year}-'
                                       f'{summary.payroll_number}.pdf"')
    # Pay and tax: never kept by a shared cache or the browser's.
    response["Cache-Control"] = "private, no-store"
    return response
