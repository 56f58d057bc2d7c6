"""A run under way pays into the accounts its approver saw: a bank details change made while an
earlier run is approved but not yet finalised waits, and is applied when the next run opens; and
nobody behind a change approves or acknowledges the run that pays into it."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from hr.models import BankDetailsChange, Employee
from hr.services.bank_details import bank_details_change_request
from payroll import services
from payroll.selectors import bacs_payments
from payroll.tasks import start_calculation
from tests.factories.hr import BankDetailsChangeFactory
from tests.payroll.settling import settle_review

pytestmark = pytest.mark.django_db


def _last_month() -> datetime.date:
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


@pytest.fixture
def late_run(moj, finance_setting, django_capture_on_commit_callbacks):
    """Last month's run, approved but not yet finalised (its Bacs file not yet built)."""
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                            bank_sort_code="202959", bank_account_number="63748472",
                                            bank_account_name="MOJ PAYROLL")
    run = services.pay_run_create(schedule=schedule, period_containing=_last_month(), acting_user=None)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    with django_capture_on_commit_callbacks(execute=True):
        start_calculation(run=run, acting_user=moj.payroll_officer)
    settle_review(run)
    return services.pay_run_approve(run=run, acting_user=moj.payroll_approver)


def _esme(moj, in_department) -> Employee:
    with in_department(moj):
        return Employee.objects.get(payroll_number="E0001")


def test_a_change_made_while_last_months_run_is_unfinalised_waits_for_the_next_run(
        moj, late_run, in_department, django_capture_on_commit_callbacks):
    # given last month's run approved, not finalised, and Esme paid into 08-99-99 66374958
    esme = _esme(moj, in_department)
    # when Esme changes her bank details today
    change = bank_details_change_request(employee=esme, sort_code="200415", account_number="38290008",
                                         acting_user=moj.employee)
    # then the change waits, and her record still holds the account the approver saw
    assert change.status == BankDetailsChange.Status.SCHEDULED
    assert change.effective_from >= late_run.period_end + datetime.timedelta(days=1)
    assert _esme(moj, in_department).bank_account_number == "66374958"
    # and last month's Bacs payments still go to the old account
    with in_department(moj):
        accounts = {payment.account_number for payment in bacs_payments(late_run)}
    assert "66374958" in accounts
    assert "38290008" not in accounts
    # when last month's run is finalised, and this month's run opens
    with django_capture_on_commit_callbacks(execute=True):
        services.pay_run_finalise(run=late_run, acting_user=moj.payroll_approver)
    assert _esme(moj, in_department).bank_account_number == "66374958"
    this_month = services.pay_run_create(schedule=late_run.schedule, period_containing=timezone.localdate(),
                                         acting_user=None)
    services.pay_run_open(run=this_month, acting_user=moj.payroll_officer)
    # then this month's run pays into the new account
    assert _esme(moj, in_department).bank_account_number == "38290008"
    with in_department(moj):
        assert BankDetailsChange.objects.get(pk=change.pk).status == BankDetailsChange.Status.APPLIED


def test_opening_a_run_while_an_earlier_one_is_unfinalised_leaves_changes_waiting_until_it_is_finalised(
        moj, late_run, in_department, django_capture_on_commit_callbacks):
    # given Esme's change scheduled from this month, and this month's run opened before last month's is finalised
    esme = _esme(moj, in_department)
    change = bank_details_change_request(employee=esme, sort_code="200415", account_number="38290008",
                                         acting_user=moj.employee)
    this_month = services.pay_run_create(schedule=late_run.schedule, period_containing=timezone.localdate(),
                                         acting_user=None)
    services.pay_run_open(run=this_month, acting_user=moj.payroll_officer)
    # then the change still waits: last month's Bacs file is not built yet
    assert _esme(moj, in_department).bank_account_number == "66374958"
    # when last month's run is finalised
    with django_capture_on_commit_callbacks(execute=True):
        services.pay_run_finalise(run=late_run, acting_user=moj.payroll_approver)
    # then the change counts for this month's run, still taking inputs
    assert _esme(moj, in_department).bank_account_number == "38290008"
    with in_department(moj):
        assert BankDetailsChange.objects.get(pk=change.pk).status == BankDetailsChange.Status.APPLIED


@pytest.fixture
def calculated_run(moj, finance_setting, django_capture_on_commit_callbacks):
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                            bank_sort_code="202959", bank_account_number="63748472",
                                            bank_account_name="MOJ PAYROLL")
    run = services.pay_run_create(schedule=schedule, period_containing=timezone.localdate(), acting_user=None)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    with django_capture_on_commit_callbacks(execute=True):
        start_calculation(run=run, acting_user=moj.payroll_officer)
    return run


def test_an_approver_who_made_a_change_the_run_pays_into_may_not_approve_or_acknowledge_it(
        moj, calculated_run, in_department):
    # given a change to Esme's account, shared with Cal, made by the payroll approver
    with in_department(moj):
        Employee.objects.filter(payroll_number="E0002").update(bank_sort_code="200415", bank_account_number="38290008")
    esme = _esme(moj, in_department)
    change = BankDetailsChangeFactory(
        department=moj.department, employee=esme, sort_code="200415", account_number="38290008",
        requested_by=moj.payroll_approver, effective_from=calculated_run.period_start,
        requested_at=timezone.make_aware(datetime.datetime.combine(
            calculated_run.pay_date - datetime.timedelta(days=20), datetime.time(10))))
    # when that approver acknowledges it, or approves the run
    with pytest.raises(ValidationError) as refused_acknowledgement:
        services.pay_run_bank_changes_acknowledge(run=calculated_run, change_ids=[change.pk], note="Looks fine",
                                                  acting_user=moj.payroll_approver)
    settle_review(calculated_run)
    with pytest.raises(ValidationError) as refused_approval:
        services.pay_run_approve(run=calculated_run, acting_user=moj.payroll_approver)
    # then both are refused, saying why
    assert "another approver must acknowledge it" in " ".join(refused_acknowledgement.value.messages)
    assert refused_approval.value.error_dict["__all__"][0].code == "bank_details_changed"
    assert "Esme" in " ".join(refused_approval.value.messages)
