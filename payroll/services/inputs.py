"""Pay inputs for a period: typed one at a time, or loaded whole from a CSV file."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from hr.models import Employee
from payroll.models import (
    PayInput,
    PaySchedule,
)
from payroll.periods import PayPeriod, PeriodError
from payroll.selectors import period_is_locked, period_of
from shared_services.accounts.models import User


def _pay_input_errors(*, kind: str, code: str, amount: Decimal | None, hours: Decimal | None,
                      rate: Decimal | None) -> tuple[dict[str, str], Decimal | None]:
    """The problems with one input's values, and its amount (hours × rate, to the penny, for hourly pay)."""
    errors: dict[str, str] = {}
    if kind not in PayInput.Kind.values:
        errors["kind"] = f"Choose one of: {', '.join(str(label) for label in PayInput.Kind.labels)}."
    if not code.strip():
        errors["code"] = "Enter a code for the payment or deduction."
    elif len(code.strip()) > 20:
        errors["code"] = "Enter a code of 20 characters or fewer."
    if hours is not None or rate is not None:
        if amount is not None:
            errors["amount"] = "Enter an amount, or hours and an hourly rate, not both."
        elif hours is None or not (Decimal("0") < hours <= Decimal("300")):
            errors["hours"] = "Enter the hours, more than 0 and at most 300 in a period."
        elif rate is None or not (Decimal("0") < rate <= Decimal("1000")):
            errors["rate"] = "Enter the hourly rate, more than £0 and at most £1,000."
        else:
            amount = (hours * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if amount <= 0:
                errors["hours"] = "The hours at this rate come to less than a penny."
    elif amount is None or amount <= 0 or amount != amount.quantize(Decimal("0.01")) or amount > Decimal("1000000"):
        errors["amount"] = "Enter an amount above £0 and up to £1,000,000, in pounds and pence."
    return errors, amount


def _input_description(description: str, code: str, hours: Decimal | None, rate: Decimal | None) -> str:
    """What the payslip says: the description, and for hourly pay how it was reached."""
    text = description.strip() or code.strip()
    if hours is not None and rate is not None:
        pence = rate.quantize(Decimal("0.01"))
        shown_rate = pence if pence == rate else rate.normalize()
        text = f"{text}: {hours.normalize():f} hours at £{shown_rate:f}"
    return text[:100]


def _period_open_for_inputs(schedule: PaySchedule, period_containing: datetime.date) -> tuple[PayPeriod, str]:
    """The pay period, and why its inputs are locked ("" when they are not). A day no pay period
    holds is refused naming ``period_containing``."""
    try:
        period = period_of(schedule, period_containing)
    except PeriodError as error:
        raise ValidationError({"period_containing": str(error).partition(": ")[2] or str(error)}) from None
    if period_is_locked(schedule=schedule, day=period.start):
        return period, (f"The pay run for the period from {period.start:%-d %B %Y} is open, so its inputs are "
                        "locked. Enter this for the next period, or reopen the run.")
    return period, ""


@transaction.atomic
def pay_input_add(*, employee: Employee, schedule: PaySchedule, period_containing: datetime.date, code: str,
                  description: str, kind: str, amount: Decimal | None, acting_user: User | None,
                  pensionable: bool = False, source_reference: str = "", hours: Decimal | None = None,
                  rate: Decimal | None = None) -> PayInput:
    """A payment or deduction for one employee in the period containing ``period_containing``: a
    fixed amount, or hours at an hourly rate (the amount is then hours × rate, half a penny up)."""
    department = employee.department
    with department_context(department.id):
        errors, amount = _pay_input_errors(kind=kind, code=code, amount=amount, hours=hours, rate=rate)
        period, locked = _period_open_for_inputs(schedule, period_containing)
        if locked:
            errors["period_containing"] = locked
        if errors:
            raise ValidationError(errors)
        assert amount is not None
        pay_input = PayInput.objects.create(
            employee=employee, schedule=schedule, period_start=period.start, code=code.strip().upper(),
            description=_input_description(description, code, hours, rate), kind=kind, amount=amount, hours=hours,
            rate=rate,
            pensionable=pensionable, source_reference=source_reference, created_by=acting_user)
        audit_record(department=department, action="pay_input.add", acting_user=acting_user, target=pay_input,
                     changes=audit_changes({}, {"employee": employee.payroll_number, "code": pay_input.code,
                                                "amount": str(amount)}))
        return pay_input


PAY_INPUT_COLUMNS = ("payroll_number", "code", "description", "kind", "amount", "hours", "hourly_rate",
                     "pensionable")


MAX_PAY_INPUT_ROWS = 100_000


@dataclass(frozen=True)
class PayInputRowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}, {self.column}: {self.message}"


class PayInputImportError(ValidationError):
    """A file of inputs refused as a whole, with every problem found, row by row."""

    def __init__(self, row_errors: list[PayInputRowError]) -> None:
        self.row_errors = row_errors
        super().__init__({"file": [str(error) for error in row_errors[:200]]})


def _decimal_cell(value: str) -> Decimal | None:
    value = value.strip().replace(",", "").lstrip("£")
    if not value:
        return None
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise ValueError("is not a number") from None
    if not number.is_finite():
        raise ValueError("is not a number")
    return number


