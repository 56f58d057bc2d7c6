"""The service navigation sections and the things needing attention that onboarding contributes."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from departments.roles import Scope
from onboarding.models import CutoverSignOff, ImportJob, ParallelRun, ParallelRunDifference
from onboarding.services_parallel import SIGN_OFF_ROLES
from shared_services.core.hooks import AttentionItem, NavigationSection

ONBOARDING_ORDER = 70
# The scopes onboarding's pages ask for (``onboarding.views`` and ``views_parallel``): the imports
# are HR's; the cut-over (parallel runs, sign-off) is read by payroll and finance as well.
CUTOVER_READ_SCOPES = (Scope.PAYROLL_READ, Scope.FINANCE_READ)
CUTOVER_WRITE_SCOPES = (Scope.HR_WRITE, Scope.PAYROLL_SUBMIT)
RUNNING_IMPORT = (ImportJob.Status.QUEUED, ImportJob.Status.VALIDATING, ImportJob.Status.WRITING)
RUNNING_PARALLEL = (ParallelRun.Status.QUEUED, ParallelRun.Status.CALCULATING, ParallelRun.Status.COMPARING)


def navigation_sections(*, department: Any, access: Any) -> list[NavigationSection]:
    slug = department.slug
    if access.allows(Scope.HR_WRITE):
        return [NavigationSection("imports", "Imports", reverse("onboarding:jobs", args=[slug]),
                                  order=ONBOARDING_ORDER)]
    if any(access.allows(scope) for scope in CUTOVER_READ_SCOPES):
        return [NavigationSection("onboarding", "Onboarding", reverse("onboarding:overview", args=[slug]),
                                  order=ONBOARDING_ORDER)]
    return []


def attention_items(*, department: Any, access: Any) -> list[AttentionItem]:
    items: list[AttentionItem] = []
    if access.allows(Scope.HR_WRITE):
        items += _import_items(department.slug)
    if any(access.allows(scope) for scope in CUTOVER_WRITE_SCOPES):
        items += _parallel_run_items(department.slug)
    items += _sign_off_items(department.slug, access)
    return items


def _job_item(slug: str, jobs: list[ImportJob], label: str, hint: str) -> list[AttentionItem]:
    if not jobs:
        return []
    url = (reverse("onboarding:job", args=[slug, jobs[0].pk]) if len(jobs) == 1
           else reverse("onboarding:jobs", args=[slug]))
    return [AttentionItem(label=label, count=len(jobs), url=url, hint=hint)]


def _import_items(slug: str) -> list[AttentionItem]:
    running = list(ImportJob.objects.filter(status__in=RUNNING_IMPORT).order_by("created_at", "pk")[:20])
    # A dry run waits to be imported until an import of a file starts after it.
    last_import = ImportJob.objects.filter(dry_run=False).order_by("-created_at", "-pk").first()
    dry_runs = ImportJob.objects.filter(dry_run=True, status=ImportJob.Status.VALIDATED)
    if last_import is not None:
        dry_runs = dry_runs.filter(created_at__gt=last_import.created_at)
    return (_job_item(slug, running, "Imports in progress", "Follow their progress")
            + _job_item(slug, list(dry_runs.order_by("-created_at", "-pk")[:20]),
                        "Dry runs waiting to be imported", "Check the dry run's findings, then import the file"))


def _parallel_run_items(slug: str) -> list[AttentionItem]:
    items: list[AttentionItem] = []
    running = ParallelRun.objects.filter(status__in=RUNNING_PARALLEL).count()
    if running:
        items.append(AttentionItem(label="Parallel runs in progress", count=running,
                                   url=reverse("onboarding:parallel-runs", args=[slug]),
                                   hint="Calculating or comparing with the legacy payroll"))
    latest = ParallelRun.objects.filter(status=ParallelRun.Status.COMPARED).order_by("-created_at", "-pk").first()
    if latest is not None:
        to_explain = ParallelRunDifference.objects.filter(
            parallel_run=latest, resolution=ParallelRunDifference.Resolution.OPEN).count()
        if to_explain:
            items.append(AttentionItem(label="Parallel run differences to explain", count=to_explain,
                                       url=reverse("onboarding:parallel-run", args=[slug, latest.pk]),
                                       hint="In the latest parallel run"))
    return items


def _sign_off_items(slug: str, access: Any) -> list[AttentionItem]:
    """The cut-over signatures still missing that this person's roles could give, on the latest
    compared run with every difference explained, until some run has both signatures."""
    if not any(access.roles & roles for roles in SIGN_OFF_ROLES.values()):
        return []
    live = CutoverSignOff.objects.filter(withdrawn_at=None)
    signed: dict[int, set[str]] = {}
    for run_id, role in live.values_list("parallel_run_id", "role"):
        signed.setdefault(run_id, set()).add(role)
    if any(len(roles) == len(SIGN_OFF_ROLES) for roles in signed.values()):
        return []
    settled = (ParallelRun.objects.filter(status=ParallelRun.Status.COMPARED)
               .exclude(differences__resolution=ParallelRunDifference.Resolution.OPEN)
               .order_by("-created_at", "-pk").first())
    if settled is None:
        return []
    missing = [role for role, roles in SIGN_OFF_ROLES.items()
               if role not in signed.get(settled.pk, set()) and access.roles & roles]
    if not missing:
        return []
    return [AttentionItem(label="Cut-over sign-off waiting", count=len(missing),
                          url=reverse("onboarding:parallel-sign-off", args=[slug, settled.pk]),
                          hint="Every difference is explained. Still to sign: "
                               + " and ".join(CutoverSignOff.Role(role).label for role in missing))]
