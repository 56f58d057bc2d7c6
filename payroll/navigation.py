"""The service navigation sections and the things needing attention that payroll contributes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, Min, OuterRef
from django.urls import reverse

from departments.roles import Scope
from hr.selectors import employee_of_user
from payroll.models import PayRun, RtiSubmission
from payroll.selectors_review import pay_run_review
from shared_services.core.hooks import AttentionItem, NavigationSection

PAY_RUNS_ORDER, PAYSLIPS_ORDER = 40, 50
# Runs paid to people; a shadow run is only compared with the legacy payroll (onboarding's to show).
PAID_KINDS = (PayRun.Kind.REGULAR, PayRun.Kind.SUPPLEMENTARY)
FAILED_RTI = (RtiSubmission.Status.INVALID, RtiSubmission.Status.REJECTED)


def navigation_sections(*, department: Any, access: Any) -> list[NavigationSection]:
    slug = department.slug
    sections: list[NavigationSection] = []
    if access.allows(Scope.PAYROLL_READ):
        sections.append(NavigationSection("pay-runs", "Pay runs", reverse("payroll:runs", args=[slug]),
                                          order=PAY_RUNS_ORDER))
    if (access.user is not None and access.allows(Scope.SELF_SERVICE)
            and employee_of_user(user_id=access.user.pk) is not None):
        sections.append(NavigationSection("payslips", "Payslips", reverse("payroll:my-documents", args=[slug]),
                                          order=PAYSLIPS_ORDER))
    return sections


def attention_items(*, department: Any, access: Any) -> list[AttentionItem]:
    """Runs at each step that waits for someone, with the earliest pay date as the deadline, and RTI
    submissions that failed and have not been replaced."""
    submit, approve = access.allows(Scope.PAYROLL_SUBMIT), access.allows(Scope.PAYROLL_APPROVE)
    if not (submit or approve):
        return []
    slug = department.slug
    waiting: dict[str, list[PayRun]] = {}
    for run in (PayRun.objects.filter(kind__in=PAID_KINDS, status__in=[
            PayRun.Status.DRAFT, PayRun.Status.OPEN, PayRun.Status.CALCULATED, PayRun.Status.APPROVED])
            .select_related("schedule").order_by("pay_date", "pk")):
        waiting.setdefault(run.status, []).append(run)
    items: list[AttentionItem] = []
    if submit:
        items += _runs_item(slug, waiting.get(PayRun.Status.DRAFT, []), "Pay runs to open",
                            "Open a run to lock its inputs")
        items += _runs_item(slug, waiting.get(PayRun.Status.OPEN, []), "Pay runs to calculate",
                            "Inputs are locked")
    calculated = waiting.get(PayRun.Status.CALCULATED, [])
    # Only what is still open: exceptions acknowledged or given a payment route are done with.
    exceptions = sum(pay_run_review(run=run).open for run in calculated)
    items += _runs_item(slug, calculated, "Pay runs waiting for approval",
                        f"{exceptions} exception{'' if exceptions == 1 else 's'} to settle" if exceptions
                        else "Review settled")
    if approve:
        items += _runs_item(slug, waiting.get(PayRun.Status.APPROVED, []), "Approved pay runs to finalise",
                            "Finalising publishes payslips and writes the Bacs file")
    if submit:
        items += _failed_rti_item(slug)
    return items


def _runs_item(slug: str, runs: Sequence[PayRun], label: str, hint: str) -> list[AttentionItem]:
    """One item for the runs at a step: the run's own page when there is one, else the list."""
    if not runs:
        return []
    first = runs[0]
    url = (reverse("payroll:run", args=[slug, first.pk]) if len(runs) == 1
           else reverse("payroll:runs", args=[slug]))
    named = f"{first.period_start:%B %Y} ({first.schedule.name})" if len(runs) == 1 else ""
    return [AttentionItem(label=label, count=len(runs), url=url,
                          hint=f"{named}: {hint}" if named else hint, due=first.pay_date)]


def _failed_rti_item(slug: str) -> list[AttentionItem]:
    replaced = RtiSubmission.objects.filter(replaces=OuterRef("pk"))
    failed = (RtiSubmission.objects.filter(~Exists(replaced), status__in=FAILED_RTI)
              .order_by())
    count = failed.count()
    if not count:
        return []
    return [AttentionItem(label="RTI submissions that failed", count=count,
                          url=reverse("payroll:rti-submissions", args=[slug]),
                          hint="Failed HMRC's validation or were rejected: correct them and send again",
                          due=failed.aggregate(due=Min("run__pay_date"))["due"])]
