"""Demo pay runs for the demo departments: a year paid as a real payroll pays it. The department
moved onto the platform at the start of the tax year, bringing its previous payroll's earnings
history (for the people on family leave, so that their statutory pay is worked out from real
earnings); every month since has been paid here, each run's review settled, approved and
finalised (payslips published, the payroll journal posted through finance, the Bacs file stored),
and this month's run is calculated and waits for its review and approval. Before the runs, the
demo's absences (``hr.demo_absence``); before this month's, the demo's self-service
(``hr.demo_self_service``) and a tax code notice from HMRC, so its review meets what a real one
would: a changed tax code, a starter on an emergency code, a leaver or two, the bank changes flagged.

Everything goes through the services, with four eyes: the department's payroll officer opens,
calculates and settles each review (the approver settles what is about the officer's own pay), and
its payroll approver approves and finalises. The calculation runs in this process, chunk by chunk
through the same service the Celery chunk task calls, so seeding needs no worker. Re-running finds
the runs already there and only takes each the rest of its way.
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
from hr.models import Employee, Employment, FamilyLeave, SicknessPeriod
from payroll import selectors, selectors_bank_changes, services
from payroll.models import EarningsHistory, PayRun, PayRunException, PaySchedule, TaxCodeNotice
from shared_services.accounts.models import User

SCHEDULE_NAME = "Monthly salaried"
# Chunks sized for one process rather than for spreading over workers: each chunk's fixed cost (its
# reads of the year's earlier payslips, its inserts) is paid fewer times over a year of runs.
IN_PROCESS_CHUNK_SIZE = 5000
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
        start = services.pay_run_resume(run=run, acting_user=acting_user, chunk_size=IN_PROCESS_CHUNK_SIZE)
    else:
        start = services.pay_run_calculate(run=run, acting_user=acting_user, chunk_size=IN_PROCESS_CHUNK_SIZE)
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


def _review_settled(run: PayRun, officer: User, approver: User) -> None:
    """Settle the run's review as its payroll officer would after looking at each kind: net pay the
    Bacs file cannot pay is held (with why), the advisory exceptions are acknowledged with a note.
    What is about the officer's own pay is left to the approver (nobody settles their own)."""
    from payroll.review_kinds import BLOCKING_CODES, RECALCULATE_CODES, ROUTABLE_CODES
    from payroll.services import pay_run_exceptions_acknowledge, pay_run_payment_route_set

    exceptions = PayRunException.objects.filter(run=run)
    if exceptions.filter(code__in=sorted(RECALCULATE_CODES)).exists():
        raise RuntimeError(f"Demo employees in {run} need their records fixed and recalculating: see the run's "
                           "exceptions.")
    own = {person: Employee.objects.filter(user=person).values_list("pk", flat=True).first()
           for person in (officer, approver)}
    for employee_id in sorted(set(exceptions.filter(code__in=sorted(ROUTABLE_CODES))
                                  .values_list("employee_id", flat=True))):
        pay_run_payment_route_set(
            run=run, employee_id=employee_id, route="hold", acting_user=approver if employee_id == own[officer]
            else officer, note="Held until the employee gives the bank account their pay goes into.")
    for person in (officer, approver):
        codes = sorted(set(exceptions.filter(acknowledged_at__isnull=True).exclude(
            code__in=sorted(BLOCKING_CODES)).values_list("code", flat=True)))
        if codes:
            pay_run_exceptions_acknowledge(
                run=run, acting_user=person, codes=codes,
                note="Checked against the HR records: starters, leavers, absences and tax code notices explain them.")
    # A run left for review when the demo was seeded, finished by seeding again in a later month.
    waiting = selectors_bank_changes.pay_run_bank_changes(run=run).waiting
    if waiting:
        services.pay_run_bank_changes_acknowledge(
            run=run, change_ids=[item.id for item in waiting], acting_user=approver,
            note="Confirmed with the employees by phone on the numbers HR holds.")


def _finalised(run: PayRun, officer: User, approver: User, *, notify_employees: bool = True) -> PayRun:
    if run.status == PayRun.Status.DRAFT:
        run = services.pay_run_open(run=run, acting_user=officer)
    if run.status in (PayRun.Status.OPEN, PayRun.Status.CALCULATING):
        run = calculate_in_process(run=run, acting_user=officer)
    if run.status == PayRun.Status.CALCULATED:
        if run.employees_failed:
            raise RuntimeError(f"{run.employees_failed} demo employee(s) failed to calculate in {run}: "
                               "see the run's exceptions.")
        _review_settled(run, officer, approver)
        run = services.pay_run_approve(run=run, acting_user=approver)
    if run.status == PayRun.Status.APPROVED:
        run = services.pay_run_finalise(run=run, acting_user=approver, notify_employees=notify_employees)
    return run


