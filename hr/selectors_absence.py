"""Reads of absence for pay: the department's occupational pay schemes in effect, family leave and
sickness allowances."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from hr.absence_schemes import (
    DEFAULT_SCHEMES,
    PAY_WORDS,
    SICKNESS,
    AllowanceLeft,
    Step,
    family_leave_step,
    sick_pay_allowance,
    sickness_days,
    weeks_of_service,
)
from hr.models import AbsencePayScheme, Employee, FamilyLeave, LeaveRequest, SicknessPeriod
from shared_services.core.problems import NotFound

__all__ = [
    "SCHEME_OF_FAMILY_LEAVE",
    "EffectiveScheme",
    "FamilyLeaveAllowance",
    "SickPayAllowance",
    "WeeksLeft",
    "absence_pay_schemes",
    "family_leave_allowances",
    "family_leave_get",
    "family_leaves_of",
    "family_leaves_waiting",
    "sick_pay_allowance_for",
    "unpaid_absence_of",
]


@dataclass(frozen=True)
class EffectiveScheme:
    """A scheme as it applies: the department's own, or the default where it has not set one."""

    kind: str
    name: str
    steps: tuple[dict[str, Any], ...]
    rolling_period_days: int | None
    qualifying_service_weeks: int
    is_default: bool


def absence_pay_schemes() -> dict[str, EffectiveScheme]:
    """Every kind of scheme in the current department, by kind (``AbsencePayScheme.Kind``)."""
    schemes = {kind: EffectiveScheme(kind, default["name"], tuple(default["steps"]),
                                     default.get("rolling_period_days"), 0, True)
               for kind, default in DEFAULT_SCHEMES.items()}
    for scheme in AbsencePayScheme.objects.all():
        schemes[scheme.kind] = EffectiveScheme(scheme.kind, scheme.name, tuple(scheme.steps),
                                               scheme.rolling_period_days, scheme.qualifying_service_weeks, False)
    return schemes


# --- Family leave ----------------------------------------------------------------------------------

# Which scheme pays each kind of family leave (paternity after birth and after adoption share one).
SCHEME_OF_FAMILY_LEAVE: dict[str, str] = {
    FamilyLeave.Kind.MATERNITY: AbsencePayScheme.Kind.MATERNITY,
    FamilyLeave.Kind.ADOPTION: AbsencePayScheme.Kind.ADOPTION,
    FamilyLeave.Kind.PATERNITY_BIRTH: AbsencePayScheme.Kind.PATERNITY,
    FamilyLeave.Kind.PATERNITY_ADOPTION: AbsencePayScheme.Kind.PATERNITY,
    FamilyLeave.Kind.SHARED_PARENTAL: AbsencePayScheme.Kind.SHARED_PARENTAL,
    FamilyLeave.Kind.PARENTAL_BEREAVEMENT: AbsencePayScheme.Kind.PARENTAL_BEREAVEMENT,
    FamilyLeave.Kind.NEONATAL_CARE: AbsencePayScheme.Kind.NEONATAL_CARE,
}


def family_leaves_of(*, employee: Employee, include_cancelled: bool = True) -> QuerySet[FamilyLeave]:
    """The employee's family leave, latest first."""
    leaves = FamilyLeave.objects.filter(employee=employee).select_related("employee").order_by("-start_date", "-id")
    return leaves if include_cancelled else leaves.exclude(status=FamilyLeave.Status.CANCELLED)


def family_leaves_waiting() -> QuerySet[FamilyLeave]:
    """Requests from self-service waiting for HR to confirm them, soonest first."""
    return (FamilyLeave.objects.filter(status=FamilyLeave.Status.REQUESTED).select_related("employee")
            .order_by("start_date", "id"))


def family_leave_get(*, leave_id: int, employee: Employee | None = None) -> FamilyLeave:
    """A family leave of the department in context (and of ``employee`` when given), or ``NotFound``."""
    leaves = FamilyLeave.objects.select_related("employee").filter(pk=leave_id)
    if employee is not None:
        leaves = leaves.filter(employee=employee)
    leave = leaves.first()
    if leave is None:
        raise NotFound("There is no family leave with that id here.")
    return leave


@dataclass(frozen=True)
class WeeksLeft:
    """One step of a family leave scheme for one leave: weeks allowed, used by a day, and left."""

    pay: str
    allowed_weeks: int
    used_weeks: int

    @property
    def remaining_weeks(self) -> int:
        return max(0, self.allowed_weeks - self.used_weeks)

    @property
    def pay_words(self) -> str:
        return PAY_WORDS[self.pay]


