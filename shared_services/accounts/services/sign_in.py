"""Password sign-in throttling: failures per address and per network address."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shared_services.accounts.models import FailedSignIn

__all__ = ["sign_in_failure_record", "sign_in_failures_clear", "sign_in_failures_recent", "sign_in_is_locked"]


def sign_in_failures_recent(*, email: str) -> int:
    since = timezone.now() - timedelta(minutes=settings.SIGN_IN_LOCKOUT_MINUTES)
    return FailedSignIn.objects.filter(email=email.strip().lower(), attempted_at__gte=since).count()


def sign_in_is_locked(*, email: str, ip_address: str | None = None) -> bool:
    """Locked after repeated failures for one address, or many from one network address (guessing
    one password across many accounts)."""
    if sign_in_failures_recent(email=email) >= settings.SIGN_IN_MAX_FAILURES:
        return True
    if ip_address:
        since = timezone.now() - timedelta(minutes=settings.SIGN_IN_LOCKOUT_MINUTES)
        from_address = FailedSignIn.objects.filter(ip_address=ip_address, attempted_at__gte=since).count()
        return from_address >= settings.SIGN_IN_MAX_FAILURES_PER_ADDRESS
    return False


@transaction.atomic
def sign_in_failure_record(*, email: str, ip_address: str | None) -> None:
    FailedSignIn.objects.create(email=email.strip().lower()[:254], ip_address=ip_address or None)


@transaction.atomic
def sign_in_failures_clear(*, email: str) -> None:
    FailedSignIn.objects.filter(email=email.strip().lower()).delete()
