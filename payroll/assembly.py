"""One employee's payslip for one period, from pay elements to lines: plain Python the pay run uses.

``payslip_for`` sorts the period's elements into what the calculation needs (pay subject to tax and
NI, pensionable pay, salary sacrifice), runs the engine, then adds what comes after tax (non-taxable
reimbursements, deductions from net pay). ``review_exceptions`` lists what a payroll officer must
look at before approving: the checks behind the pay run's exceptions list.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from payroll.engine.calculator import CalculationInputError, calculate, parse_input
from payroll.engine.codes import TaxCodeError, parse_tax_code

PENNY = Decimal("0.01")

# How an element is treated. Payments subject to tax and NI add to gross pay; salary sacrifice
# comes off before both; a reimbursement is paid on top of net pay, untaxed; a net deduction is
# taken from net pay (after tax).
TAXABLE_PAYMENT = "taxable_payment"
SALARY_SACRIFICE = "salary_sacrifice"
REIMBURSEMENT = "reimbursement"
NET_DEDUCTION = "net_deduction"
ELEMENT_KINDS = (TAXABLE_PAYMENT, SALARY_SACRIFICE, REIMBURSEMENT, NET_DEDUCTION)


class PayslipError(ValueError):
    """An employee's payroll data that cannot be calculated; the message names the field."""


@dataclass(frozen=True)
class Element:
    """One amount on the payslip: basic pay, an allowance, overtime, SSP, a one-off, an expense."""

    code: str
    description: str
    kind: str
    amount: Decimal
    pensionable: bool = False

    def __post_init__(self) -> None:
        if self.kind not in ELEMENT_KINDS:
            raise PayslipError(f"{self.code}: kind {self.kind!r} must be one of {', '.join(ELEMENT_KINDS)}")
        if self.amount != self.amount.quantize(PENNY):
            raise PayslipError(f"{self.code}: amount {self.amount} has more than two decimal places")


@dataclass(frozen=True)
class PayrollProfile:
    """The employee's tax, NI, loan and pension details for the period."""

    tax_code: str
    week1_month1: bool
    ni_category: str
    student_loans: tuple[str, ...]
    pension_scheme: str | None


@dataclass(frozen=True)
class YearToDate:
    """Figures for the tax year before this period (opening balances included)."""

    taxable_pay: Decimal = Decimal("0.00")
    tax: Decimal = Decimal("0.00")
    employee_ni: Decimal = Decimal("0.00")
    employer_ni: Decimal = Decimal("0.00")
    student_loan: Decimal = Decimal("0.00")
    postgraduate_loan: Decimal = Decimal("0.00")
    pension_employee: Decimal = Decimal("0.00")
    gross_pay: Decimal = Decimal("0.00")
    net_pay: Decimal = Decimal("0.00")
    # Statutory payments paid in the year (P60, FPS): the elements with those codes.
    ssp: Decimal = Decimal("0.00")
    smp: Decimal = Decimal("0.00")
    sap: Decimal = Decimal("0.00")
    spp: Decimal = Decimal("0.00")
    shpp: Decimal = Decimal("0.00")
    spbp: Decimal = Decimal("0.00")
    sncp: Decimal = Decimal("0.00")

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> YearToDate:
        """A payslip's stored ``year_to_date``; figures an older payslip did not store read as zero."""
        return cls(**{name: Decimal(str(stored[name])) for name in YEAR_TO_DATE_FIELDS if name in stored})


# The element codes of the statutory payments, by their year-to-date figure.
STATUTORY_YEAR_TO_DATE = {"SSP": "ssp", "SMP": "smp", "SAP": "sap", "SPP": "spp", "SHPP": "shpp", "SPBP": "spbp",
                          "SNCP": "sncp"}
YEAR_TO_DATE_FIELDS = tuple(YearToDate.__dataclass_fields__)


@dataclass(frozen=True)
class Line:
    code: str
    description: str
    amount: Decimal
    section: str  # "payment", "deduction" or "employer"
    after_tax: bool = False  # a reimbursement or a deduction from net pay


