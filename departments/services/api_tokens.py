"""Integrators' API tokens: created once, stored as a hash, bound to one department."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from departments.models import ApiToken, Department
from departments.roles import TOKEN_SCOPES
from departments.services.audit import audit_changes, audit_record
from shared_services.accounts.models import User

__all__ = ["TOKEN_PREFIX", "api_token_create", "api_token_matches", "api_token_parse", "api_token_revoke",
           "api_token_touch"]

TOKEN_PREFIX = "ssp"


def _token_hash(secret: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_parse(raw: str) -> tuple[str, str] | None:
    """``ssp_<prefix>_<secret>`` into (prefix, whole token), or None if it is not of that shape."""
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(parts[1]) != 8 or len(parts[2]) < 32:
        return None
    return parts[1], raw.strip()


def api_token_matches(api_token: ApiToken, raw: str) -> bool:
    return secrets.compare_digest(api_token.key_hash, _token_hash(raw))


@transaction.atomic
def api_token_create(
    *,
    department: Department,
    name: str,
    scopes: Iterable[str],
    acting_user: User | None,
    grantor_scopes: frozenset[str] | None = None,
) -> tuple[ApiToken, str]:
    """Create a token bound to ``department``; returns it with the secret, which is never stored.

    ``grantor_scopes`` are the scopes of the person creating it in the department: a token can
    never do more than they can. None only for the platform's own command line.
    """
    name = name.strip()
    wanted = sorted({scope.strip() for scope in scopes if scope.strip()})
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Enter a name for the API client."
    elif len(name) > 100:
        errors["name"] = "The name must be 100 characters or fewer."
    elif ApiToken.objects.filter(department=department, name=name, revoked_at__isnull=True).exists():
        errors["name"] = f"An active API client called '{name}' already exists in {department.slug}."
    unknown = [scope for scope in wanted if scope not in TOKEN_SCOPES]
    if not wanted:
        errors["scopes"] = "Give at least one scope, e.g. hr:read."
    elif unknown:
        errors["scopes"] = f"Unknown scope(s): {', '.join(unknown)}. Allowed: {', '.join(sorted(TOKEN_SCOPES))}."
    elif grantor_scopes is not None and not set(wanted) <= grantor_scopes:
        beyond = ", ".join(scope for scope in wanted if scope not in grantor_scopes)
        errors["scopes"] = f"You cannot give a token scopes you do not hold yourself: {beyond}."
    if errors:
        raise ValidationError(errors)

    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(key_prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    service_user = User.objects.create_user(
        email=f"api-client-{prefix}@{department.slug}.api.invalid",
        password=None,
        full_name=f"API client: {name}",
        kind=User.Kind.API_CLIENT,
    )
    api_token = ApiToken.objects.create(
        name=name,
        department=department,
        user=service_user,
        scopes=wanted,
        key_prefix=prefix,
        key_hash=_token_hash(raw),
        created_by=acting_user,
    )
    audit_record(
        department=department,
        action="api_token.create",
        acting_user=acting_user,
        target=api_token,
        changes=audit_changes({}, {"name": name, "scopes": wanted, "key_prefix": prefix}),
    )
    return api_token, raw


@transaction.atomic
def api_token_revoke(*, api_token: ApiToken, acting_user: User | None) -> ApiToken:
    if api_token.revoked_at is not None:
        return api_token
    api_token.revoked_at = timezone.now()
    api_token.save(update_fields=["revoked_at"])
    api_token.user.is_active = False
    api_token.user.save(update_fields=["is_active"])
    audit_record(
        department=api_token.department,
        action="api_token.revoke",
        acting_user=acting_user,
        target=api_token,
        changes=audit_changes({"revoked_at": None}, {"revoked_at": api_token.revoked_at}),
    )
    return api_token


def api_token_touch(*, api_token: ApiToken) -> None:
    """Record the last use, at most once a minute so busy integrations do not write every request."""
    now = timezone.now()
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() >= 60:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        api_token.last_used_at = now
