"""What a period's absences do to an employee's pay: sickness, family leave and unpaid leave turned
into pay elements, beside basic pay. Plain Python over rows the pay run has read.

The payslip keeps basic pay for the whole period, and each absence then shows what it changes:

- a negative line (``ABSENCE``) for the contractual pay of the days the absence covers,
  "Less basic pay for maternity leave 1–30 November 2026";
- the occupational scheme's pay for those days, one line per step of the scheme, saying which step
  and which weeks (family leave, counted from the leave's first day) or days of sickness (counted
  over the scheme's rolling period): full pay, half pay, statutory pay only or no pay;
- the statutory payment (``SSP``, ``SMP``, ``SAP``, ``SPP``, ``SHPP``, ``SPBP``, ``SNCP``: P60s, the
  FPS and the EPS read these codes) on its own line. Statutory pay is part of the occupational pay,
  not paid on top: the occupational line is reduced by it, and when the occupational pay is less
  than the statutory pay due (half pay, statutory pay only, no pay), the statutory pay is still
  paid in full;
- unpaid leave and unauthorised absence: a negative line (``UNPAID``) for those whole days.

Contractual pay for a set of days is ``payroll.periods.basic_pay`` over the employee's spells
clipped to those days, so the schedule's proration method and bank holidays apply. A day counts for
one absence only: family leave first, then unpaid leave, then sickness. Keeping-in-touch days are
paid as worked days. An employee whose service is short of the scheme's qualifying weeks (at the
leave's first day; on each day of sickness) gets statutory pay only.

Occupational pay and the negative lines are pensionable as basic pay is; statutory pay is
pensionable too (pensionable pay is the pay actually received while on leave, statutory pay
included, as SSP already was).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from hr.absence_schemes import (
    FULL,
    HALF,
    NIL,
    PAY_WORDS,
    SICKNESS,
    STATUTORY,
    Step,
    family_leave_step,
    sickness_days,
    sickness_step,
    weeks_of_service,
)
from hr.models import FamilyLeave, LeaveType, SicknessPeriod
from hr.selectors_absence import EffectiveScheme
from payroll.assembly import TAXABLE_PAYMENT, Element, PayslipError
from payroll.engine.family_pay import EarningsPaid, FamilyPayError, Payment, PaymentWeek, paid_within
from payroll.engine.statutory import StatutoryPayError
from payroll.periods import PayPeriod, PaySpell, basic_pay
from payroll.sick_pay import ssp_due
from payroll.statutory_pay import SCHEME_FOR_LEAVE, LeavePay, family_leave_pay, leave_qualifying_week

__all__ = ["ABSENCE", "PAYMENT_NAMES", "SCHEME_CODES", "UNPAID", "AbsencePay", "UnpaidLeave", "absence_pay",
           "earnings_window"]

ZERO = Decimal("0.00")
PENNY = Decimal("0.01")
DAY = datetime.timedelta(days=1)
ABSENCE = "ABSENCE"  # contractual pay an absence replaces
UNPAID = "UNPAID"  # contractual pay unpaid leave or unauthorised absence stops
STATUTORY_PAY_NOT_DUE = "statutory_pay_not_due"
DEFAULT_ROLLING_PERIOD_DAYS = 1461
# The occupational pay of each kind of scheme (hr.AbsencePayScheme.Kind).
SCHEME_CODES = {SICKNESS: "SICK_PAY", "maternity": "MATERNITY_PAY", "adoption": "ADOPTION_PAY",
                "paternity": "PATERNITY_PAY", "shared_parental": "SHARED_PAR_PAY",
                "parental_bereavement": "BEREAVEMENT_PAY", "neonatal_care": "NEONATAL_PAY"}
PAYMENT_NAMES = {Payment.SMP: "Statutory Maternity Pay", Payment.SAP: "Statutory Adoption Pay",
                 Payment.SPP: "Statutory Paternity Pay", Payment.SHPP: "Statutory Shared Parental Pay",
                 Payment.SPBP: "Statutory Parental Bereavement Pay", Payment.SNCP: "Statutory Neonatal Care Pay"}
# Earnings read for average weekly earnings: the relevant period ends at most a pay period before
# the qualifying week's end and runs 8 weeks and up to another pay period before that.
EARNINGS_LOOKBACK = datetime.timedelta(weeks=26)
# A payment week that began on the leave's last day runs on for up to six days after it.
PAYMENT_WEEK_TAIL = datetime.timedelta(days=6)


class UnpaidLeave(NamedTuple):
    """An approved request for leave of a type that is not paid."""

    employee_id: int
    start_date: datetime.date
    end_date: datetime.date
    kind: str
    name: str


@dataclass(frozen=True)
class AbsencePay:
    """The period's pay elements (basic pay first) and what a payroll officer should look at."""

    elements: list[Element]
    exceptions: list[tuple[str, str]] = field(default_factory=list)


