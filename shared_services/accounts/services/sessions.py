"""Sessions: "sign out everywhere", and the record of a session ended by its limits."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from shared_services.accounts.models import User
from shared_services.accounts.services.security import security_event_record

__all__ = ["session_ended_record", "sessions_end_everywhere"]


@transaction.atomic
def sessions_end_everywhere(*, acting_user: User, ip_address: str | None = None) -> None:
    """End every session the person has, on every device: each one begun before now is refused at its
    next request (``SessionLimitsMiddleware``), without a table of sessions to search."""
    acting_user.sessions_valid_after = timezone.now()
    acting_user.save(update_fields=["sessions_valid_after"])
    security_event_record(event="sessions.signed_out_everywhere", user=acting_user, ip_address=ip_address)


@transaction.atomic
def session_ended_record(*, user: User, reason: str, ip_address: str | None = None) -> None:
    security_event_record(event="session.ended", user=user, ip_address=ip_address, detail={"reason": reason})