# A good row of a pay-input file: its number, its cells by column, the amount, hours and rate.
_ParsedInput = tuple[int, dict[str, str], Decimal, Decimal | None, Decimal | None]


def _pay_input_csv(content: bytes) -> tuple[list[str], Iterator[list[str]]]:
    """A pay-input file's header, checked, and a reader of the rows under it."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PayInputImportError([PayInputRowError(1, "file", "is not UTF-8 text; save it as CSV UTF-8")]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [cell.strip().lower().replace(" ", "_") for cell in next(reader, [])]
    missing = [name for name in ("payroll_number", "code", "kind") if name not in header]
    unknown = [name for name in header if name and name not in PAY_INPUT_COLUMNS]
    if missing or unknown:
        allowed = ", ".join(PAY_INPUT_COLUMNS)
        raise PayInputImportError(
            [PayInputRowError(1, name, "this column is missing") for name in missing]
            + [PayInputRowError(1, name, f"is not a column this file can have ({allowed})") for name in unknown])
    return header, reader


def _parsed_pay_input(number: int, header: list[str], cells: list[str],
                      problems: list[PayInputRowError]) -> _ParsedInput | None:
    """One row checked: the row, or None with its problems added to ``problems``."""
    if len(cells) > len(header):
        problems.append(PayInputRowError(number, "file", f"has {len(cells)} cells but the header has "
                                                         f"{len(header)} columns"))
        return None
    row = {name: (cells[index].strip() if index < len(cells) else "") for index, name in enumerate(header)}
    values: dict[str, Decimal | None] = {}
    for column in ("amount", "hours", "hourly_rate"):
        try:
            values[column] = _decimal_cell(row.get(column, ""))
        except ValueError as error:
            problems.append(PayInputRowError(number, column, f"'{row[column][:30]}' {error}"))
    if len(values) < 3:
        return None
    kind = {label.lower(): value for value, label in PayInput.Kind.choices}.get(row["kind"].lower(),
                                                                               row["kind"].lower())
    errors, amount = _pay_input_errors(kind=kind, code=row["code"], amount=values["amount"],
                                       hours=values["hours"], rate=values["hourly_rate"])
    if row.get("pensionable", "").lower() not in ("", "yes", "no", "y", "n", "true", "false"):
        errors["pensionable"] = "Enter yes or no."
    if not row["payroll_number"]:
        errors["payroll_number"] = "Enter the employee's payroll number."
    problems += [PayInputRowError(number, {"rate": "hourly_rate"}.get(column, column), message)
                 for column, message in errors.items()]
    if errors or amount is None:
        return None
    row["kind"] = kind
    return number, row, amount, values["hours"], values["hourly_rate"]


@transaction.atomic
def pay_inputs_import(*, schedule: PaySchedule, period_containing: datetime.date, content: bytes,
                      acting_user: User | None, source_name: str = "") -> int:
    """Inputs for one period from a CSV file with the header ``PAY_INPUT_COLUMNS`` (``description``,
    ``hours``, ``hourly_rate`` and ``pensionable`` may be left out). All or nothing: any bad row
    refuses the file, with every problem named by row and column. Returns how many were added."""
    department = schedule.department
    with department_context(department.id):
        header, reader = _pay_input_csv(content)
        period, locked = _period_open_for_inputs(schedule, period_containing)
        if locked:
            raise ValidationError({"period_containing": locked})
        problems: list[PayInputRowError] = []
        parsed: list[_ParsedInput] = []
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(parsed) + len(problems) >= MAX_PAY_INPUT_ROWS:
                problems.append(PayInputRowError(number, "file", f"has more than {MAX_PAY_INPUT_ROWS:,} rows"))
                break
            good = _parsed_pay_input(number, header, cells, problems)
            if good is not None:
                parsed.append(good)
        employees = dict(Employee.objects.filter(payroll_number__in={row["payroll_number"] for _, row, *_ in parsed})
                         .values_list("payroll_number", "pk"))
        for number, row, *_ in parsed:
            if row["payroll_number"] not in employees:
                problems.append(PayInputRowError(number, "payroll_number",
                                                 f"no employee has the payroll number {row['payroll_number'][:20]}"))
        if problems:
            raise PayInputImportError(sorted(problems, key=lambda problem: problem.row))
        if not parsed:
            raise PayInputImportError([PayInputRowError(1, "file", "has no rows of inputs under the header")])
        reference = f"import:{source_name[:80]}" if source_name else "import"
        PayInput.objects.bulk_create(
            PayInput(employee_id=employees[row["payroll_number"]], schedule=schedule, period_start=period.start,
                     code=row["code"].strip().upper(),
                     description=_input_description(row.get("description", ""), row["code"], hours, rate),
                     kind=row["kind"], amount=amount, hours=hours, rate=rate,
                     pensionable=row.get("pensionable", "").lower() in ("yes", "y", "true"),
                     source_reference=f"{reference} row {number}"[:100], created_by=acting_user)
            for number, row, amount, hours, rate in parsed)
        audit_record(department=department, action="pay_input.import", acting_user=acting_user, target=schedule,
                     changes=audit_changes({}, {"period_start": period.start.isoformat(), "inputs": len(parsed),
                                                "file": source_name[:100]}))
        return len(parsed)
