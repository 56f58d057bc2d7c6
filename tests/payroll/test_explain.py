"""A payslip's "how this was worked out" says, in words, the figures the engine worked out."""

from __future__ import annotations

from decimal import Decimal

from payroll.engine.calculator import calculate_one
from payroll.explain import explain

BASE = {"id": "x", "tax_year": "2026-27", "frequency": "monthly", "period": 8, "tax_code": "1257L",
        "week1_month1": False, "ni_category": "A", "student_loans": [], "pension_scheme": None,
        "gross_pay": "3000.00", "pensionable_pay": "3000.00", "ytd_taxable_pay_before": "19000.00",
        "ytd_tax_paid_before": "1700.00"}


def _explained(**changes):
    raw = {**BASE, **changes}
    result = calculate_one(raw, with_working=True)
    return result, explain(gross_pay=raw["gross_pay"], frequency=raw["frequency"], result=result)


def test_a_cumulative_month_with_alpha_and_a_student_loan_reads_as_the_figures():
    result, lines = _explained(pension_scheme="alpha", student_loans=["plan2"])
    text = " ".join(lines)
    assert "Civil Service alpha pension contribution is 4.6% of your pensionable pay" in text
    assert "£138.00. It is taken before tax" in text
    assert "by tax month 8 your taxable pay comes to £21,862.00" in text
    assert "£8,386.08 of it is tax-free" in text
    assert "20% on £13,475.00 is £2,695.00" in text
    assert "You had paid £1,700.00 before this month." in text
    assert "Tax this month: £995.00." in text
    assert "8% of £1,952.00 above £1,048.00" in text
    assert "Your employer pays £387.45 on top." in text
    assert "Student loan plan 2: 9% of your pay above £2,448.75, rounded down to the pound: £49.00." in text
    assert lines[-1] == ("Net pay: £3,000.00 less pension £138.00, tax £995.00, National Insurance £156.16, "
                         f"student loan £49.00 is £{Decimal(result['net_pay']):,.2f}.")


def test_month_1_basis_and_a_refund_are_explained():
    _, month_one = _explained(tax_code="1257L", week1_month1=True)
    _, refund = _explained(gross_pay="500.00", pensionable_pay="500.00", ytd_tax_paid_before="4000.00")
    assert "used on a month 1 basis: this month's taxable pay of £3,000.00 is taxed on its own" in " ".join(month_one)
    assert any(line.startswith("You are refunded £") for line in refund)
    assert "plus a tax refund of" in refund[-1]


def test_k_codes_br_and_nt():
    _, k_code = _explained(tax_code="K500")
    _, basic_rate = _explained(tax_code="BR")
    _, no_tax = _explained(tax_code="NT", ytd_tax_paid_before="0.00")
    assert "Your K code adds £" in " ".join(k_code)
    assert "20% on £" in " ".join(basic_rate)
    assert "Code NT means no tax is taken." in no_tax
    assert "Tax this month: £0.00." in no_tax


def test_the_half_pay_limit_is_explained():
    _, limited = _explained(tax_code="K900", gross_pay="400.00", pensionable_pay="400.00",
                            ytd_taxable_pay_before="0.00", ytd_tax_paid_before="0.00")
    assert any("limited to half your taxable pay this month, £200.00" in line for line in limited)


def test_salary_sacrifice_comes_first():
    _, lines = _explained(salary_sacrifice="100.00")
    assert lines[0] == "Salary sacrifice of £100.00 comes off your pay before tax and National Insurance."
    assert lines[-1].startswith("Net pay: £2,900.00 less")
