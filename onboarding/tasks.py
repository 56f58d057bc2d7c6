"""Import jobs for the Celery workers. Thin: the task runs one service, step by step."""

from __future__ import annotations

from django.db import transaction

from departments.tasking import DepartmentStepsTask
from onboarding.models import ImportJob
from shared_services.celery import app


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
