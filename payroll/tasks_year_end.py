"""Year-end work for the Celery workers: the P60 bundle, and the e-mails that tell employees their
P60 is ready. Thin: each task calls one service."""

from __future__ import annotations

from django.db import transaction

from departments.models import Department
from departments.tasking import DepartmentStepsTask, DepartmentTask
from payroll.models import DocumentBatch
from shared_services.celery import app

__all__ = ["p60_batch_produce_task", "p60s_ready_notify_task", "start_p60_batch"]


@app.task(base=DepartmentStepsTask, name="payroll.p60_batch_produce")
def p60_batch_produce_task(department_id: int, batch_id: int) -> str:
    """Produce a queued P60 batch, committing its progress chunk by chunk (so the steps base: each
    step is its own transaction). A redelivered task finds the batch started and does nothing."""
    from payroll.services.year_end import p60_batch_produce

    return p60_batch_produce(department_id=department_id, batch_id=batch_id).status


@app.task(base=DepartmentTask, name="payroll.p60s_ready_notify")
def p60s_ready_notify_task(department_id: int, batch_id: int) -> int:
    """A P60 batch just finished: a P60-ready e-mail written for each employee in it, in one
    transaction, then sent in chunks once it commits."""
    from payroll.services.year_end import p60s_ready_notify

    return p60s_ready_notify(department=Department.objects.get(pk=department_id), batch_id=batch_id)


def start_p60_batch(batch: DocumentBatch) -> None:
    """Queue a batch once the transaction that created it commits."""
    department_id, batch_id = batch.department_id, batch.pk  # type: ignore[attr-defined]
    transaction.on_commit(lambda: p60_batch_produce_task.delay(department_id, batch_id))
