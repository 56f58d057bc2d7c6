"""The fields of a legacy staff export, how each column is found, and how each cell is checked.

Each check returns the normalised value or raises ``CellProblem`` with the reason in words an HR
officer understands. The validators of ``hr.validators`` and the tax-code parser of the payroll
engine are the single source of what a valid value is.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from hr.models.organisation import CODE_VALIDATOR
from hr.services.employees import STARTER_TAX_CODES, starter_tax_code
from hr.validators import (
    normalise_postcode,
    normalise_sort_code,
    validate_account_number,
    validate_ni_number,
    validate_postcode,
    validate_sort_code,
)
from onboarding.reading import FileProblem
from payroll.engine.codes import TaxCodeError, parse_tax_code

FORMULA_STARTS = ("=", "+", "@")
PENNY = Decimal("0.01")
FULL_TIME_HOURS = Decimal("37")


class CellProblem(ValueError):
    pass


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # what the report calls it when the file has no such heading
    headings: tuple[str, ...]  # usual headings, compared without case, spaces or punctuation
    check: Callable[[str, Context], Any]
    required: bool = False


@dataclass(frozen=True)
class Context:
    today: datetime.date
    ni_letters: frozenset[str]


def simple_heading(heading: str) -> str:
    """A heading as it is compared: no case, spaces or punctuation ("NI EE" is "niee")."""
    return re.sub(r"[^a-z0-9]+", "", heading.lower())


_simple = simple_heading


# --- checks -------------------------------------------------------------------------------------


def _text(limit: int) -> Callable[[str, Context], str]:
    def check(value: str, context: Context) -> str:
        text = value.strip()
        if "\n" in text or "\r" in text:
            raise CellProblem("It has a line break inside it. Keep it on one line.")
        if text.startswith(FORMULA_STARTS):
            raise CellProblem("It looks like a spreadsheet formula, not a value. Enter the value itself.")
        if len(text) > limit:
            raise CellProblem(f"It is {len(text)} characters long; the most allowed is {limit}.")
        return text
    return check


def _payroll_number(value: str, context: Context) -> str:
    text = value.strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9/_-]{0,19}", text):
        raise CellProblem("Use up to 20 letters, digits, '-', '/' or '_', starting with a letter or digit.")
    return text.upper()


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S")


_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T00:00:00)?")


def _date(value: str, context: Context) -> datetime.date:
    text = value.strip()
    # The usual shapes without strptime, which is slow at tens of thousands of rows; "14/03/1987"
    # (the commonest) without even a regular expression.
    digits = text[:2] + text[3:5] + text[6:]
    if len(text) == 10 and text[2] == text[5] == "/" and digits.isdecimal():
        try:
            return datetime.date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))
        except ValueError:
            raise CellProblem("It is not a real date (dates are day/month/year, like 14/03/1987).") from None
    day_first, iso = _DAY_FIRST.fullmatch(text), _ISO.fullmatch(text)
    parts_found = (day_first.group(3, 2, 1) if day_first else iso.group(1, 2, 3) if iso else None)
    if parts_found is not None:
        try:
            return datetime.date(*(int(part) for part in parts_found))
        except ValueError:
            raise CellProblem("It is not a real date (dates are day/month/year, like 14/03/1987).") from None
    parts = re.split(r"[/.\-T ]", text)
    if len(parts) >= 3 and len(parts[0]) != 4 and len(parts[2]) == 2:
        raise CellProblem("Write the year in full, like 14/03/1987.")
    for pattern in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    if re.fullmatch(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}|\d{4}-\d{1,2}-\d{1,2}", text):
        raise CellProblem("It is not a real date (dates are day/month/year, like 14/03/1987).")
    raise CellProblem("Enter a date as day/month/year, like 14/03/1987.")


def _date_of_birth(value: str, context: Context) -> datetime.date:
    born = _date(value, context)
    if born >= context.today:
        raise CellProblem("The date of birth must be in the past.")
    if born < context.today.replace(year=context.today.year - 100):
        raise CellProblem("The date of birth is more than 100 years ago.")
    return born


def _start_date(value: str, context: Context) -> datetime.date:
    start = _date(value, context)
    if start > context.today + datetime.timedelta(days=366):
        raise CellProblem("The start date must be within a year from today.")
    if start.year < 1950:
        raise CellProblem("The start date is before 1950.")
    return start


def _sex(value: str, context: Context) -> str:
    text = value.strip().upper()
    found = {"F": "F", "FEMALE": "F", "M": "M", "MALE": "M"}.get(text)
    if found is None:
        raise CellProblem("Enter F or M (the sex HMRC holds for the employee).")
    return found


def _ni_number(value: str, context: Context) -> str:
    compact = value.upper() if value.isalnum() else re.sub(r"[\s\-.]", "", value).upper()
    try:
        validate_ni_number(compact)
    except ValidationError as error:
        if compact.startswith("TN"):
            raise CellProblem("Temporary NI numbers (TN…) are not accepted; leave it blank until HMRC issues one.") \
                from None
        raise CellProblem(error.messages[0]) from None
    return compact


def _postcode(value: str, context: Context) -> str:
    try:
        validate_postcode(value)
    except ValidationError as error:
        raise CellProblem(error.messages[0]) from None
    return normalise_postcode(value)


def _sort_code(value: str, context: Context) -> str:
    text = value.strip()
    # "30-99-50" or "309950", the usual shapes, without the validator's regular expressions.
    compact = text[:2] + text[3:5] + text[6:] if len(text) == 8 and text[2] == text[5] == "-" else text
    if len(compact) == 6 and compact.isascii() and compact.isdigit():
        return compact
    try:
        validate_sort_code(value.strip())
    except ValidationError as error:
        raise CellProblem(error.messages[0]) from None
    return normalise_sort_code(value.strip())


def _account_number(value: str, context: Context) -> str:
    compact = value.replace(" ", "").strip()
    if re.fullmatch(r"\d{7}", compact):
        raise CellProblem("It has 7 digits; UK account numbers have 8. A spreadsheet may have dropped a leading 0.")
    try:
        validate_account_number(compact)
    except ValidationError as error:
        raise CellProblem(error.messages[0]) from None
    return compact


def _work_email(value: str, context: Context) -> str:
    text = value.strip().lower()
    if len(text) > 254:
        raise CellProblem(f"It is {len(text)} characters long; an e-mail address has at most 254.")
    try:
        validate_email(text)
    except ValidationError:
        raise CellProblem("Enter the work e-mail address the employee signs in with, like "
                          "firstname.lastname@justice.gov.uk.") from None
    return text


# The validator's own pattern, without its per-call overhead.
_CODE = re.compile(str(getattr(CODE_VALIDATOR.regex, "pattern", CODE_VALIDATOR.regex)))


def _code(value: str, context: Context) -> str:
    text = value.strip()
    if not _CODE.match(text):
        raise CellProblem("Use up to 30 letters, digits, '-', '_' or '.'.")
    return text


_PLAIN_AMOUNT = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,2})?")


def _money(*, negative: bool = False, limit: Decimal = Decimal("10000000")) -> Callable[[str, Context], Decimal]:
    def check(value: str, context: Context) -> Decimal:
        if _PLAIN_AMOUNT.fullmatch(value):  # the usual "28500.00": no clean-up needed
            amount = Decimal(value)
            if amount >= limit:
                raise CellProblem(f"The amount must be less than £{limit:,}.")
            return amount if value[-3:-2] == "." else amount.quantize(PENNY)
        text = value.strip().replace("£", "").replace(",", "").replace(" ", "")
        if text.startswith("(") and text.endswith(")"):
            text = "-" + text[1:-1]
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise CellProblem("Enter an amount in pounds, like 28500.00.") from None
        if not amount.is_finite():
            raise CellProblem("Enter an amount in pounds, like 28500.00.")
        if amount != amount.quantize(PENNY):
            raise CellProblem("Amounts have at most two decimal places (pence).")
        if amount < 0 and not negative:
            raise CellProblem("The amount cannot be negative.")
        if abs(amount) >= limit:
            raise CellProblem(f"The amount must be less than £{limit:,}.")
        return amount.quantize(PENNY)
    return check


def _salary(value: str, context: Context) -> Decimal:
    amount = _money()(value, context)
    if amount == 0:
        raise CellProblem("The salary is 0. Enter the full-time annual salary.")
    return amount


def _hours(value: str, context: Context) -> Decimal:
    try:
        hours = Decimal(value.strip())
    except InvalidOperation:
        raise CellProblem("Enter the weekly contracted hours as a number, like 37 or 22.5.") from None
    if not hours.is_finite() or not Decimal("0") < hours <= Decimal("60"):
        raise CellProblem("Weekly contracted hours must be more than 0 and at most 60.")
    return hours.quantize(PENNY)


def _tax_code(value: str, context: Context) -> tuple[str, bool]:
    return _tax_code_of(value)


@functools.lru_cache(maxsize=4096)
def _tax_code_of(value: str) -> tuple[str, bool]:
    # A department has a few dozen distinct codes among tens of thousands of rows.
    try:
        code = parse_tax_code(value)
    except TaxCodeError:
        raise CellProblem("It is not a tax code HMRC issues, like 1257L, S1257L, C1257L, K475, BR, D0, NT or "
                          "1257L M1.") from None
    text = re.sub(r"(W1|M1|X)$", "", code.text)
    return text, code.non_cumulative


def _starter_declaration(value: str, context: Context) -> str:
    letter = value.strip().upper().removeprefix("STATEMENT").strip()
    if letter not in STARTER_TAX_CODES:
        raise CellProblem("Enter the starter checklist statement: A, B or C.")
    return letter


def _ni_letter(value: str, context: Context) -> str:
    letter = value.strip().upper()
    if letter not in context.ni_letters:
        raise CellProblem(f"Enter an NI category letter HMRC uses: {', '.join(sorted(context.ni_letters))}.")
    return letter


_LOAN_WORDS = {"plan1": "plan1", "1": "plan1", "p1": "plan1", "plan2": "plan2", "2": "plan2", "p2": "plan2",
               "plan4": "plan4", "4": "plan4", "p4": "plan4", "plan5": "plan5", "5": "plan5", "p5": "plan5",
               "pgl": "pgl", "pg": "pgl", "postgraduate": "pgl", "postgrad": "pgl", "postgraduateloan": "pgl"}


def _student_loans(value: str, context: Context) -> list[str]:
    words = [re.sub(r"[^a-z0-9]", "", word.lower()) for word in re.split(r"[,;/+&]| and ", value)]
    plans = []
    for word in words:
        if word in ("", "none", "no", "n"):
            continue
        if word not in _LOAN_WORDS:
            raise CellProblem("Use plan1, plan2, plan4, plan5 and pgl (postgraduate), separated by ';'.")
        plans.append(_LOAN_WORDS[word])
    if len([plan for plan in plans if plan != "pgl"]) > 1:
        raise CellProblem("An employee repays one student loan plan at a time (plus, perhaps, a postgraduate "
                          "loan).")
    return sorted(set(plans))


def _pension(value: str, context: Context) -> str:
    word = value.strip().lower()
    if word in ("", "none", "no", "opted out", "opt out", "n"):
        return ""
    if word in ("alpha", "cs alpha", "civil service alpha"):
        return "alpha"
    raise CellProblem("Enter alpha for the Civil Service pension scheme, or none.")


def _payroll_id(value: str, context: Context) -> str:
    text = value.strip()
    if len(text) > 35 or not re.fullmatch(r"[A-Za-z0-9 /_.-]*", text):
        raise CellProblem("An RTI payroll ID is up to 35 letters, digits, spaces and '/', '_', '.' or '-'.")
    return text


# Order matters only for reports: it is the order of a legacy export.
COLUMNS: tuple[Column, ...] = (
    Column("payroll_number", "Payroll number", ("payroll no", "payroll number", "payroll_number", "employee number",
                                                "emp no", "staff number"), _payroll_number, required=True),
    Column("title", "Title", ("title",), _text(20)),
    Column("first_name", "Forename", ("forename", "first name", "first_name", "forenames", "given name"),
           _text(100), required=True),
    Column("last_name", "Surname", ("surname", "last name", "last_name", "family name"), _text(100), required=True),
    Column("date_of_birth", "Date of birth", ("date of birth", "dob", "birth date", "date_of_birth"),
           _date_of_birth, required=True),
    Column("sex", "Sex", ("sex", "gender"), _sex, required=True),
    Column("ni_number", "NI number", ("ni number", "nino", "national insurance number", "ni no", "ni_number"),
           _ni_number),
    Column("address_line_1", "Address 1", ("address 1", "address line 1", "address1", "address_line_1"), _text(200)),
    Column("address_line_2", "Address 2", ("address 2", "address line 2", "address2", "address_line_2"), _text(200)),
    Column("town", "Town", ("town", "city", "post town"), _text(100)),
    Column("postcode", "Postcode", ("postcode", "post code"), _postcode),
    Column("bank_sort_code", "Sort code", ("sort code", "sortcode", "bank sort code"), _sort_code),
    Column("bank_account_number", "Account number", ("account no", "account number", "bank account number",
                                                     "account"), _account_number),
    Column("grade", "Grade", ("grade", "grade code"), _code, required=True),
    Column("post_title", "Post", ("post", "post title", "job title", "position"), _text(200), required=True),
    Column("organisation_unit", "Organisation unit", ("org unit", "organisation unit", "organization unit",
                                                      "org unit code", "unit"), _code, required=True),
    Column("cost_centre", "Cost centre", ("cost centre", "cost center", "cost centre code", "cc"), _code,
           required=True),
    Column("annual_salary", "Salary", ("salary", "annual salary", "fte salary", "full time salary"), _salary,
           required=True),
    Column("contracted_hours", "Hours", ("hours", "contracted hours", "weekly hours"), _hours, required=True),
    Column("start_date", "Start date", ("start date", "date started", "start_date", "service start"),
           _start_date, required=True),
    # A starter's tax code comes from their P45 or, without one, from their starter declaration:
    # one of the two is needed (see _cross_checks).
    Column("tax_code", "Tax code", ("tax code", "taxcode", "tax_code"), _tax_code),
    Column("starter_declaration", "Starter declaration", ("starter declaration", "starter statement",
                                                          "starter checklist", "startdec", "starter_declaration"),
           _starter_declaration),
    Column("ni_category", "NI letter", ("ni letter", "ni category", "ni cat", "ni table", "ni_category"),
           _ni_letter, required=True),
    Column("student_loans", "Student loan", ("student loan", "student loans", "sl plan", "loan plan"),
           _student_loans),
    Column("pension_scheme", "Pension scheme", ("pension scheme", "pension", "scheme"), _pension),
    Column("previous_payroll_id", "Payroll ID", ("payroll id", "rti payroll id", "previous payroll id"), _payroll_id),
    Column("work_email", "Work e-mail", ("work email", "work e-mail", "work_email", "work email address", "email",
                                         "e-mail", "email address", "e-mail address"), _work_email),
    Column("ytd_taxable_pay", "YTD taxable pay", ("ytd taxable pay", "taxable pay ytd", "ytd taxable"),
           _money()),
    Column("ytd_tax_paid", "YTD tax", ("ytd tax", "ytd tax paid", "tax ytd", "tax paid ytd"), _money(negative=True)),
    Column("ytd_ni_employee", "YTD NI employee", ("ytd ni ee", "ytd ni employee", "ytd ee ni", "ee ni ytd"),
           _money()),
    Column("ytd_ni_employer", "YTD NI employer", ("ytd ni er", "ytd ni employer", "ytd er ni", "er ni ytd"),
           _money()),
    Column("ytd_student_loan", "YTD student loan", ("ytd student loan", "ytd sl", "student loan ytd"), _money()),
    Column("ytd_postgraduate_loan", "YTD postgraduate loan", ("ytd pg loan", "ytd postgraduate loan", "ytd pgl"),
           _money()),
    Column("ytd_pension", "YTD pension", ("ytd pension", "pension ytd", "ytd pension ee"), _money()),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
YTD_KEYS = tuple(column.key for column in COLUMNS if column.key.startswith("ytd_"))

# What follows when a file has no column for an optional field: the dry run names each gap with its
# consequence, and a commit goes ahead only once the gaps are confirmed (nothing silently empty).
# Title, the second address line and the starter declaration (an alternative to the tax code) are
# often absent and change nothing that matters, so they are not gaps.
MISSING_CONSEQUENCES: dict[str, str] = {
    "ni_number": "NI numbers will be empty: the FPS reports each employee without one, and HMRC may open "
                 "duplicate records for them",
    "address_line_1": "addresses will be empty: HMRC needs one on the FPS for anyone without an NI number, and "
                      "nothing can be posted to employees",
    "town": "towns will be empty from addresses",
    "postcode": "postcodes will be empty from addresses",
    "bank_sort_code": "no Bacs payments: net pay cannot be paid until each employee's bank details are added",
    "bank_account_number": "no Bacs payments: net pay cannot be paid until each employee's bank details are added",
    "tax_code": "there are no tax codes: every row is rejected unless the file has starter declarations",
    "student_loans": "no student or postgraduate loan is deducted until each employee's plan is added",
    "pension_scheme": "nobody will be in the alpha pension scheme: no pension contributions are deducted or paid",
    "previous_payroll_id": "the first FPS cannot give HMRC the previous payroll ID, so HMRC may record everyone as "
                           "a new employment",
    "work_email": "people cannot sign in with single sign-on until their work e-mail is added",
    "ytd_taxable_pay": "year-to-date taxable pay will start at zero: the first pay run's cumulative tax ignores "
                       "pay earlier in the tax year",
    "ytd_tax_paid": "year-to-date tax will start at zero: the first pay run's cumulative tax ignores tax already "
                    "paid this tax year",
    "ytd_ni_employee": "year-to-date employee NI will start at zero: P60s and the year-end figures will be short",
    "ytd_ni_employer": "year-to-date employer NI will start at zero: the year-end figures will be short",
    "ytd_student_loan": "year-to-date student loan deductions will start at zero",
    "ytd_postgraduate_loan": "year-to-date postgraduate loan deductions will start at zero",
    "ytd_pension": "year-to-date pension contributions will start at zero: P60s and the pension figures will be "
                   "short",
}


def missing_columns(found: Collection[str]) -> list[str]:
    """The optional fields, in the export's order, that a file with columns for ``found`` lacks (a
    file of starter declarations needs no tax code column)."""
    given = {*found, "tax_code"} if "starter_declaration" in found else found
    return [column.key for column in COLUMNS if column.key in MISSING_CONSEQUENCES and column.key not in given]


def missing_column_text(key: str) -> str:
    """'Work e-mail (people cannot sign in …)', for error messages."""
    return f"{COLUMNS_BY_KEY[key].label} ({MISSING_CONSEQUENCES[key]})"


@dataclass(frozen=True)
class ImportGaps:
    """What a job's notes record of the file's missing columns: the fields missing, those the
    person who started the import confirmed it may go ahead without, who and when."""

    missing: tuple[str, ...] = ()
    accepted: tuple[str, ...] = ()
    accepted_by: str = ""
    accepted_at: str = ""

    @property
    def unaccepted(self) -> tuple[str, ...]:
        return tuple(key for key in self.missing if key not in self.accepted)

    def as_note(self) -> dict[str, Any]:
        return {GAPS_NOTE: {"missing": list(self.missing), "accepted": list(self.accepted),
                            "accepted_by": self.accepted_by, "accepted_at": self.accepted_at}}

    def lines(self) -> list[tuple[str, str, str]]:
        """(key, label, consequence) of each missing field."""
        return [(key, COLUMNS_BY_KEY[key].label, MISSING_CONSEQUENCES[key]) for key in self.missing]


# A job's ``notes`` hold sentences to show and one entry under this key with its ImportGaps.
GAPS_NOTE = "gaps"


def gaps_of(notes: list[Any]) -> ImportGaps:
    for note in notes:
        if isinstance(note, dict) and GAPS_NOTE in note:
            entry = note[GAPS_NOTE]
            return ImportGaps(missing=tuple(entry.get("missing", ())), accepted=tuple(entry.get("accepted", ())),
                              accepted_by=entry.get("accepted_by", ""), accepted_at=entry.get("accepted_at", ""))
    return ImportGaps()


def with_gaps(notes: list[Any], gaps: ImportGaps) -> list[Any]:
    return [*shown_notes(notes), gaps.as_note()]


def shown_notes(notes: list[Any]) -> list[str]:
    """The sentences of a job's notes, for pages, the API and the command."""
    return [note for note in notes if isinstance(note, str)]


