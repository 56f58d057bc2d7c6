"""A supplementary run's payslip: the period recalculated less what its finalised runs paid."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from payroll import assembly
from payroll.supplementary import PaidInPeriod, correction

PROFILE = assembly.PayrollProfile(tax_code="1257L", week1_month1=False, ni_category="A", student_loans=("plan2",),
                                  pension_scheme="alpha")
YTD = assembly.YearToDate(taxable_pay=D("17500.00"), tax=D("1990.60"))


def _slip(*elements, profile=PROFILE):
    return assembly.payslip_for(employee_ref="E1", tax_year="2026-27", frequency="monthly", period=8,
                                profile=profile, elements=list(elements), ytd=YTD)


def _paid(*slips):
    paid = PaidInPeriod()
    for slip in slips:
        paid.add_payslip(
            gross_pay=slip.gross_pay,
            figures={**{name: D(slip.result[name]) for name in ("taxable_pay", "income_tax", "employee_ni",
                                                                 "employer_ni", "pension_employee", "student_loan",
                                                                 "postgraduate_loan")}, "net_pay": slip.net_pay},
            lines=[(line.code, line.description, line.section, line.after_tax, line.amount) for line in slip.lines])
    return paid


BASIC = assembly.Element("BASIC", "Basic pay", assembly.TAXABLE_PAYMENT, D("2500.00"), pensionable=True)
OVERTIME = assembly.Element("OVERTIME", "Overtime", assembly.TAXABLE_PAYMENT, D("300.00"))
EXPENSES = assembly.Element("EXPENSES", "Expenses", assembly.REIMBURSEMENT, D("42.10"))


@pytest.mark.parametrize("profile", [PROFILE, assembly.PayrollProfile(
    tax_code="1257L", week1_month1=True, ni_category="A", student_loans=(), pension_scheme=None)])
def test_a_missed_payment_pays_the_difference_taxed_as_the_whole_period_would_be(profile):
    # given the period was paid with basic pay and expenses
    regular = _slip(BASIC, EXPENSES, profile=profile)
    # when overtime is found missing and the period recalculated
    fresh = _slip(BASIC, EXPENSES, OVERTIME, profile=profile)
    slip = correction(fresh, _paid(regular))
    # then the correction pays the overtime, with the extra tax and NI the whole period owes
    assert slip is not None
    assert slip.gross_pay == D("300.00")
    lines = {line.code: line.amount for line in slip.lines}
    assert lines["OVERTIME"] == D("300.00")
    assert "BASIC" not in lines
    assert "EXPENSES" not in lines
    assert lines["TAX"] == D(fresh.result["income_tax"]) - D(regular.result["income_tax"])
    assert lines["NI"] == D(fresh.result["employee_ni"]) - D(regular.result["employee_ni"])
    assert slip.net_pay == fresh.net_pay - regular.net_pay
    assert D(slip.result["net_pay"]) == D(fresh.result["net_pay"]) - D(regular.result["net_pay"])
    assert D(slip.result["income_tax"]) == lines["TAX"]
    # and the year to date afterwards is the whole period's
    assert slip.ytd_after == fresh.ytd_after


def test_nothing_changed_means_no_payslip():
    regular = _slip(BASIC, EXPENSES)
    assert correction(_slip(BASIC, EXPENSES), _paid(regular)) is None


def test_two_earlier_runs_in_the_period_are_both_taken_away():
    # given a regular run and a first supplementary paying the overtime
    regular = _slip(BASIC)
    first = correction(_slip(BASIC, OVERTIME), _paid(regular))
    # when nothing else changed
    # then a second supplementary pays nothing more
    assert correction(_slip(BASIC, OVERTIME), _paid(regular, first)) is None


def test_a_correction_that_takes_pay_back_is_refused():
    regular = _slip(BASIC, OVERTIME)
    with pytest.raises(assembly.PayslipError, match="net_pay: the correction takes back £"):
        correction(_slip(BASIC), _paid(regular))
