"""A family leave's statutory pay: which payment it carries, whether the employee qualifies (and why
not), and its payment weeks; read by the pay run and by the schedule of expected payments alike."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from hr.models import FamilyLeave
from payroll.engine.family_pay import EarningsPaid, Entitlement, Payment, PaymentWeek

__all__ = ["PAYMENT_FOR_LEAVE", "SCHEME_FOR_LEAVE", "LeavePay", "family_leave_pay"]

PAYMENT_FOR_LEAVE: dict[str, Payment] = {
    FamilyLeave.Kind.MATERNITY: Payment.SMP,
    FamilyLeave.Kind.ADOPTION: Payment.SAP,
    FamilyLeave.Kind.PATERNITY_BIRTH: Payment.SPP,
    FamilyLeave.Kind.PATERNITY_ADOPTION: Payment.SPP,
    FamilyLeave.Kind.SHARED_PARENTAL: Payment.SHPP,
    FamilyLeave.Kind.PARENTAL_BEREAVEMENT: Payment.SPBP,
    FamilyLeave.Kind.NEONATAL_CARE: Payment.SNCP,
}
# The department's occupational scheme (hr.AbsencePayScheme.Kind) that pays each kind of leave.
SCHEME_FOR_LEAVE: dict[str, str] = {
    FamilyLeave.Kind.MATERNITY: "maternity",
    FamilyLeave.Kind.ADOPTION: "adoption",
    FamilyLeave.Kind.PATERNITY_BIRTH: "paternity",
    FamilyLeave.Kind.PATERNITY_ADOPTION: "paternity",
    FamilyLeave.Kind.SHARED_PARENTAL: "shared_parental",
    FamilyLeave.Kind.PARENTAL_BEREAVEMENT: "parental_bereavement",
    FamilyLeave.Kind.NEONATAL_CARE: "neonatal_care",
}


@dataclass(frozen=True)
class LeavePay:
    """What a family leave pays by statute: the test and its outcome, and the weeks (none when the
    employee does not qualify; ``reasons`` then says why)."""

    leave: FamilyLeave
    payment: Payment
    entitlement: Entitlement | None
    weeks: tuple[PaymentWeek, ...]
    reasons: tuple[str, ...]

    @property
    def eligible(self) -> bool:
        return not self.reasons


def family_leave_pay(*, leave: FamilyLeave, employment_start: datetime.date, leave_date: datetime.date | None,
                     earnings: Sequence[EarningsPaid], frequency: str) -> LeavePay:
    raise NotImplementedError
