"""Year-end work for the Celery workers: the P60 bundle. Thin: the task calls one service."""

from __future__ import annotations

from django.db import transaction

from departments.tasking import DepartmentStepsTask
from payroll.models import DocumentBatch
from shared_services.celery import app

__all__ = ["p60_batch_produce_task", "start_p60_batch"]


@app.task(base=DepartmentStepsTask, name="payroll.p60_batch_produce")
def p60_batch_produce_task(department_id: int, batch_id: int) -> str:
    """Produce a queued P60 batch, committing its progress chunk by chunk (so the steps base: each
    step is its own transaction). A redelivered task finds the batch started and does nothing."""
    from payroll.services.year_end import p60_batch_produce

    return p60_batch_produce(department_id=department_id, batch_id=batch_id).status


def start_p60_batch(batch: DocumentBatch) -> None:
    """Queue a batch once the transaction that created it commits."""
    department_id, batch_id = batch.department_id, batch.pk  # type: ignore[attr-defined]
    transaction.on_commit(lambda: p60_batch_produce_task.delay(department_id, batch_id))
