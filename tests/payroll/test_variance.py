"""The variance report: a run's totals beside the previous finalised period's, joiners and
leavers between them, and the employees whose net pay changed most."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from payroll import selectors, services
from payroll.models import PayInput
from payroll.tasks import start_calculation
from tests.payroll.settling import settle_review

pytestmark = pytest.mark.django_db

OCTOBER, NOVEMBER = datetime.date(2026, 10, 15), datetime.date(2026, 11, 15)


def _calculate(schedule, day, moj, capture):
    run = services.pay_run_create(schedule=schedule, period_containing=day, acting_user=None)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    with capture(execute=True):
        start_calculation(run=run, acting_user=moj.payroll_officer)
    return run


def test_the_run_page_compares_the_period_with_the_last_finalised_one(
        client, moj, finance_setting, in_department, django_capture_on_commit_callbacks):
    # given October is finalised
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                            bank_sort_code="202959", bank_account_number="63748472",
                                            bank_account_name="MOJ PAYROLL")
    october = _calculate(schedule, OCTOBER, moj, django_capture_on_commit_callbacks)
    settle_review(october)
    services.pay_run_approve(run=october, acting_user=moj.payroll_approver)
    services.pay_run_finalise(run=october, acting_user=moj.payroll_approver)
    # when November pays one employee a £500 responsibility allowance
    services.pay_input_add(employee=finance_setting.claimant, schedule=schedule, period_containing=NOVEMBER,
                           code="RESP", description="Responsibility allowance", kind=PayInput.Kind.TAXABLE_PAYMENT,
                           amount=Decimal("500.00"), acting_user=moj.payroll_officer)
    november = _calculate(schedule, NOVEMBER, moj, django_capture_on_commit_callbacks)
    with in_department(moj):
        november.refresh_from_db()
        report = selectors.pay_run_variance(run=november)
    # then gross pay rose by exactly the allowance, and that employee's net pay changed most
    assert report is not None
    assert report.previous.pk == october.pk
    lines = {line.label: line for line in report.lines}
    assert (lines["Employees paid"].previous, lines["Employees paid"].current) == (3, 3)
    assert lines["Gross pay"].change == Decimal("500.00")
    assert Decimal("0") < lines["Net pay"].change < Decimal("500.00")
    assert (report.joiners, report.leavers) == (0, 0)
    assert report.largest_changes[0].payroll_number == "E0001"
    assert report.largest_changes[0].change == lines["Net pay"].change
    # and the run page shows it
    client.force_login(moj.payroll_officer)
    page = client.get(f"/departments/{moj.slug}/payroll/runs/{november.pk}/").content.decode()
    assert "Against the previous period" in page
    assert "+£500.00" in page


def test_a_first_run_has_nothing_to_compare_with(moj, finance_setting, in_department,
                                                 django_capture_on_commit_callbacks):
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly")
    run = _calculate(schedule, NOVEMBER, moj, django_capture_on_commit_callbacks)
    with in_department(moj):
        assert selectors.pay_run_variance(run=run) is None
