"""The previous payroll's earnings history: what each employee was paid on each pay day before the
platform's own payslips, loaded so that statutory pay's average weekly earnings can be worked out
when the relevant period falls before them (RATES.md §6)."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from departments.models import Department
from departments.services import audit_record
from departments.tenancy import department_context
from hr.models import Employee
from payroll.models import EarningsHistory
from shared_services.accounts.models import User

__all__ = [
    "EARNINGS_HISTORY_COLUMNS",
    "MAX_EARNINGS_HISTORY_ROWS",
    "EarningsHistoryLoadError",
    "EarningsHistoryOutcome",
    "EarningsHistoryRow",
    "EarningsHistoryRowError",
    "earnings_history_load",
    "earnings_history_rows_from_csv",
]

EARNINGS_HISTORY_COLUMNS = ("payroll_number", "pay_date", "earnings")
MAX_EARNINGS_HISTORY_ROWS = 500_000
MOST_EARNINGS = Decimal("1000000.00")
PENNY = Decimal("0.01")
ERRORS_SHOWN = 200


@dataclass(frozen=True)
class EarningsHistoryRow:
    """One pay day as the previous payroll recorded it; ``line`` is where it came from (the file's
    line, or the item of a request), so that a refusal can point at it. Dates and amounts may be
    text as read from a file."""

    line: int
    payroll_number: str
    pay_date: datetime.date | str
    earnings: Decimal | str


@dataclass(frozen=True)
class EarningsHistoryRowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}, {self.field}: {self.message}"


class EarningsHistoryLoadError(ValidationError):
    """A load refused as a whole, with every problem found, line by line (under ``rows``)."""

    def __init__(self, row_errors: list[EarningsHistoryRowError]) -> None:
        self.row_errors = row_errors
        shown = [str(error) for error in row_errors[:ERRORS_SHOWN]]
        if len(row_errors) > ERRORS_SHOWN:
            shown.append(f"… and {len(row_errors) - ERRORS_SHOWN} more problems.")
        super().__init__({"rows": shown})


@dataclass(frozen=True)
class EarningsHistoryOutcome:
    added: int
    replaced: int


def earnings_history_rows_from_csv(content: bytes) -> list[EarningsHistoryRow]:
    """The rows of a CSV file with the header ``payroll_number,pay_date,earnings``; the values are
    checked by ``earnings_history_load``. A file that is not such a CSV is refused naming line 1."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EarningsHistoryLoadError(
            [EarningsHistoryRowError(1, "file", "is not UTF-8 text; save it as CSV UTF-8")]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [cell.strip().lower().replace(" ", "_") for cell in next(reader, [])]
    missing = [name for name in EARNINGS_HISTORY_COLUMNS if name not in header]
    if missing:
        raise EarningsHistoryLoadError([EarningsHistoryRowError(1, name, "this column is missing") for name in missing])
    where = {name: header.index(name) for name in EARNINGS_HISTORY_COLUMNS}
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        line = reader.line_num
        values = {name: cells[index].strip() if index < len(cells) else "" for name, index in where.items()}
        rows.append(EarningsHistoryRow(line=line, **values))
    return rows


def _pay_date(value: datetime.date | str) -> datetime.date | str:
    """The date, or what is wrong with it. Files from payroll systems write 2026-03-27 or 27/03/2026."""
    if isinstance(value, datetime.date):
        return value
    text = value.strip()
    if not text:
        return "Enter the pay day."
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007  (a calendar day, no time)
        except ValueError:
            continue
    return f"'{text[:30]}' is not a date; write it like 2026-03-27 or 27/03/2026."


def _earnings(value: Decimal | str) -> Decimal | str:
    """The amount in pounds, or what is wrong with it."""
    text = str(value).strip().replace(",", "").lstrip("£")
    if not text:
        return "Enter the earnings paid on the day, in pounds and pence."
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return f"'{str(value)[:30]}' is not an amount of money; write it like 2500.00."
    if not amount.is_finite() or amount != amount.quantize(PENNY, rounding="ROUND_DOWN"):
        return f"'{str(value)[:30]}' is not an amount of money in pounds and pence."
    if amount < 0:
        return "Earnings cannot be negative."
    if amount > MOST_EARNINGS:
        return "Enter earnings of at most £1,000,000 for one pay day."
    return amount.quantize(PENNY)


