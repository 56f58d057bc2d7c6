"""Approved expense claims paid through a pay run: queued when it opens, released if it is
cancelled or reopened before it is finalised."""

from __future__ import annotations

from finance import selectors as finance_selectors
from finance import services as finance_services
from hr.models import Employee
from payroll.models import (
    PayInput,
    PayRun,
)
from payroll.selectors import employees_paid_in
from shared_services.accounts.models import User


def _queue_expense_claims(run: PayRun, acting_user: User | None) -> int:
    """Approved expense claims become non-taxable reimbursements on this run (one input each)."""
    claims = list(finance_selectors.expense_claims_payable_through_payroll(approved_on_or_before=run.period_end)
                  .filter(employee__in=Employee.objects.filter(
                      employees_paid_in(run.schedule, run.period_start, run.period_end))))
    if not claims:
        return 0
    finance_services.expense_claims_queue_for_payroll(department=run.department, claims=claims,
                                                      pay_run_reference=run.reference, acting_user=acting_user)
    PayInput.objects.bulk_create(
        PayInput(employee_id=claim.employee_id, schedule=run.schedule, period_start=run.period_start,
                 code="EXPENSES", description=f"Expenses: {claim.purpose}"[:100], kind=PayInput.Kind.REIMBURSEMENT,
                 amount=claim.total,  # type: ignore[attr-defined]  # annotated by the selector
                 source_reference=f"expense-claim-{claim.pk}", created_by=acting_user)
        for claim in claims)
    return len(claims)


def _release_expense_claims(run: PayRun, acting_user: User | None) -> None:
    claims = list(finance_selectors.expense_claims_in_pay_run(pay_run_reference=run.reference))
    if claims:
        finance_services.expense_claims_release_from_payroll(department=run.department, claims=claims,
                                                             acting_user=acting_user)
        PayInput.objects.filter(schedule=run.schedule, period_start=run.period_start,
                                source_reference__in=[f"expense-claim-{claim.pk}" for claim in claims]).delete()
