"""One employee-period: pay and year-to-date figures in, deductions, net pay and a working out.

Input and result objects follow ``shared/payroll/CONTRACT.md``. The calculation is pure: no
database, no Django, no clock. Every amount is integer pence until it is formatted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from payroll.engine.codes import TaxCode, TaxCodeError, parse_tax_code
from payroll.engine.money import MoneyError, format_pence, format_rate, parse_pence
from payroll.engine.ni import national_insurance
from payroll.engine.paye import tax_due_to_date
from payroll.engine.rates import PERIODS_PER_YEAR, RatesError, TaxYearRates, rates_for, unconfirmed_reason

STUDENT_LOAN_PLANS = ("plan1", "plan2", "plan4", "plan5")
POSTGRADUATE_LOAN = "pgl"
# A weekly pay date on 5 April (4 or 5 April in a leap year) falls in tax week 53.
LAST_PERIOD = {"weekly": 53, "monthly": 12}
RESULT_FIELDS = (
    "pension_employee", "taxable_pay", "income_tax", "employee_ni", "employer_ni",
    "student_loan", "postgraduate_loan", "net_pay",
)


class CalculationInputError(ValueError):
    """An input that cannot be calculated; the message names the field and the problem."""


@dataclass(frozen=True, slots=True)
class CalculationInput:
    id: Any
    rates: TaxYearRates
    frequency: str
    period: int
    tax_code: TaxCode
    week1_month1: bool
    ni_category: str
    student_loans: tuple[str, ...]
    pension_scheme: str | None
    gross_pay: int
    pensionable_pay: int
    salary_sacrifice: int
    ytd_taxable_pay_before: int
    ytd_tax_paid_before: int


def _confirmed_rates(tax_year: str) -> TaxYearRates:
    rates = rates_for(tax_year)
    if rates.unconfirmed:
        # Paying on figures HMRC has not published would deduct the wrong amounts.
        raise CalculationInputError(f"tax_year: {unconfirmed_reason(rates.tax_year)}")
    return rates


def parse_input(raw: Mapping[str, Any]) -> CalculationInput:
    """Validate one contract input object; raises CalculationInputError naming the field."""
    if not isinstance(raw, Mapping):
        raise CalculationInputError("input: each input must be a JSON object")
    if not isinstance(raw.get("id"), str):
        raise CalculationInputError(f"id: must be a string, not {raw.get('id')!r}")
    for field in ("tax_year", "frequency", "ni_category"):
        if not isinstance(raw.get(field), str):
            raise CalculationInputError(f"{field}: must be a string, not {raw.get(field)!r}")
    if raw.get("pension_scheme") is not None and not isinstance(raw.get("pension_scheme"), str):
        raise CalculationInputError(f"pension_scheme: must be null or a string, not {raw.get('pension_scheme')!r}")
    try:
        rates = _confirmed_rates(raw["tax_year"])
        frequency = raw["frequency"]
        if frequency not in PERIODS_PER_YEAR:
            raise CalculationInputError(f"frequency: {frequency!r} must be 'weekly' or 'monthly'")
        period = raw.get("period")
        periods = LAST_PERIOD[frequency]
        if isinstance(period, bool) or not isinstance(period, int) or not 1 <= period <= periods:
            raise CalculationInputError(
                f"period: {period!r} must be a whole number from 1 to {periods} for {frequency} pay"
            )
        tax_code = parse_tax_code(raw.get("tax_code"))
        if tax_code.kind == "single_rate" and tax_code.single_rate_code not in rates.single_rate_codes:
            raise CalculationInputError(f"tax_code: {tax_code.text!r} is not a code for {rates.tax_year}")
        week1_month1 = raw.get("week1_month1", False)
        if not isinstance(week1_month1, bool):
            raise CalculationInputError("week1_month1: must be true or false")
        ni_category = raw.get("ni_category")
        if ni_category not in rates.ni_categories:
            letters = ", ".join(sorted(rates.ni_categories))
            raise CalculationInputError(f"ni_category: {ni_category!r} is not a category letter ({letters})")
        loans = raw.get("student_loans")
        loans = [] if loans is None else loans
        if not isinstance(loans, list) or any(
            not isinstance(plan, str) or plan not in (*STUDENT_LOAN_PLANS, POSTGRADUATE_LOAN) for plan in loans
        ):
            raise CalculationInputError(
                f"student_loans: {loans!r} must be a list of plan1, plan2, plan4, plan5 and pgl"
            )
        pension_scheme = raw.get("pension_scheme")
        if pension_scheme is not None and pension_scheme not in rates.pensions:
            schemes = ", ".join(rates.pensions)
            raise CalculationInputError(f"pension_scheme: {pension_scheme!r} must be null or one of: {schemes}")
        gross_pay = parse_pence("gross_pay", raw.get("gross_pay"))
        salary_sacrifice = parse_pence("salary_sacrifice", raw.get("salary_sacrifice", "0.00"))
        if salary_sacrifice > gross_pay:
            raise CalculationInputError("salary_sacrifice: must not be more than gross_pay")
        return CalculationInput(
            id=raw.get("id"),
            rates=rates,
            frequency=frequency,
            period=period,
            tax_code=tax_code,
            week1_month1=week1_month1 or tax_code.non_cumulative or period > PERIODS_PER_YEAR[frequency],
            ni_category=ni_category,
            student_loans=tuple(loans),
            pension_scheme=pension_scheme,
            gross_pay=gross_pay,
            pensionable_pay=parse_pence("pensionable_pay", raw.get("pensionable_pay", "0.00")),
            salary_sacrifice=salary_sacrifice,
            ytd_taxable_pay_before=parse_pence(
                "ytd_taxable_pay_before", raw.get("ytd_taxable_pay_before", "0.00"), allow_negative=True
            ),
            ytd_tax_paid_before=parse_pence(
                "ytd_tax_paid_before", raw.get("ytd_tax_paid_before", "0.00"), allow_negative=True
            ),
        )
    except (RatesError, TaxCodeError, MoneyError) as error:
        raise CalculationInputError(str(error)) from None


def _pension(data: CalculationInput, working: dict[str, Any] | None) -> int:
    if data.pension_scheme is None or data.pensionable_pay <= 0:
        return 0
    scheme = data.rates.pensions[data.pension_scheme]
    annualised = data.pensionable_pay * PERIODS_PER_YEAR[data.frequency]
    tier = len(scheme.band_upper_bounds)
    for index, bound in enumerate(scheme.band_upper_bounds):
        if annualised <= bound:
            tier = index
            break
    rate = scheme.member_rates[tier]
    member = (data.pensionable_pay * rate + 5000) // 10000
    if member > data.gross_pay - data.salary_sacrifice:
        raise CalculationInputError(
            f"pensionable_pay: the {scheme.name} contribution ({format_pence(member)}) would be more than the pay "
            "it is taken from"
        )
    if working is not None:
        working["pension"] = {
            "scheme": scheme.name,
            "arrangement": "net pay (deducted before tax, not before NI)",
            "annualised_pensionable_pay": format_pence(annualised),
            "tier": tier + 1,
            "member_rate": format_rate(rate),
            "member_contribution": format_pence(member),
            "employer_rate": format_rate(scheme.employer_rate),
            "employer_contribution": format_pence((data.pensionable_pay * scheme.employer_rate + 5000) // 10000),
        }
    return member


def _loan(earnings: int, rate: int, threshold: int) -> int:
    """Rate × earnings above the threshold, rounded down to the whole pound, in pence."""
    if earnings <= threshold:
        return 0
    return (earnings - threshold) * rate // 1_000_000 * 100


def _loans(data: CalculationInput, nicable: int, working: dict[str, Any] | None) -> tuple[int, int]:
    available = data.rates.student_loans
    undergraduate_plans = [plan for plan in data.student_loans if plan != POSTGRADUATE_LOAN and plan in available]
    student = postgraduate = 0
    details = []
    if undergraduate_plans:
        # One undergraduate deduction, on the plan with the lowest threshold.
        plan = min(undergraduate_plans, key=lambda name: available[name].threshold[data.frequency])
        spec = available[plan]
        student = _loan(nicable, spec.rate, spec.threshold[data.frequency])
        details.append({"plan": plan, "threshold": format_pence(spec.threshold[data.frequency]),
                        "rate": format_rate(spec.rate), "deduction": format_pence(student)})
    if POSTGRADUATE_LOAN in data.student_loans and POSTGRADUATE_LOAN in available:
        spec = available[POSTGRADUATE_LOAN]
        postgraduate = _loan(nicable, spec.rate, spec.threshold[data.frequency])
        details.append({"plan": POSTGRADUATE_LOAN, "threshold": format_pence(spec.threshold[data.frequency]),
                        "rate": format_rate(spec.rate), "deduction": format_pence(postgraduate)})
    not_due = [plan for plan in data.student_loans if plan not in available]
    if working is not None and (details or not_due):
        note = f"not collected in {data.rates.tax_year}"
        working["loans"] = details + [{"plan": plan, "deduction": "0.00", "note": note} for plan in not_due]
    return student, postgraduate


def _income_tax(data: CalculationInput, taxable_pay: int, working: dict[str, Any] | None) -> int:
    rates, code = data.rates, data.tax_code
    cumulative = not data.week1_month1
    n = data.period if cumulative else 1
    taxable_to_date = data.ytd_taxable_pay_before + taxable_pay if cumulative else taxable_pay
    paye: dict[str, Any] | None = {} if working is not None else None
    due = tax_due_to_date(code, taxable_to_date, data.frequency, n, rates, paye)
    tax = due - data.ytd_tax_paid_before if cumulative else due
    limit = max(taxable_pay, 0) * rates.regulatory_limit // 10000
    limited = tax > limit
    if limited:
        tax = limit
    if paye is not None and working is not None:
        working["paye"] = {
            "code": code.text,
            "region": rates.regions[code.region].name,
            "basis": "cumulative" if cumulative else "week 1 / month 1",
            "tax_period": n,
            # HMRC: a week 53 payment is taxed on a week 1 basis, the code's week-1 allowance and
            # bands only (CWG2 "Week 53 payments"); the FPS reports it as week 53, non-cumulative.
            **({"week_53": True} if data.period > PERIODS_PER_YEAR[data.frequency] else {}),
            "taxable_pay_to_date": format_pence(taxable_to_date),
            **paye,
            "tax_due_to_date": format_pence(due),
            "tax_paid_before": format_pence(data.ytd_tax_paid_before if cumulative else 0),
            "regulatory_limit": format_pence(limit),
            "regulatory_limit_applied": limited,
        }
    return tax


def calculate(data: CalculationInput, *, with_working: bool = True) -> dict[str, Any]:
    """The contract's result object for one validated input (plus ``working`` when asked)."""
    working: dict[str, Any] | None = {} if with_working else None
    pension = _pension(data, working)
    nicable = data.gross_pay - data.salary_sacrifice
    taxable_pay = nicable - pension
    income_tax = _income_tax(data, taxable_pay, working)
    ni_working: dict[str, Any] | None = {} if working is not None else None
    employee_ni, employer_ni = national_insurance(
        max(nicable, 0), data.rates.ni_categories[data.ni_category], data.rates.ni_thresholds[data.frequency],
        ni_working,
    )
    student_loan, postgraduate_loan = _loans(data, nicable, working)
    net_pay = nicable - pension - income_tax - employee_ni - student_loan - postgraduate_loan
    result: dict[str, Any] = {
        "id": data.id,
        "pension_employee": format_pence(pension),
        "taxable_pay": format_pence(taxable_pay),
        "income_tax": format_pence(income_tax),
        "employee_ni": format_pence(employee_ni),
        "employer_ni": format_pence(employer_ni),
        "student_loan": format_pence(student_loan),
        "postgraduate_loan": format_pence(postgraduate_loan),
        "net_pay": format_pence(net_pay),
    }
    if working is not None:
        working["ni"] = {"category": data.ni_category, **(ni_working or {})}
        if data.salary_sacrifice:
            working["salary_sacrifice"] = format_pence(data.salary_sacrifice)
        working["tax_year"] = data.rates.tax_year
        result["working"] = working
    return result


def calculate_one(raw: Mapping[str, Any], *, with_working: bool = False) -> dict[str, Any]:
    """A result for one raw input: the figures, or ``{"id", "error"}`` naming the field."""
    try:
        return calculate(parse_input(raw), with_working=with_working)
    except CalculationInputError as error:
        return {"id": raw.get("id") if isinstance(raw, Mapping) else None, "error": str(error)}


def calculate_batch(inputs: Iterable[Mapping[str, Any]], *, with_working: bool = False) -> list[dict[str, Any]]:
    """One result per input, in order; a bad input gives an error result and the rest go on."""
    return [calculate_one(raw, with_working=with_working) for raw in inputs]
