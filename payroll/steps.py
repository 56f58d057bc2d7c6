"""A pay run's steps in one table, read by the services (which statuses a step is allowed from),
the run page (its button, the permission it needs, what the page says after it) and the API (the
scope of each step's endpoint). A run moves draft → open (inputs locked) → calculating →
calculated → approved → finalised, or is cancelled before it is finalised."""

from __future__ import annotations

from dataclasses import dataclass

from departments.roles import Scope
from payroll.models import PayRun

_Status = PayRun.Status


@dataclass(frozen=True)
class PayRunStep:
    name: str  # the step's address: …/runs/<id>/<name>/
    allowed_from: tuple[str, ...]
    scope: str
    label: str  # its button
    done: str  # what the run page says after it
    doing: str  # as a refusal says it: "This run is draft, so it cannot be <doing>."
    takes_reason: bool = False
    # Cannot be undone: the page asks for confirmation on a page that says what will happen first.
    irreversible: bool = False


STEPS: dict[str, PayRunStep] = {step.name: step for step in (
    PayRunStep("open", (_Status.DRAFT,), Scope.PAYROLL_SUBMIT, "Open the run and lock its inputs",
               "The run is open: its inputs are locked.", "opened"),
    PayRunStep("approve", (_Status.CALCULATED,), Scope.PAYROLL_APPROVE, "Approve", "The run is approved.",
               "approved"),
    PayRunStep("finalise", (_Status.APPROVED,), Scope.PAYROLL_APPROVE, "Finalise and publish payslips",
               "The run is finalised: payslips are published, the journal posted and the Bacs file written.",
               "finalised", irreversible=True),
    PayRunStep("recalculate-failed", (_Status.CALCULATED,), Scope.PAYROLL_SUBMIT, "Recalculate the failed employees",
               "The employees whose calculation failed are being calculated again.", "recalculated"),
    PayRunStep("calculate", (_Status.OPEN, _Status.CALCULATED), Scope.PAYROLL_SUBMIT, "Calculate",
               "Calculation has started.", "calculated"),
    PayRunStep("resume", (_Status.CALCULATING,), Scope.PAYROLL_SUBMIT, "Resume the calculation",
               "The employees not yet calculated are queued again.", "resumed"),
    PayRunStep("reopen", (_Status.CALCULATED, _Status.APPROVED), Scope.PAYROLL_SUBMIT, "Reopen the run",
               "The run is open again: recalculate it before it is approved.", "reopened", takes_reason=True),
    PayRunStep("cancel", (_Status.DRAFT, _Status.OPEN, _Status.CALCULATED, _Status.APPROVED), Scope.PAYROLL_SUBMIT,
               "Cancel the run", "The run is cancelled.", "cancelled", takes_reason=True, irreversible=True),
)}


IRREVERSIBLE_STEPS = frozenset(name for name, step in STEPS.items() if step.irreversible)

# A shadow run is calculated to be compared with the legacy payroll, never paid.
NOT_FOR_SHADOW_RUNS = frozenset({"approve", "finalise"})


def steps_from(status: str, *, kind: str = PayRun.Kind.REGULAR) -> list[PayRunStep]:
    """The steps a run of ``kind`` in ``status`` may take, in the order its page offers them."""
    return [step for step in STEPS.values() if status in step.allowed_from
            and not (kind == PayRun.Kind.SHADOW and step.name in NOT_FOR_SHADOW_RUNS)]