@dataclass(frozen=True)
class FamilyLeaveAllowance:
    """A confirmed family leave against its scheme: each step's weeks, used and remaining on ``on``.

    ``qualifies`` is False when the employee's service at the start of the leave is shorter than the
    scheme asks; then only statutory pay is due, and the steps are shown for reference.
    """

    leave: FamilyLeave
    scheme: EffectiveScheme
    on: datetime.date
    weeks_into_leave: int
    qualifies: bool
    steps: tuple[WeeksLeft, ...]

    @property
    def step_now(self) -> Step | None:
        """The step the leave is in on ``on``; None outside the leave."""
        if not self.leave.start_date <= self.on <= self.leave.end_date:
            return None
        return family_leave_step(steps=self.scheme.steps, leave_start=self.leave.start_date, day=self.on)

    @property
    def step_now_words(self) -> str:
        """Like "week 30, statutory pay only"; empty outside the leave."""
        step = self.step_now
        return f"week {step.unit_number}, {PAY_WORDS[step.pay]}" if step is not None else ""


def family_leave_allowances(*, employee: Employee, on: datetime.date) -> list[FamilyLeaveAllowance]:
    """Each confirmed family leave of the employee with its scheme's weeks used and remaining on ``on``."""
    schemes = absence_pay_schemes()
    allowances = []
    for leave in family_leaves_of(employee=employee).filter(status=FamilyLeave.Status.CONFIRMED):
        scheme = schemes[SCHEME_OF_FAMILY_LEAVE[leave.kind]]
        last = min(on, leave.end_date)
        weeks = 0 if on < leave.start_date else (last - leave.start_date).days // 7 + 1
        used, steps = weeks, []
        for step in scheme.steps:
            allowed = int(step["weeks"])
            taken = min(used, allowed)
            used -= taken
            steps.append(WeeksLeft(step["pay"], allowed, taken))
        allowances.append(FamilyLeaveAllowance(
            leave=leave, scheme=scheme, on=on, weeks_into_leave=weeks, steps=tuple(steps),
            qualifies=(weeks_of_service(employment_start=employee.start_date, on=leave.start_date)
                       >= scheme.qualifying_service_weeks)))
    return allowances


# --- Sick pay -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SickPayAllowance:
    """The sick pay scheme's allowances for one employee on a day: each step's days allowed, used in
    the rolling period up to and including ``on``, and remaining."""

    scheme: EffectiveScheme
    on: datetime.date
    period_start: datetime.date
    qualifies: bool
    steps: tuple[AllowanceLeft, ...]

    def days(self, pay: str, what: str) -> int:
        """Days of one kind of pay (``full``, ``half``): ``allowed``, ``used`` or ``remaining``."""
        return sum(getattr(step, f"{what}_days") for step in self.steps if step.pay == pay)


def sick_pay_allowance_for(*, employee: Employee, on: datetime.date) -> SickPayAllowance:
    """The department's sick pay scheme applied to the employee's sickness up to ``on``."""
    scheme = absence_pay_schemes()[SICKNESS]
    rolling = scheme.rolling_period_days or int(DEFAULT_SCHEMES[SICKNESS]["rolling_period_days"])
    # The days sick_pay_allowance counts: the rolling period before the next day, less that day.
    period_start = on - datetime.timedelta(days=rolling - 2)
    periods = SicknessPeriod.objects.filter(employee=employee, first_day__lte=on).filter(
        Q(last_day__isnull=True) | Q(last_day__gte=period_start)).values_list("first_day", "last_day")
    sick_days = sickness_days(list(periods), on)
    steps = sick_pay_allowance(steps=scheme.steps, rolling_period_days=rolling, sick_days=sick_days, on=on)
    return SickPayAllowance(scheme=scheme, on=on, period_start=period_start, steps=tuple(steps),
                            qualifies=(weeks_of_service(employment_start=employee.start_date, on=on)
                                       >= scheme.qualifying_service_weeks))


# --- Unpaid and unauthorised absence --------------------------------------------------------------


def unpaid_absence_of(*, employee: Employee) -> QuerySet[LeaveRequest]:
    """Approved leave of unpaid types (unpaid leave, unauthorised absence): payroll stops pay for it."""
    return (LeaveRequest.objects.filter(employee=employee, status=LeaveRequest.Status.APPROVED,
                                        leave_type__is_paid=False)
            .select_related("leave_type").order_by("-start_date", "-id"))
