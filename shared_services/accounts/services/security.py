"""Security events that belong to no department: refused sign-ins, second-factor failures, sign-outs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared_services.accounts.models import SecurityEvent, User
from shared_services.core import request_context

__all__ = ["security_event_record"]


def security_event_record(*, event: str, user: User | None = None, email: str = "",
                          detail: Mapping[str, Any] | None = None, ip_address: str | None = None) -> SecurityEvent:
    """Append one security event. Never raises for a missing user: refused sign-ins often have none."""
    return SecurityEvent.objects.create(
        event=event[:60],
        user=user if user is not None and user.pk else None,
        email=(email or (user.email if user is not None else ""))[:254],
        detail=dict(detail or {}),
        ip_address=ip_address or None,
        request_id=request_context.current().request_id,
    )