@dataclass(frozen=True)
class Payslip:
    gross_pay: Decimal
    taxable_pay: Decimal
    net_pay: Decimal
    lines: tuple[Line, ...]
    result: dict[str, Any]
    ytd_after: YearToDate
    working: dict[str, Any] = field(default_factory=dict)

    def amount(self, code: str) -> Decimal:
        return sum((line.amount for line in self.lines if line.code == code), Decimal("0.00"))


# A payment after the employee's P45 has been issued is taxed on 0T week 1/month 1, never on their
# code again (HMRC CWG2 para 1.14; RTI.md §6.2), keeping a Scottish or Welsh prefix.
AFTER_LEAVING_CODE = "0T"
_PREFIX_BY_REGION = {"scotland": "S", "wales": "C"}


def tax_code_for_payment(*, tax_code: str, week1_month1: bool, leave_date: datetime.date | None,
                         period_start: datetime.date) -> tuple[str, bool]:
    """(tax code, week 1/month 1) to operate on a payment for the period starting ``period_start``.

    A leaver's final pay is the period that holds their leaving date, on their own code; their P45
    follows it. A period starting after the leaving date is paid after the P45, so on 0T week
    1/month 1.
    """
    if leave_date is None or leave_date >= period_start:
        return tax_code, week1_month1
    try:
        region = parse_tax_code(tax_code).region
    except TaxCodeError:
        region = "ruk"
    return _PREFIX_BY_REGION.get(region, "") + AFTER_LEAVING_CODE, True


def _money(value: str) -> Decimal:
    return Decimal(value)


def payslip_for(*, employee_ref: str, tax_year: str, frequency: str, period: int, profile: PayrollProfile,
                elements: Sequence[Element], ytd: YearToDate) -> Payslip:
    """Calculate one payslip. Raises ``PayslipError`` naming the field when the data cannot be
    calculated (a bad tax code, net pay below zero after deductions from net pay, …)."""
    gross = sum((e.amount for e in elements if e.kind == TAXABLE_PAYMENT), Decimal("0.00"))
    sacrifice = sum((e.amount for e in elements if e.kind == SALARY_SACRIFICE), Decimal("0.00"))
    pensionable = sum((e.amount for e in elements if e.kind == TAXABLE_PAYMENT and e.pensionable), Decimal("0.00"))
    reimbursed = sum((e.amount for e in elements if e.kind == REIMBURSEMENT), Decimal("0.00"))
    net_deductions = sum((e.amount for e in elements if e.kind == NET_DEDUCTION), Decimal("0.00"))
    if gross < 0:
        raise PayslipError(f"gross_pay: the payments come to {gross}, below zero")
    if sacrifice > gross:
        raise PayslipError(f"salary_sacrifice: {sacrifice} is more than the pay it comes from ({gross})")
    raw = {
        "id": employee_ref, "tax_year": tax_year, "frequency": frequency, "period": period,
        "tax_code": profile.tax_code, "week1_month1": profile.week1_month1, "ni_category": profile.ni_category,
        "student_loans": list(profile.student_loans), "pension_scheme": profile.pension_scheme,
        "gross_pay": str(gross), "pensionable_pay": str(max(pensionable - sacrifice, Decimal("0.00"))),
        "salary_sacrifice": str(sacrifice), "ytd_taxable_pay_before": str(ytd.taxable_pay),
        "ytd_tax_paid_before": str(ytd.tax),
    }
    try:
        result = calculate(parse_input(raw), with_working=True)
    except CalculationInputError as error:
        raise PayslipError(str(error)) from None
    net = _money(result["net_pay"]) + reimbursed - net_deductions
    if net < 0:
        raise PayslipError(f"net_pay: deductions from net pay ({net_deductions}) are more than the net pay "
                           f"({_money(result['net_pay'])})")
    lines = [Line(e.code, e.description, e.amount, "payment", after_tax=e.kind == REIMBURSEMENT) for e in elements
             if e.kind in (TAXABLE_PAYMENT, REIMBURSEMENT)]
    lines += [Line(e.code, e.description, e.amount, "deduction", after_tax=e.kind == NET_DEDUCTION)
              for e in elements if e.kind in (SALARY_SACRIFICE, NET_DEDUCTION)]
    for code, description, key in (("PENSION", "Pension contribution", "pension_employee"),
                                   ("TAX", "Income tax", "income_tax"),
                                   ("NI", "National Insurance", "employee_ni"),
                                   ("SLOAN", "Student loan", "student_loan"),
                                   ("PGLOAN", "Postgraduate loan", "postgraduate_loan")):
        if _money(result[key]):
            lines.append(Line(code, description, _money(result[key]), "deduction"))
    lines.append(Line("ER_NI", "Employer National Insurance", _money(result["employer_ni"]), "employer"))
    employer_pension = result["working"].get("pension", {}).get("employer_contribution")
    if employer_pension:
        lines.append(Line("ER_PENSION", "Employer pension contribution", _money(employer_pension), "employer"))
    taxable = _money(result["taxable_pay"])
    statutory = {name: getattr(ytd, name) for name in STATUTORY_YEAR_TO_DATE.values()}
    for element in elements:
        if element.code in STATUTORY_YEAR_TO_DATE:
            statutory[STATUTORY_YEAR_TO_DATE[element.code]] += element.amount
    ytd_after = YearToDate(
        taxable_pay=ytd.taxable_pay + taxable, tax=ytd.tax + _money(result["income_tax"]),
        employee_ni=ytd.employee_ni + _money(result["employee_ni"]),
        employer_ni=ytd.employer_ni + _money(result["employer_ni"]),
        student_loan=ytd.student_loan + _money(result["student_loan"]),
        postgraduate_loan=ytd.postgraduate_loan + _money(result["postgraduate_loan"]),
        pension_employee=ytd.pension_employee + _money(result["pension_employee"]),
        gross_pay=ytd.gross_pay + gross, net_pay=ytd.net_pay + net, **statutory,
    )
    return Payslip(gross_pay=gross, taxable_pay=taxable, net_pay=net, lines=tuple(lines), result=result,
                   ytd_after=ytd_after, working=result["working"])


