"""Every write to payroll data, atomic and audited, one module per concern: opening balances and
the previous payroll's earnings history, pay schedules, pay inputs, pay runs (created, opened,
cancelled, reopened), their calculation, approval (with acknowledgements of flagged bank details
changes, and the review settled first: advisory exceptions acknowledged, blocking ones resolved or
given another payment route) and finalising. Callers import from ``payroll.services``.

A pay run moves draft → open (inputs locked) → calculating → calculated → approved → finalised,
or is cancelled before it is finalised.
"""

from payroll.services.approval import (
    pay_run_approve,
)
from payroll.services.bank_changes import (
    pay_run_bank_changes_acknowledge,
)
from payroll.services.calculation import (
    CHUNK_SIZE,
    PAID_FIGURES,
    PAYSLIP_COLUMNS,
    PROGRESS_FIELDS,
    SICKNESS_LOOKBACK,
    CalculationStart,
    calculate_employees,
    pay_run_calculate,
    pay_run_recalculate_failed,
    pay_run_resume,
    pay_runs_resume_stalled,
)
from payroll.services.earnings_history import *  # noqa: F403
from payroll.services.finalising import (
    pay_run_finalise,
)
from payroll.services.inputs import (
    MAX_PAY_INPUT_ROWS,
    PAY_INPUT_COLUMNS,
    PayInputImportError,
    PayInputRowError,
    pay_input_add,
    pay_inputs_import,
)
from payroll.services.opening_balances import (
    BALANCE_FIELDS,
    BALANCE_FIGURES,
    OpeningBalanceInput,
    OpeningBalanceOutcome,
    opening_balances_import,
    opening_balances_lock,
    opening_balances_statistics_refresh,
)
from payroll.services.review import (
    pay_run_exceptions_acknowledge,
    pay_run_payment_route_clear,
    pay_run_payment_route_set,
)
from payroll.services.rti import *  # noqa: F403
from payroll.services.runs import (
    pay_run_cancel,
    pay_run_create,
    pay_run_open,
    pay_run_reopen,
)
from payroll.services.schedules import (
    pay_schedule_create,
    pay_schedule_members_move,
)
from payroll.services.tax_codes import *  # noqa: F403
from payroll.services.year_end import *  # noqa: F403

__all__ = [
    "BALANCE_FIELDS",
    "BALANCE_FIGURES",
    "CHUNK_SIZE",
    "CalculationStart",
    "MAX_PAY_INPUT_ROWS",
    "OpeningBalanceInput",
    "OpeningBalanceOutcome",
    "PAID_FIGURES",
    "PAYSLIP_COLUMNS",
    "PAY_INPUT_COLUMNS",
    "PROGRESS_FIELDS",
    "PayInputImportError",
    "PayInputRowError",
    "SICKNESS_LOOKBACK",
    "calculate_employees",
    "opening_balances_import",
    "opening_balances_lock",
    "opening_balances_statistics_refresh",
    "pay_input_add",
    "pay_inputs_import",
    "pay_run_approve",
    "pay_run_bank_changes_acknowledge",
    "pay_run_calculate",
    "pay_run_cancel",
    "pay_run_create",
    "pay_run_exceptions_acknowledge",
    "pay_run_finalise",
    "pay_run_open",
    "pay_run_payment_route_clear",
    "pay_run_payment_route_set",
    "pay_run_recalculate_failed",
    "pay_run_reopen",
    "pay_run_resume",
    "pay_runs_resume_stalled",
    "pay_schedule_create",
    "pay_schedule_members_move",
]
