"""A pay run through the pages in a browser: open → calculate (progress shown) → approve as a second
person → finalise → the employee reads their payslip. Each page on the way passes axe."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from departments.models import Department
from hr.models import Employee
from payroll import services
from payroll.models import PayRun
from tests.browser.axe import assert_no_axe_violations
from tests.finance.conftest import build_finance_setting
from tests.payroll.settling import settle_review

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def payroll_ready(moj, in_department):
    setting = build_finance_setting(moj, in_department)
    with in_department(moj):
        Employee.objects.filter(pk__in=[setting.manager.pk, setting.claimant.pk]).update(
            bank_sort_code="089999", bank_account_number="66374958")
    Department.objects.filter(pk=moj.department.pk).update(bacs_service_user_number="123456")
    services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                 bank_sort_code="202959", bank_account_number="63748472")
    return setting


def test_open_calculate_approve_finalise_and_the_employee_reads_the_payslip(page, moj, payroll_ready,
                                                                             sign_in_through_browser, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # given the payroll officer on the pay runs page
    sign_in_through_browser(moj.payroll_officer)
    page.goto(f"/departments/{moj.slug}/payroll/")
    assert_no_axe_violations(page)
    # when they start, open and calculate this month's run
    page.get_by_label("Month of the pay period").fill(timezone.localdate().strftime("%Y-%m"))
    page.get_by_role("button", name="Start a pay run").click()
    page.get_by_role("button", name="Open the run and lock its inputs").click()
    expect(page.get_by_test_id("run-status")).to_have_text("Open: inputs locked")
    page.get_by_role("button", name="Calculate").click()
    # then the results and the exceptions show
    expect(page.get_by_test_id("run-status")).to_have_text("Calculated: ready to review")
    expect(page.get_by_test_id("run-exceptions")).to_contain_text("No bank account")
    assert_no_axe_violations(page)
    run_url = page.url
    # and once its review is settled (tests/browser/test_review_journey.py settles one on the pages)
    settle_review(PayRun(pk=int(re.search(r"/runs/(\d+)/", run_url)[1]), department_id=moj.department.id))
    # when a payroll approver approves and finalises it, confirming what finalising does
    page.context.clear_cookies()
    sign_in_through_browser(moj.payroll_approver)
    page.goto(run_url)
    page.get_by_role("button", name="Approve").click()
    page.get_by_role("button", name="Finalise and publish payslips").click()
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    page.get_by_role("button", name="Finalise and publish payslips").click()
    expect(page.get_by_test_id("run-status")).to_have_text("Finalised")
    expect(page.get_by_role("link", name="Bacs net-pay file")).to_be_visible()
    # then the employee finds the payslip from the department home
    page.context.clear_cookies()
    sign_in_through_browser(moj.employee)
    page.goto(f"/departments/{moj.slug}/")
    page.get_by_role("link", name="See details of your payslips").click()
    assert_no_axe_violations(page)
    page.get_by_test_id("my-payslips").get_by_role("link").first.click()
    payslip = page.get_by_test_id("payslip-document")
    expect(payslip.get_by_role("heading", name="How this was worked out")).to_be_visible()
    expect(payslip).to_contain_text("Net pay: £")
    assert_no_axe_violations(page)
