"""CSV and XLSX downloads that are safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel and
LibreOffice as a formula (CSV injection), so text cells get a leading apostrophe. Numbers stay
numbers: only strings are touched.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def spreadsheet_safe(value: Any) -> Any:
    """``value`` unchanged, unless it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date | Decimal | int):
        return str(value)
    return str(spreadsheet_safe(str(value)))


def csv_response(*, filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([_cell_text(name) for name in header])
    for row in rows:
        writer.writerow([_cell_text(value) for value in row])
    return response


def xlsx_response(*, filename: str, sheet_title: str, header: Sequence[str],
                  rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """One worksheet; Decimal amounts are written as numbers with two decimal places shown."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.append([spreadsheet_safe(name) for name in header])
    for row in rows:
        sheet.append([spreadsheet_safe(value) if isinstance(value, str) else value for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
