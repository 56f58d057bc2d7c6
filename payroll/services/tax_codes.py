"""HMRC's tax code notices (P6, P6B, P9, P9X): received from a CSV file or the API, each line
matched to an employee, checked, stored, and applied from the next pay period not yet locked.

The CSV layout (a header row, then one notice a line; column order is free, headings are
case-insensitive; UTF-8):

    form,payroll_number,ni_number,tax_code,week1_month1,effective_from,previous_pay,previous_tax
    P6,MJ0001,AB123456C,1185L,no,2026-12-01,,
    P6B,MJ0002,CE987654B,1257L,,2026-12-01,8000.00,950.00
    P9,MJ0001,AB123456C,1288L,,2027-04-06,,

- ``form``: P6 (new code in the year), P6B (new code with pay and tax in earlier employments this
  year), P9 (code for the next tax year) or P9X (the general uplift for the next tax year).
- ``payroll_number`` and ``ni_number``: both needed; they must name the same employee.
- ``tax_code``: as HMRC prints it (1257L, S1185L, K475, BR, D0, 0T…); a W1, M1 or X after it
  means week 1/month 1, as ``week1_month1`` = yes does (yes/no, y/n, true/false, 1/0; empty is no).
- ``effective_from``: YYYY-MM-DD or DD/MM/YYYY. A P9 or P9X takes effect on 6 April.
- ``previous_pay`` and ``previous_tax``: in pounds, needed on a P6B, empty otherwise.

A notice is operated from the first pay day on or after its effective date, in the first period
whose run has not yet been opened. The employee's code changes when that period is the next one
to pay and no run of their schedule is under way (so a run being calculated, approved or
finalised never changes); until then the notice waits, and ``tax_code_notices_apply_due`` applies
it, called when notices arrive and when a run is opened. Every line that cannot be used is
stored rejected with its reason.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from departments.models import Department
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from hr.models import Employee
from hr.services.employees import employee_tax_code_set
from hr.validators import normalise_ni_number
from payroll import selectors_tax_codes as selectors
from payroll.engine.codes import TaxCodeError, parse_tax_code
from payroll.models import PaySchedule, TaxCodeNotice
from payroll.periods import PeriodError
from payroll.selectors import schedule_paying
from shared_services.accounts.models import User

__all__ = [
    "NOTICE_COLUMNS",
    "MAX_NOTICE_LINES",
    "NoticeLine",
    "NoticesOutcome",
    "tax_code_notice_lines_from_csv",
    "tax_code_notices_apply_due",
    "tax_code_notices_receive",
]

NOTICE_COLUMNS = ("form", "payroll_number", "ni_number", "tax_code", "week1_month1", "effective_from",
                  "previous_pay", "previous_tax")
REQUIRED_COLUMNS = ("form", "payroll_number", "ni_number", "tax_code", "effective_from")
MAX_NOTICE_LINES = 100_000
_YES = {"yes", "y", "true", "1"}
_NO = {"", "no", "n", "false", "0"}
_NEXT_YEAR_FORMS = (TaxCodeNotice.Form.P9, TaxCodeNotice.Form.P9X)


@dataclass(frozen=True)
class NoticeLine:
    """One notice as received; ``problem`` says why a line could not even be read."""

    form: str
    payroll_number: str
    ni_number: str
    tax_code: str
    effective_from: datetime.date | None
    week1_month1: bool = False
    previous_pay: Decimal | None = None
    previous_tax: Decimal | None = None
    source: str = "api"
    problem: str = ""


@dataclass
class NoticesOutcome:
    """What became of the notices received: stored, in the order received."""

    notices: list[TaxCodeNotice] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for notice in self.notices if notice.status == status)

    @property
    def applied(self) -> int:
        return self.count(TaxCodeNotice.Status.APPLIED)

    @property
    def pending(self) -> int:
        return self.count(TaxCodeNotice.Status.PENDING)

    @property
    def rejected(self) -> int:
        return self.count(TaxCodeNotice.Status.REJECTED)


# --- Reading a file -------------------------------------------------------------------------------

def _date(text: str) -> datetime.date:
    for layout in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, layout).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    raise ValueError(f"effective_from: '{text[:20]}' is not a date like 2026-12-01 or 01/12/2026")


def _money(name: str, text: str) -> Decimal | None:
    text = text.replace(",", "").lstrip("£")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{name}: '{text[:20]}' is not an amount in pounds, like 8000.00") from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{name}: '{text[:20]}' is not an amount in pounds, like 8000.00")
    return amount


def _line_of(row: Mapping[str, str], source: str) -> NoticeLine:
    cell = {name: (row.get(name) or "").strip() for name in NOTICE_COLUMNS}
    problems: list[str] = []
    effective_from: datetime.date | None = None
    amounts: dict[str, Decimal | None] = {}
    if cell["effective_from"]:
        try:
            effective_from = _date(cell["effective_from"])
        except ValueError as error:
            problems.append(str(error))
    for name in ("previous_pay", "previous_tax"):
        try:
            amounts[name] = _money(name, cell[name])
        except ValueError as error:
            amounts[name] = None
            problems.append(str(error))
    flag = cell["week1_month1"].lower()
    if flag not in _YES | _NO:
        problems.append(f"week1_month1: '{cell['week1_month1'][:20]}' should be yes or no")
    return NoticeLine(form=cell["form"].upper(), payroll_number=cell["payroll_number"], ni_number=cell["ni_number"],
                      tax_code=cell["tax_code"], effective_from=effective_from, week1_month1=flag in _YES,
                      previous_pay=amounts["previous_pay"], previous_tax=amounts["previous_tax"], source=source,
                      problem="; ".join(problems))


def tax_code_notice_lines_from_csv(*, content: bytes, source_name: str) -> list[NoticeLine]:
    """The notices of a CSV file in the layout above. A file that cannot be read as such (not
    UTF-8 text, a required column missing, no lines) is refused with a ``ValidationError`` on
    ``file``; a line that cannot be read comes back with its ``problem``, to be stored rejected."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": "The file is not UTF-8 text: save it as CSV UTF-8."}) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [cell.strip().lower().replace(" ", "_") for cell in next(reader, [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ValidationError({"file": f"The file has no column for: {', '.join(missing)}. The first row must "
                                       f"name the columns ({', '.join(NOTICE_COLUMNS)})."})
    lines: list[NoticeLine] = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(lines) >= MAX_NOTICE_LINES:
            raise ValidationError({"file": f"The file has more than {MAX_NOTICE_LINES:,} notices: split it."})
        source = f"{source_name[:150]} line {number}"
        if len(cells) > len(header):
            lines.append(NoticeLine(form="", payroll_number="", ni_number="", tax_code="", effective_from=None,
                                    source=source, problem=f"The line has {len(cells)} values but the header has "
                                                           f"{len(header)} columns."))
            continue
        lines.append(_line_of(dict(zip(header, cells, strict=False)), source))
    if not lines:
        raise ValidationError({"file": "The file has no notices under its header row."})
    return lines


# --- Checking and storing -------------------------------------------------------------------------

def _identity_problem(payroll_number: str, ni_number: str, employee: Employee | None) -> str:
    """Why the notice cannot be matched to ``employee``: HMRC's payroll ID and NI number must both
    be the employee's, so a notice never changes the wrong person's code."""
    if not payroll_number:
        return "payroll_number: give the employee's payroll number"
    if employee is None:
        return f"payroll_number: no employee has the payroll number {payroll_number[:20]}"
    if not ni_number:
        return "ni_number: give the employee's National Insurance number"
    if not employee.ni_number:
        return f"ni_number: {employee} has no National Insurance number on record to check it against"
    if employee.ni_number != ni_number:
        return f"ni_number: {ni_number} is not the National Insurance number on {payroll_number[:20]}'s record"
    return ""


def _checked(line: NoticeLine, employees: Mapping[str, Employee]) -> tuple[dict[str, Any], str]:
    """The notice's fields as stored, and the reason to reject it ("" when it can be used)."""
    fields: dict[str, Any] = {
        "form": line.form[:4], "payroll_number": line.payroll_number[:35],
        "ni_number": normalise_ni_number(line.ni_number)[:9] if line.ni_number else "",
        "tax_code": "".join(line.tax_code.upper().split())[:12], "week1_month1": line.week1_month1,
        # The model needs a date: a line without a usable one is stored rejected on the day it came.
        "effective_from": line.effective_from or timezone.localdate(),
        "previous_pay": line.previous_pay, "previous_tax": line.previous_tax, "source": line.source[:200],
    }
    if line.problem:
        return fields, line.problem
    reasons: list[str] = []
    if line.form not in TaxCodeNotice.Form.values:
        reasons.append(f"form: '{line.form[:10]}' is not P6, P6B, P9 or P9X")
    try:
        code = parse_tax_code(line.tax_code)
    except TaxCodeError as error:
        reasons.append(str(error))
    else:
        # HMRC prints W1, M1 or X after a week 1/month 1 code; the basis is kept apart from the code.
        fields["tax_code"] = code.text.removesuffix("W1").removesuffix("M1").removesuffix("X")
        fields["week1_month1"] = line.week1_month1 or code.non_cumulative
    if line.effective_from is None:
        reasons.append("effective_from: give the date the code takes effect")
    elif line.form in _NEXT_YEAR_FORMS and (line.effective_from.month, line.effective_from.day) != (4, 6):
        reasons.append(f"effective_from: a {line.form} code takes effect on 6 April, the start of the tax year")
    if line.form == TaxCodeNotice.Form.P6B and (line.previous_pay is None or line.previous_tax is None):
        reasons.append("previous_pay and previous_tax: a P6B gives the pay and tax of earlier employments")
    employee = employees.get(line.payroll_number)
    mismatch = _identity_problem(line.payroll_number, fields["ni_number"], employee)
    if mismatch:
        reasons.append(mismatch)
    if employee is not None:
        fields["employee"] = employee
    if not reasons and employee is not None:
        earlier = selectors.same_notice_received(
            employee_id=employee.pk, form=fields["form"], tax_code=fields["tax_code"],
            week1_month1=fields["week1_month1"], effective_from=fields["effective_from"])
        if earlier is not None:
            reasons.append(f"The same notice was received on {timezone.localtime(earlier.received_at):%-d %B %Y} "
                           f"({earlier.get_status_display().lower()})")
    return fields, "; ".join(reasons)[:500]


@transaction.atomic
def tax_code_notices_receive(*, department: Department, lines: Sequence[NoticeLine], acting_user: User | None,
                             source: str = "api") -> NoticesOutcome:
    """Store each notice, rejected with its reason or waiting, then apply those due now.

    Never changes a payslip already calculated: see the module docstring for when a code changes.
    """
    with department_context(department.id):
        if not lines:
            raise ValidationError({"notices": "Send at least one notice."})
        numbers = {line.payroll_number for line in lines if line.payroll_number}
        employees = {employee.payroll_number: employee
                     for employee in Employee.objects.filter(payroll_number__in=numbers)}
        outcome = NoticesOutcome()
        for line in lines:
            fields, reason = _checked(line, employees)
            status = TaxCodeNotice.Status.REJECTED if reason else TaxCodeNotice.Status.PENDING
            notice = TaxCodeNotice.objects.create(department=department, status=status, reason=reason,
                                                  received_by=acting_user if acting_user and acting_user.pk else None,
                                                  **fields)
            outcome.notices.append(notice)
        audit_record(department=department, action="tax_code_notices.receive", acting_user=acting_user,
                     changes=audit_changes({}, {"source": source[:100], "notices": len(outcome.notices),
                                                "rejected": outcome.rejected}))
        due = [notice for notice in outcome.notices if notice.status == TaxCodeNotice.Status.PENDING]
        _apply_due(department, due, acting_user)
        return outcome


# --- Applying ------------------------------------------------------------------------------------

class _Timing:
    """When notices can be applied, worked out once per schedule and date (a P9 file names
    thousands of employees on a few schedules)."""

    def __init__(self) -> None:
        self.today = timezone.localdate()
        self._schedules: dict[int, PaySchedule | None] = {}
        self._periods: dict[tuple[int, datetime.date], datetime.date] = {}
        self._states: dict[int, tuple[str, datetime.date]] = {}

    def waiting_reason(self, notice: TaxCodeNotice, employee_id: int) -> str:
        """Why ``notice`` cannot be applied yet ("" when it can), setting its ``applied_from``."""
        if employee_id not in self._schedules:
            self._schedules[employee_id] = schedule_paying(employee_id=employee_id)
        schedule = self._schedules[employee_id]
        if schedule is None:
            notice.applied_from = notice.effective_from
            return "" if notice.effective_from <= self.today else f"Takes effect on {notice.effective_from:%-d %B %Y}."
        try:
            key = (schedule.pk, notice.effective_from)
            if key not in self._periods:
                self._periods[key] = selectors.first_period_paid_on_or_after(schedule=schedule,
                                                                             day=notice.effective_from).start
            notice.applied_from = start = self._periods[key]
            if schedule.pk not in self._states:
                running = selectors.schedule_run_in_progress(schedule=schedule)
                # Changing the employee while a run is under way would change it if it were recalculated.
                busy = (f"Waiting for the {schedule.name} run for the period starting "
                        f"{running.period_start:%-d %B %Y} to be finalised") if running is not None else ""
                self._states[schedule.pk] = (busy, selectors.next_period_to_pay(schedule=schedule).start)
        except PeriodError as error:
            # A period the schedule cannot pay yet (a tax week not supported): the notice waits.
            return f"Waiting: the pay period for {notice.effective_from:%-d %B %Y} cannot be worked out ({error})."
        busy, next_start = self._states[schedule.pk]
        if busy:
            return f"{busy}; applies from the period starting {start:%-d %B %Y}."
        if start > next_start:
            return f"Applies from the period starting {start:%-d %B %Y}."
        return ""


def _apply_due(department: Department, notices: Iterable[TaxCodeNotice], acting_user: User | None) -> int:
    timing = _Timing()
    applied = 0
    for notice in sorted(notices, key=lambda notice: (notice.effective_from, notice.pk)):
        employee = notice.employee
        if employee is None:
            continue
        waiting = timing.waiting_reason(notice, employee.pk)
        if waiting:
            notice.reason = waiting[:500]
            notice.save(update_fields=["applied_from", "reason"])
            continue
        basis = Employee.TaxBasis.WEEK1_MONTH1 if notice.week1_month1 else Employee.TaxBasis.CUMULATIVE
        employee_tax_code_set(employee=employee, tax_code=notice.tax_code, tax_basis=basis, acting_user=acting_user,
                              reason=f"HMRC {notice.form} effective {notice.effective_from:%-d %B %Y}, applied "
                                     f"from the period starting {notice.applied_from:%-d %B %Y}")
        notice.status, notice.applied_at, notice.reason = TaxCodeNotice.Status.APPLIED, timezone.now(), ""
        notice.save(update_fields=["status", "applied_at", "applied_from", "reason"])
        applied += 1
    return applied


@transaction.atomic
def tax_code_notices_apply_due(*, department: Department, acting_user: User | None,
                               schedule: PaySchedule | None = None) -> int:
    """Apply every waiting notice now due (only those of employees ``schedule`` pays, when given):
    call it before a run is opened, so the run is calculated on the codes HMRC sent for its
    period. Returns how many were applied."""
    with department_context(department.id):
        pending = list(selectors.pending_tax_code_notices())
        if schedule is not None:
            pending = [notice for notice in pending if notice.employee is not None
                       and (paying := schedule_paying(employee_id=notice.employee.pk)) is not None
                       and paying.pk == schedule.pk]
        return _apply_due(department, pending, acting_user)
