"""The audit log: every state change appends a row, written by the service that made it."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from departments.bulk import bulk_insert
from departments.models import AuditEvent, Department
from departments.tenancy import department_context
from shared_services.accounts.models import User
from shared_services.core import request_context

__all__ = ["MASK", "AuditEntry", "audit_changes", "audit_record", "audit_record_many"]

# Field names whose values never reach the audit log in clear.
SENSITIVE_FIELD_MARKERS = ("password", "token", "secret", "key_hash", "account_number", "ni_number",
                           "national_insurance", "sort_code", "roll_number", "date_of_birth", "salary",
                           "pay_range_point", "sickness_reason", "health")
MASK = "••••"


@functools.lru_cache(maxsize=1024)
def _is_sensitive(field: str) -> bool:
    # Cached: bulk imports ask about the same few field names tens of thousands of times.
    return any(marker in field.lower() for marker in SENSITIVE_FIELD_MARKERS)


def _masked(field: str, value: Any) -> Any:
    if value is None or value == "":
        return value
    if _is_sensitive(field):
        return MASK
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, list | tuple | set | frozenset):
        return [str(item) for item in value]
    if isinstance(value, int | float | bool | dict):
        return value
    return str(value)


def audit_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{"field": {"before": old, "after": new}}`` for the fields that changed, sensitive ones masked."""
    changed: dict[str, dict[str, Any]] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changed[name] = {"before": _masked(name, old), "after": _masked(name, new)}
    return changed


@transaction.atomic
def audit_record(
    *,
    department: Department,
    action: str,
    acting_user: User | None,
    target: Model | None = None,
    changes: Mapping[str, Mapping[str, Any]] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one audit row for ``department``, in the caller's transaction.

    Who acted is the user, plus the API token or operator assignment the current request came
    through (from ``shared_services.core.request_context``), plus the request id.
    """
    context = request_context.current()
    with department_context(department.id):
        return AuditEvent.objects.create(
            department=department,
            actor=acting_user if acting_user is not None and acting_user.pk else None,
            api_token_id=context.api_token_id,
            operator_assignment_id=context.operator_assignment_id,
            action=action,
            object_type=target._meta.label_lower if target is not None else "",
            object_id=str(target.pk) if target is not None else "",
            object_repr=str(target)[:200] if target is not None else "",
            changes=dict(changes or {}),
            reason=reason,
            request_id=context.request_id,
        )


@dataclass(frozen=True)
class AuditEntry:
    """One audit row of a bulk write, naming its object without loading it."""

    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: Mapping[str, Mapping[str, Any]]
    reason: str = ""


def audit_record_many(*, department: Department, acting_user: User | None, entries: Iterable[AuditEntry]) -> int:
    """Append many audit rows in one statement (bulk writes such as imports), each as ``audit_record``
    would write it: who acted, through which token or operator assignment, and the request id.
    Runs in the caller's transaction; returns how many rows were written."""
    context = request_context.current()
    actor_id = acting_user.pk if acting_user is not None and acting_user.pk else None
    now = timezone.now()
    rows = [(now, actor_id, context.api_token_id, context.operator_assignment_id, entry.action, entry.object_type,
             entry.object_id, entry.object_repr[:200], dict(entry.changes), entry.reason, context.request_id)
            for entry in entries]
    with department_context(department.id):
        bulk_insert(AuditEvent, ("occurred_at", "actor", "api_token", "operator_assignment", "action", "object_type",
                                 "object_id", "object_repr", "changes", "reason", "request_id"), rows, returning=())
    return len(rows)
