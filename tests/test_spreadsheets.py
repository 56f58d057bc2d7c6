"""CSV and XLSX the platform writes never let a spreadsheet run a formula from the data."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from shared_services.core.spreadsheets import csv_text, safe_cell, xlsx_bytes


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