def earnings_window(leaves: Sequence[FamilyLeave]) -> tuple[datetime.date, datetime.date] | None:
    """The pay days whose earnings the leaves' average weekly earnings can need, or None when no
    leave has the dates for a qualifying week."""
    ends = []
    for leave in leaves:
        try:
            ends.append(leave_qualifying_week(leave).end)
        except FamilyPayError:
            continue
    if not ends:
        return None
    return min(ends) - EARNINGS_LOOKBACK, max(ends)


# --- Formatting ----------------------------------------------------------------------------------

def _dates(first: datetime.date, last: datetime.date) -> str:
    """"2–6 November 2026", "28 October – 3 November 2026", "30 December 2026 – 2 January 2027"."""
    if first == last:
        return f"{first.day} {first:%B %Y}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:%B %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%B} – {last.day} {last:%B %Y}"
    return f"{first.day} {first:%B %Y} – {last.day} {last:%B %Y}"


def _numbers(unit: str, first: int, last: int) -> str:
    return f"{unit} {first}" if first == last else f"{unit}s {first}–{last}"


def _scheme_label(scheme: EffectiveScheme) -> str:
    return scheme.name if scheme.name.lower().endswith("scheme") else f"{scheme.name} scheme"


def _runs(days: Sequence[datetime.date]) -> list[tuple[datetime.date, datetime.date]]:
    """Sorted days as runs of consecutive days (first, last)."""
    runs: list[tuple[datetime.date, datetime.date]] = []
    for day in days:
        if runs and runs[-1][1] + DAY == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + DAY * offset for offset in range((last - first).days + 1)]


def _half(amount: Decimal) -> Decimal:
    return (amount / 2).quantize(PENNY, rounding=ROUND_HALF_UP)


# --- Contractual pay of some days ----------------------------------------------------------------

class _Contract:
    """What days of the period pay under the contract: basic pay's rules over the spells.

    Each set of days is priced as what all the days priced so far come to with it, less what they
    came to without it, so the pennies add up: the absences of a period never take more than basic
    pay, and absences covering the whole period take exactly basic pay.
    """

    def __init__(self, period: PayPeriod, spells: Sequence[PaySpell], method: str,
                 holidays: Collection[datetime.date]) -> None:
        self.period, self.spells, self.method, self.holidays = period, spells, method, holidays
        self.priced: set[datetime.date] = set()
        self.priced_pay = ZERO

    def pay(self, days: Sequence[datetime.date]) -> Decimal:
        self.priced.update(days)
        total = self._pay(sorted(self.priced))
        piece, self.priced_pay = total - self.priced_pay, total
        return piece

    def _pay(self, days: Sequence[datetime.date]) -> Decimal:
        clipped = []
        for first, last in _runs(days):
            for spell in self.spells:
                start, end = max(first, spell.start), min(last, spell.end)
                if start <= end:
                    clipped.append(PaySpell(start=start, end=end, annual_salary=spell.annual_salary, fte=spell.fte))
        if not clipped:
            return ZERO
        return basic_pay(self.period, clipped, method=self.method, holidays=self.holidays)


