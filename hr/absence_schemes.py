"""Occupational pay for absence: which step of a department's scheme each day of leave or sickness
falls in, the Civil Service defaults, and the checks a scheme must pass. Plain Python over dates
and the scheme's steps, so that HR's pages (allowance used and remaining) and payroll's calculation
read the same rules.

A family leave scheme counts weeks from the first day of the leave: with steps 26 weeks full pay,
13 weeks statutory pay only and 13 weeks nil, day 190 of the leave (week 28) is "statutory". A sick
pay scheme counts calendar days of sickness in the rolling period before the day: with 183 days at
full pay and 182 at half pay over four years, a day with 200 days of sickness in the four years before
it is at half pay.
"""

from __future__ import annotations

import datetime
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FULL, HALF, STATUTORY, NIL = "full", "half", "statutory", "nil"
FAMILY_PAY_STEPS = (FULL, HALF, STATUTORY, NIL)
SICK_PAY_STEPS = (FULL, HALF)
PAY_WORDS = {FULL: "full pay", HALF: "half pay", STATUTORY: "statutory pay only", NIL: "no pay"}
MOST_FAMILY_LEAVE_WEEKS = 52  # the longest statutory family leave (maternity, adoption)
SICKNESS = "sickness"


@dataclass(frozen=True)
class Step:
    """Where a day falls in a scheme: the pay, which step (from 1), and the day or week within it."""

    pay: str
    step_number: int
    unit_number: int  # the week of the leave (family leave) or the day of sickness counted (sickness)
    unit: str  # "week" or "day"

    def describe(self, scheme_name: str) -> str:
        return f"{scheme_name}, {PAY_WORDS[self.pay]} ({self.unit} {self.unit_number})"


# Modelled on Civil Service terms; every department sets its own (hr settings page and API).
DEFAULT_SCHEMES: dict[str, dict[str, Any]] = {
    SICKNESS: {"name": "Sick pay", "steps": [{"pay": FULL, "days": 183}, {"pay": HALF, "days": 182}],
               "rolling_period_days": 1461},
    "maternity": {"name": "Maternity pay",
                  "steps": [{"pay": FULL, "weeks": 26}, {"pay": STATUTORY, "weeks": 13}, {"pay": NIL, "weeks": 13}]},
    "adoption": {"name": "Adoption pay",
                 "steps": [{"pay": FULL, "weeks": 26}, {"pay": STATUTORY, "weeks": 13}, {"pay": NIL, "weeks": 13}]},
    "paternity": {"name": "Paternity pay", "steps": [{"pay": FULL, "weeks": 2}]},
    "shared_parental": {"name": "Shared parental pay",
                        "steps": [{"pay": FULL, "weeks": 26}, {"pay": STATUTORY, "weeks": 11}]},
    "parental_bereavement": {"name": "Parental bereavement pay", "steps": [{"pay": FULL, "weeks": 2}]},
    "neonatal_care": {"name": "Neonatal care pay", "steps": [{"pay": FULL, "weeks": 12}]},
}


def weeks_of_service(*, employment_start: datetime.date, on: datetime.date) -> int:
    """Complete weeks of service on ``on``: what a scheme's qualifying service is measured in."""
    return max(0, (on - employment_start).days // 7)


def scheme_problems(*, kind: str, steps: Any, rolling_period_days: int | None) -> dict[str, str]:
    """What is wrong with a scheme, by field; empty when it can be used."""
    sickness = kind == SICKNESS
    unit = "days" if sickness else "weeks"
    allowed = SICK_PAY_STEPS if sickness else FAMILY_PAY_STEPS
    if not isinstance(steps, list) or not steps:
        return {"steps": "Give at least one step."}
    total = 0
    for number, step in enumerate(steps, start=1):
        if not isinstance(step, Mapping) or set(step) != {"pay", unit}:
            return {"steps": f"Step {number} must give the pay and the number of {unit}."}
        if step["pay"] not in allowed:
            return {"steps": f"Step {number}: pay must be one of {', '.join(allowed)}."}
        length = step[unit]
        if not isinstance(length, int) or isinstance(length, bool) or length < 1:
            return {"steps": f"Step {number}: the number of {unit} must be a whole number, 1 or more."}
        total += length
    if sickness:
        if rolling_period_days is None or rolling_period_days < 1:
            return {"rolling_period_days": "Give the rolling period, in days, over which sick pay is counted."}
        if total > rolling_period_days:
            return {"steps": f"The steps add up to {total} days, more than the rolling period of "
                             f"{rolling_period_days} days."}
    else:
        if rolling_period_days is not None:
            return {"rolling_period_days": "Only a sick pay scheme has a rolling period."}
        if total > MOST_FAMILY_LEAVE_WEEKS:
            return {"steps": f"The steps add up to {total} weeks, more than the {MOST_FAMILY_LEAVE_WEEKS} weeks "
                             "leave can last."}
    return {}


def family_leave_step(*, steps: Sequence[Mapping[str, Any]], leave_start: datetime.date,
                      day: datetime.date) -> Step:
    """The step a day of family leave falls in; after the last step, nil."""
    week = (day - leave_start).days // 7 + 1
    reached = 0
    for number, step in enumerate(steps, start=1):
        reached += int(step["weeks"])
        if week <= reached:
            return Step(step["pay"], number, week, "week")
    return Step(NIL, len(steps) + 1, week, "week")


def sickness_days(periods: Sequence[tuple[datetime.date, datetime.date | None]],
                  until: datetime.date) -> list[datetime.date]:
    """Every calendar day of sickness up to ``until``, sorted: a period still open runs to ``until``."""
    days: set[datetime.date] = set()
    for first, last in periods:
        day, end = first, min(last or until, until)
        while day <= end:
            days.add(day)
            day += datetime.timedelta(days=1)
    return sorted(days)


def days_in_window(sick_days: Sequence[datetime.date], day: datetime.date, rolling_period_days: int) -> int:
    """How many of the sorted ``sick_days`` fall in the rolling period before ``day`` (not counting it)."""
    return bisect_left(sick_days, day) - bisect_left(sick_days, day - datetime.timedelta(days=rolling_period_days - 1))


def sickness_step(*, steps: Sequence[Mapping[str, Any]], rolling_period_days: int,
                  sick_days: Sequence[datetime.date], day: datetime.date) -> Step:
    """The step a day of sickness falls in, by the days of sickness in the rolling period before it;
    nil once the allowances are used."""
    counted = days_in_window(sick_days, day, rolling_period_days) + 1
    reached = 0
    for number, step in enumerate(steps, start=1):
        reached += int(step["days"])
        if counted <= reached:
            return Step(step["pay"], number, counted, "day")
    return Step(NIL, len(steps) + 1, counted, "day")


@dataclass(frozen=True)
class AllowanceLeft:
    """One step of a sick pay scheme as it stands on a day: days allowed, used in the rolling period."""

    pay: str
    allowed_days: int
    used_days: int

    @property
    def remaining_days(self) -> int:
        return max(0, self.allowed_days - self.used_days)


def sick_pay_allowance(*, steps: Sequence[Mapping[str, Any]], rolling_period_days: int,
                       sick_days: Sequence[datetime.date], on: datetime.date) -> list[AllowanceLeft]:
    """Each step's allowance and how much of it the sickness in the rolling period up to ``on`` used."""
    used = days_in_window(sick_days, on + datetime.timedelta(days=1), rolling_period_days)
    allowances = []
    for step in steps:
        allowed = int(step["days"])
        taken = min(used, allowed)
        used -= taken
        allowances.append(AllowanceLeft(step["pay"], allowed, taken))
    return allowances
