"""Leave requests in the approvals inbox (``departments.approvals``).

A request waits for the employee's line manager on the leave's first day (the same rule
``leave_request_decide`` applies) and, while a dated delegation runs, for that manager's deputy;
nobody is shown their own. Every leave request may be approved in bulk.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from departments.approvals import ApprovalItem
from departments.models import Department
from hr import selectors, services
from hr.models import Employment, LeaveRequest
from hr.selectors_delegation import managers_deputised_by
from shared_services.accounts.models import User
from shared_services.core.problems import NotFound


def _day(value: datetime.date) -> str:
    return f"{value:%A %-d %B %Y}"


def _hours(value: Decimal) -> str:
    shown = f"{value.normalize():f}"
    return f"{shown} hour{'' if value == 1 else 's'}"


def _deciders(*, user: User, day: datetime.date) -> dict[int, str]:
    """The managers whose reports' requests ``user`` decides on ``day``: their own employee record
    (as ""), and each manager they deputise for (by name)."""
    deciders: dict[int, str] = {}
    own = selectors.employee_of_user(user_id=user.pk)
    if own is not None:
        deciders[own.pk] = ""
    for manager in managers_deputised_by(user=user, day=day):
        deciders.setdefault(manager.pk, manager.display_name)
    return deciders


def _waiting_for(*, user: User, deciders: dict[int, str]) -> QuerySet[LeaveRequest]:
    manager_then = (Employment.objects.filter(employee=OuterRef("employee"), superseded_at__isnull=True,
                                              valid_from__lte=OuterRef("start_date"))
                    .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=OuterRef("start_date")))
                    .values("line_manager_id")[:1])
    # Narrowed first to people the deciders manage in some version of their record (an index on the
    # line manager), so the manager on each leave's first day is worked out for a team, not a department.
    managed = Employment.objects.filter(superseded_at__isnull=True, line_manager_id__in=list(deciders))
    return (LeaveRequest.objects.filter(status=LeaveRequest.Status.PENDING, employee__in=managed.values("employee_id"))
            .annotate(decider_id=Subquery(manager_then)).filter(decider_id__in=list(deciders))
            .exclude(employee__user_id=user.pk)
            .select_related("employee", "leave_type").order_by("requested_at", "id"))


class LeaveApprovalSource:
    kind = "leave"
    label = "Leave requests"

    def _item(self, leave: LeaveRequest, *, deputy_for: str) -> ApprovalItem:
        dates = (_day(leave.start_date) if leave.start_date == leave.end_date
                 else f"{_day(leave.start_date)} to {_day(leave.end_date)}")
        # Hours, as booked: calendar days would count weekends and bank holidays.
        summary = [dates, f"{_hours(leave.hours)} of leave"]
        if leave.reason:
            summary.append(f"Reason given: {leave.reason}")
        # The first day is in the title, so two requests from one person are told apart.
        title = f"{leave.leave_type.name} from {leave.start_date:%-d %b %Y}"
        return ApprovalItem(
            kind=self.kind, kind_label="Leave request", id=leave.pk, title=title,
            who=leave.employee.display_name, submitted_at=leave.requested_at, summary=tuple(summary),
            # A leave request has no page of its own: the inbox's page for it shows all of it.
            url="", bulk_allowed=True, acting_as_deputy_for=deputy_for)

    def waiting(self, *, department: Department, user: User, day: datetime.date) -> list[ApprovalItem]:
        deciders = _deciders(user=user, day=day)
        if not deciders:
            return []
        return [self._item(leave, deputy_for=deciders.get(leave.decider_id, ""))  # type: ignore[attr-defined]
                for leave in _waiting_for(user=user, deciders=deciders)]

    def count(self, *, department: Department, user: User, day: datetime.date) -> int:
        deciders = _deciders(user=user, day=day)
        return _waiting_for(user=user, deciders=deciders).count() if deciders else 0

    def decide(self, *, department: Department, item_id: int, approve: bool, note: str, acting_user: User) -> None:
        deciders = _deciders(user=acting_user, day=timezone.localdate())
        leave = _waiting_for(user=acting_user, deciders=deciders).filter(pk=item_id).first() if deciders else None
        if leave is None:
            raise NotFound("No leave request with that id is waiting for your decision.")
        services.leave_request_decide(request=leave, approve=approve, acting_user=acting_user, note=note)
