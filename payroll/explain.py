"""The engine's working turned into plain English for a payslip's "how this was worked out".

Plain Python, reading only the ``working`` and result objects the engine returns (see
``payroll/engine/calculator.py``), so a payslip explains exactly the figures it shows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

LOAN_NAMES = {"plan1": "Student loan plan 1", "plan2": "Student loan plan 2", "plan4": "Student loan plan 4",
              "plan5": "Student loan plan 5", "pgl": "Postgraduate loan"}


def pounds(value: str | Decimal) -> str:
    amount = Decimal(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


def _period_name(frequency: str) -> str:
    return "month" if frequency == "monthly" else "week"


def _pension(pension: dict[str, Any], frequency: str) -> str:
    return (f"Your {pension['scheme']} pension contribution is {pension['member_rate']} of your pensionable pay, "
            f"because it comes to {pounds(pension['annualised_pensionable_pay'])} a year (tier {pension['tier']}): "
            f"{pounds(pension['member_contribution'])}. It is taken before tax, so no tax is paid on it. "
            f"Your employer adds {pension['employer_rate']}: {pounds(pension['employer_contribution'])} this "
            f"{_period_name(frequency)}.")


def _tax(paye: dict[str, Any], result: dict[str, Any], frequency: str) -> list[str]:
    period = _period_name(frequency)
    tax = Decimal(result["income_tax"])
    if paye["basis"] == "cumulative":
        opening = (f"Tax code {paye['code']} ({paye['region']}) is used cumulatively: by tax {period} "
                   f"{paye['tax_period']} your taxable pay comes to {pounds(paye['taxable_pay_to_date'])}.")
    else:
        opening = (f"Tax code {paye['code']} ({paye['region']}) is used on a {period} 1 basis: this {period}'s "
                   f"taxable pay of {pounds(paye['taxable_pay_to_date'])} is taxed on its own.")
    lines = [opening]
    if "free_pay_to_date" in paye:
        lines.append(f"{pounds(paye['free_pay_to_date'])} of it is tax-free, leaving "
                     f"{pounds(max(Decimal(paye['taxable_after_allowance_to_date']), Decimal(0)))} to tax.")
    elif "additional_pay_to_date" in paye:
        lines.append(f"Your K code adds {pounds(paye['additional_pay_to_date'])} to it, making "
                     f"{pounds(paye['taxable_after_allowance_to_date'])} to tax.")
    bands = [band for band in paye.get("bands", []) if Decimal(band["taxable"])]
    if bands:
        parts = [f"{band['rate']} on {pounds(band['taxable'])} is {pounds(band['tax'])}" for band in bands]
        lines.append(f"Tax on that: {'; '.join(parts)}, so {pounds(paye['tax_due_to_date'])} in all.")
    elif paye["code"] == "NT":
        lines.append("Code NT means no tax is taken.")
    else:
        lines.append("No tax is due on it.")
    if paye["basis"] == "cumulative":
        lines.append(f"You had paid {pounds(paye['tax_paid_before'])} before this {period}.")
    if paye["regulatory_limit_applied"]:
        limit = pounds(paye["regulatory_limit"])
        lines.append(f"Tax taken is limited to half your taxable pay this {period}, {limit}; "
                     "the rest is collected later.")
    lines.append(f"Tax this {period}: {pounds(tax)}." if tax >= 0 else
                 f"You are refunded {pounds(-tax)} of tax paid earlier this year.")
    return lines


def _ni(ni: dict[str, Any], result: dict[str, Any]) -> str:
    bands = [band for band in ni.get("employee_bands", []) if Decimal(band["earnings"])]
    thresholds = ni.get("thresholds", {})
    if not bands:
        text = f"National Insurance (category {ni['category']}): none is due from you on this pay."
    else:
        parts = [f"{band['rate']} of {pounds(band['earnings'])} above {pounds(thresholds.get(band['from'], '0'))}"
                 for band in bands]
        text = (f"National Insurance (category {ni['category']}): {'; and '.join(parts)}, "
                f"{pounds(result['employee_ni'])} from you.")
    return f"{text} Your employer pays {pounds(result['employer_ni'])} on top."


def _loans(loans: list[dict[str, Any]]) -> list[str]:
    lines = []
    for loan in loans:
        name = LOAN_NAMES.get(loan["plan"], loan["plan"])
        if "note" in loan:
            lines.append(f"{name}: {loan['note']}.")
        else:
            lines.append(f"{name}: {loan['rate']} of your pay above {pounds(loan['threshold'])}, rounded down to "
                         f"the pound: {pounds(loan['deduction'])}.")
    return lines


def explain(*, gross_pay: str | Decimal, frequency: str, result: dict[str, Any]) -> list[str]:
    """Sentences, in payslip order, saying how each deduction and the net pay came about."""
    working = result["working"]
    lines = []
    if "supplementary" in working:
        correction = working["supplementary"]
        lines.append(f"This payslip corrects a pay period already paid. Your gross pay for the period, worked out "
                     f"again, is {pounds(correction['recalculated_gross_pay'])}, of which "
                     f"{pounds(correction['already_paid_gross_pay'])} was paid before. The working below is for "
                     "the whole period; this payslip pays the difference, less the difference in what is "
                     "deducted.")
    if "salary_sacrifice" in working:
        lines.append(f"Salary sacrifice of {pounds(working['salary_sacrifice'])} comes off your pay before tax "
                     "and National Insurance.")
    if "pension" in working:
        lines.append(_pension(working["pension"], frequency))
    lines += _tax(working["paye"], result, frequency)
    lines.append(_ni(working["ni"], result))
    lines += _loans(working.get("loans", []))
    deductions = [("pension", result["pension_employee"]), ("tax", result["income_tax"]),
                  ("National Insurance", result["employee_ni"]), ("student loan", result["student_loan"]),
                  ("postgraduate loan", result["postgraduate_loan"])]
    taken = ", ".join(f"{name} {pounds(amount)}" for name, amount in deductions if Decimal(amount) > 0)
    refund = Decimal(result["income_tax"])
    sacrifice = Decimal(working.get("salary_sacrifice", "0"))
    sentence = f"Net pay: {pounds(Decimal(gross_pay) - sacrifice)}"
    if taken:
        sentence += f" less {taken}"
    if refund < 0:
        sentence += f" plus a tax refund of {pounds(-refund)}"
    lines.append(f"{sentence} is {pounds(result['net_pay'])}.")
    return lines
