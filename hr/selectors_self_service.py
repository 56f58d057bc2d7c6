"""Reads for self-service details: an employee's own change requests, HR's queue of them, and the
changes an employee made to their own details.

Each runs in the caller's department context (the scoped managers need it). Getters answer
``NotFound`` both for a request that does not exist and for one the caller may not see, so ids
of other people's requests never leak.
"""

from __future__ import annotations

from django.db.models import QuerySet

from departments.models import AuditEvent
from hr.models import DetailChangeRequest, Employee
from shared_services.core.problems import NotFound

# The audit actions that change an employee's personal details; payroll reads the first to flag a
# bank change made soon after a change of contact details.
PERSONAL_DETAILS_CHANGE = "employee.personal_details_change"
DETAILS_CHANGE_REQUEST_APPROVE = "employee.details_change_request_approve"
NOT_FOUND = "There is no request for a change of details at this address."


def detail_change_requests_of(*, employee: Employee) -> QuerySet[DetailChangeRequest]:
    """The employee's requests, newest first."""
    return DetailChangeRequest.objects.filter(employee=employee).order_by("-requested_at", "-id")


def detail_change_request_of(*, employee: Employee, request_id: int) -> DetailChangeRequest:
    """One of the employee's own requests, or ``NotFound`` (someone else's answers the same)."""
    found = detail_change_requests_of(employee=employee).filter(pk=request_id).first()
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


def pending_fields_of(*, employee: Employee) -> set[str]:
    """The fields the employee has a request waiting for HR about."""
    pending = DetailChangeRequest.objects.filter(employee=employee, status=DetailChangeRequest.Status.PENDING)
    return {name for requested in pending.values_list("requested", flat=True) for name in requested}


def detail_change_requests(*, status: str = DetailChangeRequest.Status.PENDING) -> QuerySet[DetailChangeRequest]:
    """HR's queue: the department's requests with ``status`` (all with ""), oldest waiting first."""
    rows = DetailChangeRequest.objects.select_related("employee", "requested_by", "decided_by")
    if status:
        return rows.filter(status=status).order_by("requested_at", "id")
    return rows.order_by("-requested_at", "-id")


def detail_change_request_get(*, request_id: int) -> DetailChangeRequest:
    """A request in the department in context, or ``NotFound``."""
    found = (DetailChangeRequest.objects.select_related("employee", "requested_by", "decided_by")
             .filter(pk=request_id).first())
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


def personal_details_changes_of(*, employee: Employee) -> QuerySet[AuditEvent]:
    """Changes to the employee's personal details, made by them, by HR or by approving a request,
    newest first (from the audit log, where sensitive values are already masked)."""
    return (AuditEvent.objects.filter(object_type=Employee._meta.label_lower, object_id=str(employee.pk),
                                      action__in=(PERSONAL_DETAILS_CHANGE, DETAILS_CHANGE_REQUEST_APPROVE))
            .select_related("actor").order_by("-occurred_at", "-id"))
