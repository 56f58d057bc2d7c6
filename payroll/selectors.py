"""Reads of payroll data that other apps reuse."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Sum

from departments.models import Department
from departments.tenancy import department_context
from payroll.models import OpeningBalance
from payroll.services import BALANCE_FIGURES


def opening_balances_locked(*, department: Department, tax_year: str,
                            employee_ids: Iterable[int]) -> dict[int, dict[str, Decimal]]:
    """The figures of the locked opening balances among ``employee_ids``, by employee id."""
    with department_context(department.id):
        return {
            balance.employee_id: {name: getattr(balance, name) for name in BALANCE_FIGURES}
            for balance in OpeningBalance.objects.filter(tax_year=tax_year, locked=True,
                                                         employee_id__in=list(employee_ids))
        }


def opening_balance_totals(*, department: Department, tax_year: str,
                           employee_ids: Iterable[int]) -> dict[str, Decimal]:
    """Sums of each year-to-date figure over the given employees' opening balances."""
    with department_context(department.id):
        sums = OpeningBalance.objects.filter(tax_year=tax_year, employee_id__in=list(employee_ids)).aggregate(
            **{name: Sum(name) for name in BALANCE_FIGURES})
    return {name: sums[name] or Decimal("0.00") for name in BALANCE_FIGURES}
