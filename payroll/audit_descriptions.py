"""payroll's audit actions and fields in plain English (read through ``departments.audit_text``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Said = Any  # ``departments.audit_text.Said``

# A pay run is named "Regular run December 2026 (Open: inputs locked)" when audited.
_RUN_NAME = re.compile(r"^(?P<kind>.+?) run (?P<period>[A-Z][a-z]+ \d{4})")


def run_name(said: Said) -> str:
    """ "the December 2026 pay run", "the December 2026 supplementary pay run"."""
    match = _RUN_NAME.match(said.object_repr)
    if match is None:
        return f"the pay run {said.object}".rstrip()
    kind = match["kind"].split(" (")[0].lower()
    kind_words = "" if kind == "regular" else f"{kind} "
    return f"the {match['period']} {kind_words}pay run"


def _run(verb: str) -> Callable[[Said], str]:
    return lambda said: f"{said.actor} {verb} {run_name(said)}"


DESCRIPTIONS: dict[str, str | Callable[[Said], str]] = {
    "pay_run.create": _run("created"),
    "pay_run.open": _run("opened"),
    "pay_run.calculate": _run("started calculating"),
    "pay_run.calculated": lambda said: f"{said.actor} finished calculating {run_name(said)}",
    "pay_run.resume": _run("resumed calculating"),
    "pay_run.recalculate_failed": _run("recalculated the failed payslips of"),
    "pay_run.approve": _run("approved"),
    "pay_run.finalise": _run("finalised and published the payslips of"),
    "pay_run.reopen": _run("reopened"),
    "pay_run.cancel": _run("cancelled"),
    "pay_run.bank_change_acknowledge": lambda said: (f"{said.actor} acknowledged a bank details change in "
                                                     f"{run_name(said)}"),
    "pay_run.payslips_ready_notified": lambda said: (f"{said.actor} told employees their payslips from "
                                                     f"{run_name(said)} are ready"),
    "pay_run.exceptions_acknowledge": lambda said: (f"{said.actor} acknowledged {said.shown('acknowledged')} "
                                                    f"advisory exceptions in {run_name(said)}"),
    "pay_run.payment_route_set": lambda said: (f"{said.actor} set how {said.shown('employee')} is paid in "
                                               f"{run_name(said)}: {said.shown('route')}"),
    "pay_run.payment_route_clear": lambda said: (f"{said.actor} took away the other payment route of "
                                                 f"{said.shown('employee', 'before')} in {run_name(said)}"),
    "pay_schedule.update": "{actor} changed the pay schedule {object}",
    "pay_input.add": "{actor} added a pay input for {after_employee}: {object}",
    "pay_input.import": "{actor} imported {after_inputs} pay inputs for {object}",
    "pay_schedule.create": "{actor} created the pay schedule {object}",
    "pay_schedule.members_move": "{actor} moved {after_moved} employees to the pay schedule {object}",
    "tax_code_notices.receive": "{actor} received {after_notices} tax code notices from HMRC",
    "earnings_history.load": "{actor} loaded {after_rows} rows of earnings history",
    "opening_balances.create": "{actor} loaded opening year-to-date balances",
    "opening_balance.correct": "{actor} corrected an opening balance: {object}",
    "opening_balances.lock": "{actor} locked {after_locked} opening balances",
    "rti_submission.fps_build": "{actor} built the Full Payment Submission {object}",
    "rti_submission.eps_build": "{actor} built the Employer Payment Summary {object}",
    "rti_submission.*": "{actor} recorded that the HMRC submission {object} is now {after_status}",
    "payroll.rti.final_for_year": "{actor} marked {object} as the final submission of the tax year",
    "payroll.p60_batch.start": "{actor} started producing the P60s for {after_tax_year}",
    "payroll.p60_batch.done": "{actor} finished producing the P60s: {object}",
    "payroll.p60s_ready_notified": "{actor} told employees their P60s are ready",
    "payroll.year_end_rollover": "{actor} moved the department into the new tax year",
}

FIELD_LABELS: dict[str, dict[str, str]] = {
    "payroll.payrun": {"status": "Status", "approved_by": "Approved by", "period_start": "Pay period starts",
                       "employees_total": "Employees", "calculation": "Calculation",
                       "employees_left": "Employees still to calculate", "bank_change": "Bank details change",
                       "flags": "Checks raised", "acknowledged": "Exceptions acknowledged",
                       "kinds": "Kinds of exception", "route": "Payment route", "reference": "Reference",
                       "note": "Note"},
    "payroll.rtisubmission": {"irmark": "IRmark", "employees": "Employees", "is_final_for_year": "Final for the year"},
    "payroll.payschedule": {"inputs": "Pay inputs", "moved": "Employees moved", "period_start": "Pay period starts"},
    "payroll.documentbatch": {"tax_year": "Tax year", "total": "P60s to produce"},
    # Events about no one object: HMRC's notices, loaded history, locked opening balances.
    "": {"notices": "Notices", "rows": "Rows", "locked": "Balances locked", "source": "Source"},
}

# Pay run events that record a decision about one employee's payment take its field choices.
FIELD_SOURCES: dict[str, dict[str, str]] = {
    "payroll.payrun": {"route": "payroll.payrunpaymentroute"},
}

FIELD_KINDS: dict[str, dict[str, str]] = {
    "payroll.payinput": {"amount": "money"},
}