# --- Review before approval ---------------------------------------------------------------------

@dataclass(frozen=True)
class ReviewFacts:
    """What the review needs to know about one employee beside their payslip."""

    has_bank_details: bool
    left_before_period: bool
    tax_code: str
    week1_month1: bool
    previous_tax_code: str | None = None
    previous_net_pay: Decimal | None = None


EMERGENCY_CODES = {"1257L", "S1257L", "C1257L"}


def review_exceptions(*, payslip: Payslip | None, facts: ReviewFacts,
                      net_change_threshold: Decimal = Decimal("0.25")) -> list[tuple[str, str]]:
    """(code, reason in words) for everything a payroll officer should check before approving."""
    found: list[tuple[str, str]] = []
    if payslip is not None:
        if payslip.net_pay <= 0:
            found.append(("net_pay_not_positive", f"Net pay is £{payslip.net_pay:,.2f}."))
        if facts.previous_net_pay:
            change = (payslip.net_pay - facts.previous_net_pay) / facts.previous_net_pay
            if abs(change) > net_change_threshold:
                found.append(("net_pay_changed", f"Net pay changed by {change:+.0%} since last period "
                                                 f"(£{facts.previous_net_pay:,.2f} to £{payslip.net_pay:,.2f})."))
    if not facts.has_bank_details:
        found.append(("no_bank_details", "No bank account: net pay cannot be paid by Bacs."))
    if facts.left_before_period:
        found.append(("left_before_period", "The leave date is before this period, but the employee is on it."))
    if facts.previous_tax_code is not None and facts.previous_tax_code != facts.tax_code:
        found.append(("tax_code_changed", f"Tax code changed from {facts.previous_tax_code} to {facts.tax_code}."))
    try:
        code = parse_tax_code(facts.tax_code)
    except TaxCodeError as error:
        found.append(("tax_code_invalid", str(error)))
    else:
        base = re.sub(r"(W1|M1|X)$", "", code.text)
        if base in EMERGENCY_CODES and (facts.week1_month1 or code.non_cumulative):
            found.append(("emergency_tax_code", f"{base} on a week 1 / month 1 basis is an emergency code: "
                                                "check for a P45 or a starter declaration."))
    return found
