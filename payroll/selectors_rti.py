"""Reads for RTI submissions, in the department in context (row-level security scopes them)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from payroll.models import PayRun, RtiSubmission
from shared_services.core.problems import NotFound


def rti_submissions(*, kind: str = "", status: str = "") -> QuerySet[RtiSubmission]:
    """The department's submissions, newest first, optionally of one kind or status."""
    rows = RtiSubmission.objects.select_related("run", "created_by")
    if kind:
        rows = rows.filter(kind=kind)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-id")


def rti_submissions_of_run(*, run: PayRun) -> QuerySet[RtiSubmission]:
    return rti_submissions().filter(run=run)


def rti_submission_get(*, submission_id: int) -> RtiSubmission:
    """A submission of the department in context, or ``NotFound`` (a 404 to pages and the API)."""
    submission = rti_submissions().filter(pk=submission_id).first()
    if submission is None:
        raise NotFound("This department has no RTI submission with that id.")
    return submission


def rti_submissions_due() -> QuerySet[RtiSubmission]:
    """Submissions waiting for the gateway whose next try (send or poll) is due."""
    return RtiSubmission.objects.filter(
        status__in=(RtiSubmission.Status.VALIDATED, RtiSubmission.Status.SUBMITTED),
        next_attempt_at__lte=timezone.now()).order_by("next_attempt_at")