def column_key(name: str) -> str | None:
    """The field a person means by ``name``: its key ("work_email"), its label ("Work e-mail") or
    one of its usual headings ("Work Email"); None when no field goes by that name."""
    wanted = simple_heading(name)
    for column in COLUMNS:
        if wanted in {simple_heading(column.key), simple_heading(column.label),
                      *(simple_heading(heading) for heading in column.headings)}:
            return column.key
    return None


def resolve_columns(headings: list[str], mapping: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    """Where each field is in the file: ``{key: index}``, and notes about headings left unused.

    A saved mapping names the heading for a field; other fields are found under their usual
    headings. A required field with no column, or a heading used twice, is a FileProblem.
    """
    simple = [_simple(heading) for heading in headings]
    seen: dict[str, int] = {}
    for index, name in enumerate(simple):
        if name and name in seen:
            raise FileProblem(f"The heading \"{headings[index]}\" appears twice (columns {seen[name] + 1} and "
                              f"{index + 1}). Each column needs its own heading.", row=1)
        seen[name] = index
    found: dict[str, int] = {}
    unknown_mapping = [key for key in mapping if key not in COLUMNS_BY_KEY]
    if unknown_mapping:
        raise FileProblem(f"The column mapping names fields the import does not know: {', '.join(unknown_mapping)}.")
    for column in COLUMNS:
        wanted = [mapping[column.key]] if mapping.get(column.key) else list(column.headings)
        for heading in wanted:
            position = seen.get(_simple(heading))
            if position is not None:
                found[column.key] = position
                break
    missing = [column for column in COLUMNS if column.required and column.key not in found]
    if missing:
        names = "; ".join(f"{column.label} (heading \"{mapping.get(column.key) or column.headings[0].title()}\")"
                          for column in missing)
        raise FileProblem(f"The file has no column for: {names}. Add the column, or choose a column mapping that "
                          "names the heading your file uses.", row=1)
    used = set(found.values())
    unused = [heading for index, heading in enumerate(headings) if index not in used and heading.strip()]
    notes = [f"These columns were not used: {', '.join(unused)}."] if unused else []
    return found, notes


@dataclass
class ParsedRow:
    row_number: int
    values: dict[str, Any]
    problems: list[tuple[str, str, str]]  # (column heading, value, reason)


def row_plan(columns: dict[str, int], headings: list[str]) -> list[tuple[str, int, str, Any, bool, str]]:
    """What ``parse_row`` does per cell, worked out once per file: (key, index, heading, check,
    required, label)."""
    return [(key, index, headings[index], COLUMNS_BY_KEY[key].check, COLUMNS_BY_KEY[key].required,
             COLUMNS_BY_KEY[key].label) for key, index in columns.items()]


def parse_row(row_number: int, cells: list[str], *, plan: list[tuple[str, int, str, Any, bool, str]],
              width: int, context: Context) -> ParsedRow:
    values: dict[str, Any] = {}
    problems: list[tuple[str, str, str]] = []
    if len(cells) != width:
        problems.append(("", "", f"The row has {len(cells)} values but the heading row has {width} "
                                 "columns. Check for a missing or extra comma, or a stray quote mark."))
        return ParsedRow(row_number, values, problems)
    for key, index, heading, check, required, label in plan:
        raw = cells[index]
        if not raw or raw.isspace():
            if required:
                problems.append((heading, "", f"{label} is missing."))
            continue
        try:
            values[key] = check(raw, context)
        except CellProblem as problem:
            problems.append((heading, raw, str(problem)))
    if not problems:
        _cross_checks(values, problems, plan)
    return ParsedRow(row_number, values, problems)


def _cross_checks(values: dict[str, Any], problems: list[tuple[str, str, str]],
                  plan: list[tuple[str, int, str, Any, bool, str]]) -> None:
    def heading_of() -> dict[str, str]:  # only wanted for a problem
        return {key: heading for key, _, heading, *_ in plan}

    if "tax_code" not in values:
        if values.get("starter_declaration"):
            code, basis = starter_tax_code(declaration=values["starter_declaration"])
            values["tax_code"] = (code, basis == "week1_month1")
        else:
            problems.append((heading_of().get("tax_code", heading_of().get("starter_declaration", "Tax code")), "",
                             "Tax code is missing: give the code from the P45, or the starter declaration "
                             "(A, B or C)."))
    born, start = values.get("date_of_birth"), values.get("start_date")
    if born and start:
        age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
        if age < 16:
            problems.append((heading_of()["start_date"], start.strftime("%d/%m/%Y"),
                             "The employee would be under 16 on this start date; check both dates."))
    if bool(values.get("bank_sort_code")) != bool(values.get("bank_account_number")):
        key = "bank_account_number" if values.get("bank_sort_code") else "bank_sort_code"
        if key in heading_of():
            problems.append((heading_of()[key], "", "Give both the sort code and the account number, or neither."))
