"""Reading a department's audit log."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from departments.models import AuditEvent, Department

__all__ = ["audit_events", "audit_events_since"]


def audit_events(*, department: Department) -> QuerySet[AuditEvent]:
    """The department's audit log, newest first. Runs inside the department's context."""
    return AuditEvent.objects.filter(department=department).select_related(
        "actor", "api_token", "operator_assignment", "operator_assignment__user").order_by(
        "-occurred_at", "-id"
    )


def audit_events_since(*, department: Department, days: int) -> int:
    since = timezone.now() - timedelta(days=days)
    return audit_events(department=department).filter(occurred_at__gte=since).count()
