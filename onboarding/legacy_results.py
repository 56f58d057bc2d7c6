"""What the legacy payroll paid in a period: the documented layout of its results file (CSV or
XLSX), read with a department's column mapping into checked rows, or the reasons each row cannot
be used. The parallel run compares these rows with the platform's shadow pay run.

The layout is in ``onboarding/LEGACY_RESULTS.md``. In short: one row per employee paid in the
period, found by payroll number; each figure under its mapped heading or one of its usual headings;
every problem reported with its row, column, value and reason, never stopping at the first. Only
rows without problems are returned, and a caller refuses the file while ``problems`` is not empty.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings

from onboarding.columns import FORMULA_STARTS, CellProblem, simple_heading
from onboarding.reading import FileProblem, open_sheet
from payroll.engine.codes import TaxCodeError, parse_tax_code
from payroll.engine.rates import available_tax_years, rates_for
from payroll.periods import tax_year_label

__all__ = ["RESULT_COLUMNS", "RESULT_FIGURES", "RESULT_MAPPING_KEYS", "YEAR_TO_DATE_COLUMNS", "LegacyResultRow",
           "LegacyResultsRead", "ResultColumn", "ResultProblem", "read_legacy_results"]

# The figures compared, in the order reports show them (payslip field names).
RESULT_FIGURES = ("gross_pay", "taxable_pay", "income_tax", "employee_ni", "employer_ni", "student_loan",
                  "postgraduate_loan", "pension_employee", "pension_employer", "net_pay")
# The year to date after the period a file may give: its column's key (the staff import's key for
# the same heading, so one mapping serves both files) to the comparison's name for it. Read as
# money, never compared as figures of the period.
YEAR_TO_DATE_COLUMNS = {"ytd_taxable_pay": "taxable_pay", "ytd_tax_paid": "tax"}
PENNY = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LegacyResultRow:
    row_number: int  # as a spreadsheet numbers it: the heading row is 1
    payroll_number: str  # normalised as the staff import stores it (upper case, no spaces around)
    figures: dict[str, Decimal]  # every figure of ``LegacyResultsRead.figures``, none other
    tax_code: str  # the code proper, as the platform stores it: "1257L", "S1257L", "K475", "BR"
    ni_category: str
    week1_month1: bool = False  # the file's code carried W1, M1 or X (non-cumulative)
    # The year to date after the period ("taxable_pay", "tax") as far as the file gives it; empty
    # when it gives none.
    year_to_date: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class ResultProblem:
    row_number: int  # 0 for the file as a whole
    column: str
    value: str
    reason: str


@dataclass(frozen=True)
class LegacyResultsRead:
    rows: list[LegacyResultRow] = field(default_factory=list)
    problems: list[ResultProblem] = field(default_factory=list)
    # The figures the file gives, in RESULT_FIGURES order: an optional figure whose column the file
    # lacks is not compared (rather than taken as zero).
    figures: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    # The year-to-date figures the file gives ("taxable_pay", "tax"), if any.
    year_to_date: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResultColumn:
    key: str
    label: str
    headings: tuple[str, ...]  # usual headings, compared without case, spaces or punctuation
    required: bool
    negative: bool = False  # the figure can be below zero (a tax refund)


RESULT_COLUMNS: tuple[ResultColumn, ...] = (
    ResultColumn("payroll_number", "Payroll number", ("payroll no", "payroll number", "payroll_number",
                                                      "employee number", "employee no", "emp no", "staff number"),
                 required=True),
    ResultColumn("period", "Period", ("period", "pay period", "payroll period", "pay month", "month"),
                 required=False),
    ResultColumn("gross_pay", "Gross pay", ("gross pay", "gross", "total gross", "gross_pay", "total pay"),
                 required=True),
    ResultColumn("taxable_pay", "Taxable pay", ("taxable pay", "taxable", "taxable_pay", "pay for tax"),
                 required=True),
    ResultColumn("income_tax", "Tax", ("tax", "income tax", "paye", "tax paid", "tax deducted", "income_tax"),
                 required=True, negative=True),
    ResultColumn("employee_ni", "NI employee", ("ni ee", "ee ni", "employee ni", "ni employee", "nic ee",
                                                "employee_ni"), required=True),
    ResultColumn("employer_ni", "NI employer", ("ni er", "er ni", "employer ni", "ni employer", "nic er",
                                                "employer_ni"), required=True),
    ResultColumn("student_loan", "Student loan", ("student loan", "student loan deduction", "sl", "student_loan"),
                 required=False),
    ResultColumn("postgraduate_loan", "Postgraduate loan", ("pg loan", "pgl", "postgraduate loan",
                                                            "postgraduate_loan"), required=False),
    ResultColumn("pension_employee", "Pension employee", ("pension ee", "ee pension", "employee pension",
                                                          "pension employee", "pension_employee"), required=False),
    ResultColumn("pension_employer", "Pension employer", ("pension er", "er pension", "employer pension",
                                                          "pension employer", "pension_employer"), required=False),
    ResultColumn("net_pay", "Net pay", ("net pay", "net", "take home pay", "net_pay"), required=True),
    ResultColumn("ytd_taxable_pay", "YTD taxable pay", ("ytd taxable pay", "taxable pay ytd", "ytd taxable",
                                                        "taxable pay to date"), required=False),
    ResultColumn("ytd_tax_paid", "YTD tax", ("ytd tax", "ytd tax paid", "tax ytd", "tax paid ytd", "tax to date",
                                             "tax paid to date"), required=False, negative=True),
    ResultColumn("tax_code", "Tax code", ("tax code", "taxcode", "tax_code"), required=True),
    ResultColumn("ni_category", "NI letter", ("ni letter", "ni category", "ni cat", "ni table", "ni_category"),
                 required=True),
)
RESULT_COLUMNS_BY_KEY = {column.key: column for column in RESULT_COLUMNS}
# Keys a department's column mapping may name for a results file (some are shared with the staff
# export: payroll number, tax code, NI letter).
RESULT_MAPPING_KEYS = frozenset(RESULT_COLUMNS_BY_KEY)


# --- cells --------------------------------------------------------------------------------------

# The form nearly every cell of a 75,000-row file has ("2375.00": pounds below the limit and two
# places of pence) needs no clean-up and no checks, so it is recognised first.
_USUAL_AMOUNT = re.compile(r"[0-9]{1,7}\.[0-9]{2}")
_PLAIN_AMOUNT = re.compile(r"-?[0-9]{1,9}(?:\.[0-9]{1,2})?")
_AMOUNT_LIMIT = Decimal("10000000")


def _amount(value: str, *, negative: bool) -> Decimal:
    """Pounds and pence, or CellProblem: text, formulas and fractions of a penny are refused."""
    if _USUAL_AMOUNT.fullmatch(value):
        return Decimal(value)
    if _PLAIN_AMOUNT.fullmatch(value):  # the usual "2375.00": no clean-up needed
        amount = Decimal(value) if value[-3:-2] == "." else Decimal(value).quantize(PENNY)
    else:
        text = value.strip()
        if text.startswith(FORMULA_STARTS):
            raise CellProblem("It looks like a spreadsheet formula, not an amount. Export the amount itself.")
        text = text.replace("£", "").replace(",", "").replace(" ", "")
        if text.startswith("(") and text.endswith(")"):
            text = "-" + text[1:-1]
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise CellProblem("It is not an amount of money. Enter pounds and pence, like 2375.00.") from None
        if not amount.is_finite():
            raise CellProblem("It is not an amount of money. Enter pounds and pence, like 2375.00.")
        if amount != amount.quantize(PENNY):
            raise CellProblem("It has more than two decimal places; an amount paid is in pounds and pence.")
        amount = amount.quantize(PENNY)
    if amount < 0 and not negative:
        raise CellProblem("The amount cannot be negative.")
    if abs(amount) >= _AMOUNT_LIMIT:
        raise CellProblem(f"The amount must be less than £{_AMOUNT_LIMIT:,}.")
    return amount


def _amount_or_negative(value: str) -> Decimal:
    return _amount(value, negative=True)


def _amount_not_negative(value: str) -> Decimal:
    return _amount(value, negative=False)


def _payroll_number(value: str) -> str:
    text = value.strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9/_-]{0,19}", text):
        raise CellProblem("A payroll number is up to 20 letters, digits, '-', '/' or '_', starting with a letter "
                          "or digit.")
    return text.upper()


@functools.lru_cache(maxsize=4096)
def _tax_code(value: str) -> tuple[str, bool]:
    # A file holds a few dozen distinct codes among tens of thousands of rows.
    try:
        code = parse_tax_code(value)
    except TaxCodeError:
        raise CellProblem("It is not a tax code HMRC issues, like 1257L, S1257L, C1257L, K475, BR, D0, NT or "
                          "1257L M1.") from None
    return re.sub(r"(W1|M1|X)$", "", code.text), code.non_cumulative


_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_YEAR_MONTH = re.compile(r"(\d{4})[-/.](\d{1,2})")
_MONTH_YEAR = re.compile(r"(\d{1,2})[-/.](\d{4})")
_NAMED_MONTH = re.compile(r"([a-z]+)[\s\-/.,]*(\d{4}|\d{2})")
_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T00:00:00)?")

# What a period cell says: a whole calendar month (year, month) or one day in it (a pay date or
# the period's last day).
PeriodCell = tuple[int, int] | datetime.date


@functools.lru_cache(maxsize=256)
def _period(value: str) -> PeriodCell:
    # Every row of a file usually carries the same period: parsed once.
    text = value.strip().lower()
    day_match = _ISO_DAY.fullmatch(text) or _DAY_FIRST.fullmatch(text)
    if day_match is not None:
        parts = day_match.groups()
        year, month, day = (parts[0], parts[1], parts[2]) if len(parts[0]) == 4 else (parts[2], parts[1], parts[0])
        try:
            return datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise CellProblem("It is not a real date.") from None
    month_match = _YEAR_MONTH.fullmatch(text)
    year_month: tuple[int, int] | None = None
    if month_match is not None:
        year_month = int(month_match[1]), int(month_match[2])
    elif (month_match := _MONTH_YEAR.fullmatch(text)) is not None:
        year_month = int(month_match[2]), int(month_match[1])
    elif (month_match := _NAMED_MONTH.fullmatch(text)) is not None and month_match[1] in _MONTHS:
        year = int(month_match[2])
        year_month = (2000 + year if year < 100 else year), _MONTHS[month_match[1]]
    if year_month is None or not 1 <= year_month[1] <= 12:
        raise CellProblem("Write the period as year and month, like 2026-11 (or November 2026).")
    return year_month


def _month_label(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def _period_label(start: datetime.date, end: datetime.date) -> str:
    whole_month = start.day == 1 and end == start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return _month_label(start.year, start.month) if whole_month else f"{start:%d/%m/%Y} to {end:%d/%m/%Y}"


def _period_reason(cell: PeriodCell, start: datetime.date, end: datetime.date) -> str | None:
    """None when the cell is for the period compared, or why not."""
    if isinstance(cell, datetime.date):
        if start <= cell <= end:
            return None
        shown = f"{_month_label(cell.year, cell.month)} ({cell:%d/%m/%Y})"
    else:
        # A month names the period when the period starts or ends in it (a weekly period can span two).
        if cell in ((start.year, start.month), (end.year, end.month)):
            return None
        shown = _month_label(*cell)
    return f"This row is for {shown}; the parallel run compares {_period_label(start, end)}."


# --- the file -----------------------------------------------------------------------------------


def resolve_result_columns(headings: list[str], mapping: Mapping[str, str]) -> tuple[dict[str, int],
                                                                                     list[ResultProblem], list[str]]:
    """Where each field of the results file is: ``{key: index}``, file-level problems, and notes.

    A mapped heading is looked for first, then the usual headings (a department's mapping is shared
    with its staff export, whose headings may differ). Keys of the mapping that name staff fields
    are not this file's concern.
    """
    simple = [simple_heading(heading) for heading in headings]
    problems: list[ResultProblem] = []
    seen: dict[str, int] = {}
    for index, name in enumerate(simple):
        if name and name in seen:
            problems.append(ResultProblem(1, headings[index], headings[index], (
                f"The heading \"{headings[index]}\" appears twice (columns {seen[name] + 1} and {index + 1}). Each "
                "column needs its own heading.")))
        else:
            seen.setdefault(name, index)
    found: dict[str, int] = {}
    for column in RESULT_COLUMNS:  # mapped headings first, so a usual heading never takes one of them
        mapped = (mapping.get(column.key) or "").strip()
        if mapped and (position := seen.get(simple_heading(mapped))) is not None:
            found[column.key] = position
    used = set(found.values())
    for column in RESULT_COLUMNS:
        if column.key in found:
            continue
        for heading in column.headings:
            position = seen.get(simple_heading(heading))
            if position is not None and position not in used:
                found[column.key] = position
                used.add(position)
                break
    for column in RESULT_COLUMNS:
        if column.required and column.key not in found:
            mapped = (mapping.get(column.key) or "").strip()
            looked_for = f"the mapping's heading \"{mapped}\" or " if mapped else ""
            problems.append(ResultProblem(0, column.label, "", (
                f"The file has no column for {column.label.lower()} (looked for {looked_for}"
                f"\"{column.headings[0].title()}\"). Add the column, or choose a column mapping that names the "
                "heading your file uses.")))
    unused = [heading for index, heading in enumerate(headings) if index not in used and heading.strip()]
    notes = [f"These columns were not used: {', '.join(unused)}."] if unused else []
    return found, problems, notes


def _ni_letters(start: datetime.date, end: datetime.date) -> frozenset[str] | None:
    # The pay date, and so the tax year, is usually at the period's end.
    for day in (end, start):
        if tax_year_label(day) in available_tax_years():
            return frozenset(rates_for(tax_year_label(day)).ni_categories)
    return None


# A cell check: the text in, the value out (or CellProblem).
_Check = Callable[[str], object]


def _checks(columns: dict[str, int], start: datetime.date, end: datetime.date,
            letters: frozenset[str]) -> list[tuple[str, int, _Check]]:
    def ni_letter(value: str) -> str:
        letter = value.strip().upper()
        if letter not in letters:
            raise CellProblem(f"It is not an NI category letter HMRC uses: {', '.join(sorted(letters))}.")
        return letter

    def period(value: str) -> PeriodCell:
        cell = _period(value)
        reason = _period_reason(cell, start, end)
        if reason:
            raise CellProblem(reason)
        return cell

    def money(negative: bool) -> _Check:
        return _amount_or_negative if negative else _amount_not_negative

    special: dict[str, _Check] = {"payroll_number": _payroll_number, "tax_code": _tax_code,
                                  "ni_category": ni_letter, "period": period}
    plan = []
    for column in RESULT_COLUMNS:
        if column.key in columns:
            plan.append((column.key, columns[column.key], special.get(column.key) or money(column.negative)))
    return plan


def read_legacy_results(path: Path, *, file_format: str, mapping_columns: Mapping[str, str],
                        period_start: datetime.date, period_end: datetime.date) -> LegacyResultsRead:
    """Read a results file for the pay period ``period_start``–``period_end``.

    ``file_format`` is what the upload was taken to be ("csv" or "xlsx"); the file's content decides
    how it is read, as for the staff import. Never raises for a bad file: every reason is in
    ``problems`` (row 0 for the file as a whole).
    """
    letters = _ni_letters(period_start, period_end)
    if letters is None:
        return LegacyResultsRead(problems=[ResultProblem(0, "Period", _period_label(period_start, period_end), (
            f"The platform has no rates for the tax year {tax_year_label(period_end)}, so the NI letters of the "
            "file cannot be checked."))])
    try:
        sheet = open_sheet(path, max_rows=settings.ONBOARDING_MAX_ROWS)
    except FileProblem as problem:
        return LegacyResultsRead(problems=[ResultProblem(problem.row, "", "", problem.message)])
    columns, problems, notes = resolve_result_columns(sheet.headings, mapping_columns)
    figures = tuple(name for name in RESULT_FIGURES if name in columns)
    year_to_date = tuple(name for key, name in YEAR_TO_DATE_COLUMNS.items() if key in columns)
    missing_optional = [RESULT_COLUMNS_BY_KEY[name].label.lower() for name in RESULT_FIGURES if name not in columns
                        and not RESULT_COLUMNS_BY_KEY[name].required]
    if missing_optional:
        notes.append(f"The file has no column for {', '.join(missing_optional)}: not compared.")
    rows: list[LegacyResultRow] = []
    numbers: list[tuple[str, int]] = []
    try:
        rows_read = _read_rows(sheet.rows, sheet.headings, _checks(columns, period_start, period_end, letters),
                               figures, rows, problems, numbers, year_to_date=bool(year_to_date))
    except FileProblem as problem:
        return LegacyResultsRead(problems=[*problems, ResultProblem(problem.row, "", "", problem.message)])
    if rows_read == 0:
        problems.append(ResultProblem(1, "", "", "The file has a heading row but no results under it."))
    problems.extend(_duplicates(numbers, sheet.headings, columns))
    problems.sort(key=lambda problem: problem.row_number)  # stable: a row's reasons stay in column order
    bad_rows = {problem.row_number for problem in problems}
    if bad_rows & {0, 1}:  # a problem with the file or its headings leaves no row to trust
        rows = []
    return LegacyResultsRead(rows=[row for row in rows if row.row_number not in bad_rows], problems=problems,
                             figures=figures, notes=[*sheet.notes, *notes], year_to_date=year_to_date)


def _read_rows(numbered: Iterator[tuple[int, list[str]]], headings: list[str], plan: list[tuple[str, int, _Check]],
               figures: tuple[str, ...], rows: list[LegacyResultRow], problems: list[ResultProblem],
               numbers: list[tuple[str, int]], *, year_to_date: bool = False) -> int:
    """Check every row: good ones into ``rows``, reasons into ``problems``, and every payroll number
    read (a refused row's too, so that duplicates name both rows) into ``numbers``. Returns the
    count of rows read."""
    width = len(headings)
    optional = {name for name in figures if not RESULT_COLUMNS_BY_KEY[name].required} | set(YEAR_TO_DATE_COLUMNS)
    read = 0
    for row_number, cells in numbered:
        if not "".join(cells).strip():
            continue
        read += 1
        if len(cells) != width:
            problems.append(ResultProblem(row_number, "", "", (
                f"The row has {len(cells)} values but the heading row has {width} columns. Check for a missing or "
                "extra comma, or a stray quote mark.")))
            continue
        values: dict[str, Any] = {}
        refused = False
        for key, index, check in plan:
            raw = cells[index]
            if not raw or raw.isspace():
                if key in optional:
                    values[key] = ZERO  # legacy exports leave a figure blank when nothing was deducted
                elif RESULT_COLUMNS_BY_KEY[key].required:
                    problems.append(ResultProblem(row_number, headings[index], "",
                                                  f"{RESULT_COLUMNS_BY_KEY[key].label} is missing."))
                    refused = True
                continue
            try:
                values[key] = check(raw)
            except CellProblem as problem:
                problems.append(ResultProblem(row_number, headings[index], raw[:200], str(problem)))
                refused = True
        if "payroll_number" in values:
            numbers.append((values["payroll_number"], row_number))
        # Without a payroll number or tax code column the file is refused as a whole (row 0).
        if refused or not {"payroll_number", "tax_code", "ni_category"} <= values.keys():
            continue
        code, week1_month1 = values["tax_code"]
        rows.append(LegacyResultRow(
            row_number=row_number, payroll_number=values["payroll_number"],
            figures={name: values[name] for name in figures}, tax_code=code, ni_category=values["ni_category"],
            week1_month1=week1_month1,
            year_to_date={name: values[key] for key, name in YEAR_TO_DATE_COLUMNS.items() if key in values}
            if year_to_date else {}))
    return read


def _duplicates(numbers: list[tuple[str, int]], headings: list[str],
                columns: dict[str, int]) -> list[ResultProblem]:
    by_number: dict[str, list[int]] = defaultdict(list)
    for number, row_number in numbers:
        by_number[number].append(row_number)
    problems: list[ResultProblem] = []
    heading = headings[columns["payroll_number"]] if "payroll_number" in columns else "Payroll number"
    for number, row_numbers in by_number.items():
        if len(row_numbers) < 2:
            continue
        named = ", ".join(str(row) for row in row_numbers[:-1]) + f" and {row_numbers[-1]}"
        problems.extend(ResultProblem(row, heading, number, (
            f"Rows {named} have the same payroll number. Each employee appears once in a period's results."))
            for row in row_numbers)
    return problems
