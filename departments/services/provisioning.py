"""Accounts and memberships that follow HR records: joiners, movers and leavers.

A person has one global account (their work e-mail, lower-cased, with no usable password: they
sign in through their department's provider or set a password by reset) and, in each department
they work for, a dated EMPLOYEE membership from their start date to their last day. ``departments``
may not import ``hr``, so callers pass plain records (``PersonRecord``) and get the accounts back.

Only memberships whose source is HR_RECORD are ever changed here; roles an HR admin granted stay
as they are.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from departments.bulk import AnyOf
from departments.models import Department, DepartmentMembership
from departments.roles import Role
from departments.services.audit import AuditEntry, audit_changes, audit_record_many
from shared_services.accounts.models import User

__all__ = [
    "PersonRecord",
    "ProvisionResult",
    "account_provision",
    "accounts_provision",
    "manager_access_sync",
    "memberships_end_expired",
]

HR_RECORD = DepartmentMembership.Source.HR_RECORD
MEMBERSHIP_TYPE = "departments.departmentmembership"
BATCH_SIZE = 5000


@dataclass(frozen=True)
class PersonRecord:
    """One employee as HR holds them, in plain values."""

    key: str  # the record's own reference (a payroll number), used in results and the audit log
    email: str
    full_name: str
    valid_from: datetime.date  # the start date
    valid_to: datetime.date | None = None  # the leaving date: the last day of access
    user_id: int | None = None  # an account already linked to the record; it wins over the e-mail


@dataclass
class ProvisionResult:
    """What provisioning did. ``users`` maps each record's key to its account's id."""

    users: dict[str, int] = field(default_factory=dict)
    accounts_created: int = 0
    memberships_created: int = 0
    memberships_updated: int = 0
    already: int = 0  # records whose account and membership were already as HR holds them
    left: int = 0  # records whose last day has passed and who hold no access: nothing given


def _normalised(people: Sequence[PersonRecord]) -> list[PersonRecord]:
    records: list[PersonRecord] = []
    keys_by_email: dict[str, str] = {}
    for person in people:
        email = person.email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": f"{person.key}: '{person.email}' is not an e-mail address."}) from None
        if person.valid_to is not None and person.valid_to < person.valid_from:
            raise ValidationError({"valid_to": f"{person.key}: the last day is before the start date."})
        other = keys_by_email.setdefault(email, person.key)
        if other != person.key:
            raise ValidationError({"email": f"{person.key} and {other} have the same e-mail address, {email}."})
        records.append(replace(person, email=email))
    return records


def _created(values: Mapping[str, str | datetime.date | None]) -> dict[str, dict[str, str | None]]:
    """What ``audit_changes({}, values)`` writes for plain, non-sensitive values, without its general
    rules: a department's whole staff gets one entry each."""
    return {name: {"before": None, "after": str(value)} for name, value in values.items() if value is not None}


def _account_ids(emails: list[str]) -> dict[str, int]:
    if not emails:
        return {}
    return dict(User.objects.filter(AnyOf(Lower("email"), emails)).values_list(Lower("email"), "id"))


def _accounts_create(records: list[PersonRecord], now: datetime.datetime) -> None:
    # A password no one knows (Django's unusable form): the person signs in through SSO or sets
    # one by reset. ON CONFLICT DO NOTHING: another department may provision the same person at once.
    User.objects.bulk_create(
        [User(email=record.email, full_name=record.full_name[:200], kind=User.Kind.PERSON, date_joined=now,
              password=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)) for record in records],
        batch_size=BATCH_SIZE, ignore_conflicts=True)


