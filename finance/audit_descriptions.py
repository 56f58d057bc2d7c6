"""finance's audit actions and fields in plain English (read through ``departments.audit_text``)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

Said = Any  # ``departments.audit_text.Said``


def object_details(object_type: str, object_ids: list[str]) -> dict[str, dict[str, str]]:
    """Each expense claim's claimant and total, read in one query."""
    if object_type != "finance.expenseclaim":
        return {}
    from django.db.models import Sum

    from finance.models import ExpenseClaim

    ids = [int(object_id) for object_id in object_ids if object_id.isdigit()]
    claims = (ExpenseClaim.objects.filter(pk__in=ids).select_related("employee")
              .annotate(claimed=Sum("lines__amount")))
    return {str(claim.pk): {"claimant": claim.employee.display_name,
                            "total": f"£{(claim.claimed or Decimal('0')):,.2f}"}
            for claim in claims}


def _claim(template: str) -> Callable[[Said], str]:
    """``template`` names the claim as ``{claim}``: "approved {claim} for payment"."""
    def described(said: Said) -> str:
        claimant, total = said.details.get("claimant"), said.details.get("total")
        if not claimant:
            claim = f"the expense claim {said.object}"
        elif claimant == said.actor:
            claim = f"their expense claim of {total}"
        else:
            claim = f"{claimant}'s expense claim of {total}"
        return f"{said.actor} {template.format(claim=claim)}"
    return described


DESCRIPTIONS: dict[str, str | Callable[[Said], str]] = {
    "expense_claim.create": _claim("started {claim}"),
    "expense_claim.submit": _claim("submitted {claim}"),
    "expense_claim.manager_approve": _claim("approved {claim}"),
    "expense_claim.manager_reject": _claim("rejected {claim}"),
    "expense_claim.finance_approve": _claim("approved {claim} for payment"),
    "expense_claim.finance_reject": _claim("rejected {claim} at the finance check"),
    "expense_claim.queue_for_payroll": _claim("added {claim} to a pay run"),
    "expense_claim.release_from_payroll": _claim("took {claim} out of a pay run"),
    "expense_claim.mark_paid": _claim("marked {claim} as paid"),
    "expense_line.add": lambda said: (f"{said.actor} added {said.shown('amount')} for "
                                      f"{said.shown('category').lower()} to the expense claim {said.object}"),
    "expense_line.remove": "{actor} removed an item from the expense claim {object}",
    "account.create": "{actor} added the account {after_code} {after_name}",
    "account.update": "{actor} changed the account {object}",
    "accounts.install_defaults": "{actor} set up the standard chart of accounts",
    "period.open": "{actor} opened the accounting period {object}",
    "period.close": "{actor} closed the accounting period {object}",
    "period.reopen": "{actor} reopened the accounting period {object}",
    "budget.set": "{actor} set a budget: {object}",
    "journal.post": "{actor} posted the journal {object}",
}

FIELD_LABELS: dict[str, dict[str, str]] = {
    "finance.expenseclaim": {"as_deputy_for": "As deputy for", "incurred_on": "Date of the expense",
                             "amount": "Amount", "category": "Type of expense", "vat": "VAT",
                             "purpose": "Purpose"},
    "finance.budget": {"monthly_amounts": "Monthly amounts"},
    "finance.journal": {"posted_on": "Posted on", "period": "Accounting period", "lines": "Lines",
                        "total": "Total", "source_reference": "Source reference"},
    "*": {"accounts": "Accounts"},
}

# Items are audited on their claim; their fields are the item's.
FIELD_SOURCES: dict[str, dict[str, str]] = {
    "finance.expenseclaim": {"category": "finance.expenseline", "incurred_on": "finance.expenseline",
                             "mileage": "finance.expenseline", "vat": "finance.expenseline",
                             "description": "finance.expenseline"},
}

FIELD_KINDS: dict[str, dict[str, str]] = {
    "finance.expenseclaim": {"amount": "money", "vat": "money"},
    "finance.budget": {"monthly_amounts": "money"},
    "finance.journal": {"total": "money"},
}
