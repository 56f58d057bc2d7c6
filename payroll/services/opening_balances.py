"""Year-to-date opening balances brought over from a department's previous payroll."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from departments.bulk import bulk_insert, refresh_statistics
from departments.models import Department
from departments.services import AuditEntry, audit_changes, audit_record, audit_record_many
from departments.tenancy import department_context
from payroll.engine.rates import available_tax_years
from payroll.models import BALANCE_FIGURES, OpeningBalance
from shared_services.accounts.models import User

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
    finalised) is never changed, and its employee is reported back in ``locked``. The audit log
    gets one entry for the balances a batch creates (naming every employee) and one per corrected
    balance, in the same transaction.
    """
    # Imported here so that the changes for import speed stay inside this function.
    from django.db.models import F

    from departments.bulk import AnyOf

    if tax_year not in available_tax_years():
        raise ValidationError({"tax_year": f"{tax_year} is not a tax year the platform has rates for."})
    outcome = OpeningBalanceOutcome(locked=[])
    with department_context(department.id):
        # Stored figures as plain tuples (the ids go as one array parameter): most balances of a
        # re-import are as stored, and only a corrected one needs its model instance.
        stored = {values[0]: values for values in OpeningBalance.objects.filter(
            AnyOf(F("employee_id"), [row.employee_id for row in rows]), tax_year=tax_year,
        ).values_list("employee_id", "pk", "locked", *BALANCE_FIELDS)}
        creates: list[OpeningBalanceInput] = []
        corrections: list[tuple[int, dict[str, object], dict[str, dict[str, object]]]] = []
        to_update: list[OpeningBalance] = []
        entries: list[AuditEntry] = []
        for row in rows:
            found = stored.get(row.employee_id)
            if found is None:
                creates.append(row)
                continue
            values = {**row.figures, "ni_category": row.ni_category, "previous_payroll_id": row.previous_payroll_id}
            before = dict(zip(BALANCE_FIELDS, found[3:], strict=True))
            same = all(before.get(name) == value for name, value in values.items())
            changes = {} if same else audit_changes(before, {**before, **values})
            if not changes:
                outcome.unchanged += 1
            elif found[2]:
                outcome.locked.append(row.employee_id)  # type: ignore[union-attr]
            else:
                corrections.append((found[1], values, changes))
        instances = OpeningBalance.objects.in_bulk([pk for pk, _, _ in corrections]) if corrections else {}
        for pk, values, changes in corrections:
            balance = instances[pk]
            for name, value in values.items():
                setattr(balance, name, value)
            to_update.append(balance)
            entries.append(AuditEntry(action="opening_balance.correct", object_type="payroll.openingbalance",
                                      object_id=str(balance.pk), object_repr=str(balance), changes=changes,
                                      reason=reason))
        now = timezone.now()
        created = bulk_insert(OpeningBalance, ("employee", "tax_year", *BALANCE_FIELDS, "locked", "updated_at"), [
            (row.employee_id, tax_year, *(row.figures[name] for name in BALANCE_FIGURES), row.ni_category,
             row.previous_payroll_id, False, now) for row in creates], returning=("id",))
        if created:
            totals = {name: str(sum(row.figures[name] for row in creates)) for name in ("taxable_pay", "tax_paid")}
            entries.append(AuditEntry(
                action="opening_balances.create", object_type="payroll.openingbalance", object_id="",
                object_repr=f"{len(created)} opening balances for {tax_year}",
                changes={"employees": {"before": None, "after": [row.employee_id for row in creates]},
                         **{name: {"before": None, "after": total} for name, total in totals.items()}},
                reason=reason))
        OpeningBalance.objects.bulk_update(to_update, [*BALANCE_FIELDS, "updated_at"], batch_size=2000)
        outcome.created, outcome.updated = len(created), len(to_update)
        audit_record_many(department=department, acting_user=acting_user, entries=entries)
    return outcome


def opening_balances_statistics_refresh(*, only_if_stale: bool = False) -> None:
    """Let the planner see what bulk imports added (the application role cannot ANALYZE itself)."""
    refresh_statistics(OpeningBalance, only_if_stale=only_if_stale)


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
