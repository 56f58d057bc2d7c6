"""Every kind of exception a pay run's review can hold, with its title in plain English and how it
is settled before approval (``payroll.services.review``, ``payroll.services.approval``).

Blocking kinds mean pay cannot go out right as the run stands: they are resolved by fixing the
record and recalculating, or, where only the Bacs payment is impossible, by giving the employee's
net pay another route (held, or paid by hand). Advisory kinds are acknowledged, with a note, by
someone who looked. A code missing from the registry is advisory with a generic title, so a new
check never stops approval by accident; a test keeps the registry complete.
"""

from __future__ import annotations

from dataclasses import dataclass

from payroll.absence_pay import STATUTORY_PAY_NOT_DUE
from payroll.rti_mapping import EXCEPTION_PREFIX as RTI_PREFIX


class Settled:
    """How a kind is settled."""

    ACKNOWLEDGE = "acknowledge"  # advisory: acknowledged with a note
    PAYMENT_ROUTE = "payment_route"  # blocking: held or paid by hand (or fixed and recalculated)
    RECALCULATE = "recalculate"  # blocking: only fixing the record and recalculating settles it


@dataclass(frozen=True)
class ReviewKind:
    code: str
    title: str
    settled_by: str
    order: int = 0  # blocking kinds first, then advisory, each in the registry's order

    @property
    def blocking(self) -> bool:
        return self.settled_by != Settled.ACKNOWLEDGE

    @property
    def severity(self) -> str:
        return "blocking" if self.blocking else "advisory"


_B_ROUTE, _B_FIX, _ADVISE = Settled.PAYMENT_ROUTE, Settled.RECALCULATE, Settled.ACKNOWLEDGE
_KINDS: tuple[tuple[str, str, str], ...] = (
    ("calculation_failed", "Calculation failed", _B_FIX),
    ("tax_code_invalid", "Tax code not valid", _B_FIX),
    ("no_bank_details", "No bank account", _B_ROUTE),
    ("net_pay_not_positive", "Net pay is nil or negative", _B_ROUTE),
    ("net_pay_changed", "Net pay changed a lot since last period", _ADVISE),
    ("tax_code_changed", "Tax code changed", _ADVISE),
    ("emergency_tax_code", "Emergency tax code", _ADVISE),
    ("left_before_period", "Left before this period", _ADVISE),
    (STATUTORY_PAY_NOT_DUE, "Statutory pay not due", _ADVISE),
    # What the FPS to HMRC could not describe as it stands (payroll.engine.rti.exceptions): pay can
    # go out, and the record is corrected before the FPS is sent.
    (f"{RTI_PREFIX}data", "RTI: record cannot be read for the FPS", _ADVISE),
    (f"{RTI_PREFIX}nino", "RTI: no NI number or address", _ADVISE),
    (f"{RTI_PREFIX}surname", "RTI: surname HMRC cannot accept", _ADVISE),
    (f"{RTI_PREFIX}forenames", "RTI: forenames HMRC cannot accept", _ADVISE),
    (f"{RTI_PREFIX}birth_date", "RTI: date of birth missing or wrong", _ADVISE),
    (f"{RTI_PREFIX}payroll_id", "RTI: payroll ID missing or reused", _ADVISE),
    (f"{RTI_PREFIX}old_payroll_id", "RTI: old payroll ID inconsistent", _ADVISE),
    (f"{RTI_PREFIX}starter", "RTI: starter details", _ADVISE),
    (f"{RTI_PREFIX}leaving_date", "RTI: leaving date", _ADVISE),
    (f"{RTI_PREFIX}taxable_pay_ytd", "RTI: taxable pay to date", _ADVISE),
    (f"{RTI_PREFIX}student_loan", "RTI: student loan to date", _ADVISE),
    (f"{RTI_PREFIX}postgraduate_loan", "RTI: postgraduate loan to date", _ADVISE),
    (f"{RTI_PREFIX}ni", "RTI: National Insurance figures", _ADVISE),
)

KINDS: dict[str, ReviewKind] = {
    code: ReviewKind(code, title, settled_by, order=position)
    for position, (code, title, settled_by) in enumerate(
        sorted(_KINDS, key=lambda kind: kind[2] == _ADVISE))  # stable: blocking first
}
BLOCKING_CODES = frozenset(code for code, kind in KINDS.items() if kind.blocking)
ROUTABLE_CODES = frozenset(code for code, kind in KINDS.items() if kind.settled_by == Settled.PAYMENT_ROUTE)
RECALCULATE_CODES = frozenset(code for code, kind in KINDS.items() if kind.settled_by == Settled.RECALCULATE)


def review_kind(code: str) -> ReviewKind:
    """The registered kind, or an advisory one with a generic title for a code not registered."""
    known = KINDS.get(code)
    if known is not None:
        return known
    return ReviewKind(code, f"Other check ({code.replace('_', ' ')})", Settled.ACKNOWLEDGE, order=len(KINDS))
