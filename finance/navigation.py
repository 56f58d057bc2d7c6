"""The service navigation sections and the things needing attention that finance contributes."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from departments.roles import Scope
from finance import selectors
from hr.selectors import employee_of_user
from shared_services.core.hooks import AttentionItem, NavigationSection

FINANCE_ORDER = 60


def navigation_sections(*, department: Any, access: Any) -> list[NavigationSection]:
    """Finance's whole area for those who read the ledger; for everyone else with an employee
    record, their own expense claims, named as such so nobody looks there for the ledger."""
    slug = department.slug
    if access.allows(Scope.FINANCE_READ):
        return [NavigationSection("finance", "Finance", reverse("finance:home", args=[slug]), order=FINANCE_ORDER)]
    if (access.user is not None and access.allows(Scope.SELF_SERVICE)
            and employee_of_user(user_id=access.user.pk) is not None):
        return [NavigationSection("expenses", "Expenses", reverse("finance:my-claims", args=[slug]),
                                  order=FINANCE_ORDER)]
    return []


def attention_items(*, department: Any, access: Any) -> list[AttentionItem]:
    """Finance's part of an expense claim: approving what line managers approved, then paying it.
    A line manager's own decisions are in the approvals inbox, which ``departments`` counts."""
    if not access.allows(Scope.EXPENSES_APPROVE):
        return []
    url = reverse("finance:approvals", args=[department.slug])
    to_approve = selectors.expense_claims_awaiting_finance()
    to_pay = selectors.expense_claims_payable_through_payroll()
    if access.user is not None:  # nobody approves their own claim, so it does not wait for them
        to_approve = to_approve.exclude(employee__user_id=access.user.pk)
        to_pay = to_pay.exclude(employee__user_id=access.user.pk)
    items: list[AttentionItem] = []
    if count := to_approve.count():
        items.append(AttentionItem(label="Expense claims to approve for payment", count=count, url=url,
                                   hint="Approved by line managers"))
    if count := to_pay.count():
        items.append(AttentionItem(label="Approved expense claims to pay", count=count, url=url,
                                   hint="To be paid with the next pay run"))
    return items
