"""CSV and XLSX downloads never hand a spreadsheet a formula to run."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from shared_services.core.spreadsheets import (
    csv_response,
    csv_text,
    safe_cell,
    spreadsheet_safe,
    xlsx_bytes,
    xlsx_response,
)


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


@pytest.mark.parametrize("text", ["=1+1", "+44 20", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")'])
def test_text_that_a_spreadsheet_would_run_gets_a_leading_apostrophe(text):
    assert safe_cell(text) == "'" + text


def test_numbers_and_plain_text_are_unchanged():
    assert safe_cell(Decimal("-12.50")) == Decimal("-12.50")
    assert safe_cell(-3) == -3
    assert safe_cell("O'Brien") == "O'Brien"
    assert safe_cell(None) == ""


def test_csv_and_xlsx_outputs_are_defused():
    rows = [["Name", "Amount"], ["=cmd|' /C calc'!A0", Decimal("10.00")]]
    assert list(csv.reader(io.StringIO(csv_text(rows))))[1] == ["'=cmd|' /C calc'!A0", "10.00"]
    sheet = load_workbook(io.BytesIO(xlsx_bytes([("Sheet", rows)]))).active
    assert sheet["A2"].value == "'=cmd|' /C calc'!A0"
    assert sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 10
