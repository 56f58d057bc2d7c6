"""Demo absence for the demo departments, dated from today so that last month's pay run shows it:
two people on maternity leave (one at full pay, one on statutory pay only), one who does not qualify
for statutory maternity pay, a father on paternity leave, someone long-term sick who has moved to
half pay, a short sickness, unpaid leave and unauthorised absence, and a maternity leave the
employee persona has asked for that waits for HR. Every person is invented; all of it goes through
the services HR uses."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TextIO

from django.utils import timezone

from departments.models import Department
from departments.tenancy import department_context
from hr import services
from hr.models import Employee, FamilyLeave, LeaveType
from shared_services.accounts.models import User

DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(weeks=1)


def _sunday_on_or_before(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=(day.weekday() + 1) % 7)


def _first_monday(month_start: datetime.date) -> datetime.date:
    return month_start + datetime.timedelta(days=(7 - month_start.weekday()) % 7)


def _people(*, sex: str, started_by: datetime.date, count: int, taken: set[int],
            started_after: datetime.date | None = None) -> list[Employee]:
    """Current staff of one sex who started by ``started_by`` (and after ``started_after``), in payroll
    number order, not already given an absence."""
    found = Employee.objects.filter(sex=sex, start_date__lte=started_by, leave_date__isnull=True)
    if started_after is not None:
        found = found.filter(start_date__gt=started_after)
    people = [person for person in found.exclude(pk__in=taken).order_by("payroll_number")[:count]]
    taken.update(person.pk for person in people)
    return people


def seed_department(department: Department, *, hr_officer: User, employee_persona: User | None,
                    out: TextIO, today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    last_month = (today.replace(day=1) - DAY).replace(day=1)
    taken: set[int] = set()
    long_serving = today - datetime.timedelta(days=3 * 365)
    with department_context(department.id):
        services.leave_types_install_defaults(department=department, acting_user=hr_officer)
        recorded = []
        # Maternity at full pay: leave began about thirteen weeks ago, two weeks before the baby was due.
        for person in _people(sex="F", started_by=long_serving, count=1, taken=taken):
            start = _sunday_on_or_before(today - 13 * WEEK)
            recorded.append(services.family_leave_record(
                employee=person, kind=FamilyLeave.Kind.MATERNITY, start_date=start, end_date=start + 52 * WEEK - DAY,
                expected_date=start + 2 * WEEK, event_date=start + 2 * WEEK + 3 * DAY,
                evidence_date=start - 16 * WEEK, evidence_received_on=start - 15 * WEEK,
                evidence_reference="MATB1", acting_user=hr_officer))
        # Maternity past the scheme's 26 weeks of full pay: statutory pay only now.
        for person in _people(sex="F", started_by=long_serving, count=1, taken=taken):
            start = _sunday_on_or_before(today - 31 * WEEK)
            recorded.append(services.family_leave_record(
                employee=person, kind=FamilyLeave.Kind.MATERNITY, start_date=start, end_date=start + 52 * WEEK - DAY,
                expected_date=start + 1 * WEEK, event_date=start + 1 * WEEK,
                evidence_date=start - 15 * WEEK, evidence_received_on=start - 14 * WEEK,
                evidence_reference="MATB1", keeping_in_touch_days=[start + 20 * WEEK + DAY],
                acting_user=hr_officer))
        # Too recent a starter for 26 weeks' service into the qualifying week: no SMP (her notice says why).
        for person in _people(sex="F", started_by=today - datetime.timedelta(days=120), count=1, taken=taken,
                              started_after=today - datetime.timedelta(days=200)):
            start = _sunday_on_or_before(last_month + 3 * DAY)
            recorded.append(services.family_leave_record(
                employee=person, kind=FamilyLeave.Kind.MATERNITY, start_date=start, end_date=start + 39 * WEEK - DAY,
                expected_date=start + 2 * WEEK, evidence_date=start - 16 * WEEK,
                evidence_received_on=start - 15 * WEEK, evidence_reference="MATB1", acting_user=hr_officer))
        # Paternity leave last month: two weeks from the birth.
        for person in _people(sex="M", started_by=long_serving, count=1, taken=taken):
            born = last_month + 9 * DAY
            recorded.append(services.family_leave_record(
                employee=person, kind=FamilyLeave.Kind.PATERNITY_BIRTH, start_date=born,
                end_date=born + 2 * WEEK - DAY, expected_date=born - 2 * DAY, event_date=born, statutory_weeks=2,
                acting_user=hr_officer))
        # Long-term sick since the spring: past six months at full pay, now on half pay.
        sick = []
        for person in _people(sex="M", started_by=long_serving, count=1, taken=taken):
            sick.append(services.sickness_record(employee=person, first_day=today - datetime.timedelta(days=220),
                                                 last_day=None, reason="Back injury", acting_user=hr_officer))
        # Four days off sick last month (long enough for SSP), at full pay with SSP within it.
        monday = _first_monday(last_month) + WEEK
        for person in _people(sex="F", started_by=long_serving, count=1, taken=taken):
            sick.append(services.sickness_record(employee=person, first_day=monday, last_day=monday + 3 * DAY,
                                                 reason="Flu", acting_user=hr_officer))
        unpaid = LeaveType.objects.get(kind=LeaveType.Kind.UNPAID)
        for person in _people(sex="M", started_by=long_serving, count=1, taken=taken):
            request = services.leave_request_create(
                employee=person, leave_type=unpaid, start_date=monday + WEEK, end_date=monday + WEEK + DAY,
                hours=Decimal("14.80"), reason="Moving house", acting_user=hr_officer)
            services.leave_request_decide(request=request, approve=True, acting_user=hr_officer, acting_as_hr=True,
                                          note="Unpaid, as agreed with the line manager")
        for person in _people(sex="F", started_by=long_serving, count=1, taken=taken):
            services.unauthorised_absence_record(employee=person, start_date=monday + 2 * WEEK,
                                                 end_date=monday + 2 * WEEK, note="Did not attend; no contact",
                                                 acting_user=hr_officer)
        # The employee persona has asked for maternity leave next spring, with her MATB1: HR has to confirm it.
        persona = Employee.objects.filter(user=employee_persona, leave_date__isnull=True).first()
        waiting = 0
        if persona is not None and employee_persona is not None:
            due = today + 19 * WEEK
            services.family_leave_request(
                employee=persona, kind=FamilyLeave.Kind.MATERNITY, start_date=_sunday_on_or_before(due - 2 * WEEK),
                end_date=_sunday_on_or_before(due - 2 * WEEK) + 52 * WEEK - DAY, expected_date=due,
                evidence_date=today, acting_user=employee_persona)
            waiting = 1
    out.write(f"  {department.slug}: {len(recorded)} family leaves, {len(sick)} sicknesses, unpaid leave and "
              f"unauthorised absence, {waiting} family leave request waiting for HR\n")
