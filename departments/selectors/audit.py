"""Reading a department's audit log."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from departments.models import AuditEvent, Department
from shared_services.accounts.models import User

__all__ = ["AuditFilters", "audit_actions_used", "audit_actors", "audit_events", "audit_events_filtered",
           "audit_events_since", "audit_object_types_used"]


@dataclass(frozen=True)
class AuditFilters:
    """What a reader narrowed the log to; every part is optional. Dates are inclusive days."""

    actor_id: int | None = None
    actor_email: str = ""
    object_type: str = ""
    object_id: str = ""
    action: str = ""
    occurred_from: datetime.date | None = None
    occurred_to: datetime.date | None = None


def audit_events(*, department: Department) -> QuerySet[AuditEvent]:
    """The department's audit log, newest first. Runs inside the department's context."""
    return AuditEvent.objects.filter(department=department).select_related(
        "actor", "api_token", "operator_assignment", "operator_assignment__user").order_by(
        "-occurred_at", "-id"
    )


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_events_filtered(*, department: Department, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The log narrowed to one person, object (type, or one object), kind of action and days."""
    events = audit_events(department=department)
    if filters.actor_id is not None:
        events = events.filter(actor_id=filters.actor_id)
    if filters.actor_email:
        events = events.filter(actor__email__iexact=filters.actor_email)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.object_id:
        events = events.filter(object_id=filters.object_id)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.occurred_from is not None:
        events = events.filter(occurred_at__gte=_day_start(filters.occurred_from))
    # The last representable day has no day after it: no upper bound is needed then.
    if filters.occurred_to is not None and filters.occurred_to < datetime.date.max:
        events = events.filter(occurred_at__lt=_day_start(filters.occurred_to + timedelta(days=1)))
    return events


def audit_actors(*, department: Department) -> QuerySet[User]:
    """Everyone who has done something in the department, by name, for the "who" filter."""
    actor_ids = AuditEvent.objects.filter(department=department, actor__isnull=False).values("actor_id")
    return User.objects.filter(pk__in=actor_ids).order_by("full_name", "email")


def audit_actions_used(*, department: Department) -> list[str]:
    return list(AuditEvent.objects.filter(department=department).order_by().values_list("action", flat=True)
                .distinct())


def audit_object_types_used(*, department: Department) -> list[str]:
    return list(AuditEvent.objects.filter(department=department).exclude(object_type="").order_by()
                .values_list("object_type", flat=True).distinct())


def audit_events_since(*, department: Department, days: int) -> int:
    since = timezone.now() - timedelta(days=days)
    return audit_events(department=department).filter(occurred_at__gte=since).count()
