"""Reads of approval deputies: whom a person deputises for, and a manager's delegations.

Each runs in the caller's department context (the scoped managers need it).
"""

from __future__ import annotations

import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from hr import selectors
from hr.models import ApprovalDelegation, Employee
from shared_services.core.problems import NotFound

CANDIDATES_SHOWN = 20


def _current_on(day: datetime.date) -> Q:
    return Q(cancelled_at__isnull=True, starts_on__lte=day, ends_on__gte=day)


def managers_deputised_by(*, user: AbstractBaseUser | AnonymousUser, day: datetime.date) -> list[Employee]:
    """The managers whose delegation running on ``day`` names the user's employee record as deputy.

    Empty for a user with no employee record in the department in context.
    """
    if not user.is_authenticated:
        return []
    running = (ApprovalDelegation.objects.filter(_current_on(day), deputy__user_id=user.pk)
               .values("manager_id"))
    return list(Employee.objects.filter(pk__in=running).select_related("user"))


def deputies_of(*, manager: Employee, day: datetime.date) -> list[Employee]:
    """Who decides for ``manager`` on ``day`` (at most one: a manager's periods never overlap)."""
    running = ApprovalDelegation.objects.filter(_current_on(day), manager=manager).values("deputy_id")
    return list(Employee.objects.filter(pk__in=running).select_related("user"))


def is_deputy_for(*, deputy: Employee, manager: Employee, day: datetime.date) -> bool:
    return ApprovalDelegation.objects.filter(_current_on(day), manager=manager, deputy=deputy).exists()


def delegations_of(*, manager: Employee) -> QuerySet[ApprovalDelegation]:
    """Every delegation the manager has made, cancelled ones included, latest first."""
    return (ApprovalDelegation.objects.filter(manager=manager).select_related("deputy", "manager")
            .order_by("-starts_on", "-id"))


def delegations_held_by(*, deputy: Employee) -> QuerySet[ApprovalDelegation]:
    """Every delegation naming ``deputy``, cancelled ones included, latest first."""
    return (ApprovalDelegation.objects.filter(deputy=deputy).select_related("deputy", "manager")
            .order_by("-starts_on", "-id"))


def delegation_overlapping(*, manager: Employee, starts_on: datetime.date, ends_on: datetime.date,
                           exclude_id: int | None = None) -> ApprovalDelegation | None:
    """The manager's first delegation, not cancelled, sharing a day with ``starts_on``–``ends_on``."""
    overlapping = ApprovalDelegation.objects.filter(manager=manager, cancelled_at__isnull=True,
                                                    starts_on__lte=ends_on, ends_on__gte=starts_on)
    if exclude_id is not None:
        overlapping = overlapping.exclude(pk=exclude_id)
    return overlapping.select_related("deputy").order_by("starts_on").first()


def delegation_get(*, delegation_id: int, manager: Employee | None = None) -> ApprovalDelegation:
    """A delegation of the department in context (of ``manager`` when given), or ``NotFound``.

    Another manager's delegation is ``NotFound`` too, so a page or API answers 404 either way.
    """
    delegations = ApprovalDelegation.objects.select_related("deputy", "manager")
    if manager is not None:
        delegations = delegations.filter(manager=manager)
    delegation = delegations.filter(pk=delegation_id).first()
    if delegation is None:
        raise NotFound("This department has no delegation with that id.")
    return delegation


def deputy_candidates(*, search: str, manager: Employee, day: datetime.date) -> list[Employee]:
    """Up to ``CANDIDATES_SHOWN`` people employed on ``day`` who can sign in, other than the
    manager, whose name starts with ``search`` or whose payroll number it is, in name order."""
    term = search.strip()
    if not term:
        return []
    # The employee list's search answers from its name indexes; a few times the page's worth of
    # matches leaves room for those without a sign-in, who are dropped here.
    keys = selectors.employee_list(on=day, search=term).keys[:CANDIDATES_SHOWN * 5]
    ids = [key[0] for key in keys if key[0] != manager.pk]
    found = Employee.objects.filter(pk__in=ids, user__isnull=False).in_bulk()
    return [found[pk] for pk in ids if pk in found][:CANDIDATES_SHOWN]