@transaction.atomic
def earnings_history_load(*, department: Department, rows: Sequence[EarningsHistoryRow], acting_user: User | None,
                          source: str) -> EarningsHistoryOutcome:
    """Record the earnings (subject to Class 1 NICs) each employee was paid on each pay day.

    All or nothing: an unknown payroll number, a pay day that is not a date (or is after today),
    an amount that is not money or is negative, or the same employee and day twice refuses the
    whole load, every problem named by line and field. A day already recorded is replaced by the
    new figure (a correction from the previous payroll), never doubled.
    """
    problems: list[EarningsHistoryRowError] = []
    if not rows:
        raise ValidationError({"rows": "Give at least one pay day's earnings."})
    if len(rows) > MAX_EARNINGS_HISTORY_ROWS:
        raise ValidationError({"rows": f"Load at most {MAX_EARNINGS_HISTORY_ROWS:,} rows at a time."})
    with department_context(department.id):
        numbers = {row.payroll_number.strip() for row in rows if row.payroll_number.strip()}
        employee_ids = dict(Employee.objects.filter(payroll_number__in=numbers).values_list("payroll_number", "pk"))
        today = timezone.localdate()
        wanted: dict[tuple[int, datetime.date], tuple[int, Decimal]] = {}
        for row in rows:
            number = row.payroll_number.strip()
            employee_id = employee_ids.get(number)
            if not number:
                problems.append(EarningsHistoryRowError(row.line, "payroll_number", "Enter the payroll number."))
            elif employee_id is None:
                problems.append(EarningsHistoryRowError(
                    row.line, "payroll_number", f"'{number[:35]}' is not the payroll number of anyone in "
                                                f"{department.name}."))
            pay_date = _pay_date(row.pay_date)
            if isinstance(pay_date, str):
                problems.append(EarningsHistoryRowError(row.line, "pay_date", pay_date))
            elif pay_date > today:
                problems.append(EarningsHistoryRowError(row.line, "pay_date", "The pay day is after today: the "
                                                                              "history is of pay already made."))
                pay_date = ""
            earnings = _earnings(row.earnings)
            if isinstance(earnings, str):
                problems.append(EarningsHistoryRowError(row.line, "earnings", earnings))
            if employee_id is None or isinstance(pay_date, str) or isinstance(earnings, str):
                continue
            earlier = wanted.get((employee_id, pay_date))
            if earlier is not None:
                problems.append(EarningsHistoryRowError(
                    row.line, "pay_date", f"{number} is paid on {pay_date:%-d %B %Y} on line {earlier[0]} too; "
                                          "give each pay day once."))
                continue
            wanted[(employee_id, pay_date)] = (row.line, earnings)
        if problems:
            raise EarningsHistoryLoadError(sorted(problems, key=lambda problem: problem.line))
        now = timezone.now()
        source = source.strip()[:100]
        existing = {(record.employee_id, record.pay_date): record for record in EarningsHistory.objects.filter(
            employee_id__in={key[0] for key in wanted}, pay_date__in={key[1] for key in wanted})}
        added, replaced = [], []
        for (employee_id, pay_date), (_, earnings) in wanted.items():
            record = existing.get((employee_id, pay_date))
            if record is None:
                added.append(EarningsHistory(department=department, employee_id=employee_id, pay_date=pay_date,
                                             earnings=earnings, source=source, loaded_by=acting_user, loaded_at=now))
            else:
                record.earnings, record.source, record.loaded_by, record.loaded_at = earnings, source, acting_user, now
                replaced.append(record)
        EarningsHistory.objects.bulk_create(added, batch_size=5000)
        EarningsHistory.objects.bulk_update(replaced, ["earnings", "source", "loaded_by", "loaded_at"],
                                            batch_size=5000)
        audit_record(department=department, action="earnings_history.load", acting_user=acting_user,
                     changes={"rows": {"before": None, "after": len(wanted)},
                              "added": {"before": None, "after": len(added)},
                              "replaced": {"before": None, "after": len(replaced)},
                              "source": {"before": None, "after": source}})
        return EarningsHistoryOutcome(added=len(added), replaced=len(replaced))
