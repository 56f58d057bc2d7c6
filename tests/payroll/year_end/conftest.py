"""Year-end tests pay real runs through the services: created, opened, calculated, approved by a
second person and finalised."""

from __future__ import annotations

import datetime

import pytest

from payroll import services
from payroll.tasks import start_calculation
from tests.payroll.settling import settle_review


@pytest.fixture
def monthly(moj, finance_setting):
    return services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                        bank_sort_code="202959", bank_account_number="63748472",
                                        bank_account_name="MOJ PAYROLL")


@pytest.fixture
def pay(moj, django_capture_on_commit_callbacks):
    """Pay the schedule's period containing ``day`` and finalise it (the FPS queued at finalising
    is left to its own tests: callbacks of the finalising transaction are not run)."""

    def run_through(schedule, day: datetime.date):
        run = services.pay_run_create(schedule=schedule, period_containing=day, acting_user=None)
        services.pay_run_open(run=run, acting_user=moj.payroll_officer)
        with django_capture_on_commit_callbacks(execute=True):
            start_calculation(run=run, acting_user=moj.payroll_officer)
        settle_review(run, moj.payroll_officer, moj.payroll_approver)
        services.pay_run_approve(run=run, acting_user=moj.payroll_approver)
        return services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)

    return run_through
