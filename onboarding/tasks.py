"""Import jobs and parallel-run comparisons for the Celery workers. Thin: each task runs one service."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import transaction

from departments.tasking import DepartmentStepsTask
from onboarding.models import ImportJob
from shared_services.celery import app

if TYPE_CHECKING:
    from onboarding.services_parallel import ParallelRunStart
    from shared_services.accounts.models import User


# The name is the one queued messages already carry.
@app.task(base=DepartmentStepsTask, name="onboarding.tasks.import_job_run_task")
def import_job_run_task(department_id: int, job_id: int) -> str:
    """Run one import job; a job that has already started is left alone (redelivery is harmless)."""
    from departments.models import Department
    from onboarding.services import import_job_run

    department = Department.objects.get(pk=department_id)
    return import_job_run(department=department, job_id=job_id).status


def start_import(job: ImportJob) -> None:
    """Queue an import job once the transaction that created it commits."""
    department_id, job_id = job.department_id, job.pk  # type: ignore[attr-defined]
    transaction.on_commit(lambda: import_job_run_task.delay(department_id, job_id))


# How often the comparison looks whether the shadow run is calculated, and for how long at most
# (a stalled calculation is resumed by payroll's own check meanwhile).
COMPARE_POLL_SECONDS = 1
COMPARE_POLLS_MAX = 3600


@app.task(base=DepartmentStepsTask, name="onboarding.tasks.parallel_run_compare_task")
def parallel_run_compare_task(department_id: int, parallel_run_id: int, acting_user_id: int | None = None,
                              polls: int = 0) -> str:
    """Compare a parallel run once its shadow run is calculated; until then, look again shortly,
    and after COMPARE_POLLS_MAX looks mark it failed (it can be calculated again). Idempotent: a
    run compared already is left alone."""
    from departments.models import Department
    from onboarding.models import ParallelRun
    from onboarding.services_parallel import parallel_run_calculation_abandoned, parallel_run_compare
    from shared_services.accounts.models import User

    department = Department.objects.get(pk=department_id)
    acting_user = User.objects.filter(pk=acting_user_id).first() if acting_user_id else None
    run = parallel_run_compare(department=department, parallel_run_id=parallel_run_id, acting_user=acting_user)
    if run.status == ParallelRun.Status.CALCULATING:
        if polls < COMPARE_POLLS_MAX:
            parallel_run_compare_task.apply_async((department_id, parallel_run_id, acting_user_id, polls + 1),
                                                  countdown=COMPARE_POLL_SECONDS)
        else:
            run = parallel_run_calculation_abandoned(
                department=department, parallel_run_id=parallel_run_id, acting_user=acting_user,
                waited=datetime.timedelta(seconds=COMPARE_POLL_SECONDS * COMPARE_POLLS_MAX))
    return run.status


def start_parallel_run(start: ParallelRunStart, *, acting_user: User | None) -> None:
    """Queue the shadow run's chunks, then the comparison that waits for them, once the
    transaction that started the calculation commits."""
    from payroll.tasks import enqueue

    enqueue(start.calculation)
    department_id, run_id = start.calculation.department_id, start.parallel_run.pk
    user_id = acting_user.pk if acting_user is not None else None
    transaction.on_commit(lambda: parallel_run_compare_task.apply_async((department_id, run_id, user_id),
                                                                        countdown=COMPARE_POLL_SECONDS))
