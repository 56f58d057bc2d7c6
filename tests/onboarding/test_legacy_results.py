"""Reading a legacy payroll's results file: the figures it paid, found by the mapping or the usual
headings, and every reason a row or the file cannot be compared, listed at once."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from onboarding.legacy_results import RESULT_FIGURES, LegacyResultsRead, read_legacy_results

NOVEMBER = (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
HEADINGS = ["Payroll No", "Period", "Gross Pay", "Taxable Pay", "Tax", "NI EE", "NI ER", "Student Loan", "PG Loan",
            "Pension EE", "Pension ER", "Net Pay", "Tax Code", "NI Letter"]


def result_row(number: int = 1, **overrides: str) -> dict[str, str]:
    row = {"Payroll No": f"LP{number:06d}", "Period": "2026-11", "Gross Pay": "2500.00", "Taxable Pay": "2363.75",
           "Tax": "263.40", "NI EE": "116.16", "NI ER": "315.39", "Student Loan": "15.00", "PG Loan": "0.00",
           "Pension EE": "136.25", "Pension ER": "720.00", "Net Pay": "1969.19", "Tax Code": "1257L",
           "NI Letter": "A"}
    row.update(overrides)
    return row


def write_csv(path: Path, rows: list[dict[str, str]], headings: list[str] | None = None) -> Path:
    headings = headings or HEADINGS
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(headings)
        for row in rows:
            writer.writerow([row.get(heading, "") for heading in headings])
    return path


def read(path: Path, *, mapping: dict[str, str] | None = None,
         period: tuple[datetime.date, datetime.date] = NOVEMBER) -> LegacyResultsRead:
    return read_legacy_results(path, file_format="csv", mapping_columns=mapping or {}, period_start=period[0],
                               period_end=period[1])


def reasons(result: LegacyResultsRead) -> list[tuple[int, str, str, str]]:
    return [(problem.row_number, problem.column, problem.value, problem.reason) for problem in result.problems]


def test_a_good_file_gives_one_row_per_employee_with_every_figure_as_money(tmp_path):
    # given
    path = write_csv(tmp_path / "results.csv", [result_row(1), result_row(2, **{"Tax Code": "S1257L M1",
                                                                                  "NI Letter": "m", "Tax": "-12.40"})])
    # when
    result = read(path)
    # then
    assert result.problems == []
    assert result.figures == RESULT_FIGURES
    first, second = result.rows
    assert (first.row_number, first.payroll_number, first.tax_code, first.ni_category, first.week1_month1) == \
        (2, "LP000001", "1257L", "A", False)
    assert first.figures == {"gross_pay": Decimal("2500.00"), "taxable_pay": Decimal("2363.75"),
                             "income_tax": Decimal("263.40"), "employee_ni": Decimal("116.16"),
                             "employer_ni": Decimal("315.39"), "student_loan": Decimal("15.00"),
                             "postgraduate_loan": Decimal("0.00"), "pension_employee": Decimal("136.25"),
                             "pension_employer": Decimal("720.00"), "net_pay": Decimal("1969.19")}
    # A refund of tax is a negative figure; the tax code is stored as the platform stores it.
    assert (second.tax_code, second.week1_month1, second.ni_category) == ("S1257L", True, "M")
    assert second.figures["income_tax"] == Decimal("-12.40")


def test_payroll_numbers_are_normalised_as_the_staff_import_stores_them(tmp_path):
    path = write_csv(tmp_path / "results.csv", [result_row(1, **{"Payroll No": " lp000001 "})])

    assert [row.payroll_number for row in read(path).rows] == ["LP000001"]


def test_usual_headings_of_other_payroll_systems_are_recognised_without_a_mapping(tmp_path):
    # given: another system's words for the same figures, and no period column
    headings = ["Employee Number", "Gross", "Taxable", "PAYE", "Employee NI", "Employer NI", "Net", "Tax Code",
                "NI Category"]
    row = dict(zip(headings, ["LP000001", "2500.00", "2363.75", "263.40", "116.16", "315.39", "1984.19", "1257L",
                              "A"], strict=True))
    path = write_csv(tmp_path / "results.csv", [row], headings)
    # when
    result = read(path)
    # then: the optional figures the file lacks are not compared, and the reader says so
    assert result.problems == []
    assert result.figures == ("gross_pay", "taxable_pay", "income_tax", "employee_ni", "employer_ni", "net_pay")
    assert result.rows[0].figures["net_pay"] == Decimal("1984.19")
    assert "student loan, postgraduate loan, pension employee, pension employer: not compared" in result.notes[0]


def test_a_mapping_names_the_headings_a_department_uses(tmp_path):
    # given
    headings = [("Ref" if heading == "Payroll No" else "Total Earnings" if heading == "Gross Pay" else heading)
                for heading in HEADINGS]
    row = result_row(1)
    row["Ref"], row["Total Earnings"] = row.pop("Payroll No"), row.pop("Gross Pay")
    path = write_csv(tmp_path / "results.csv", [row], headings)
    # when: the department's mapping (shared with its staff export) names them
    result = read(path, mapping={"payroll_number": "Ref", "gross_pay": "Total Earnings", "grade": "Grade Code"})
    # then
    assert result.problems == []
    assert result.rows[0].figures["gross_pay"] == Decimal("2500.00")


def test_a_mapping_or_file_without_a_required_figure_is_refused_for_the_file_naming_each(tmp_path):
    # given: no net pay column, and a mapping naming a heading the file does not have
    headings = [heading for heading in HEADINGS if heading not in ("Net Pay", "Gross Pay")] + ["Pay"]
    path = write_csv(tmp_path / "results.csv", [result_row(1, Pay="2500.00")], headings)
    # when
    result = read(path, mapping={"gross_pay": "Total Earnings"})
    # then
    assert result.rows == []
    file_problems = [(problem.column, problem.reason) for problem in result.problems if problem.row_number == 0]
    assert ("Gross pay", "The file has no column for gross pay (looked for the mapping's heading \"Total Earnings\" "
            "or \"Gross Pay\"). Add the column, or choose a column mapping that names the heading your file uses.") \
        in file_problems
    assert any(column == "Net pay" for column, _ in file_problems)
    assert len(file_problems) == 2


def test_every_bad_row_is_listed_with_row_column_value_and_reason_never_stopping_at_the_first(tmp_path):
    # given
    rows = [
        result_row(1),
        result_row(2, Period="2026-10"),
        result_row(3, Tax="263.405", **{"NI EE": "TBC", "NI ER": "=C4*0.138"}),
        result_row(4, **{"Tax Code": "1257X", "NI Letter": "Q"}),
        result_row(1),  # the same payroll number as row 2
        result_row(6, **{"Net Pay": "", "Gross Pay": "-5.00"}),
    ]
    path = write_csv(tmp_path / "results.csv", rows)
    # when
    result = read(path)
    # then
    assert reasons(result) == [
        (2, "Payroll No", "LP000001", "Rows 2 and 6 have the same payroll number. Each employee appears once in a "
                                      "period's results."),
        (3, "Period", "2026-10", "This row is for 2026-10; the parallel run compares 2026-11."),
        (4, "Tax", "263.405", "It has more than two decimal places; an amount paid is in pounds and pence."),
        (4, "NI EE", "TBC", "It is not an amount of money. Enter pounds and pence, like 2375.00."),
        (4, "NI ER", "=C4*0.138", "It looks like a spreadsheet formula, not an amount. Export the amount itself."),
        (5, "Tax Code", "1257X", "It is not a tax code HMRC issues, like 1257L, S1257L, C1257L, K475, BR, D0, NT or "
                                 "1257L M1."),
        (5, "NI Letter", "Q", "It is not an NI category letter HMRC uses: A, B, C, D, E, F, H, I, J, K, L, M, N, S, "
                              "V, X, Z."),
        (6, "Payroll No", "LP000001", "Rows 2 and 6 have the same payroll number. Each employee appears once in a "
                                      "period's results."),
        (7, "Gross Pay", "-5.00", "The amount cannot be negative."),
        (7, "Net Pay", "", "Net pay is missing."),
    ]
    assert result.rows == []  # no row with a problem is offered for comparison


@pytest.mark.parametrize(("cell", "matches"), [
    ("2026-11", True), ("11/2026", True), ("Nov 2026", True), ("November 2026", True), ("Nov-26", True),
    ("30/11/2026", True), ("2026-11-28", True), ("2026/11", True),
    ("2026-12", False), ("31/10/2026", False), ("October 2026", False),
])
def test_the_period_column_is_checked_against_the_period_compared(tmp_path, cell, matches):
    path = write_csv(tmp_path / "results.csv", [result_row(1, Period=cell)])

    result = read(path)

    assert (result.problems == []) is matches
    if not matches:
        assert result.problems[0].reason.endswith("the parallel run compares 2026-11.")


def test_a_period_that_is_not_a_month_says_how_to_write_it(tmp_path):
    path = write_csv(tmp_path / "results.csv", [result_row(1, Period="8")])

    assert reasons(read(path)) == [(2, "Period", "8", "Write the period as year and month, like 2026-11 (or November "
                                                      "2026).")]


def test_blank_optional_figures_are_zero_and_blank_lines_are_skipped(tmp_path):
    path = write_csv(tmp_path / "results.csv", [result_row(1, **{"Student Loan": "", "PG Loan": " "}), {}])

    result = read(path)

    assert result.problems == []
    assert result.rows[0].figures["student_loan"] == Decimal("0.00")
    assert len(result.rows) == 1


def test_an_xlsx_file_reads_the_same_as_a_csv(tmp_path):
    # given
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADINGS)
    pay_date = datetime.datetime(2026, 11, 30)  # noqa: DTZ001 - an Excel date cell has no time zone
    sheet.append(["LP000001", pay_date, 2500, 2363.75, 263.4, 116.16, 315.39, 0, None, 136.25, 720, 1984.19, "1257L",
                  "A"])
    path = tmp_path / "results.xlsx"
    workbook.save(path)
    # when
    result = read_legacy_results(path, file_format="xlsx", mapping_columns={}, period_start=NOVEMBER[0],
                                 period_end=NOVEMBER[1])
    # then
    assert result.problems == []
    assert result.rows[0].figures["gross_pay"] == Decimal("2500.00")
    assert result.rows[0].figures["income_tax"] == Decimal("263.40")


def test_a_file_that_cannot_be_read_is_one_file_problem_not_an_exception(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    semicolons = tmp_path / "semicolons.csv"
    semicolons.write_text(";".join(HEADINGS) + "\n")
    headings_only = write_csv(tmp_path / "headings.csv", [])

    assert [problem.reason for problem in read(empty).problems] == ["The file is empty."]
    assert "separated by semicolons" in read(semicolons).problems[0].reason
    assert [problem.reason for problem in read(headings_only).problems] == [
        "The file has a heading row but no results under it."]


def test_a_heading_used_twice_and_a_row_of_the_wrong_width_are_named(tmp_path):
    path = tmp_path / "results.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*HEADINGS, "Tax"])
    writer.writerow([*result_row(1).values(), "1.00"])
    writer.writerow(list(result_row(2).values()))
    path.write_text(buffer.getvalue())

    result = read(path)

    assert [(problem.row_number, problem.reason[:50]) for problem in result.problems] == [
        (1, "The heading \"Tax\" appears twice (columns 5 and 15)"),
        (3, "The row has 14 values but the heading row has 15 c"),
    ]
    assert result.rows == []


def test_a_period_without_rates_is_refused_for_the_file(tmp_path):
    path = write_csv(tmp_path / "results.csv", [result_row(1, Period="2019-11")])

    result = read(path, period=(datetime.date(2019, 11, 1), datetime.date(2019, 11, 30)))

    assert [problem.row_number for problem in result.problems] == [0]
    assert "no rates for the tax year 2019-20" in result.problems[0].reason


def test_the_year_to_date_after_the_period_is_read_as_money_beside_the_figures_not_as_one(tmp_path):
    # given a file with the legacy payslip's year to date, one row's tax to date a refund
    headings = [*HEADINGS, "YTD Taxable Pay", "YTD Tax"]
    path = write_csv(tmp_path / "results.csv", [result_row(1, **{"YTD Taxable Pay": "18910.00", "YTD Tax": "2107.20"}),
                                                result_row(2, **{"YTD Taxable Pay": "2,363.75", "YTD Tax": "(12.40)"})],
                     headings)
    # when
    result = read(path)
    # then
    assert result.problems == []
    assert result.figures == RESULT_FIGURES  # not compared as figures of the period
    assert result.year_to_date == ("taxable_pay", "tax")
    assert result.rows[0].year_to_date == {"taxable_pay": Decimal("18910.00"), "tax": Decimal("2107.20")}
    assert result.rows[1].year_to_date == {"taxable_pay": Decimal("2363.75"), "tax": Decimal("-12.40")}
    assert "ytd" not in " ".join(result.rows[0].figures)


def test_a_year_to_date_that_is_not_money_is_a_reason_like_any_figure(tmp_path):
    headings = [*HEADINGS, "YTD Taxable Pay", "YTD Tax"]
    path = write_csv(tmp_path / "results.csv", [result_row(1, **{"YTD Taxable Pay": "TBC", "YTD Tax": "1.234"}),
                                                result_row(2, **{"YTD Taxable Pay": "-5.00", "YTD Tax": "0"})],
                     headings)

    assert reasons(read(path)) == [
        (2, "YTD Taxable Pay", "TBC", "It is not an amount of money. Enter pounds and pence, like 2375.00."),
        (2, "YTD Tax", "1.234", "It has more than two decimal places; an amount paid is in pounds and pence."),
        (3, "YTD Taxable Pay", "-5.00", "The amount cannot be negative."),
    ]


def test_the_year_to_date_is_found_by_the_staff_mapping_key_or_another_usual_heading(tmp_path):
    # given one department's own heading for taxable pay to date, and a usual heading for tax to date
    headings = [*HEADINGS, "Cumulative Taxable", "Tax Paid To Date"]
    path = write_csv(tmp_path / "results.csv", [result_row(1, **{"Cumulative Taxable": "18910.00",
                                                                 "Tax Paid To Date": "2107.20"})], headings)
    # when its mapping (shared with the staff export) names the first
    result = read(path, mapping={"ytd_taxable_pay": "Cumulative Taxable"})
    # then both are read
    assert result.problems == []
    assert result.rows[0].year_to_date == {"taxable_pay": Decimal("18910.00"), "tax": Decimal("2107.20")}


def test_a_file_without_the_year_to_date_reads_as_before(tmp_path):
    result = read(write_csv(tmp_path / "results.csv", [result_row(1)]))

    assert result.problems == []
    assert (result.year_to_date, result.rows[0].year_to_date) == ((), {})
    assert result.notes == []
