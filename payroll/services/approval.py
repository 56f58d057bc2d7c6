"""Approval, with four eyes: two people, not two credentials of one person."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from departments.models import ApiToken, Department, DepartmentMembership
from departments.roles import Role, Scope
from departments.selectors import bank_details_changed_by
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from hr.models import BankDetailsChange
from payroll.models import (
    PayRun,
)
from payroll.selectors_bank_changes import pay_run_bank_changes
from payroll.selectors_review import KindCount, pay_run_review
from payroll.services.common import _locked_run, _refuse, _transition, people_behind
from shared_services.accounts.models import User


def people_behind_change(change: BankDetailsChange) -> set[int]:
    """Who made, checked or is paid by a bank details change (user ids)."""
    return {user_id for user_id in (change.requested_by_id, change.checked_by_id,  # type: ignore[attr-defined]
                                    change.employee.user_id) if user_id is not None}


def _may_approve(user: User, department: Department) -> bool:
    """A person approves through the payroll approver role; an API client through a live token
    of this department carrying the payroll:approve scope."""
    if user.kind == User.Kind.API_CLIENT:
        return ApiToken.objects.filter(user=user, department=department, revoked_at__isnull=True,
                                       scopes__contains=[Scope.PAYROLL_APPROVE]).exists()
    return DepartmentMembership.objects.current().filter(user=user, department=department,
                                                         role=Role.PAYROLL_APPROVER).exists()


def _unsettled(blocking: list[KindCount], advisory: list[KindCount]) -> str:
    def named(kinds: list[KindCount]) -> str:
        return "; ".join(f"{item.kind.title}: {item.open}" for item in kinds)

    parts = []
    if blocking:
        count = sum(item.open for item in blocking)
        parts.append(f"{count} blocking exception{'' if count == 1 else 's'} to resolve, by recalculating or by "
                     f"holding or paying by hand ({named(blocking)})")
    if advisory:
        count = sum(item.open for item in advisory)
        parts.append(f"{count} advisory exception{'' if count == 1 else 's'} to acknowledge ({named(advisory)})")
    return f"Settle the run's review before approving it: {' and '.join(parts)}."


@transaction.atomic
def pay_run_approve(*, run: PayRun, acting_user: User) -> PayRun:
    """Four eyes: a payroll approver who neither opened nor calculated the run (nor created the
    API token that did), and who has not changed any employee's bank details since the period
    began. Refusals for who is acting carry the code ``four_eyes`` (``bank_details_changed``).

    A run that pays into a flagged bank details change (``payroll.selectors_bank_changes``) waits
    until an approver has acknowledged each such change for this run, with every flag it has now:
    the refusal (code ``bank_changes_unacknowledged``) names them.

    The run's review must be settled (``payroll.services.review``): every blocking exception
    resolved (recalculated away, or the employee's pay held or paid by hand) and every advisory one
    acknowledged. The refusal (code ``review_unsettled``) names the kinds still open and how many."""
    department = run.department
    with department_context(department.id):
        run = _locked_run(run)
        _transition(run, "approve")
        if people_behind(acting_user.pk) & (people_behind(run.opened_by_id) | people_behind(run.calculated_by_id)):
            _refuse("__all__", "You opened or calculated this run, so someone else must approve it.",
                    code="four_eyes")
        if not _may_approve(acting_user, department):
            _refuse("__all__", "Only a payroll approver can approve a pay run.", code="four_eyes")
        # Separation of duties: whoever redirected someone's pay must not be the one who releases it.
        period_began = timezone.make_aware(datetime.datetime.combine(run.period_start, datetime.time.min))
        if bank_details_changed_by(department=department, user=acting_user, since=period_began):
            _refuse("__all__", "You changed an employee's bank details during this pay period, so someone else "
                               "must approve the run.", code="bank_details_changed")
        report = pay_run_bank_changes(run=run)
        behind = [item for item in report.changes if people_behind(acting_user.pk) & people_behind_change(item.change)]
        if behind:
            _refuse("__all__", f"You made, checked or are paid by the bank details change for "
                               f"{behind[0].employee.display_name}, which this run pays into, so someone else must "
                               "approve the run.", code="bank_details_changed")
        waiting = report.waiting
        if waiting:
            named = "; ".join(f"{item.employee.display_name} ({item.employee.payroll_number}), change {item.id}: "
                              f"{', '.join(flag.label.lower() for flag in item.flags)}" for item in waiting[:10])
            more = f"; and {len(waiting) - 10} more" if len(waiting) > 10 else ""
            _refuse("bank_changes", f"Acknowledge the flagged bank details change{'' if len(waiting) == 1 else 's'} "
                                    f"this run pays into before approving it: {named}{more}.",
                    code="bank_changes_unacknowledged")
        if run.employees_failed:
            _refuse("status", f"{run.employees_failed} employee(s) failed to calculate. Fix them and recalculate "
                              "first.")
        review = pay_run_review(run=run)
        if not review.settled:
            _refuse("review", _unsettled(review.open_blocking, review.open_advisory), code="review_unsettled")
        run.status, run.approved_by, run.approved_at = PayRun.Status.APPROVED, acting_user, timezone.now()
        run.save(update_fields=["status", "approved_by", "approved_at"])
        audit_record(department=department, action="pay_run.approve", acting_user=acting_user, target=run,
                     changes=audit_changes({"status": PayRun.Status.CALCULATED}, {"status": run.status}))
        return run
