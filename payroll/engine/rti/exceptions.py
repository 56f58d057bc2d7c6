"""Employees an FPS should not be sent for as they stand: ``exceptions_for(employees)``.

These are the checks RTI.md asks for that HMRC's schema and business rules do not make, or make
too late to help (HMRC would open a duplicate employment or reject the whole file). They run on
the dataclasses, before any XML exists, so a payroll officer sees them before approving the run.
Each reason names the employee's field and says what is wrong in the officer's terms.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal

from payroll.engine.rti.model import FpsEmployee
from payroll.engine.rti.xmltext import plain

# HMRC's Fore/Sur characters once accents are transliterated (RTI.md §3.2): letters, space,
# hyphen, apostrophe; starting with a letter.
_NAME = re.compile(r"[A-Za-z][A-Za-z '\-]*")


@dataclass(frozen=True)
class Reason:
    field: str
    message: str


@dataclass(frozen=True)
class EmployeeException:
    """Why one employee (``index`` into the list given, 0-based) cannot go on the FPS yet."""

    index: int
    payroll_id: str | None
    name: str
    reasons: tuple[Reason, ...]


def exceptions_for(
    employees: Sequence[FpsEmployee], *, retired_payroll_ids: Collection[str] = frozenset()
) -> list[EmployeeException]:
    """Per-employee reasons the FPS cannot describe these employees correctly; empty when none.

    ``retired_payroll_ids`` are payroll IDs this PAYE scheme has already used for employments
    that are not these (a leaver's, or one replaced on migration): HMRC says never reuse one
    (RTI.md §5), because HMRC would match the payment to the old employment.
    """
    uses = Counter(employee.payroll_id for employee in employees if employee.payroll_id)
    found = []
    for index, employee in enumerate(employees):
        reasons = (
            _identity(employee)
            + _payroll_id(employee, uses, retired_payroll_ids)
            + _dates(employee)
            + _figures(employee)
        )
        if reasons:
            name = " ".join((*employee.name.forenames, employee.name.surname))
            found.append(EmployeeException(index=index, payroll_id=employee.payroll_id, name=name,
                                           reasons=tuple(reasons)))
    return found


def _identity(employee: FpsEmployee) -> list[Reason]:
    reasons = []
    lines = [line for line in (employee.address.lines if employee.address else ()) if line.strip()]
    if not employee.nino and len(lines) < 2:
        reasons.append(Reason("nino", "No National Insurance number and no address of at least two lines: HMRC "
                                      "cannot identify this employee. Record either one."))
    name = employee.name
    for field, value in (("surname", name.surname), *(("forenames", forename) for forename in name.forenames)):
        if not _NAME.fullmatch(plain(value).strip()):
            reasons.append(Reason(field, f"{value!r} cannot be sent to HMRC: names may hold only letters, spaces, "
                                         "hyphens and apostrophes, and start with a letter."))
    if not name.forenames and not name.initials:
        reasons.append(Reason("forenames", "A forename or initials are needed."))
    if employee.birth_date is None:
        reasons.append(Reason("birth_date", "The date of birth is missing; HMRC requires it for every employee."))
    return reasons


def _payroll_id(employee: FpsEmployee, uses: Counter[str], retired: Collection[str]) -> list[Reason]:
    payroll_id = employee.payroll_id
    if not payroll_id:
        return [Reason("payroll_id", "No payroll ID: without one HMRC may open a duplicate employment.")]
    reasons = []
    if uses[payroll_id] > 1:
        reasons.append(Reason("payroll_id", f"Payroll ID {payroll_id} is given to {uses[payroll_id]} employments "
                                            "in this submission; each employment needs its own."))
    if payroll_id in retired:
        reasons.append(Reason("payroll_id", f"Payroll ID {payroll_id} was used before for another employment and "
                                            "must never be reused."))
    if employee.old_payroll_id and not employee.payroll_id_changed:
        reasons.append(Reason("old_payroll_id", "An old payroll ID is given but the ID is not marked as changed; "
                                                "HMRC would ignore the old ID."))
    if employee.payroll_id_changed and employee.old_payroll_id == payroll_id:
        reasons.append(Reason("old_payroll_id", "The payroll ID is marked as changed but the old ID is the same as "
                                                "the new one."))
    if employee.payroll_id_changed and employee.starter is not None:
        # RTI.md §5 rule 4: a continuing employee marked as a starter is HMRC's "leaver and starter
        # overlap": a second employment record.
        reasons.append(Reason("starter", "A continuing employee whose payroll ID changed must not also be reported "
                                         "as a new starter."))
    return reasons


def _dates(employee: FpsEmployee) -> list[Reason]:
    reasons = []
    starter, leaving = employee.starter, employee.leaving_date
    if starter is not None and leaving is not None and leaving < starter.start_date:
        reasons.append(Reason("leaving_date", "The leaving date is before the start date."))
    if employee.payment_after_leaving and leaving is None:
        reasons.append(Reason("leaving_date", "A payment after leaving needs the original leaving date."))
    if employee.birth_date is not None and employee.birth_date >= employee.payment_date:
        reasons.append(Reason("birth_date", "The date of birth is not before the payment date."))
    return reasons


def _not_below(reasons: list[Reason], field: str, ytd: Decimal, in_period: Decimal, what: str) -> None:
    # Year-to-date figures include this payment, and last time's year-to-date figure cannot
    # have been negative: so this payment can never exceed the year to date.
    if in_period > ytd:
        reasons.append(Reason(field, f"{what} this period ({in_period}) is more than the year to date ({ytd}); "
                                     "the year-to-date figures must include this payment."))


def _figures(employee: FpsEmployee) -> list[Reason]:
    reasons: list[Reason] = []
    _not_below(reasons, "taxable_pay_ytd", employee.taxable_pay_ytd, employee.taxable_pay_in_period, "Taxable pay")
    loan = employee.student_loan
    if loan is not None:
        _not_below(reasons, "student_loan", loan.recovered_ytd, loan.recovered_in_period, "Student loan recovered")
    postgraduate = employee.postgraduate_loan
    if postgraduate is not None:
        _not_below(reasons, "postgraduate_loan", postgraduate.recovered_ytd, postgraduate.recovered_in_period,
                   "Postgraduate loan recovered")
    letters = Counter(figures.letter for figures in employee.ni)
    for letter, count in letters.items():
        if count > 1:
            reasons.append(Reason("ni", f"NI letter {letter} appears {count} times; one set of figures per letter."))
    for figures in employee.ni:
        field = f"ni[{figures.letter}]"
        _not_below(reasons, field, figures.gross_ytd, figures.gross_in_period, f"Letter {figures.letter} NIable pay")
        _not_below(reasons, field, figures.employee_ytd, figures.employee_in_period,
                   f"Letter {figures.letter} employee NICs")
        _not_below(reasons, field, figures.employer_ytd, figures.employer_in_period,
                   f"Letter {figures.letter} employer NICs")
        banded = figures.at_lel_ytd + figures.lel_to_pt_ytd + figures.pt_to_uel_ytd
        if banded > figures.gross_ytd:
            reasons.append(Reason(field, f"Letter {figures.letter}: the LEL, LEL-PT and PT-UEL bands ({banded}) add "
                                         f"up to more than the NIable pay to date ({figures.gross_ytd})."))
    if employee.starter is not None and employee.starter.declaration is None:
        reasons.append(Reason("starter", "A new starter needs the starter declaration (A, B or C)."))
    return reasons
