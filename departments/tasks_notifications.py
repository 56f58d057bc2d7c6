"""E-mail notifications for the Celery workers: each queued one sent once, retried with backoff on
SMTP errors, and the daily digest. Thin: each task calls ``departments.notifications``.

The sending tasks use the steps base: each message is sent in its own transaction with its row
locked (``notification_deliver``), and a retry is queued only after that transaction has
recorded the attempt.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail import get_connection

from departments.notifications import (
    Delivery,
    notification_deliver,
    notification_digest_deliver,
    notification_digest_user_ids,
)
from departments.selectors import department_ids
from departments.tasking import DepartmentStepsTask, DepartmentTask, PlatformTask
from shared_services.celery import app

__all__ = [
    "notification_digest_send_task",
    "notification_digests_in_department_task",
    "notification_digests_task",
    "notification_send_task",
    "notifications_send_task",
]


@app.task(base=DepartmentStepsTask, name="departments.notification_send")
def notification_send_task(department_id: int, notification_id: int) -> str:
    """Send one notification; after an SMTP error, this task again once the backoff has passed."""
    delivery = notification_deliver(department_id=department_id, notification_id=notification_id)
    if delivery.retry_in is not None:
        notification_send_task.apply_async((department_id, notification_id), countdown=delivery.retry_in)
    return delivery.status


@app.task(base=DepartmentStepsTask, name="departments.notifications_send")
def notifications_send_task(department_id: int, notification_ids: Sequence[int]) -> int:
    """Send a chunk of notifications over one SMTP connection; each that meets an error is retried
    on its own. Returns how many were sent."""
    sent = 0
    connection = get_connection()
    try:
        for notification_id in notification_ids:
            delivery = notification_deliver(department_id=department_id, notification_id=notification_id,
                                            connection=connection)
            sent += delivery.attempted and delivery.status == "sent"
            if delivery.retry_in is not None:
                notification_send_task.apply_async((department_id, notification_id), countdown=delivery.retry_in)
    finally:
        connection.close()
    return sent


@app.task(base=PlatformTask, name="departments.notification_digests")
def notification_digests_task() -> int:
    """Celery beat, each morning (``NOTIFICATION_DIGEST_HOUR``, London time): one task per department
    (TENANCY.md §6)."""
    ids = department_ids()
    for department_id in ids:
        notification_digests_in_department_task.delay(department_id)
    return len(ids)


@app.task(base=DepartmentTask, name="departments.notification_digests_in_department")
def notification_digests_in_department_task(department_id: int) -> int:
    """One digest task per person with held items, so one bad address holds up nobody else."""
    user_ids = notification_digest_user_ids()
    for user_id in user_ids:
        notification_digest_send_task.delay(department_id, user_id)
    return len(user_ids)


@app.task(base=DepartmentStepsTask, name="departments.notification_digest_send")
def notification_digest_send_task(department_id: int, user_id: int) -> str:
    delivery: Delivery = notification_digest_deliver(department_id=department_id, user_id=user_id)
    if delivery.retry_in is not None:
        notification_digest_send_task.apply_async((department_id, user_id), countdown=delivery.retry_in)
    return delivery.status
