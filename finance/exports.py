"""Trial balance and journal lines as files for an upstream ERP (CSV or XLSX), one layout for
the web page and the API. Cells are made formula-safe by ``shared_services.core.spreadsheets``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.http import HttpResponse

from departments.models import Department
from finance import selectors
from shared_services.core.spreadsheets import csv_response, xlsx_response

FORMATS = ("csv", "xlsx")
TRIAL_BALANCE_HEADER = ("department", "financial_year", "up_to_period", "account_code", "account_name",
                        "account_kind", "debit", "credit", "balance")
JOURNAL_LINES_HEADER = ("department", "journal", "posted_on", "financial_year", "period", "source",
                        "source_reference", "journal_description", "line", "account_code", "account_name",
                        "cost_centre", "line_description", "debit", "credit")


def trial_balance_rows(*, department: Department, financial_year: int, up_to_period: int) -> Iterator[Sequence[Any]]:
    for row in selectors.trial_balance(financial_year=financial_year, up_to_period=up_to_period):
        yield (department.slug, financial_year, up_to_period, row.account.code, row.account.name, row.account.kind,
               row.debit, row.credit, row.balance)


def journal_line_rows(*, department: Department, financial_year: int,
                      period_number: int | None = None) -> Iterator[Sequence[Any]]:
    for line in selectors.journal_lines(financial_year=financial_year, period_number=period_number).iterator(
            chunk_size=2000):
        journal = line.journal
        yield (department.slug, journal.reference, journal.posted_on, journal.period.financial_year,
               journal.period.number, journal.source, journal.source_reference, journal.description,
               line.line_number, line.account.code, line.account.name,
               line.cost_centre.code if line.cost_centre else "", line.description, line.debit, line.credit)


def export_response(*, department: Department, report: str, file_format: str, financial_year: int,
                    period: int | None = None) -> HttpResponse:
    """``report`` is "trial-balance" or "journal-lines"; ``file_format`` one of ``FORMATS``."""
    if report == "trial-balance":
        up_to = period or 12
        header: Sequence[str] = TRIAL_BALANCE_HEADER
        rows: Iterator[Sequence[Any]] = trial_balance_rows(department=department, financial_year=financial_year,
                                                           up_to_period=up_to)
        stem = f"{department.slug}-trial-balance-{financial_year}-p{up_to:02d}"
    else:
        header = JOURNAL_LINES_HEADER
        rows = journal_line_rows(department=department, financial_year=financial_year, period_number=period)
        stem = f"{department.slug}-journal-lines-{financial_year}" + (f"-p{period:02d}" if period else "")
    if file_format == "xlsx":
        return xlsx_response(filename=f"{stem}.xlsx", sheet_title=report, header=header, rows=rows)
    return csv_response(filename=f"{stem}.csv", header=header, rows=rows)
