"""Expense claims in the approvals inbox (``departments.approvals``).

A submitted claim waits for the claimant's line manager today and, while a dated delegation runs,
for that manager's deputy; nobody is shown their own. Finance has no per-category limits or
receipt rules to check a claim against, so only a claim of ``BULK_LIMIT`` or less in total may be
approved in bulk: a larger one is opened and decided on its own, receipts in view.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from departments.approvals import ApprovalItem
from departments.models import Department
from finance import selectors, services
from finance.models import ExpenseClaim, ExpenseLine
from hr.selectors_delegation import managers_deputised_by
from shared_services.accounts.models import User
from shared_services.core.problems import NotFound

BULK_LIMIT = Decimal("250.00")
LINES_SHOWN = 5


def _pounds(amount: Decimal) -> str:
    return f"£{amount:,.2f}"


def _line(line: ExpenseLine) -> str:
    if line.category == ExpenseLine.Category.MILEAGE:
        what, receipt = f"{line.miles} miles by {line.get_vehicle_display().lower()}", ""
    else:
        what, receipt = line.get_category_display(), ", receipt attached" if line.receipt else ", no receipt"
    return f"{line.incurred_on:%-d %b %Y}, {what}: {line.description}, {_pounds(line.amount)}{receipt}"


def _queues(*, user: User, day: datetime.date) -> list[tuple[QuerySet[ExpenseClaim], str]]:
    """The claims ``user`` decides, as one query per manager: their own reports' (deputising for
    nobody), then those of each manager they deputise for on ``day``."""
    queues = [(selectors.expense_claims_awaiting_manager(manager_user_id=user.pk), "")]
    for manager in managers_deputised_by(user=user, day=day):
        if manager.user_id is not None and manager.user_id != user.pk:
            queues.append((selectors.expense_claims_awaiting_manager(manager_user_id=manager.user_id)
                           .exclude(employee__user_id=user.pk), manager.display_name))
    return queues


class ExpenseApprovalSource:
    kind = "expense"
    label = "Expense claims"

    def _item(self, claim: ExpenseClaim, *, department: Department, deputy_for: str) -> ApprovalItem:
        lines = list(claim.lines.all())
        total = sum((line.amount for line in lines), Decimal("0"))
        summary = [f"{_pounds(total)} in {len(lines)} item{'' if len(lines) == 1 else 's'}"]
        summary += [_line(line) for line in lines[:LINES_SHOWN]]
        if len(lines) > LINES_SHOWN:
            summary.append(f"and {len(lines) - LINES_SHOWN} more on the claim")
        bulk_allowed = total <= BULK_LIMIT
        return ApprovalItem(
            kind=self.kind, kind_label="Expense claim", id=claim.pk, title=f"{claim.reference}: {claim.purpose}",
            who=claim.employee.display_name, submitted_at=claim.submitted_at, summary=tuple(summary),
            # The claim's page admits the line manager, not yet a deputy; a deputy sees the lines here.
            url="" if deputy_for else reverse("finance:claim", kwargs={"department_slug": department.slug,
                                                                        "claim_id": claim.pk}),
            bulk_allowed=bulk_allowed,
            bulk_refused_reason="" if bulk_allowed else (
                f"Over {_pounds(BULK_LIMIT)} in total, so it is decided on its own after checking its receipts."),
            acting_as_deputy_for=deputy_for)

    def waiting(self, *, department: Department, user: User, day: datetime.date) -> list[ApprovalItem]:
        items: dict[int, ApprovalItem] = {}
        for claims, deputy_for in _queues(user=user, day=day):
            for claim in claims.prefetch_related("lines"):
                items.setdefault(claim.pk, self._item(claim, department=department, deputy_for=deputy_for))
        return sorted(items.values(), key=lambda item: (item.submitted_at or timezone.now(), item.id))

    def count(self, *, department: Department, user: User, day: datetime.date) -> int:
        return len({pk for claims, _ in _queues(user=user, day=day) for pk in claims.values_list("pk", flat=True)})

    def decide(self, *, department: Department, item_id: int, approve: bool, note: str, acting_user: User) -> None:
        for claims, _ in _queues(user=acting_user, day=timezone.localdate()):
            claim = claims.filter(pk=item_id).first()
            if claim is not None:
                break
        else:
            raise NotFound("No expense claim with that id is waiting for your decision.")
        services.expense_claim_manager_decide(claim=claim, approve=approve, acting_user=acting_user, reason=note)
