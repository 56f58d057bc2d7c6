"""Payroll tests build on the HR tests' organisation fixture and the finance tests' team."""

from __future__ import annotations

import pytest
from django.utils import timezone

from departments.models import Department
from hr.models import Employee
from payroll import services
from payroll.tasks import start_calculation
from tests.finance.conftest import build_finance_setting
from tests.hr.conftest import organisation  # noqa: F401  (a fixture, shared)
from tests.payroll.settling import settle_review


@pytest.fixture
def finance_setting(moj, in_department):
    setting = build_finance_setting(moj, in_department)
    with in_department(moj):
        Employee.objects.filter(pk__in=[setting.manager.pk, setting.claimant.pk]).update(
            bank_sort_code="089999", bank_account_number="66374958")
    Department.objects.filter(pk=moj.department.pk).update(bacs_service_user_number="123456")
    moj.department.refresh_from_db()
    return setting


@pytest.fixture
def approved_run(moj, finance_setting, in_department, django_capture_on_commit_callbacks):
    def build(*, before_open=None):
        schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                                bank_sort_code="202959", bank_account_number="63748472",
                                                bank_account_name="MOJ PAYROLL")
        run = services.pay_run_create(schedule=schedule, period_containing=timezone.localdate(), acting_user=None)
        if before_open:
            before_open(schedule)
        services.pay_run_open(run=run, acting_user=moj.payroll_officer)
        with django_capture_on_commit_callbacks(execute=True):
            start_calculation(run=run, acting_user=moj.payroll_officer)
        settle_review(run, moj.payroll_officer, moj.payroll_approver)
        return services.pay_run_approve(run=run, acting_user=moj.payroll_approver)
    return build


