"""The payslip-ready e-mail in a browser journey: a payroll approver approves and finalises a run,
each paid employee's e-mail arrives on a real local SMTP server (tests/smtp.py), and the employee
follows its link to their payslip. And the notifications page: passes axe at desktop width and on
a 375 px phone, empty and showing errors, and is worked with the keyboard alone."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect

from departments.models import Department, NotificationPreference
from departments.tenancy import department_context
from hr.models import Employee
from payroll import services
from payroll.tasks import start_calculation
from tests.browser.axe import assert_no_axe_violations
from tests.finance.conftest import build_finance_setting
from tests.payroll.settling import settle_review

pytest_plugins = ["tests.smtp"]  # the smtp_server fixture
pytestmark = pytest.mark.django_db(transaction=True)
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=375, height=812)


def assert_accessible_at_both_widths(page: Page) -> None:
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_no_axe_violations(page)
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def calculated_run(moj, in_department):
    """This month's run, calculated and waiting for approval; Esme has a personal address."""
    setting = build_finance_setting(moj, in_department)
    with in_department(moj):
        Employee.objects.filter(pk__in=[setting.manager.pk, setting.claimant.pk]).update(
            bank_sort_code="089999", bank_account_number="66374958")
        Employee.objects.filter(pk=setting.claimant.pk).update(email="esme@home.example")
    Department.objects.filter(pk=moj.department.pk).update(bacs_service_user_number="123456")
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                            bank_sort_code="202959", bank_account_number="63748472")
    run = services.pay_run_create(schedule=schedule, period_containing=timezone.localdate(), acting_user=None)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    start_calculation(run=run, acting_user=moj.payroll_officer)  # chunks run eagerly as it commits
    return settle_review(run)


def test_finalising_a_run_in_the_browser_sends_the_payslip_ready_email(page, moj, calculated_run, live_server,
                                                                        sign_in_through_browser, smtp_server,
                                                                        settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.PLATFORM_BASE_URL = live_server.url
    # given the payroll approver on the calculated run
    sign_in_through_browser(moj.payroll_approver)
    page.goto(f"/departments/{moj.slug}/payroll/runs/{calculated_run.pk}/")
    expect(page.get_by_test_id("run-status")).to_have_text("Calculated: ready to review")
    # when they approve and finalise it
    page.get_by_role("button", name="Approve").click()
    page.get_by_role("button", name="Finalise and publish payslips").click()
    page.wait_for_url("**/confirm/finalise/")
    page.get_by_role("button", name="Finalise and publish payslips").click()
    expect(page.get_by_test_id("run-status")).to_have_text("Finalised")
    # then each paid employee's e-mail is on the SMTP server: Esme's at her personal address
    received = smtp_server.wait_for(3)
    assert sorted(address for item in received for address in item.envelope_to) == sorted(
        ["esme@home.example", moj.manager.email, moj.hr_officer.email])
    (esme,) = smtp_server.to("esme@home.example")
    assert esme.subject == "Your payslip is ready"
    text = esme.text()
    assert f"Your payslip for {calculated_run.period_start:%B %Y} is ready." in text
    assert "£" not in text
    # when Esme follows the link in it
    link = re.search(rf"{re.escape(live_server.url)}/\S+", text).group(0)
    page.context.clear_cookies()
    sign_in_through_browser(moj.employee)
    page.goto(link)
    # then her payslip is there
    payslip = page.get_by_test_id("payslip-document")
    expect(payslip).to_contain_text("Net pay: £")


def test_the_notifications_page_is_accessible_and_works_by_keyboard(page, moj, sign_in_through_browser):
    # given a manager on their notifications page
    sign_in_through_browser(moj.manager)
    page.goto(f"/departments/{moj.slug}/notifications/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your e-mail notifications")
    assert_accessible_at_both_widths(page)
    # when they choose the daily digest with the keyboard alone
    page.get_by_label("One e-mail for each item").focus()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("A daily digest: one e-mail each morning at 7am")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save")).to_be_focused()
    page.keyboard.press("Enter")
    # then it is saved, and the page says so
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("daily digest at 7am")
    with department_context(moj.department.id):
        assert NotificationPreference.objects.get(user=moj.manager).daily_digest is True
    assert_accessible_at_both_widths(page)


def test_the_notifications_page_showing_an_error_is_accessible(page, moj, sign_in_through_browser):
    sign_in_through_browser(moj.manager)
    page.goto(f"/departments/{moj.slug}/notifications/")
    # a choice sent with neither radio checked (as a browser without the default would)
    page.evaluate("document.querySelectorAll('input[type=radio]').forEach(radio => radio.checked = false)")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select how you want to hear about items waiting for your decision")
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible_at_both_widths(page)
    # the summary's link takes the keyboard to the first radio
    summary.get_by_role("link").click()
    expect(page.get_by_label("One e-mail for each item")).to_be_focused()
