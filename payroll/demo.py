"""Demo pay runs for the demo departments: last month's run finalised (payslips published, the
payroll journal posted through finance, the Bacs file stored) and this month's run open. Before
them, the demo's absences (``hr.demo_absence``) and, for the people on family leave, what the
previous payroll paid them, so that their statutory pay is worked out from real earnings; between
them, the demo's self-service (``hr.demo_self_service``), so this month's review meets its bank changes.

Everything goes through the services, with four eyes: the department's payroll officer opens and
calculates, its payroll approver approves and finalises. The calculation runs in this process,
chunk by chunk through the same service the Celery chunk task calls, so seeding needs no worker.
Re-running finds the runs already there and only takes each the rest of its way.
"""

from __future__ import annotations

import datetime
import time
from decimal import Decimal
from typing import TextIO

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from departments.models import Department, DepartmentMembership
from departments.roles import Role
from departments.tenancy import department_context
from hr import demo_absence, demo_self_service
from hr.models import Employment, FamilyLeave
from payroll import selectors, services
from payroll.models import EarningsHistory, PayRun, PaySchedule
from shared_services.accounts.models import User

SCHEDULE_NAME = "Monthly salaried"
HISTORY_MONTHS = 18  # the previous payroll's pay days loaded: enough for a relevant period a year back


def _persona(department: Department, role: str) -> User:
    membership = (DepartmentMembership.objects.filter(department=department, role=role, ended_at__isnull=True)
                  .select_related("user").order_by("id").first())
    if membership is None:
        raise RuntimeError(f"The demo department {department.slug} has nobody with the role {role}.")
    return membership.user


def calculate_in_process(*, run: PayRun, acting_user: User) -> PayRun:
    """Calculate a run here rather than on the workers: the chunks ``pay_run_calculate`` decides
    (or, for a calculation left part-way, ``pay_run_resume``), each through ``calculate_employees``
    as ``payroll.tasks.calculate_pay_run_chunk`` would."""
    if run.status == PayRun.Status.CALCULATING:
        start = services.pay_run_resume(run=run, acting_user=acting_user)
    else:
        start = services.pay_run_calculate(run=run, acting_user=acting_user)
    with department_context(start.department_id):
        for chunk in start.chunks:
            services.calculate_employees(run_id=start.run_id, calculation_number=start.calculation_number,
                                         employee_ids=chunk)
        return PayRun.objects.select_related("schedule").get(pk=start.run_id)


def _run_for(schedule: PaySchedule, day: datetime.date, officer: User) -> PayRun:
    period = selectors.period_of(schedule, day)
    run = PayRun.objects.filter(schedule=schedule, kind=PayRun.Kind.REGULAR, period_start=period.start).exclude(
        status=PayRun.Status.CANCELLED).first()
    return run or services.pay_run_create(schedule=schedule, period_containing=day, acting_user=officer)


def _finalised(run: PayRun, officer: User, approver: User) -> PayRun:
    if run.status == PayRun.Status.DRAFT:
        run = services.pay_run_open(run=run, acting_user=officer)
    if run.status in (PayRun.Status.OPEN, PayRun.Status.CALCULATING):
        run = calculate_in_process(run=run, acting_user=officer)
    if run.status == PayRun.Status.CALCULATED:
        if run.employees_failed:
            raise RuntimeError(f"{run.employees_failed} demo employee(s) failed to calculate in {run}: "
                               "see the run's exceptions.")
        run = services.pay_run_approve(run=run, acting_user=approver)
    if run.status == PayRun.Status.APPROVED:
        run = services.pay_run_finalise(run=run, acting_user=approver)
    return run


def _earnings_history(department: Department, schedule: PaySchedule, first_run_day: datetime.date,
                      officer: User) -> int:
    """What the previous payroll paid the people on family leave on each pay day before the first run
    here: a month's salary from the employment version of the day."""
    rows: list[services.EarningsHistoryRow] = []
    on_leave = FamilyLeave.objects.filter(status=FamilyLeave.Status.CONFIRMED).select_related("employee")
    for employee in sorted({leave.employee for leave in on_leave}, key=lambda person: person.payroll_number):
        versions = list(Employment.objects.filter(employee=employee, superseded_at__isnull=True).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=first_run_day - datetime.timedelta(days=HISTORY_MONTHS * 31))))
        month = first_run_day.replace(day=1)
        for _ in range(HISTORY_MONTHS):
            month = (month - datetime.timedelta(days=1)).replace(day=1)
            pay_date = selectors.period_of(schedule, month).pay_date
            version = next((v for v in versions if v.valid_from <= pay_date and (v.valid_to or pay_date) >= pay_date),
                           None)
            if version is None or pay_date < employee.start_date:
                continue
            rows.append(services.EarningsHistoryRow(
                line=len(rows) + 1, payroll_number=employee.payroll_number, pay_date=pay_date,
                earnings=(version.annual_salary * version.fte / 12).quantize(Decimal("0.01"))))
    services.earnings_history_load(department=department, rows=rows, acting_user=officer,
                                   source="Demo: the previous payroll")
    return len(rows)


@transaction.atomic
def seed_department(department: Department, *, out: TextIO, today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    started = time.monotonic()
    with department_context(department.id):
        officer = _persona(department, Role.PAYROLL_OFFICER)
        approver = _persona(department, Role.PAYROLL_APPROVER)
        schedule = PaySchedule.objects.filter(name=SCHEDULE_NAME).first() or services.pay_schedule_create(
            department=department, acting_user=officer, name=SCHEDULE_NAME, bank_sort_code="202959",
            bank_account_number=f"6{department.pk:07d}"[-8:], bank_account_name=f"{department.slug.upper()} PAYROLL")
        last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        if not FamilyLeave.objects.exists():
            demo_absence.seed_department(department, hr_officer=_persona(department, Role.HR_OFFICER),
                                         employee_persona=_persona(department, Role.EMPLOYEE), out=out, today=today)
        if not EarningsHistory.objects.exists():
            _earnings_history(department, schedule, last_month, officer)
        previous = _finalised(_run_for(schedule, last_month, officer), officer, approver)
        # Self-service before the current run opens, so its review meets the bank changes flagged.
        demo_self_service.seed_department(
            department, hr_officer=_persona(department, Role.HR_OFFICER), hr_admin=_persona(department, Role.HR_ADMIN),
            employee_persona=_persona(department, Role.EMPLOYEE), manager_persona=_persona(department, Role.MANAGER),
            out=out, today=today)
        current = _run_for(schedule, today, officer)
        if current.status == PayRun.Status.DRAFT:
            current = services.pay_run_open(run=current, acting_user=officer)
    out.write(f"  {department.slug}: {previous.period_start:%B %Y} run {previous.get_status_display().lower()} "
              f"({previous.employees_calculated:,} payslips), {current.period_start:%B %Y} run "
              f"{current.get_status_display().lower()} ({time.monotonic() - started:.1f}s)\n")


def seed(*, out: TextIO) -> None:
    for department in Department.objects.filter(slug__in=["moj", "dft"]).order_by("slug"):
        seed_department(department, out=out)
