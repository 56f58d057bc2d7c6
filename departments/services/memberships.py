"""Granting, changing and ending people's roles in a department, with separation of duties."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from departments.models import Department, DepartmentMembership, MembershipRequest, RoleConflict
from departments.roles import Role
from departments.selectors.role_conflicts import conflicts_for_grant
from departments.services.audit import audit_changes, audit_record
from departments.services.role_conflicts import role_conflicts_install_defaults
from departments.tenancy import department_context
from shared_services.accounts.models import User

__all__ = ["membership_change", "membership_end", "membership_grant", "membership_request_approve",
           "membership_request_refuse", "membership_revoke", "role_grant", "role_require"]

REASON_MAX = 300


def role_require(role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": f"'{role}' is not a role. Choose one of: {', '.join(Role.values)}."})


def _dated(membership: DepartmentMembership | MembershipRequest) -> dict[str, object]:
    return {"valid_from": membership.valid_from, "valid_to": membership.valid_to}


@transaction.atomic
def membership_grant(
    *,
    department: Department,
    user: User,
    role: str,
    acting_user: User | None,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    reason: str = "",
    source: str = DepartmentMembership.Source.GRANTED,
) -> DepartmentMembership:
    """Give ``user`` a role in ``department``; granting a role they already hold changes nothing.

    No checks of who may receive it: the platform's own paths use it (a new department's first HR
    admin, the HR record, the demo). HR admins grant through ``role_grant``.
    """
    role_require(role)
    existing = DepartmentMembership.objects.filter(
        department=department, user=user, role=role, ended_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    membership = DepartmentMembership(department=department, user=user, role=role,
                                      valid_from=valid_from or timezone.localdate(), valid_to=valid_to,
                                      reason=reason, source=source, granted_by=acting_user)
    if membership.valid_to is not None and membership.valid_to < membership.valid_from:
        raise ValidationError({"valid_to": "The last day must be on or after the first day."})
    membership.save()
    audit_record(
        department=department,
        action="membership.grant",
        acting_user=acting_user,
        target=membership,
        changes=audit_changes({}, {"user": user.email, "role": role, "source": source, **_dated(membership)}),
        reason=reason,
    )
    return membership


def _reason(reason: str, *, what: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": f"Say why {what}."})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"The reason must be {REASON_MAX} characters or fewer."})
    return reason


def _check_dates(valid_from: datetime.date, valid_to: datetime.date | None) -> None:
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": "The last day must be on or after the first day."})


def _grantee(department: Department, email: str) -> User:
    """Only people already in the department (an employee with an account, or any current member)
    may be granted a role: access follows a real person in the department, never a stranger."""
    email = email.strip().lower()
    if not email:
        raise ValidationError({"email": "Enter the person's e-mail address."})
    user = User.objects.filter(email__iexact=email, kind=User.Kind.PERSON).first()
    if user is None:
        raise ValidationError({"email": f"Nobody has an account with the address {email}. People get an account "
                                        "when their HR record in this department has a work e-mail address."})
    if not user.is_active or not DepartmentMembership.objects.current().filter(
            department=department, user=user).exists():
        raise ValidationError({"email": f"{user.get_full_name()} is not in {department.name}: only people in the "
                                        "department (employees or current members) can be granted a role."})
    return user


@transaction.atomic
def role_grant(
    *,
    department: Department,
    email: str,
    role: str,
    reason: str,
    acting_user: User | None,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
) -> DepartmentMembership | MembershipRequest:
    """An HR admin (or the platform's command line, ``acting_user`` None) grants a role for a dated
    period, with a reason.

    A grant that completes a conflicting pair the person holds for part of the same period is
    refused, or becomes a request another HR admin must decide, as the department declared.
    """
    role_require(role)
    reason = _reason(reason, what="the role is being granted")
    start = valid_from or timezone.localdate()
    _check_dates(start, valid_to)
    user = _grantee(department, email)
    held = DepartmentMembership.objects.filter(department=department, user=user, role=role,
                                               ended_at__isnull=True).first()
    if held is not None:
        raise ValidationError({"role": f"{user.get_full_name()} already has the {Role(role).label} role "
                                       f"from {held.valid_from:%-d %B %Y}; change its dates instead."})
    role_conflicts_install_defaults(department=department, acting_user=None)
    conflicts = conflicts_for_grant(department=department, user=user, role=role, valid_from=start, valid_to=valid_to)
    refusing = [other for conflict, other in conflicts if conflict.handling == RoleConflict.Handling.REFUSE]
    if refusing:
        raise ValidationError({"role": f"{user.get_full_name()} is a {Role(refusing[0]).label}, and "
                                       f"{department.name} does not allow one person to be a {Role(role).label} "
                                       "as well."})
    if conflicts:
        if acting_user is None:
            # A request needs a person behind it, so that a different person can decide it.
            raise ValidationError({"role": f"{Role(role).label} conflicts with {Role(conflicts[0][1]).label}, "
                                           f"which {user.get_full_name()} holds, so it needs a second HR admin's "
                                           "approval: an HR admin must ask for it on the people page."})
        return _request_second_approval(department, user, role, start, valid_to, reason, conflicts[0][1],
                                        acting_user)
    return membership_grant(department=department, user=user, role=role, acting_user=acting_user,
                            valid_from=start, valid_to=valid_to, reason=reason)


def _request_second_approval(department: Department, user: User, role: str, valid_from: datetime.date,
                             valid_to: datetime.date | None, reason: str, conflicts_with: str,
                             acting_user: User) -> MembershipRequest:
    with department_context(department.id):
        if MembershipRequest.objects.filter(user=user, role=role, status=MembershipRequest.Status.PENDING).exists():
            raise ValidationError({"role": f"A request to make {user.get_full_name()} a {Role(role).label} is "
                                           "already waiting for a second HR admin."})
        request = MembershipRequest.objects.create(user=user, role=role, valid_from=valid_from, valid_to=valid_to,
                                                   reason=reason, conflicts_with=conflicts_with,
                                                   requested_by=acting_user)
    audit_record(department=department, action="membership_request.create", acting_user=acting_user,
                 target=request, changes=audit_changes({}, {"user": user.email, "role": role,
                                                            "conflicts_with": conflicts_with, **_dated(request)}),
                 reason=reason)
    return request


def _decidable(request: MembershipRequest, acting_user: User) -> None:
    if request.status != MembershipRequest.Status.PENDING:
        raise ValidationError({"__all__": f"This request has already been decided ({request.get_status_display()})."})
    if request.requested_by_id == acting_user.pk:
        raise ValidationError({"__all__": "You asked for this grant, so another HR admin must decide it."})


@transaction.atomic
def membership_request_approve(*, request: MembershipRequest, acting_user: User,
                               note: str = "") -> DepartmentMembership:
    """A second HR admin (never the one who asked) approves a conflicting grant: the role is granted."""
    department = request.department
    with department_context(department.id):
        request = MembershipRequest.objects.select_for_update().get(pk=request.pk)
        _decidable(request, acting_user)
        membership = membership_grant(department=department, user=request.user, role=request.role,
                                      acting_user=acting_user, valid_from=request.valid_from,
                                      valid_to=request.valid_to, reason=request.reason)
        request.status, request.decided_by, request.decided_at = (MembershipRequest.Status.APPROVED, acting_user,
                                                                  timezone.now())
        request.decision_note, request.membership = note.strip()[:REASON_MAX], membership
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "membership"])
    audit_record(department=department, action="membership_request.approve", acting_user=acting_user,
                 target=request, changes=audit_changes({"status": "pending"}, {"status": request.status}),
                 reason=request.decision_note)
    return membership


@transaction.atomic
def membership_request_refuse(*, request: MembershipRequest, acting_user: User, note: str) -> MembershipRequest:
    department = request.department
    note = _reason(note, what="the request is refused")
    with department_context(department.id):
        request = MembershipRequest.objects.select_for_update().get(pk=request.pk)
        _decidable(request, acting_user)
        request.status, request.decided_by, request.decided_at = (MembershipRequest.Status.REFUSED, acting_user,
                                                                  timezone.now())
        request.decision_note = note
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(department=department, action="membership_request.refuse", acting_user=acting_user,
                 target=request, changes=audit_changes({"status": "pending"}, {"status": request.status}), reason=note)
    return request


def _granted_here(membership: DepartmentMembership, *, doing: str) -> None:
    if membership.source == DepartmentMembership.Source.HR_RECORD:
        raise ValidationError({"__all__": f"This role follows {membership.user.get_full_name()}'s HR record, so it "
                                          f"cannot be {doing} here: change the HR record instead."})
    if membership.ended_at is not None:
        raise ValidationError({"__all__": "This role has already ended."})


@transaction.atomic
def membership_change(*, membership: DepartmentMembership, valid_from: datetime.date,
                      valid_to: datetime.date | None, reason: str, acting_user: User) -> DepartmentMembership:
    """Change a granted role's dates, with a reason."""
    _granted_here(membership, doing="changed")
    reason = _reason(reason, what="the dates are changing")
    _check_dates(valid_from, valid_to)
    before = _dated(membership)
    membership.valid_from, membership.valid_to = valid_from, valid_to
    if _dated(membership) == before:
        return membership
    membership.save(update_fields=["valid_from", "valid_to"])
    audit_record(department=membership.department, action="membership.change", acting_user=acting_user,
                 target=membership, changes=audit_changes(before, _dated(membership)), reason=reason)
    return membership


@transaction.atomic
def membership_end(*, membership: DepartmentMembership, acting_user: User | None,
                   reason: str = "") -> DepartmentMembership:
    if membership.ended_at is not None:
        return membership
    membership.ended_at = timezone.now()
    membership.ended_by = acting_user if acting_user is not None and acting_user.pk else None
    membership.end_reason = reason[:REASON_MAX]
    membership.save(update_fields=["ended_at", "ended_by", "end_reason"])
    audit_record(
        department=membership.department,
        action="membership.end",
        acting_user=acting_user,
        target=membership,
        changes=audit_changes({"ended_at": None}, {"ended_at": membership.ended_at}),
        reason=membership.end_reason,
    )
    return membership


@transaction.atomic
def membership_revoke(*, membership: DepartmentMembership, reason: str, acting_user: User) -> DepartmentMembership:
    """An HR admin ends a granted role now, with a reason. Roles that follow the HR record end with it,
    and the department's last HR admin stays, so that someone can still manage access."""
    _granted_here(membership, doing="ended")
    reason = _reason(reason, what="the role is ending")
    if membership.role == Role.HR_ADMIN and not DepartmentMembership.objects.current().filter(
            department=membership.department, role=Role.HR_ADMIN).exclude(pk=membership.pk).exists():
        raise ValidationError({"__all__": "This is the department's only HR admin; grant the role to someone else "
                                          "first."})
    return membership_end(membership=membership, acting_user=acting_user, reason=reason)
