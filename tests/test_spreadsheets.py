"""CSV and XLSX downloads never hand a spreadsheet a formula to run."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from shared_services.core.spreadsheets import csv_response, spreadsheet_safe, xlsx_response


@pytest.mark.parametrize(("value", "shown"), [
    ("=SUM(A1:A9)", "'=SUM(A1:A9)"), ("+44 20 7946 0000", "'+44 20 7946 0000"), ("-2+3", "'-2+3"),
    ("@cmd", "'@cmd"), ("\tindent", "'\tindent"), ("\rreturn", "'\rreturn"), ("Travel", "Travel"), ("", ""),
    (Decimal("-84.20"), Decimal("-84.20")), (-3, -3), (None, None),
])
def test_text_that_starts_like_a_formula_gets_a_leading_apostrophe_and_numbers_stay_numbers(value, shown):
    assert spreadsheet_safe(value) == shown


def test_csv_and_xlsx_downloads_neutralise_formulas_and_keep_amounts_as_numbers():
    header = ("name", "amount", "on")
    rows = [("=HYPERLINK(\"http://x.example\")", Decimal("-12.50"), datetime.date(2026, 5, 1))]
    text = csv_response(filename="t.csv", header=header, rows=rows).content.decode()
    assert list(csv.reader(io.StringIO(text)))[1] == ["'=HYPERLINK(\"http://x.example\")", "-12.50", "2026-05-01"]
    response = xlsx_response(filename="t.xlsx", sheet_title="t", header=header, rows=rows)
    values = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert values[1][0] == "'=HYPERLINK(\"http://x.example\")"
    assert values[1][1] == -12.5
    assert response["Content-Disposition"] == 'attachment; filename="t.xlsx"'