@dataclass
class _Segment:
    """The days of one absence in the period that fall in one step of its scheme."""

    step: Step
    days: list[datetime.date] = field(default_factory=list)
    units: list[int] = field(default_factory=list)
    statutory: Decimal = ZERO
    contractual: Decimal = ZERO

    def occupational(self) -> Decimal:
        if self.step.pay == FULL:
            return self.contractual
        if self.step.pay == HALF:
            return _half(self.contractual)
        return ZERO


# --- The period's absences -----------------------------------------------------------------------

def absence_pay(*, period: PayPeriod, spells: Sequence[PaySpell], method: str, holidays: Collection[datetime.date],
                basic: Element, employment_start: datetime.date, leave_date: datetime.date | None,
                frequency: str, schemes: Mapping[str, EffectiveScheme], average_weekly_earnings: Decimal,
                sickness: Sequence[SicknessPeriod] = (), family_leaves: Sequence[FamilyLeave] = (),
                unpaid: Sequence[UnpaidLeave] = (), earnings: Sequence[EarningsPaid] = ()) -> AbsencePay:
    """Basic pay and what the period's absences make of it, for one employee.

    ``sickness``: the employee's periods of sickness back over the sick pay scheme's rolling period
    (and SSP's linking); ``family_leaves``: confirmed leave reaching into the period; ``earnings``:
    what they were paid before it (for statutory pay's average weekly earnings);
    ``average_weekly_earnings``: SSP's. Raises ``PayslipError`` for sickness SSP cannot be
    worked out for. An employee with no absences gets ``[basic]``, untouched.
    """
    if not (sickness or family_leaves or unpaid):
        return AbsencePay([basic])
    contract = _Contract(period, spells, method, holidays)
    first = max(period.start, employment_start)
    last = min(period.end, leave_date or period.end)
    claimed: set[datetime.date] = set()
    elements, exceptions = [basic], []
    for leave in sorted(family_leaves, key=lambda leave: (leave.start_date, leave.pk or 0)):
        leave_pay = family_leave_pay(leave=leave, employment_start=employment_start, leave_date=leave_date,
                                     earnings=earnings, frequency=frequency)
        days = [day for day in _days(max(first, leave.start_date), min(last, leave.end_date))
                if day not in claimed and day not in leave.keeping_in_touch_days]
        claimed.update(days)
        elements += _family_leave(period, contract, leave_pay, days, schemes[SCHEME_FOR_LEAVE[leave.kind]],
                                  employment_start, leave_date, basic.pensionable)
        if not leave_pay.eligible and leave.end_date >= period.start:
            reason = (f"{leave.get_kind_display()} from {leave.start_date.day} {leave.start_date:%B %Y}: no "
                      f"{PAYMENT_NAMES[leave_pay.payment]}. {' '.join(leave_pay.reasons)}")
            exceptions.append((STATUTORY_PAY_NOT_DUE, reason[:500]))
    for request in sorted(unpaid, key=lambda request: request.start_date):
        days = [day for day in _days(max(first, request.start_date), min(last, request.end_date))
                if day not in claimed]
        if not days:
            continue
        claimed.update(days)
        label = LeaveType.Kind(request.kind).label if request.kind in (
            LeaveType.Kind.UNPAID, LeaveType.Kind.UNAUTHORISED) else request.name
        stopped = contract.pay(days)
        elements.append(Element(UNPAID, f"{label} {_dates(days[0], days[-1])}", TAXABLE_PAYMENT,
                                -stopped if stopped else ZERO, pensionable=basic.pensionable))
    if sickness:
        elements += _sickness(period, contract, sickness, schemes[SICKNESS], employment_start, first, last, claimed,
                              average_weekly_earnings, basic.pensionable)
    return AbsencePay(elements, exceptions)


