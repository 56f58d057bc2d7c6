"""People's accounts at departments' identity providers: matched by subject, linked once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from shared_services.accounts.models import ExternalIdentity, User
from shared_services.accounts.oidc import SsoProvider
from shared_services.accounts.services.security import security_event_record
from shared_services.core.hooks import app_configs_with

__all__ = ["external_identity_match"]


def _hook(name: str, **kwargs: Any) -> User | None:
    # accounts sits below departments and hr, so they answer through their AppConfig hooks.
    for _, method in app_configs_with(name):
        user = method(**kwargs)
        if user is not None:
            return user  # type: ignore[no-any-return]
    return None


def _first_link(*, provider: SsoProvider, claims: Mapping[str, Any]) -> tuple[User, str] | None:
    email = claims.get("email")
    if isinstance(email, str) and email and claims.get("email_verified", True) is not False:
        user = _hook("sso_member_account", department_id=provider.department_id, email=email)
        if user is not None:
            return user, "e-mail"
    staff_number = claims.get(provider.staff_number_claim)
    if isinstance(staff_number, str | int) and str(staff_number).strip():
        user = _hook("account_for_staff_number", department_id=provider.department_id,
                     staff_number=str(staff_number).strip())
        if user is not None and user.is_active:
            return user, "staff number"
    return None


@transaction.atomic
def external_identity_match(*, provider: SsoProvider, claims: Mapping[str, Any],
                            ip_address: str | None = None) -> User | None:
    """The account for a verified ID token's person, or None when nobody matches (nothing is created).

    Matched by (issuer, subject) once linked; the first sign-in links by work e-mail (an account with
    access to the provider's department) or by staff number (the department's employee record).
    """
    issuer, subject = provider.issuer.rstrip("/"), str(claims["sub"])
    identity = ExternalIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    if identity is not None:
        if not identity.user.is_active:
            return None
        identity.last_signed_in_at = timezone.now()
        identity.save(update_fields=["last_signed_in_at"])
        return identity.user
    found = _first_link(provider=provider, claims=claims)
    if found is None:
        return None
    user, linked_by = found
    ExternalIdentity.objects.create(user=user, issuer=issuer, subject=subject, linked_by=linked_by,
                                    last_signed_in_at=timezone.now())
    security_event_record(event="sso_identity_linked", user=user, ip_address=ip_address,
                          detail={"issuer": issuer, "subject": subject, "linked_by": linked_by,
                                  "department": provider.department_slug})
    return user
