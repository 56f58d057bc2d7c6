"""Every write to departments, access and audit. Each is atomic and writes its audit row."""

from __future__ import annotations

import calendar
import functools
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from departments.bulk import bulk_insert
from departments.models import ApiToken, AuditEvent, Department, DepartmentMembership, OperatorAssignment
from departments.roles import TOKEN_SCOPES, Role
from departments.tenancy import department_context
from shared_services.accounts.models import User
from shared_services.core import request_context

# Field names whose values never reach the audit log in clear.
SENSITIVE_FIELD_MARKERS = ("password", "token", "secret", "key_hash", "account_number", "ni_number",
                           "national_insurance", "sort_code", "roll_number", "date_of_birth", "salary",
                           "pay_range_point", "sickness_reason", "health")
MASK = "••••"
TOKEN_PREFIX = "ssp"


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


def _validate_department(department: Department) -> None:
    try:
        department.full_clean()
    except ValidationError as error:
        raise ValidationError(error.message_dict) from error


DEPARTMENT_SETTINGS = ("slug", "name", "employer_paye_reference", "accounts_office_reference",
                       "bacs_service_user_number", "pay_frequency", "leave_year_start_month", "leave_year_start_day")


@transaction.atomic
def department_create(
    *,
    slug: str,
    name: str,
    acting_user: User | None,
    employer_paye_reference: str = "",
    accounts_office_reference: str = "",
    bacs_service_user_number: str = "",
    pay_frequency: str = Department.PayFrequency.MONTHLY,
    leave_year_start_month: int = 4,
    leave_year_start_day: int = 1,
) -> Department:
    """A new tenant: empty, isolated, with its employer references and pay and leave settings."""
    slug, name = slug.strip().lower(), name.strip()
    if Department.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"A department with the address '{slug}' already exists."})
    department = Department(
        slug=slug,
        name=name,
        employer_paye_reference=employer_paye_reference.strip().upper(),
        accounts_office_reference=accounts_office_reference.strip().upper(),
        bacs_service_user_number=bacs_service_user_number.strip().upper(),
        pay_frequency=pay_frequency,
        leave_year_start_month=leave_year_start_month,
        leave_year_start_day=leave_year_start_day,
    )
    _validate_department(department)
    _validate_leave_year_start(leave_year_start_month, leave_year_start_day)
    department.save()
    audit_record(
        department=department,
        action="department.create",
        acting_user=acting_user,
        target=department,
        changes=audit_changes({}, {f: getattr(department, f) for f in DEPARTMENT_SETTINGS}),
    )
    return department


def _validate_leave_year_start(month: int, day: int) -> None:
    if not 1 <= month <= 12:
        raise ValidationError({"leave_year_start_month": "Enter a month from 1 to 12."})
    # 29 February would make the leave year start move; the last day of a month is the most allowed.
    last_day = calendar.monthrange(2025, month)[1]
    if not 1 <= day <= last_day:
        raise ValidationError({"leave_year_start_day": f"Enter a day from 1 to {last_day} for that month."})


@transaction.atomic
def department_onboard(
    *,
    settings: dict[str, Any],
    hr_admin_email: str,
    hr_admin_name: str,
    acting_user: User | None,
) -> tuple[Department, User]:
    """A platform operator creates a department with its first HR admin (an existing person, or a new
    account without a password: they set one through the password-reset e-mail)."""
    email = hr_admin_email.strip().lower()
    errors: dict[str, str] = {}
    if not email or "@" not in email:
        errors["hr_admin_email"] = "Enter the first HR admin's e-mail address, like name@department.gov.uk."
    existing = User.objects.filter(email__iexact=email).first() if email else None
    if existing is not None and existing.kind != User.Kind.PERSON:
        errors["hr_admin_email"] = "This address belongs to an API client, not a person."
    if existing is None and not hr_admin_name.strip():
        errors["hr_admin_name"] = "Enter the first HR admin's full name."
    if errors:
        raise ValidationError(errors)
    department = department_create(acting_user=acting_user, **settings)
    admin = existing or User.objects.create_user(email=email, password=None, full_name=hr_admin_name.strip())
    membership_grant(department=department, user=admin, role=Role.HR_ADMIN, acting_user=acting_user)
    return department, admin


def _require_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": f"'{role}' is not a role. Choose one of: {', '.join(Role.values)}."})


@transaction.atomic
def membership_grant(
    *, department: Department, user: User, role: str, acting_user: User | None
) -> DepartmentMembership:
    """Give ``user`` a role in ``department``; granting a role they already hold changes nothing."""
    _require_role(role)
    existing = DepartmentMembership.objects.filter(
        department=department, user=user, role=role, ended_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    membership = DepartmentMembership.objects.create(department=department, user=user, role=role)
    audit_record(
        department=department,
        action="membership.grant",
        acting_user=acting_user,
        target=membership,
        changes=audit_changes({}, {"user": user.email, "role": role}),
    )
    return membership


@transaction.atomic
def membership_end(*, membership: DepartmentMembership, acting_user: User | None) -> DepartmentMembership:
    if membership.ended_at is not None:
        return membership
    membership.ended_at = timezone.now()
    membership.save(update_fields=["ended_at"])
    audit_record(
        department=membership.department,
        action="membership.end",
        acting_user=acting_user,
        target=membership,
        changes=audit_changes({"ended_at": None}, {"ended_at": membership.ended_at}),
    )
    return membership


@transaction.atomic
def operator_assign(
    *,
    department: Department,
    user: User,
    role: str,
    acting_user: User | None,
    valid_from: Any = None,
    valid_to: Any = None,
    reason: str = "",
) -> OperatorAssignment:
    """Let a shared-services centre person serve ``department`` for a dated period."""
    _require_role(role)
    assignment = OperatorAssignment(
        department=department,
        user=user,
        role=role,
        valid_from=valid_from or timezone.localdate(),
        valid_to=valid_to,
        reason=reason,
        created_by=acting_user,
    )
    if assignment.valid_to is not None and assignment.valid_to < assignment.valid_from:
        raise ValidationError({"valid_to": "The last day must be on or after the first day."})
    assignment.save()
    audit_record(
        department=department,
        action="operator_assignment.create",
        acting_user=acting_user,
        target=assignment,
        changes=audit_changes(
            {}, {"user": user.email, "role": role, "valid_from": assignment.valid_from, "valid_to": assignment.valid_to}
        ),
        reason=reason,
    )
    return assignment


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