@transaction.atomic
def accounts_provision(*, department: Department, people: Sequence[PersonRecord], acting_user: User | None,
                       reason: str = "") -> ProvisionResult:
    """Give each person an account and an EMPLOYEE membership from their start date to their last
    day, in bulk (a fixed number of statements, whatever the number of people), audited per
    membership. Idempotent: a person who already has both is counted as already there, and an
    HR_RECORD membership whose dates differ from the record's is moved to them. A person whose last
    day has passed and who holds no membership is given nothing.
    """
    records = _normalised(people)
    today, now = timezone.localdate(), timezone.now()
    result = ProvisionResult()
    by_email = _account_ids([record.email for record in records if record.user_id is None])
    missing = [record for record in records if record.user_id is None and record.email not in by_email
               and (record.valid_to is None or record.valid_to >= today)]
    if missing:
        _accounts_create(missing, now)
        created = _account_ids([record.email for record in missing])
        result.accounts_created = len(created)
        by_email.update(created)
    new_accounts = {by_email[record.email] for record in missing if record.email in by_email}
    for record in records:
        user_id = record.user_id if record.user_id is not None else by_email.get(record.email)
        if user_id is not None:
            result.users[record.key] = user_id
    held = {user_id: (pk, source, valid_from, valid_to) for pk, user_id, source, valid_from, valid_to in
            DepartmentMembership.objects.filter(
                AnyOf(F("user_id"), list(result.users.values())), department=department, role=Role.EMPLOYEE,
                ended_at__isnull=True).values_list("id", "user_id", "source", "valid_from", "valid_to")
            } if result.users else {}
    creates: list[tuple[PersonRecord, DepartmentMembership]] = []
    updates: list[tuple[PersonRecord, DepartmentMembership, dict[str, datetime.date | None]]] = []
    for record in records:
        user_id = result.users.get(record.key)
        if user_id is None:
            result.left += 1
            continue
        found = held.get(user_id)
        if found is None:
            if record.valid_to is not None and record.valid_to < today:
                result.left += 1
                continue
            creates.append((record, DepartmentMembership(
                user_id=user_id, department=department, role=Role.EMPLOYEE, valid_from=record.valid_from,
                valid_to=record.valid_to, source=HR_RECORD, reason=(reason or "Employee record")[:300],
                granted_at=now, granted_by=acting_user if acting_user is not None and acting_user.pk else None)))
            continue
        pk, source, valid_from, valid_to = found
        if source != HR_RECORD or (valid_from, valid_to) == (record.valid_from, record.valid_to):
            result.already += 1
            continue
        before = {"valid_from": valid_from, "valid_to": valid_to}
        updates.append((record, DepartmentMembership(pk=pk, valid_from=record.valid_from, valid_to=record.valid_to),
                        before))
    DepartmentMembership.objects.bulk_create([membership for _, membership in creates], batch_size=BATCH_SIZE)
    DepartmentMembership.objects.bulk_update([membership for _, membership, _ in updates],
                                             ["valid_from", "valid_to"], batch_size=1000)
    result.memberships_created, result.memberships_updated = len(creates), len(updates)
    entries = [AuditEntry(
        action="membership.provision", object_type=MEMBERSHIP_TYPE, object_id=str(membership.pk),
        object_repr=f"{record.email} — Employee", reason=reason,
        changes=_created({"user": record.email, "role": Role.EMPLOYEE.value, "source": HR_RECORD.value,
                          "employee": record.key, "valid_from": record.valid_from, "valid_to": record.valid_to,
                          "account": "created" if membership.user_id in new_accounts else "existing"}),
    ) for record, membership in creates]
    entries += [AuditEntry(
        action="membership.dates_change", object_type=MEMBERSHIP_TYPE, object_id=str(membership.pk),
        object_repr=f"{record.email} — Employee", reason=reason,
        changes=audit_changes(before, {"valid_from": membership.valid_from, "valid_to": membership.valid_to}),
    ) for record, membership, before in updates]
    if entries:
        audit_record_many(department=department, acting_user=acting_user, entries=entries)
    return result


def account_provision(*, department: Department, person: PersonRecord, acting_user: User | None,
                      reason: str = "") -> User | None:
    """One person (a starter, a mover, a leaver's new last day): their account, or None when their
    last day has passed and they never had one."""
    result = accounts_provision(department=department, people=[person], acting_user=acting_user, reason=reason)
    user_id = result.users.get(person.key)
    return None if user_id is None else User.objects.get(pk=user_id)