def _months_paid_before(schedule: PaySchedule, today: datetime.date) -> list[datetime.date]:
    """The first day of each pay period of this tax year before today's: the months the department
    has paid on the platform since it moved at the start of the year."""
    current = selectors.period_of(schedule, today)
    period = selectors.period_of(schedule, datetime.date(int(current.tax_year[:4]), 4, 6))
    months = []
    while period.start < current.start:
        if period.tax_year == current.tax_year:
            months.append(period.start)
        period = selectors.period_of(schedule, period.end + datetime.timedelta(days=1))
    return months


def _tax_code_notice(department: Department, officer: User, today: datetime.date) -> str:
    """HMRC's new code for one long-serving employee (a benefit in kind now taxed through the code),
    received before this month's run opens: its review shows the change. Returns whose it is."""
    tax_year_start = datetime.date(int(selectors.period_of(
        PaySchedule.objects.get(name=SCHEDULE_NAME), today).tax_year[:4]), 4, 6)
    absent = set(FamilyLeave.objects.values_list("employee_id", flat=True)) | set(
        SicknessPeriod.objects.values_list("employee_id", flat=True))
    personas = DepartmentMembership.objects.filter(department=department, source=DepartmentMembership.Source.GRANTED)
    employee = (Employee.objects.filter(tax_code="1257L", tax_basis=Employee.TaxBasis.CUMULATIVE,
                                        leave_date__isnull=True, start_date__lt=tax_year_start)
                .exclude(pk__in=absent).exclude(user__in=personas.values("user"))
                .order_by("-payroll_number").first())
    if employee is None:
        return ""
    services.tax_code_notices_receive(department=department, acting_user=officer, source="Demo: HMRC's notices",
                                      lines=[services.NoticeLine(form="P6", payroll_number=employee.payroll_number,
                                                                 ni_number=employee.ni_number, tax_code="1185L",
                                                                 effective_from=today)])
    return employee.display_name


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
        months = _months_paid_before(schedule, today)
        # A department paid here already (seeded by an earlier demo) keeps its history as it is.
        first_paid = (PayRun.objects.filter(schedule=schedule, kind=PayRun.Kind.REGULAR)
                      .exclude(status=PayRun.Status.CANCELLED).order_by("period_start")
                      .values_list("period_start", flat=True).first())
        months = [month for month in months if first_paid is None or month >= first_paid]
        if not FamilyLeave.objects.exists():
            demo_absence.seed_department(department, hr_officer=_persona(department, Role.HR_OFFICER),
                                         employee_persona=_persona(department, Role.EMPLOYEE), out=out, today=today)
        if not EarningsHistory.objects.exists():
            _earnings_history(department, schedule, months[0] if months else today, officer)
        # Only last month's payslips are news to people; the months before were paid long ago.
        paid = [_finalised(_run_for(schedule, month, officer), officer, approver,
                           notify_employees=month == months[-1]) for month in months]
        current = _run_for(schedule, today, officer)
        notice_for = ""
        if current.status == PayRun.Status.DRAFT:
            # Self-service before the current run opens, so its review meets the bank changes flagged.
            demo_self_service.seed_department(
                department, hr_officer=_persona(department, Role.HR_OFFICER),
                hr_admin=_persona(department, Role.HR_ADMIN), employee_persona=_persona(department, Role.EMPLOYEE),
                manager_persona=_persona(department, Role.MANAGER), out=out, today=today)
            if not TaxCodeNotice.objects.exists():
                notice_for = _tax_code_notice(department, officer, today)
            current = services.pay_run_open(run=current, acting_user=officer)
        if current.status in (PayRun.Status.OPEN, PayRun.Status.CALCULATING):
            current = calculate_in_process(run=current, acting_user=officer)
        waiting = PayRunException.objects.filter(run=current, acknowledged_at__isnull=True).count()
    history = (f"{paid[0].period_start:%B} to {paid[-1].period_start:%B %Y} runs finalised "
               f"({sum(run.employees_calculated for run in paid):,} payslips), ") if paid else ""
    notice = f", a new tax code from HMRC for {notice_for}" if notice_for else ""
    out.write(f"  {department.slug}: {history}{current.period_start:%B %Y} run "
              f"{current.get_status_display().lower()} ({waiting} exception{'' if waiting == 1 else 's'} to look at)"
              f"{notice} ({time.monotonic() - started:.1f}s)\n")


def seed(*, out: TextIO) -> None:
    for department in Department.objects.filter(slug__in=["moj", "dft"]).order_by("slug"):
        seed_department(department, out=out)
