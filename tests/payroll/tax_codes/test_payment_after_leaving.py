"""Payments after leaving: a leaver's final pay (the period holding their leaving date) is taxed on
their own code; a payment for a later period, after their P45, on 0T week 1/month 1 (HMRC CWG2
para 1.14; RTI.md §6.2), keeping a Scottish or Welsh prefix."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from hr.models import Employee
from payroll import services
from payroll.assembly import TAXABLE_PAYMENT, Element, PayrollProfile, YearToDate, payslip_for, tax_code_for_payment
from payroll.models import Payslip

D = datetime.date
PERIOD_START = D(2026, 12, 1)


@pytest.mark.parametrize(("leave_date", "code", "expected"), [
    (None, "1257L", ("1257L", False)),  # still employed
    (D(2026, 12, 10), "1257L", ("1257L", False)),  # left in this period: their final pay
    (D(2026, 11, 14), "1257L", ("0T", True)),  # left before it: paid after the P45
    (D(2026, 11, 14), "S1257L", ("S0T", True)),
    (D(2026, 11, 14), "C1100L", ("C0T", True)),
    (D(2026, 11, 14), "K475", ("0T", True)),
])
def test_the_code_for_a_payment_depends_on_when_the_employee_left(leave_date, code, expected):
    assert tax_code_for_payment(tax_code=code, week1_month1=False, leave_date=leave_date,
                                period_start=PERIOD_START) == expected


def test_a_payment_after_leaving_is_taxed_without_allowance_and_ignoring_the_year_to_date():
    # given a leaver paid £1,000 of arrears in month 9, having paid tax all year on 1257L
    code, week1_month1 = tax_code_for_payment(tax_code="1257L", week1_month1=False, leave_date=D(2026, 11, 14),
                                              period_start=PERIOD_START)
    profile = PayrollProfile(tax_code=code, week1_month1=week1_month1, ni_category="A", student_loans=(),
                             pension_scheme=None)
    slip = payslip_for(employee_ref="E0001", tax_year="2026-27", frequency="monthly", period=9, profile=profile,
                       elements=[Element("ARREARS", "Pay arrears", TAXABLE_PAYMENT, Decimal("1000.00"))],
                       ytd=YearToDate(taxable_pay=Decimal("20000.00"), tax=Decimal("1500.00")))
    # then every pound is taxed at the basic rate: no allowance, no refund from the year to date
    assert Decimal(slip.result["income_tax"]) == Decimal("200.00")


@pytest.mark.django_db
def test_a_leaver_paid_arrears_in_a_later_run_is_taxed_on_0t_week1_month1(moj, finance_setting, approved_run,
                                                                          in_department):
    leaver = finance_setting.claimant

    def leave_last_month_and_owe_arrears(schedule):
        with in_department(moj):
            period_start = timezone.localdate().replace(day=1)
            Employee.objects.filter(pk=leaver.pk).update(leave_date=period_start - datetime.timedelta(days=40))
            services.pay_input_add(employee=Employee.objects.get(pk=leaver.pk), schedule=schedule,
                                   period_containing=timezone.localdate(), code="ARREARS",
                                   description="Pay arrears", kind="taxable_payment", amount=Decimal("1000.00"),
                                   acting_user=moj.payroll_officer)

    # given an employee who left before this period, with £1,000 of arrears entered for it
    run = approved_run(before_open=leave_last_month_and_owe_arrears)
    # when the period's run is calculated: the leaver is paid, on 0T week 1/month 1
    with in_department(moj):
        slip = Payslip.objects.get(run=run, employee_id=leaver.pk)
    assert slip.status == Payslip.Status.CALCULATED
    assert (slip.tax_code, slip.week1_month1) == ("0T", True)
    assert slip.gross_pay == Decimal("1000.00")
    assert slip.income_tax == Decimal("200.00")
