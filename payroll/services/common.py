"""Shared by the payroll services: a refusal naming its field, a run's state check and its lock."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from departments.models import ApiToken
from payroll.models import PayRun
from payroll.steps import NOT_FOR_SHADOW_RUNS, STEPS


def _refuse(field: str, message: str, code: str | None = None) -> None:
    raise ValidationError({field: ValidationError(message, code=code)})


def _transition(run: PayRun, step: str) -> None:
    """Refuse ``step`` (a name in ``payroll.steps.STEPS``) unless the run's status allows it."""
    allowed = STEPS[step]
    if run.kind == PayRun.Kind.SHADOW and step in NOT_FOR_SHADOW_RUNS:
        _refuse("kind", f"A shadow run is calculated only to compare with the legacy payroll, so it cannot be "
                        f"{allowed.doing}.")
    if run.status not in allowed.allowed_from:
        _refuse("status", f"This run is {run.get_status_display().lower()}, so it cannot be {allowed.doing}.")


def _locked_run(run: PayRun) -> PayRun:
    # NO KEY UPDATE: serialises the run's steps and progress without conflicting with the key-share
    # locks that inserting its payslips takes, which would deadlock two chunks writing at once.
    return PayRun.objects.select_for_update(no_key=True).select_related("schedule").get(pk=run.pk)


def people_behind(user_id: int | None) -> set[int]:
    """The user, and for an API client the person who created its token: four eyes means two
    people, not two credentials of one person."""
    if user_id is None:
        return set()
    creator = ApiToken.objects.filter(user_id=user_id).values_list("created_by_id", flat=True).first()
    return {user_id} | ({creator} if creator is not None else set())
