"""Finalising a pay run: the payroll journal (balanced, by cost centre), the Bacs file (read back:
count and total), expense claims reimbursed through pay, and the refusals."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from departments.models import Department
from finance import services as finance_services
from finance.models import ExpenseClaim, ExpenseLine, JournalLine
from payroll import services
from payroll.bacs import read_standard18
from payroll.models import OpeningBalance, PayInput, PayRun, Payslip

pytestmark = pytest.mark.django_db
M = Decimal


def _approved_claim(moj, setting):
    claim = finance_services.expense_claim_create(employee=setting.claimant, purpose="Court visit",
                                                  acting_user=moj.employee)
    finance_services.expense_line_add(claim=claim, acting_user=moj.employee, category=ExpenseLine.Category.TRAVEL,
                                      incurred_on=timezone.localdate() - datetime.timedelta(days=2),
                                      description="Train", amount=M("84.20"))
    finance_services.expense_claim_submit(claim=claim, acting_user=moj.employee)
    finance_services.expense_claim_manager_decide(claim=claim, approve=True, acting_user=moj.manager)
    return finance_services.expense_claim_finance_decide(claim=claim, approve=True, acting_user=moj.finance_officer)


def test_finalising_posts_a_balanced_journal_and_writes_the_bacs_file(moj, finance_setting, approved_run,
                                                                      in_department):
    # given an approved run
    run = approved_run()
    # when
    run = services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
    # then
    with in_department(moj):
        slips = list(Payslip.objects.filter(run=run).select_related("employee"))
        lines = list(JournalLine.objects.filter(journal=run.journal).select_related("account", "cost_centre"))
    assert run.status == PayRun.Status.FINALISED
    assert sum(line.debit for line in lines) == sum(line.credit for line in lines)
    staff_costs = {line.cost_centre.code: line.debit for line in lines if line.account.purpose == "staff_costs"}
    assert staff_costs == {"C100": sum(s.gross_pay for s in slips if s.cost_centre_id == finance_setting.centre.pk),
                           "C110": sum(s.gross_pay for s in slips if s.cost_centre_id == finance_setting.sub_centre.pk)}
    # the bank pays out what the Bacs file pays; the net pay of the employee with no bank account
    # stays owed on net pay control until it is paid
    paid = [s for s in slips if s.employee.bank_account_number]
    unpaid = [s for s in slips if not s.employee.bank_account_number]
    assert unpaid
    bank = [line for line in lines if line.account.purpose == "bank"]
    assert [line.credit for line in bank] == [sum(s.net_pay for s in paid)]
    control = [line for line in lines if line.account.purpose == "net_pay_control"]
    assert sum(line.credit - line.debit for line in control) == sum(s.net_pay for s in unpaid)
    # the Bacs file pays the two employees with bank details, and reads back to their net pay
    read = read_standard18(default_storage.open(run.bacs_file).read().decode("ascii"))
    assert len(read.payments) == 2
    assert read.total_pence == int(sum(s.net_pay for s in paid) * 100)
    assert run.bacs_file.startswith(f"payroll/department-{moj.department.id}/")


def test_an_approved_expense_claim_is_reimbursed_untaxed_and_marked_paid(moj, finance_setting, approved_run,
                                                                         in_department):
    # given an approved claim before the run opens
    claim = _approved_claim(moj, finance_setting)
    run = approved_run()
    with in_department(moj):
        slip = Payslip.objects.get(run=run, employee=finance_setting.claimant)
        colleague = Payslip.objects.get(run=run, employee=finance_setting.colleague)
        assert ExpenseClaim.objects.get(pk=claim.pk).status == ExpenseClaim.Status.QUEUED_FOR_PAYROLL
    # then the claimant's net pay carries it untaxed (same salary, same tax as a colleague)
    assert slip.income_tax == colleague.income_tax
    assert slip.net_pay == colleague.net_pay + M("84.20")
    # when finalised, the claim is paid
    services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
    with in_department(moj):
        assert ExpenseClaim.objects.get(pk=claim.pk).status == ExpenseClaim.Status.PAID


def test_cancelling_gives_queued_claims_back(moj, finance_setting, in_department):
    claim = _approved_claim(moj, finance_setting)
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly")
    run = services.pay_run_create(schedule=schedule, period_containing=timezone.localdate(), acting_user=None)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    services.pay_run_cancel(run=run, acting_user=moj.payroll_officer, reason="Opened too early")
    with in_department(moj):
        assert ExpenseClaim.objects.get(pk=claim.pk).status == ExpenseClaim.Status.APPROVED
        assert not PayInput.objects.filter(code="EXPENSES").exists()


def test_finalising_needs_approval_and_the_bacs_details(moj, finance_setting, approved_run, in_department):
    run = approved_run()
    Department.objects.filter(pk=moj.department.pk).update(bacs_service_user_number="")
    with pytest.raises(ValidationError) as missing:
        services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
    assert "bacs_service_user_number" in missing.value.message_dict
    with in_department(moj):
        assert PayRun.objects.get(pk=run.pk).status == PayRun.Status.APPROVED
    Department.objects.filter(pk=moj.department.pk).update(bacs_service_user_number="123456")
    services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
    with pytest.raises(ValidationError, match="is finalised, so it cannot be finalised"):
        services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
    with pytest.raises(ValidationError, match="cannot be cancelled"):
        services.pay_run_cancel(run=run, acting_user=moj.payroll_officer, reason="Too late")


def test_the_first_run_starts_from_the_opening_balances_and_locks_them(moj, finance_setting, approved_run,
                                                                        in_department):
    # given the previous payroll system's figures for the claimant this tax year
    with in_department(moj):
        OpeningBalance.objects.create(department=moj.department, employee=finance_setting.claimant,
                                      tax_year="2026-27", taxable_pay=M("17500.00"), tax_paid=M("1900.00"),
                                      ni_employee=M("700.00"))
    # when the run is calculated and finalised
    run = approved_run()
    with in_department(moj):
        slip = Payslip.objects.get(run=run, employee=finance_setting.claimant)
    services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
    # then the year to date carries on from them, and they are locked
    assert M(slip.year_to_date["taxable_pay"]) == M("17500.00") + slip.taxable_pay
    assert M(slip.year_to_date["tax"]) == M("1900.00") + slip.income_tax
    assert slip.working["paye"]["taxable_pay_to_date"] == f"{M('17500.00') + slip.taxable_pay:.2f}"
    with in_department(moj):
        assert OpeningBalance.objects.get(employee=finance_setting.claimant).locked
