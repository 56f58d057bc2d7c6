"""Week 53: a weekly pay day on 5 April is paid on HMRC's rules (tax on the code's week-1 allowance,
non-cumulative; NI on the weekly thresholds) instead of being refused."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from payroll import services
from payroll.engine import calculate_batch
from payroll.models import Payslip
from payroll.periods import WEEKLY, is_week_53, tax_period

pytestmark = pytest.mark.django_db
D = datetime.date


def test_a_weekly_pay_day_on_5_april_is_tax_week_53():
    assert tax_period(WEEKLY, D(2027, 4, 5)) == 53
    assert tax_period(WEEKLY, D(2027, 4, 4)) == 52
    # in a leap year 4 April falls in week 53 too: it is the 365th day of the 2023-24 tax year
    assert tax_period(WEEKLY, D(2024, 4, 4)) == 53
    assert is_week_53(WEEKLY, 53)
    assert not is_week_53(WEEKLY, 52)
    assert not is_week_53("monthly", 12)


def test_the_engine_taxes_week_53_on_the_week_1_basis():
    # given £576.92 in week 53 with £10,000 of taxable pay and £1,000 of tax already this year
    common = {"id": "x", "tax_year": "2026-27", "frequency": "weekly", "tax_code": "1257L", "ni_category": "A",
              "gross_pay": "576.92", "ytd_taxable_pay_before": "10000.00", "ytd_tax_paid_before": "1000.00"}
    # when it is calculated
    (week_53,) = calculate_batch([{**common, "period": 53}], with_working=True)
    (week_1,) = calculate_batch([{**common, "period": 1, "week1_month1": True}])
    # then tax ignores the year to date: 20% of (£576.92 − £241.92 week-1 free pay) = £67.00
    assert week_53["income_tax"] == week_1["income_tax"] == "67.00"
    assert week_53["working"]["paye"]["basis"] == "week 1 / month 1"
    assert week_53["working"]["paye"]["week_53"] is True
    # and NI is a normal week's: 8% of (£576.92 − £242)
    assert week_53["employee_ni"] == "26.79"


def test_a_week_53_run_is_paid_through_the_pay_run(moj, finance_setting, in_department, pay):
    # given a weekly schedule paying on Mondays; 5 April 2027 is a Monday, in tax week 53
    weekly = services.pay_schedule_create(department=moj.department, acting_user=None, name="Weekly",
                                          frequency="weekly", pay_weekday=0, bank_sort_code="202959",
                                          bank_account_number="63748472")
    # when that week is paid
    run = pay(weekly, D(2027, 4, 5))
    # then the run is tax week 53 of 2026-27 and each payslip is taxed on the week-1 basis
    assert (run.tax_year, run.tax_period, run.pay_date) == ("2026-27", 53, D(2027, 4, 5))
    with in_department(moj):
        slip = Payslip.objects.get(run=run, employee=finance_setting.claimant)
    assert slip.status == "calculated"
    assert slip.gross_pay == Decimal("576.92")
    assert slip.income_tax == Decimal("67.00")
    assert slip.employee_ni == Decimal("26.79")
    assert slip.working["paye"]["week_53"] is True
    assert slip.year_to_date["taxable_pay"] == "576.92"