@transaction.atomic
def manager_access_sync(*, department: Department, managers: Mapping[int, datetime.date | None],
                        acting_user: User | None, reason: str = "") -> tuple[int, int]:
    """Line-manager access follows the HR record: each account in ``managers`` (account id → the
    manager's own last day, or None) holds a MANAGER membership; an HR_RECORD one held by anyone
    else ends. A MANAGER role an HR admin granted is never touched. Returns (granted, ended)."""
    now = timezone.now()
    held = {user_id: (pk, source, valid_to) for pk, user_id, source, valid_to in
            DepartmentMembership.objects.select_for_update().filter(
                department=department, role=Role.MANAGER, ended_at__isnull=True,
            ).values_list("id", "user_id", "source", "valid_to")}
    emails = dict(User.objects.filter(AnyOf(F("id"), [*managers, *held])).values_list("id", "email")) \
        if managers or held else {}
    grants = [DepartmentMembership(user_id=user_id, department=department, role=Role.MANAGER,
                                   valid_from=timezone.localdate(), valid_to=last_day, source=HR_RECORD,
                                   reason="Line manager in the HR record", granted_at=now,
                                   granted_by=acting_user if acting_user is not None and acting_user.pk else None)
              for user_id, last_day in managers.items() if user_id not in held]
    ending = [(pk, user_id) for user_id, (pk, source, _) in held.items()
              if source == HR_RECORD and user_id not in managers]
    moved = [(pk, user_id, valid_to, managers[user_id]) for user_id, (pk, source, valid_to) in held.items()
             if source == HR_RECORD and user_id in managers and valid_to != managers[user_id]]
    DepartmentMembership.objects.bulk_create(grants, batch_size=BATCH_SIZE)
    end_reason = "No longer the line manager of anyone in the HR record"
    DepartmentMembership.objects.filter(pk__in=[pk for pk, _ in ending]).update(
        ended_at=now, ended_by=acting_user if acting_user is not None and acting_user.pk else None,
        end_reason=end_reason)
    for pk, _, _, last_day in moved:
        DepartmentMembership.objects.filter(pk=pk).update(valid_to=last_day)
    entries = [AuditEntry(action="membership.provision", object_type=MEMBERSHIP_TYPE, object_id=str(grant.pk),
                          object_repr=f"{emails.get(grant.user_id, '')} — Line manager", reason=reason,
                          changes=audit_changes({}, {"user": emails.get(grant.user_id), "role": Role.MANAGER,
                                                     "source": HR_RECORD, "valid_to": grant.valid_to}))
               for grant in grants]
    entries += [AuditEntry(action="membership.end", object_type=MEMBERSHIP_TYPE, object_id=str(pk),
                           object_repr=f"{emails.get(user_id, '')} — Line manager", reason=end_reason,
                           changes=audit_changes({"ended_at": None}, {"ended_at": now}))
                for pk, user_id in ending]
    entries += [AuditEntry(action="membership.dates_change", object_type=MEMBERSHIP_TYPE, object_id=str(pk),
                           object_repr=f"{emails.get(user_id, '')} — Line manager", reason=reason,
                           changes=audit_changes({"valid_to": before}, {"valid_to": after}))
                for pk, user_id, before, after in moved]
    if entries:
        audit_record_many(department=department, acting_user=acting_user, entries=entries)
    return len(grants), len(ending)


@transaction.atomic
def memberships_end_expired(*, department: Department, on: datetime.date | None = None) -> int:
    """End (for good, audited) the department's memberships whose last day is before ``on`` (today).

    Access already stops the day after ``valid_to`` (``DepartmentMembership.objects.current()``);
    this makes it final, so a membership cannot come back by a later change of dates. Ended by the
    schedule, so ``ended_by`` is empty. Idempotent: ended memberships are not looked at again.
    """
    day = on or timezone.localdate()
    now = timezone.now()
    expired = list(DepartmentMembership.objects.select_for_update().filter(
        department=department, ended_at__isnull=True, valid_to__lt=day,
    ).values_list("id", "user__email", "role", "valid_to"))
    if not expired:
        return 0
    end_reason = "The last day of access has passed"
    DepartmentMembership.objects.filter(pk__in=[pk for pk, *_ in expired]).update(
        ended_at=now, ended_by=None, end_reason=end_reason)
    audit_record_many(department=department, acting_user=None, entries=[
        AuditEntry(action="membership.end", object_type=MEMBERSHIP_TYPE, object_id=str(pk),
                   object_repr=f"{email} — {Role(role).label}", reason=end_reason,
                   changes=audit_changes({"ended_at": None}, {"ended_at": now, "valid_to": valid_to}))
        for pk, email, role, valid_to in expired])
    return len(expired)
