"""Every write to payroll data, atomic and audited. Opening balances for now."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from departments.models import Department
from departments.services import audit_changes, audit_record, audit_record_many
from departments.tenancy import department_context
from payroll.engine.rates import available_tax_years
from payroll.models import OpeningBalance
from shared_services.accounts.models import User

BALANCE_FIGURES = ("taxable_pay", "tax_paid", "ni_employee", "ni_employer", "student_loan", "postgraduate_loan",
                   "pension_employee")
BALANCE_FIELDS = (*BALANCE_FIGURES, "ni_category", "previous_payroll_id")


@dataclass(frozen=True)
class OpeningBalanceInput:
    employee_id: int
    previous_payroll_id: str
    ni_category: str
    figures: dict[str, Decimal]


@dataclass
class OpeningBalanceOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    locked: list[int] | None = None  # employee ids whose locked balances were left alone


@transaction.atomic
def opening_balances_import(*, department: Department, tax_year: str, rows: Sequence[OpeningBalanceInput],
                            acting_user: User | None, reason: str = "") -> OpeningBalanceOutcome:
    """Create or correct opening year-to-date balances for a batch of employees, in bulk.

    Invariants: one balance per employee and tax year; a locked balance (its first pay run is
    finalised) is never changed, and its employee is reported back in ``locked``; each created
    or changed balance gets one audit entry, written in bulk in the same transaction.
    """
    if tax_year not in available_tax_years():
        raise ValidationError({"tax_year": f"{tax_year} is not a tax year the platform has rates for."})
    outcome = OpeningBalanceOutcome(locked=[])
    with department_context(department.id):
        existing = {balance.employee_id: balance for balance in OpeningBalance.objects.filter(
            tax_year=tax_year, employee_id__in=[row.employee_id for row in rows])}
        to_create: list[OpeningBalance] = []
        to_update: list[OpeningBalance] = []
        audits: list[tuple[OpeningBalance | None, int, dict[str, dict[str, object]], str]] = []
        for row in rows:
            values = {**row.figures, "ni_category": row.ni_category, "previous_payroll_id": row.previous_payroll_id}
            balance = existing.get(row.employee_id)
            if balance is None:
                balance = OpeningBalance(department=department, employee_id=row.employee_id, tax_year=tax_year,
                                         **values)
                to_create.append(balance)
                audits.append((balance, row.employee_id, audit_changes({}, values), "opening_balance.create"))
                continue
            before = {name: getattr(balance, name) for name in BALANCE_FIELDS}
            changes = audit_changes(before, {**before, **values})
            if not changes:
                outcome.unchanged += 1
            elif balance.locked:
                outcome.locked.append(row.employee_id)  # type: ignore[union-attr]
            else:
                for name, value in values.items():
                    setattr(balance, name, value)
                to_update.append(balance)
                audits.append((balance, row.employee_id, changes, "opening_balance.correct"))
        OpeningBalance.objects.bulk_create(to_create, batch_size=2000)
        OpeningBalance.objects.bulk_update(to_update, [*BALANCE_FIELDS, "updated_at"], batch_size=2000)
        outcome.created, outcome.updated = len(to_create), len(to_update)
        _audit_in_bulk(department, acting_user, tax_year, audits, reason)
    return outcome


def _audit_in_bulk(department: Department, acting_user: User | None, tax_year: str,
                   audits: list[tuple[OpeningBalance | None, int, dict[str, dict[str, object]], str]],
                   reason: str) -> None:
    audit_record_many(department=department, acting_user=acting_user, entries=(
        (action, balance, changes, reason) for balance, _, changes, action in audits))


@transaction.atomic
def opening_balances_lock(*, department: Department, tax_year: str, acting_user: User | None,
                          reason: str = "First pay run finalised") -> int:
    """Lock every opening balance of the tax year (called when the first pay run is finalised).

    Idempotent: balances already locked stay as they were. Returns how many were locked now.
    """
    with department_context(department.id):
        now = timezone.now()
        locked = OpeningBalance.objects.filter(tax_year=tax_year, locked=False).update(
            locked=True, locked_at=now, locked_by=acting_user if acting_user is not None and acting_user.pk else None)
        if locked:
            audit_record(department=department, action="opening_balances.lock", acting_user=acting_user,
                         changes={"locked": {"before": 0, "after": locked}}, reason=f"{tax_year}: {reason}")
        return locked
