"""Every write to finance records, one module per concern: accounts and periods, journals,
budgets and expense claims. Callers import from ``finance.services``.

Each service runs in its department's context and transaction and writes the audit log. Invalid
input raises ``ValidationError`` keyed by field (journal lines as ``lines[<index>].<field>``), and
nothing is written.

Pay runs use three calls here (payroll imports finance, never the other way round):

- ``journal_post(..., source=Journal.Source.PAYROLL, source_reference=<pay run id>)`` posts the
  pay run's costs and liabilities by cost centre; a retry with the same reference returns the
  journal already posted.
- ``expense_claims_queue_for_payroll`` takes the approved claims that
  ``finance.selectors.expense_claims_payable_through_payroll`` lists into a pay run, as
  non-taxable reimbursements; ``expense_claims_release_from_payroll`` gives them back if the run is
  abandoned.
- ``expense_claims_mark_paid`` marks them paid when the pay run is paid: it moves the amount from
  expenses payable to net pay control, which the pay run's own journal clears to the bank.
"""

from finance.services.accounts import (
    DEFAULT_ACCOUNTS,
    account_create,
    account_update,
    accounting_period_close,
    accounting_period_for,
    accounting_period_reopen,
    accounts_install_defaults,
    period_dates,
)
from finance.services.budgets import (
    budget_set,
    phase_evenly,
)
from finance.services.common import (
    MAX_LINE_AMOUNT,
    PENNY,
)
from finance.services.expenses import (
    EXPENSE_CLAIM_WINDOW,
    MAX_EXPENSE_AMOUNT,
    MAX_LINES_AT_ONCE,
    MAX_MILES_PER_LINE,
    MAX_RECEIPT_BYTES,
    RECEIPT_TYPES,
    ExpenseLineInput,
    claim_decidable_as_manager,
    claim_line_manager_user_id,
    claim_total,
    expense_claim_create,
    expense_claim_create_with_lines,
    expense_claim_finance_decide,
    expense_claim_manager_decide,
    expense_claim_submit,
    expense_claims_mark_paid,
    expense_claims_queue_for_payroll,
    expense_claims_release_from_payroll,
    expense_line_add,
    expense_line_remove,
)
from finance.services.journals import (
    MAX_JOURNAL_LINES,
    JournalLineInput,
    journal_by_source,
    journal_post,
    journal_reverse,
)

__all__ = [
    "DEFAULT_ACCOUNTS",
    "EXPENSE_CLAIM_WINDOW",
    "ExpenseLineInput",
    "JournalLineInput",
    "MAX_EXPENSE_AMOUNT",
    "MAX_JOURNAL_LINES",
    "MAX_LINES_AT_ONCE",
    "MAX_LINE_AMOUNT",
    "MAX_MILES_PER_LINE",
    "MAX_RECEIPT_BYTES",
    "PENNY",
    "RECEIPT_TYPES",
    "account_create",
    "account_update",
    "accounting_period_close",
    "accounting_period_for",
    "accounting_period_reopen",
    "accounts_install_defaults",
    "budget_set",
    "claim_decidable_as_manager",
    "claim_line_manager_user_id",
    "claim_total",
    "expense_claim_create",
    "expense_claim_create_with_lines",
    "expense_claim_finance_decide",
    "expense_claim_manager_decide",
    "expense_claim_submit",
    "expense_claims_mark_paid",
    "expense_claims_queue_for_payroll",
    "expense_claims_release_from_payroll",
    "expense_line_add",
    "expense_line_remove",
    "journal_by_source",
    "journal_post",
    "journal_reverse",
    "period_dates",
    "phase_evenly",
]
