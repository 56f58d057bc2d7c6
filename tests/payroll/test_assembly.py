"""A payslip from pay elements: what is taxed, what is pensionable, what comes after tax, the
year-to-date figures carried forward, and the review checks before approval."""

from __future__ import annotations

from decimal import Decimal

import pytest

from payroll.assembly import (
    NET_DEDUCTION,
    REIMBURSEMENT,
    SALARY_SACRIFICE,
    TAXABLE_PAYMENT,
    Element,
    PayrollProfile,
    PayslipError,
    ReviewFacts,
    YearToDate,
    payslip_for,
    review_exceptions,
)
from payroll.engine.calculator import calculate_one

M = Decimal
PROFILE = PayrollProfile(tax_code="1257L", week1_month1=False, ni_category="A", student_loans=("plan2",),
                         pension_scheme="alpha")
YTD = YearToDate(taxable_pay=M("19000.00"), tax=M("1700.00"))
BASIC = Element("BASIC", "Basic pay", TAXABLE_PAYMENT, M("2750.00"), pensionable=True)
LONDON = Element("LONDON", "London weighting", TAXABLE_PAYMENT, M("250.00"), pensionable=True)


def _slip(*elements, profile=PROFILE, ytd=YTD):
    return payslip_for(employee_ref="MJ0001", tax_year="2026-27", frequency="monthly", period=8, profile=profile,
                       elements=list(elements), ytd=ytd)


def test_payments_reach_the_engine_and_the_slip_matches_its_result():
    # given basic pay and London weighting, both pensionable
    slip = _slip(BASIC, LONDON)
    # when the same figures go to the engine directly
    direct = calculate_one({"id": "x", "tax_year": "2026-27", "frequency": "monthly", "period": 8,
                            "tax_code": "1257L", "week1_month1": False, "ni_category": "A",
                            "student_loans": ["plan2"], "pension_scheme": "alpha", "gross_pay": "3000.00",
                            "pensionable_pay": "3000.00", "ytd_taxable_pay_before": "19000.00",
                            "ytd_tax_paid_before": "1700.00"})
    # then
    assert slip.gross_pay == M("3000.00")
    assert slip.net_pay == M(direct["net_pay"])
    assert slip.amount("TAX") == M(direct["income_tax"])
    assert slip.amount("ER_NI") == M(direct["employer_ni"])
    assert slip.amount("ER_PENSION") == M("869.10")


def test_overtime_that_is_not_pensionable_is_taxed_but_not_pensioned():
    overtime = Element("OVERTIME", "Overtime 10 hours at £20.00", TAXABLE_PAYMENT, M("200.00"))
    plain, with_overtime = _slip(BASIC, LONDON), _slip(BASIC, LONDON, overtime)
    assert with_overtime.amount("PENSION") == plain.amount("PENSION")
    assert with_overtime.gross_pay == M("3200.00")
    assert with_overtime.amount("TAX") > plain.amount("TAX")


def test_reimbursed_expenses_are_paid_untaxed_and_net_deductions_come_off_after_tax():
    expenses = Element("EXPENSES", "Expenses claim 14", REIMBURSEMENT, M("84.20"))
    union = Element("UNION", "Union subscription", NET_DEDUCTION, M("15.00"))
    plain, slip = _slip(BASIC, LONDON), _slip(BASIC, LONDON, expenses, union)
    assert slip.amount("TAX") == plain.amount("TAX")
    assert slip.net_pay == plain.net_pay + M("84.20") - M("15.00")
    assert slip.ytd_after.taxable_pay == plain.ytd_after.taxable_pay


def test_salary_sacrifice_lowers_tax_ni_and_pensionable_pay():
    sacrifice = Element("CYCLE", "Cycle to work", SALARY_SACRIFICE, M("100.00"))
    plain, slip = _slip(BASIC, LONDON), _slip(BASIC, LONDON, sacrifice)
    assert slip.amount("NI") < plain.amount("NI")
    assert slip.amount("TAX") < plain.amount("TAX")
    assert slip.amount("PENSION") < plain.amount("PENSION")


def test_year_to_date_figures_carry_forward():
    slip = _slip(BASIC, LONDON)
    assert slip.ytd_after.taxable_pay == M("19000.00") + slip.taxable_pay
    assert slip.ytd_after.tax == M("1700.00") + slip.amount("TAX")
    assert slip.ytd_after.net_pay == slip.net_pay


def test_statutory_payments_add_to_their_year_to_date_figures():
    # given SMP paid earlier in the year, and this period's SMP and SSP lines
    smp = Element("SMP", "Statutory Maternity Pay, weeks 1–4", TAXABLE_PAYMENT, M("2005.71"), pensionable=True)
    ssp = Element("SSP", "Statutory Sick Pay, 5 days", TAXABLE_PAYMENT, M("123.25"), pensionable=True)
    slip = _slip(BASIC, smp, ssp, ytd=YearToDate(taxable_pay=M("19000.00"), tax=M("1700.00"), smp=M("540.00")))
    # then each payment's figure carries on; the others stay at nothing
    assert (slip.ytd_after.smp, slip.ytd_after.ssp) == (M("2545.71"), M("123.25"))
    assert (slip.ytd_after.sap, slip.ytd_after.spp, slip.ytd_after.shpp, slip.ytd_after.spbp,
            slip.ytd_after.sncp) == (M("0.00"),) * 5


def test_a_stored_year_to_date_without_the_statutory_figures_reads_them_as_nothing():
    # given an older payslip's year to date, from before statutory payments were counted
    ytd = YearToDate.from_stored({"taxable_pay": "5000.00", "tax": "580.20", "gross_pay": "5000.00"})
    assert (ytd.taxable_pay, ytd.tax, ytd.smp, ytd.ssp) == (M("5000.00"), M("580.20"), M("0.00"), M("0.00"))
    # and a newer one round-trips
    stored = {name: str(value) for name, value in vars(YearToDate(smp=M("12.34"), ssp=M("5.67"))).items()}
    assert YearToDate.from_stored(stored) == YearToDate(smp=M("12.34"), ssp=M("5.67"))


def test_bad_payroll_data_is_refused_with_the_field_named():
    with pytest.raises(PayslipError, match="tax_code"):
        _slip(BASIC, profile=PayrollProfile(tax_code="12X57", week1_month1=False, ni_category="A",
                                            student_loans=(), pension_scheme=None))
    with pytest.raises(PayslipError, match="net_pay: deductions from net pay"):
        _slip(BASIC, Element("COURT", "Attachment of earnings", NET_DEDUCTION, M("5000.00")))
    with pytest.raises(PayslipError, match="BONUS: amount 1.005 has more than two decimal places"):
        Element("BONUS", "Bonus", TAXABLE_PAYMENT, M("1.005"))


def test_review_flags_what_an_officer_must_check():
    slip = _slip(BASIC, LONDON)
    facts = ReviewFacts(has_bank_details=False, left_before_period=True, tax_code="1257L", week1_month1=True,
                        previous_tax_code="1100L", previous_net_pay=slip.net_pay * 2)
    codes = [code for code, _ in review_exceptions(payslip=slip, facts=facts)]
    assert codes == ["net_pay_changed", "no_bank_details", "left_before_period", "tax_code_changed",
                     "emergency_tax_code"]


def test_a_clean_employee_has_no_exceptions():
    slip = _slip(BASIC, LONDON)
    facts = ReviewFacts(has_bank_details=True, left_before_period=False, tax_code="1257L", week1_month1=False,
                        previous_tax_code="1257L", previous_net_pay=slip.net_pay)
    assert review_exceptions(payslip=slip, facts=facts) == []
