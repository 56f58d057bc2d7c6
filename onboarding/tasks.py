from __future__ import annotations

from celery import shared_task

from departments.tasking import DepartmentStepsTask


@shared_task(base=DepartmentStepsTask)
def import_job_run_task(department_id: int, job_id: int) -> str:
    """Run one import job; a job that has already started is left alone (redelivery is harmless)."""
    from departments.models import Department
    from onboarding.services import import_job_run

    department = Department.objects.get(pk=department_id)
    return import_job_run(department=department, job_id=job_id).status
