"""Budgets: a cost centre's twelve monthly amounts for a financial year."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from departments.models import Department
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from finance.models import Budget
from finance.services.common import PENNY, _amount
from hr.models import CostCentre
from shared_services.accounts.models import User


def phase_evenly(annual: Decimal) -> list[Decimal]:
    """Twelve monthly amounts adding up to ``annual`` exactly; the pennies left over go to March."""
    monthly = (annual / 12).quantize(PENNY, rounding="ROUND_DOWN")
    return [monthly] * 11 + [annual - monthly * 11]


@transaction.atomic
def budget_set(*, department: Department, cost_centre: CostCentre, financial_year: int, acting_user: User | None,
               monthly_amounts: Sequence[Decimal] | None = None, annual_amount: Decimal | None = None) -> Budget:
    """Create or replace a cost centre's budget for a financial year: twelve monthly amounts
    (April first), or an annual amount phased evenly."""
    with department_context(department.id):
        errors: dict[str, str] = {}
        if cost_centre.department_id != department.id:  # type: ignore[attr-defined]
            raise ValidationError({"cost_centre": f"Cost centre {cost_centre.code} does not belong to "
                                                  f"{department.name}."})
        if not 2000 <= financial_year <= 2100:
            errors["financial_year"] = "Enter a financial year like 2026 (for 2026-27)."
        if (monthly_amounts is None) == (annual_amount is None):
            errors["monthly_amounts"] = "Give either twelve monthly amounts or an annual amount."
        amounts: list[Decimal] = []
        if annual_amount is not None and not errors:
            annual = _amount(annual_amount, errors, "annual_amount", "Annual budget")
            amounts = phase_evenly(annual)
        elif monthly_amounts is not None and not errors:
            if len(monthly_amounts) != 12:
                errors["monthly_amounts"] = f"Give twelve monthly amounts, April to March, not {len(monthly_amounts)}."
            else:
                amounts = [_amount(value, errors, "monthly_amounts", f"Month {number}")
                           for number, value in enumerate(monthly_amounts, start=1)]
        if errors:
            raise ValidationError(errors)
        budget = Budget.objects.select_for_update().filter(cost_centre=cost_centre,
                                                           financial_year=financial_year).first()
        before = {"monthly_amounts": [str(a) for a in budget.monthly_amounts]} if budget else {}
        if budget is None:
            budget = Budget(cost_centre=cost_centre, financial_year=financial_year, monthly_amounts=amounts)
        budget.monthly_amounts = amounts
        budget.save()
        audit_record(department=department, action="budget.set", acting_user=acting_user, target=budget,
                     changes=audit_changes(before, {"monthly_amounts": [str(a) for a in amounts]}))
        return budget
