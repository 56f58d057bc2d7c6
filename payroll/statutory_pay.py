"""A family leave's statutory pay: which payment it carries, whether the employee qualifies (and why
not), and its payment weeks; read by the pay run and by the schedule of expected payments alike."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from hr.models import FamilyLeave
from hr.selectors_absence import SCHEME_OF_FAMILY_LEAVE
from payroll.engine.family_pay import (
    EarningsPaid,
    Entitlement,
    FamilyPayError,
    Payment,
    PaymentWeek,
    Week,
    average_weekly_earnings,
    entitlement,
    payment_weeks,
    qualifying_week,
)

__all__ = ["PAYMENT_FOR_LEAVE", "SCHEME_FOR_LEAVE", "LeavePay", "family_leave_pay", "leave_qualifying_week"]

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
SCHEME_FOR_LEAVE: dict[str, str] = SCHEME_OF_FAMILY_LEAVE


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


# Adoption leave counts from the match; shared parental and neonatal care leave do when the leave
# names a match (an adoption) rather than an expected week of childbirth.
ADOPTION_KINDS = (FamilyLeave.Kind.ADOPTION, FamilyLeave.Kind.PATERNITY_ADOPTION)
MATCH_OR_BIRTH_KINDS = (FamilyLeave.Kind.SHARED_PARENTAL, FamilyLeave.Kind.NEONATAL_CARE)
# Paid for a fixed number of weeks the employee chooses (paternity: one or two).
DEFAULT_WEEKS = {Payment.SPP: 2, Payment.SPBP: 2}


def is_adoption(leave: FamilyLeave) -> bool:
    """Whether the leave's pay counts from a match: adoption leave, or shared parental or neonatal care
    leave that names a match (its expected date is then the placement, not a birth)."""
    return leave.kind in ADOPTION_KINDS or (leave.kind in MATCH_OR_BIRTH_KINDS and leave.matched_date is not None)


def leave_qualifying_week(leave: FamilyLeave) -> Week:
    """The qualifying week of the leave's payment; ``FamilyPayError`` names a missing date. Neonatal
    care leave recorded without the expected week of childbirth counts from the week before the care
    began (HMRC's rule for a parent without SMP, SPP or ShPP for the birth), taken as the leave's start."""
    care_start = (leave.start_date if leave.kind == FamilyLeave.Kind.NEONATAL_CARE and leave.expected_date is None
                  else None)
    return qualifying_week(payment=PAYMENT_FOR_LEAVE[leave.kind], expected_date=leave.expected_date,
                           matched_date=leave.matched_date, event_date=leave.event_date, adoption=is_adoption(leave),
                           care_start=care_start)


def _reason(error: FamilyPayError) -> str:
    """An engine error ("expected_date: the expected week of childbirth is needed") as a sentence."""
    text = str(error).split(": ", 1)[-1]
    return f"{text[:1].upper()}{text[1:]}{'' if text.endswith('.') else '.'}"


def family_leave_pay(*, leave: FamilyLeave, employment_start: datetime.date, leave_date: datetime.date | None,
                     earnings: Sequence[EarningsPaid], frequency: str) -> LeavePay:
    """The statutory payment a family leave carries and its payment weeks from the leave's first day.

    SMP and SAP run up to 39 weeks, but no week the employee works in is paid (HMRC: she came back
    before its end) unless they left during the leave: pay continues after leaving, and the pay run
    pays the rest on leaving. SPP and SPBP run the weeks claimed (2 unless the leave says
    fewer), ShPP and SNCP the weeks claimed. Missing dates and weeks are reasons, not exceptions.
    """
    payment = PAYMENT_FOR_LEAVE[leave.kind]
    try:
        week = leave_qualifying_week(leave)
        average = average_weekly_earnings(payments=earnings, qualifying_week=week, frequency=frequency)
        employed_on = leave.event_date if payment in (Payment.SPP, Payment.SPBP) else None
        test = entitlement(payment=payment, qualifying_week=week, employment_start=employment_start,
                           leave_date=leave_date, average_weekly_earnings=average, employed_on=employed_on)
    except FamilyPayError as error:
        return LeavePay(leave=leave, payment=payment, entitlement=None, weeks=(), reasons=(_reason(error),))
    if not test.eligible or test.average_weekly_earnings is None:
        return LeavePay(leave=leave, payment=payment, entitlement=test, weeks=(), reasons=test.reasons)
    weeks = leave.statutory_weeks or DEFAULT_WEEKS.get(payment)
    try:
        paid = payment_weeks(payment=payment, pay_start=leave.start_date,
                             average_weekly_earnings=test.average_weekly_earnings.amount, weeks=weeks)
    except FamilyPayError as error:
        return LeavePay(leave=leave, payment=payment, entitlement=test, weeks=(), reasons=(_reason(error),))
    left_during_leave = leave_date is not None and leave_date <= leave.end_date
    if not left_during_leave:
        paid = [week for week in paid if week.end <= leave.end_date]
    return LeavePay(leave=leave, payment=payment, entitlement=test, weeks=tuple(paid), reasons=())
