"""A corpus of malformed exports: each gives a clear reason, nothing crashes, and nothing is written
when a file fails. Files are imported for real (not dry runs), all or nothing."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from hr.models import Employee
from onboarding.columns import shown_notes
from onboarding.legacy_export import EXPORT_HEADINGS
from onboarding.models import ImportJob, ImportRowError
from tests.onboarding.conftest import csv_bytes, staff_row

pytestmark = pytest.mark.django_db


def _xlsx(rows: Sequence[Sequence[object]], *, sheets: int = 1, merge: str = "") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Staff"
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    for number in range(1, sheets):
        workbook.create_sheet(f"Notes {number}").append(["Anything"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _row_values(number: int = 1, **overrides: object) -> list[object]:
    row: dict[str, object] = dict(staff_row(number))
    row.update(overrides)
    return [row[heading] for heading in EXPORT_HEADINGS]


def _with(**overrides: str) -> bytes:
    return csv_bytes([staff_row(1, **overrides)])


def _columns_renamed(old: str, new: str) -> bytes:
    headings = [new if heading == old else heading for heading in EXPORT_HEADINGS]
    row = staff_row(1)
    row[new] = row.pop(old)
    return csv_bytes([row], headings)


def _without_column(name: str) -> bytes:
    return csv_bytes([staff_row(1)], [heading for heading in EXPORT_HEADINGS if heading != name])


# (id, file, expectation): ("refused", text) means the upload is refused before a job exists;
# ("file", text) the job is rejected for the file as a whole; ("row", column, text) one row is;
# ("ok", rows, note) the file imports, with a note when given.
CASES: list[tuple[str, Callable[[], bytes], tuple]] = [
    ("empty", lambda: b"", ("refused", "The file is empty")),
    ("utf16", lambda: "Payroll No,Surname\n".encode("utf-16"), ("refused", "UTF-16")),
    ("pdf", lambda: b"%PDF-1.7\n...", ("refused", "This is a PDF")),
    ("old_xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ("refused", "old-style Excel (.xls)")),
    ("binary", lambda: b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", ("refused", "not a text file")),
    ("header_only", lambda: csv_bytes([]), ("file", "heading row but no staff records")),
    ("blank_lines_only", lambda: b"\n\n\n", ("file", "no heading row")),
    ("windows_1252", lambda: _with(Forename="Zoë").decode().encode("cp1252"), ("file", "not saved as UTF-8")),
    ("semicolons", lambda: csv_bytes([staff_row(1)], delimiter=";"), ("file", "separated by semicolons")),
    ("tabs", lambda: csv_bytes([staff_row(1)], delimiter="\t"), ("file", "separated by tabs")),
    ("missing_column", lambda: _without_column("Surname"), ("file", "no column for: Surname")),
    ("duplicate_heading", lambda: _columns_renamed("Title", "Surname"), ("file", "appears twice")),
    ("corrupt_xlsx", lambda: b"PK\x03\x04" + b"not really a workbook" * 20, ("file", "cannot be opened")),
    ("xlsx_merged_cells", lambda: _xlsx([EXPORT_HEADINGS, _row_values(1), _row_values(2)], merge="N2:N3"),
     ("file", "merged cells (N2:N3)")),
    ("xlsx_empty", lambda: _xlsx([]), ("file", "first sheet is empty")),
    ("quoted_newline", lambda: _with(Surname="Smith\nJones"), ("row", "Surname", "line break")),
    ("formula_hyperlink", lambda: _with(Forename='=HYPERLINK("http://x.invalid","Click")'),
     ("row", "Forename", "spreadsheet formula")),
    ("formula_at", lambda: _with(Town="@SUM(A1:A9)"), ("row", "Town", "spreadsheet formula")),
    ("formula_plus", lambda: _with(**{"Address 1": "+44 cmd|' /C calc'!A0"}), ("row", "Address 1", "formula")),
    ("impossible_date", lambda: _with(**{"Date of Birth": "30/02/1990"}), ("row", "Date of Birth", "not a real date")),
    ("american_date", lambda: _with(**{"Start Date": "12/31/2015"}), ("row", "Start Date", "not a real date")),
    ("two_digit_year", lambda: _with(**{"Start Date": "01/04/15"}), ("row", "Start Date", "year in full")),
    ("words_for_date", lambda: _with(**{"Date of Birth": "March 1987"}), ("row", "Date of Birth", "day/month/year")),
    ("born_in_future", lambda: _with(**{"Date of Birth": "01/01/2099"}), ("row", "Date of Birth", "in the past")),
    ("under_16_at_start", lambda: _with(**{"Date of Birth": "01/01/2005"}), ("row", "Start Date", "under 16")),
    ("duplicate_payroll_number", lambda: csv_bytes([staff_row(1), staff_row(2, **{"Payroll No": "LP000001"})]),
     ("row", "Payroll No", "Row 2 has the same payroll number")),
    ("duplicate_ni_number", lambda: csv_bytes([staff_row(1), staff_row(2, **{"NI Number": "AB 00 00 01 C"})]),
     ("row", "NI Number", "Row 2 has the same NI number")),
    ("temporary_ni_number", lambda: _with(**{"NI Number": "TN 01 01 87 F"}), ("row", "NI Number", "Temporary")),
    ("ni_number_bad_prefix", lambda: _with(**{"NI Number": "GB123456A"}), ("row", "NI Number", "correct format")),
    ("ni_number_no_suffix", lambda: _with(**{"NI Number": "AB123456"}), ("row", "NI Number", "correct format")),
    ("ragged_row", lambda: csv_bytes([staff_row(1)]) + b"LP000009,Mr,Short\n", ("row", "", "has 3 values")),
    ("stray_quote", lambda: csv_bytes([staff_row(1)]).replace(b"Amira", b'Am"ira', 1) + b'LP2,"unclosed\n',
     ("row", "", "quote mark")),
    ("tax_code", lambda: _with(**{"Tax Code": "1257X"}), ("row", "Tax Code", "not a tax code HMRC issues")),
    ("ni_letter", lambda: _with(**{"NI Letter": "Q"}), ("row", "NI Letter", "NI category letter")),
    ("sort_code_short", lambda: _with(**{"Sort Code": "30-99-5"}), ("row", "Sort Code", "6 digits")),
    ("account_lost_leading_zero", lambda: _with(**{"Account No": "1234567"}), ("row", "Account No", "leading 0")),
    ("bank_half_given", lambda: _with(**{"Account No": ""}), ("row", "Account No", "both the sort code")),
    ("postcode", lambda: _with(Postcode="SW1A2"), ("row", "Postcode", "real UK postcode")),
    ("salary_words", lambda: _with(Salary="TBC"), ("row", "Salary", "amount in pounds")),
    ("salary_negative", lambda: _with(Salary="-100"), ("row", "Salary", "cannot be negative")),
    ("salary_fractions_of_pence", lambda: _with(Salary="30000.005"), ("row", "Salary", "two decimal places")),
    ("hours_zero", lambda: _with(Hours="0"), ("row", "Hours", "more than 0")),
    ("required_value_blank", lambda: _with(Surname=""), ("row", "Surname", "Surname is missing")),
    ("name_too_long", lambda: _with(Forename="A" * 150), ("row", "Forename", "150 characters")),
    ("student_loan_words", lambda: _with(**{"Student Loan": "Plan 9"}), ("row", "Student Loan", "plan1, plan2")),
    ("two_loan_plans", lambda: _with(**{"Student Loan": "Plan 1; Plan 2"}), ("row", "Student Loan", "one student")),
    ("old_pension_scheme", lambda: _with(**{"Pension Scheme": "classic"}), ("row", "Pension Scheme", "alpha")),
    ("byte_order_mark", lambda: b"\xef\xbb\xbf" + csv_bytes([staff_row(1)]), ("ok", 1, "")),
    ("extra_columns", lambda: csv_bytes([{**staff_row(1), "Favourite colour": "Blue"}],
                                        [*EXPORT_HEADINGS, "Favourite colour"]),
     ("ok", 1, "not used: Favourite colour")),
    ("ni_number_other_formats", lambda: csv_bytes([staff_row(1, **{"NI Number": "ab-00-00-01-c"}),
                                                   staff_row(2, **{"NI Number": "AB 00 00 02 C"})]), ("ok", 2, "")),
    ("money_with_pounds_and_commas", lambda: _with(Salary="£30,000.00"), ("ok", 1, "")),
    ("windows_line_endings", lambda: csv_bytes([staff_row(1), staff_row(2)]).replace(b"\n", b"\r\n"), ("ok", 2, "")),
    ("blank_row_in_the_middle", lambda: csv_bytes([staff_row(1)]) + b",,,\n" * 0 + b"\n" + csv_bytes(
        [staff_row(2)]).split(b"\n", 1)[1], ("ok", 2, "")),
    ("xlsx_several_sheets", lambda: _xlsx([EXPORT_HEADINGS, _row_values(1)], sheets=3), ("ok", 1, "3 sheets")),
]


@pytest.mark.parametrize(("content", "expected"), [(case[1], case[2]) for case in CASES],
                         ids=[case[0] for case in CASES])
def test_every_malformed_file_gets_a_clear_reason_and_nothing_is_written(content, expected, moj, in_department,
                                                                         run_import, creating_mapping):
    data = content()
    kind = expected[0]
    if kind == "refused":
        with pytest.raises(ValidationError) as refused:
            run_import(data, dry_run=False, mapping=creating_mapping)
        assert expected[1] in " ".join(refused.value.messages)
        with in_department(moj):
            assert not ImportJob.objects.exists()
    else:
        job = run_import(data, dry_run=False, mapping=creating_mapping)
        with in_department(moj):
            problems = list(ImportRowError.objects.filter(job=job).values_list("row_number", "column", "reason"))
            employees = Employee.objects.count()
        if kind == "ok":
            assert job.status == ImportJob.Status.COMMITTED, problems or job.file_problem
            assert employees == expected[1]
            assert expected[2] in " ".join(shown_notes(job.notes))
            return
        assert job.status == ImportJob.Status.REJECTED
        assert employees == 0
        if kind == "file":
            assert expected[1] in job.file_problem
            assert problems
            assert expected[1] in problems[0][2]
        else:
            assert any(column == expected[1] and expected[2] in reason for _, column, reason in problems), problems


def test_the_corpus_covers_at_least_thirty_kinds_of_malformed_file():
    assert len([case for case in CASES if case[2][0] != "ok"]) >= 30


def test_an_oversized_file_is_refused_with_the_limit(moj, run_import, creating_mapping, settings):
    settings.ONBOARDING_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(ValidationError, match="the largest accepted is 0 MB"):
        run_import(csv_bytes([staff_row(n) for n in range(1, 10)]), dry_run=False, mapping=creating_mapping)


def test_a_file_with_too_many_rows_is_refused_as_a_whole(moj, in_department, run_import, creating_mapping,
                                                         settings):
    settings.ONBOARDING_MAX_ROWS = 2
    job = run_import(csv_bytes([staff_row(n) for n in range(1, 5)]), dry_run=False, mapping=creating_mapping)
    assert job.status == ImportJob.Status.REJECTED
    assert "more than 2 rows" in job.file_problem
    with in_department(moj):
        assert not Employee.objects.exists()


def test_xlsx_dates_and_numbers_in_real_cells_are_read_as_the_values_they_show(moj, in_department, run_import,
                                                                              creating_mapping):
    import datetime
    born = datetime.datetime(1987, 3, 14)  # noqa: DTZ001 - a spreadsheet's date cell has no time zone
    values = _row_values(1, **{"Date of Birth": born, "Salary": 30000.5, "Hours": 37})
    job = run_import(_xlsx([EXPORT_HEADINGS, values]), name="staff.xlsx", dry_run=False, mapping=creating_mapping)
    assert job.status == ImportJob.Status.COMMITTED, job.file_problem
    assert job.file_format == "xlsx"
    with in_department(moj):
        person = Employee.objects.get()
    assert person.date_of_birth == datetime.date(1987, 3, 14)