def _family_leave(period: PayPeriod, contract: _Contract, leave_pay: LeavePay, days: list[datetime.date],
                  scheme: EffectiveScheme, employment_start: datetime.date, leave_date: datetime.date | None,
                  pensionable: bool) -> list[Element]:
    leave, payment = leave_pay.leave, leave_pay.payment
    occupational = (weeks_of_service(employment_start=employment_start, on=leave.start_date)
                    >= scheme.qualifying_service_weeks)

    def step_of(day: datetime.date) -> Step:
        if occupational:
            return family_leave_step(steps=scheme.steps, leave_start=leave.start_date, day=day)
        return Step(STATUTORY, 0, (day - leave.start_date).days // 7 + 1, "week")

    segments: dict[int, _Segment] = {}
    for day in days:
        step = step_of(day)
        segment = segments.setdefault(step.step_number, _Segment(step))
        segment.days.append(day)
        segment.units.append(step.unit_number)
    parts = paid_within(leave_pay.weeks, period.start, period.end) if leave_pay.weeks else []
    for week, amount, _days_in in parts:
        step = step_of(week.start)
        segments.setdefault(step.step_number, _Segment(step)).statutory += amount
    label = _scheme_label(scheme)
    stopped, occupational_lines = ZERO, []
    for _number, segment in sorted(segments.items()):
        if not segment.days:
            continue
        segment.contractual = contract.pay(segment.days)
        stopped += segment.contractual
        paid = segment.occupational()
        offset = min(paid, segment.statutory)
        words = f"{label}, {PAY_WORDS[segment.step.pay]}, {_numbers('week', min(segment.units), max(segment.units))}"
        if segment.step.pay in (STATUTORY, NIL):
            words += " (no contractual pay)" if occupational else (
                f" (under {scheme.qualifying_service_weeks} weeks' service)")
        elif offset:
            words += f", less {payment.value}"
        occupational_lines.append(Element(SCHEME_CODES[scheme.kind], words, TAXABLE_PAYMENT, paid - offset,
                                          pensionable=pensionable))
    elements = []
    if days:
        kit = sum(1 for day in leave.keeping_in_touch_days if period.start <= day <= period.end)
        words = f"Less basic pay for {leave.get_kind_display().lower()} {_dates(days[0], days[-1])}"
        if kit:
            words += f" ({kit} keeping-in-touch day{'' if kit == 1 else 's'} worked)"
        elements.append(Element(ABSENCE, words, TAXABLE_PAYMENT, -stopped if stopped else ZERO,
                                 pensionable=pensionable))
    elements += occupational_lines
    elements += _statutory_lines(payment, parts, pensionable)
    if leave_date is not None and period.start <= leave_date <= period.end and leave_pay.weeks:
        elements += _paid_on_leaving(payment, leave_pay.weeks, period, pensionable)
    return elements


def _statutory_lines(payment: Payment, parts: Sequence[tuple[PaymentWeek, Decimal, int]],
                     pensionable: bool) -> list[Element]:
    """The period's statutory pay, one line per run of weeks at one rate."""
    groups: list[list[tuple[PaymentWeek, Decimal]]] = []
    for week, amount, _days_in in parts:
        if groups and groups[-1][-1][0].rate == week.rate:
            groups[-1].append((week, amount))
        else:
            groups.append([(week, amount)])
    return [Element(payment.value, f"{PAYMENT_NAMES[payment]}, "
                                   f"{_numbers('week', group[0][0].number, group[-1][0].number)} at {group[0][0].rate}",
                    TAXABLE_PAYMENT, sum((amount for _, amount in group), ZERO), pensionable=pensionable)
            for group in groups]


def _paid_on_leaving(payment: Payment, weeks: Sequence[PaymentWeek], period: PayPeriod,
                     pensionable: bool) -> list[Element]:
    """The statutory weeks after the leaver's last period, paid with it (HMRC allow it on leaving)."""
    total = sum((week.amount for week in weeks), ZERO)
    through = (sum((amount for _, amount, _ in paid_within(weeks, weeks[0].start, period.end)), ZERO)
               if weeks[0].start <= period.end else ZERO)
    rest = total - through
    if rest <= 0:
        return []
    later = [week for week in weeks if week.end > period.end]
    return [Element(payment.value, f"{PAYMENT_NAMES[payment]}, {_numbers('week', later[0].number, later[-1].number)}"
                                   " paid on leaving", TAXABLE_PAYMENT, rest, pensionable=pensionable)]


def _sickness(period: PayPeriod, contract: _Contract, sickness: Sequence[SicknessPeriod], scheme: EffectiveScheme,
              employment_start: datetime.date, first: datetime.date, last: datetime.date,
              claimed: set[datetime.date], average_weekly_earnings: Decimal, pensionable: bool) -> list[Element]:
    # Sickness read for its history (the rolling period, SSP's linking) that does not reach into
    # this period changes nothing in it: neither the scheme's pay nor SSP.
    if not any(sick.first_day <= period.end and (sick.last_day is None or sick.last_day >= period.start)
               for sick in sickness):
        return []
    try:
        due = ssp_due(period=period, sickness=sickness, average_weekly_earnings=average_weekly_earnings)
    except StatutoryPayError as error:
        raise PayslipError(f"sickness: {error}") from None
    sick_days = sickness_days([(sick.first_day, sick.last_day) for sick in sickness], until=period.end)
    rolling = scheme.rolling_period_days or DEFAULT_ROLLING_PERIOD_DAYS
    segments: dict[int, _Segment] = {}
    for day in sick_days:
        if first <= day <= last and day not in claimed:
            step = sickness_step(steps=scheme.steps, rolling_period_days=rolling, sick_days=sick_days, day=day)
            if weeks_of_service(employment_start=employment_start, on=day) < scheme.qualifying_service_weeks:
                step = Step(STATUTORY, 0, step.unit_number, step.unit)
            segment = segments.setdefault(step.step_number, _Segment(step))
            segment.days.append(day)
            segment.units.append(step.unit_number)
    # Pay is worked out for each run of days within each step, so that the reductions and the scheme's
    # pay come from the same pennies (full sick pay gives back exactly what the absence took).
    runs: dict[tuple[datetime.date, datetime.date], Decimal] = {}
    for segment in segments.values():
        for start, end in _runs(segment.days):
            piece = contract.pay(_days(start, end))
            segment.contractual += piece
            runs[(start, end)] = piece
    elements = []
    # Runs of different steps that touch are one absence on the payslip.
    merged: list[tuple[datetime.date, datetime.date, Decimal]] = []
    for (start, end), piece in sorted(runs.items()):
        if merged and merged[-1][1] + DAY == start:
            merged[-1] = (merged[-1][0], end, merged[-1][2] + piece)
        else:
            merged.append((start, end, piece))
    for start, end, piece in merged:
        elements.append(Element(ABSENCE, f"Less basic pay for sickness {_dates(start, end)}", TAXABLE_PAYMENT,
                                -piece if piece else ZERO, pensionable=pensionable))
    ssp = due.amount if due is not None else ZERO
    to_offset = ssp
    label = _scheme_label(scheme)
    for _number, segment in sorted(segments.items()):
        paid = segment.occupational()
        offset = min(paid, to_offset)
        to_offset -= offset
        words = (f"{label}, {PAY_WORDS[segment.step.pay]}, "
                 f"{_numbers('day', min(segment.units), max(segment.units))} of sickness")
        if segment.step.step_number == 0:
            words += f" (under {scheme.qualifying_service_weeks} weeks' service)"
        elif offset:
            words += ", less SSP"
        elements.append(Element(SCHEME_CODES[SICKNESS], words, TAXABLE_PAYMENT, paid - offset, pensionable=pensionable))
    if due is not None and ssp:
        days = f"{due.days_payable} day{'' if due.days_payable == 1 else 's'}"
        elements.append(Element("SSP", f"Statutory Sick Pay, {days}", TAXABLE_PAYMENT, ssp, pensionable=pensionable))
    return elements
