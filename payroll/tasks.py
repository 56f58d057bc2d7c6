"""Pay-run work for the Celery workers. Thin: each task calls one service in its department."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db import OperationalError, transaction

from departments.models import Department
from departments.selectors import department_ids
from departments.tasking import DepartmentTask, PlatformTask
from payroll import services
from payroll.models import PayRun
from shared_services.accounts.models import User
from shared_services.celery import app


@app.task(base=DepartmentTask, name="payroll.calculate_pay_run_chunk", autoretry_for=(OperationalError,),
          retry_backoff=1, max_retries=8)
def calculate_pay_run_chunk(department_id: int, run_id: int, calculation_number: int,
                            employee_ids: Sequence[int]) -> int:
    """One chunk of a run's employees. Acknowledged only when done (acks_late), so a chunk whose
    worker dies is run again by another worker, and replaces whatever it had written; a chunk that
    meets a lost connection or a deadlock is retried, which is safe for the same reason."""
    if settings.PAYROLL_CHUNK_PAUSE_SECONDS:
        time.sleep(settings.PAYROLL_CHUNK_PAUSE_SECONDS)
    return services.calculate_employees(run_id=run_id, calculation_number=calculation_number,
                                        employee_ids=list(employee_ids))


@app.task(base=PlatformTask, name="payroll.resume_stalled_runs")
def resume_stalled_runs() -> int:
    """Celery beat, every ``PAYROLL_STALL_CHECK_SECONDS``: each department looks for calculations
    that stopped moving (TENANCY.md §6: one department task per department)."""
    ids = department_ids()
    for department_id in ids:
        resume_stalled_runs_in_department.delay(department_id)
    return len(ids)


@app.task(base=DepartmentTask, name="payroll.resume_stalled_runs_in_department")
def resume_stalled_runs_in_department(department_id: int) -> int:
    """Resume this department's calculations whose progress has not moved for
    ``PAYROLL_STALLED_AFTER_SECONDS``: no person needs to notice a worker that died."""
    starts = services.pay_runs_resume_stalled(
        department=Department.objects.get(pk=department_id),
        stalled_after=datetime.timedelta(seconds=settings.PAYROLL_STALLED_AFTER_SECONDS),
        most_automatic=settings.PAYROLL_AUTOMATIC_RESUMES_MAX)
    for start in starts:
        enqueue(start)
    return len(starts)


@app.task(base=DepartmentTask, name="payroll.payslips_ready_notify")
def payslips_ready_notify_task(department_id: int, run_id: int) -> int:
    """A run just finalised: a payslip-ready e-mail written for each employee it paid, in one
    transaction, then sent in chunks by ``departments.notifications_send`` once it commits."""
    from payroll.services.finalising import payslips_ready_notify

    return payslips_ready_notify(department=Department.objects.get(pk=department_id), run_id=run_id)


def enqueue(start: services.CalculationStart, *, queue: str | None = None) -> None:
    """Queue the chunks once the transaction that decided them has committed."""

    def send() -> None:
        for chunk in start.chunks:
            calculate_pay_run_chunk.apply_async(
                (start.department_id, start.run_id, start.calculation_number, chunk), queue=queue)

    transaction.on_commit(send)


def start_calculation(*, run: PayRun, acting_user: User) -> None:
    """Start a run's calculation and queue its chunks."""
    enqueue(services.pay_run_calculate(run=run, acting_user=acting_user))


def recalculate_failed(*, run: PayRun, acting_user: User) -> None:
    """Calculate again, alone, the employees whose calculation failed."""
    enqueue(services.pay_run_recalculate_failed(run=run, acting_user=acting_user))


def resume_calculation(*, run: PayRun, acting_user: User | None) -> None:
    """Queue again the chunks a calculation has not written (its worker died part-way)."""
    enqueue(services.pay_run_resume(run=run, acting_user=acting_user))


# The service behind each of payroll.steps.STEPS (a test holds the two tables to the same steps):
# the calculation's steps queue their chunks once the transaction commits.
STEP_SERVICES: dict[str, Callable[[PayRun, User, str], object]] = {
    "open": lambda run, user, reason: services.pay_run_open(run=run, acting_user=user),
    "calculate": lambda run, user, reason: start_calculation(run=run, acting_user=user),
    "resume": lambda run, user, reason: resume_calculation(run=run, acting_user=user),
    "recalculate-failed": lambda run, user, reason: recalculate_failed(run=run, acting_user=user),
    "approve": lambda run, user, reason: services.pay_run_approve(run=run, acting_user=user),
    "finalise": lambda run, user, reason: services.pay_run_finalise(run=run, acting_user=user),
    "reopen": lambda run, user, reason: services.pay_run_reopen(run=run, acting_user=user, reason=reason),
    "cancel": lambda run, user, reason: services.pay_run_cancel(run=run, acting_user=user, reason=reason),
}


def take_step(step: str, *, run: PayRun, acting_user: User, reason: str = "") -> None:
    """Take one of a run's steps (``payroll.steps.STEPS``) through its service."""
    STEP_SERVICES[step](run, acting_user, reason)

# Tasks kept in their own modules, registered with Celery by being imported here.
from payroll.tasks_rti import *  # noqa: E402,F403
from payroll.tasks_year_end import *  # noqa: E402,F403
