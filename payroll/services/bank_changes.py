"""An approver's acknowledgement of the flagged bank details changes a pay run pays into."""

from __future__ import annotations

from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from payroll.models import BankChangeAcknowledgement, PayRun
from payroll.selectors_bank_changes import ACKNOWLEDGEABLE_STATUSES, RunBankChange, pay_run_bank_changes
from payroll.services.approval import _may_approve, people_behind_change
from payroll.services.common import _locked_run, _refuse, people_behind
from shared_services.accounts.models import User

__all__ = ["NOTE_MAX_LENGTH", "pay_run_bank_changes_acknowledge"]

NOTE_MAX_LENGTH = 500


def _describe(item: RunBankChange) -> str:
    return f"{item.employee.display_name} ({item.employee.payroll_number}, change {item.id})"


@transaction.atomic
def pay_run_bank_changes_acknowledge(*, run: PayRun, change_ids: Collection[int], note: str,
                                     acting_user: User) -> list[BankChangeAcknowledgement]:
    """Record that ``acting_user`` looked at each of the flagged changes ``change_ids`` before the run
    is approved, with the flags they saw and their note.

    Invariants: only someone who may approve the run acknowledges, never the person who made or
    checked the change; only flagged changes in this run's report, and only before approval; one
    acknowledgement per change and run. A change acknowledged already is acknowledged again only
    when it has gained a flag since (the row is brought up to date, and the audit log keeps both).
    Nothing is written unless every id is acceptable. Returns the acknowledgements written.
    """
    department = run.department
    with department_context(department.id):
        run = _locked_run(run)
        if run.kind == PayRun.Kind.SHADOW or run.status not in ACKNOWLEDGEABLE_STATUSES:
            _refuse("status", f"This run is {run.get_status_display().lower()}: bank details changes are "
                              "acknowledged while the run waits for approval.")
        if not _may_approve(acting_user, department):
            _refuse("__all__", "Only a payroll approver can acknowledge bank details changes.", code="four_eyes")
        note = note.strip()
        errors: dict[str, str] = {}
        if not note:
            errors["note"] = "Enter what you checked, for example that you confirmed the change with the employee"
        elif len(note) > NOTE_MAX_LENGTH:
            errors["note"] = f"The note must be {NOTE_MAX_LENGTH} characters or fewer"
        report = pay_run_bank_changes(run=run)
        chosen: list[RunBankChange] = []
        unknown: list[str] = []
        for change_id in dict.fromkeys(change_ids):
            item = report.get(change_id)
            if item is None or not item.flags:
                unknown.append(str(change_id))
            else:
                chosen.append(item)
        # Four eyes: nobody behind the change (who made or checked it, or whose pay it is), nor an API
        # client whose token one of them created, vouches for it.
        acting = people_behind(acting_user.pk)
        own = [item for item in chosen if acting & people_behind_change(item.change)]
        if unknown:
            errors["changes"] = (f"This run has no flagged bank details change with id {', '.join(unknown)}; "
                                 "choose from the flagged changes the run lists")
        elif own:
            errors["changes"] = (f"You made or checked the change for {', '.join(_describe(item) for item in own)}, "
                                 "or it is your own pay, so another approver must acknowledge it")
        elif not chosen:
            errors["changes"] = "Select the flagged changes you have checked"
        elif all(item.acknowledged for item in chosen):
            errors["changes"] = "These changes are already acknowledged for this run"
        if errors:
            raise ValidationError(errors)
        written = []
        for item in chosen:
            if item.acknowledged:
                continue  # another approver got there first, with the same flags in view
            acknowledgement, before = item.acknowledgement, {}
            if acknowledgement is None:
                acknowledgement = BankChangeAcknowledgement(run=run, bank_change=item.change)
            else:
                before = {"flags": acknowledgement.flags, "acknowledged_by": acknowledgement.acknowledged_by_id}  # type: ignore[attr-defined]
            acknowledgement.flags, acknowledgement.note = item.flag_codes, note
            acknowledgement.acknowledged_by, acknowledgement.acknowledged_at = acting_user, timezone.now()
            acknowledgement.save()
            audit_record(department=department, action="pay_run.bank_change_acknowledge", acting_user=acting_user,
                         target=run, reason=note,
                         changes=audit_changes(before,
                                               {"bank_change": item.id, "flags": item.flag_codes,
                                                "acknowledged_by": acting_user.pk}))
            written.append(acknowledgement)
        return written
