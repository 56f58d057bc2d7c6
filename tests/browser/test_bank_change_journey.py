"""An employee changes their bank details after giving a second factor (a wrong code first, refused);
the payroll officer opens and calculates the next run and sees the change flagged beside its
exceptions; the approver cannot approve until they acknowledge it, then does. The run page with the
report, its error summary and the acknowledgement pass axe at desktop width and on a 375 px phone."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect

from hr.models import BankDetailsChange, Employee
from payroll import services
from payroll.models import BankChangeAcknowledgement, PayRun
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import totp_code_for
from tests.payroll.conftest import finance_setting  # noqa: F401  (a fixture)
from tests.payroll.settling import settle_review

pytestmark = pytest.mark.django_db(transaction=True)
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=375, height=812)


def assert_accessible_at_both_widths(page: Page) -> None:
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_no_axe_violations(page)
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def next_run(moj, finance_setting, in_department, settings):  # noqa: F811
    """This month's run, not yet opened; Cal (E0002) is paid into 20-04-15 38290008."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with in_department(moj):
        Employee.objects.filter(payroll_number="E0002").update(bank_sort_code="200415",
                                                               bank_account_number="38290008")
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                            bank_sort_code="202959", bank_account_number="63748472",
                                            bank_account_name="MOJ PAYROLL")
    return services.pay_run_create(schedule=schedule, period_containing=timezone.localdate(), acting_user=None)


def _give_a_second_factor_refusing_a_wrong_code_first(page: Page, user) -> None:
    """On the step-up: set up an authenticator app (a person without one) or give its code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    setting_up = "/set-up/" in page.url
    label = "Code from your authenticator app" if setting_up else "Security code"
    button = "Confirm" if setting_up else "Continue"
    if setting_up:
        secret, after_step = page.get_by_test_id("totp-secret").inner_text(), -1
    else:
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        secret, after_step = base64.b32encode(device.bin_key).decode(), device.last_t
    right = totp_code_for(secret, after_step=after_step)
    page.get_by_label(label).fill("000000" if right != "000000" else "111111")
    page.get_by_role("button", name=button).click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    time.sleep(1.1)  # django-otp pauses after a wrong code
    page.get_by_label(label).fill(totp_code_for(secret, after_step=after_step))
    page.get_by_role("button", name=button).click()
    if setting_up:
        page.get_by_role("link", name="I have saved my codes, continue").click()


def test_a_changed_account_is_flagged_on_the_next_run_and_approval_waits_for_its_acknowledgement(
        page, moj, next_run, in_department, sign_in_through_browser):
    run_url = f"/departments/{moj.slug}/payroll/runs/{next_run.pk}/"
    # given the employee signed in, asking for their bank details page
    sign_in_through_browser(moj.employee)
    page.goto(f"/departments/{moj.slug}/hr/me/bank-details/")
    # then a second factor is asked for first, and a wrong code is refused
    expect(page.get_by_role("heading", name=re.compile("Set up an authenticator app|Confirm it is you"))) \
        .to_be_visible()
    with in_department(moj):
        assert not BankDetailsChange.objects.exists()
    _give_a_second_factor_refusing_a_wrong_code_first(page, moj.employee)
    # when they give the new account (the one Cal is paid into)
    expect(page.get_by_role("heading", name="Your bank details", exact=True)).to_be_visible()
    page.get_by_label("Sort code").fill("20-04-15")
    page.get_by_label("Account number").fill("38290008")
    page.get_by_role("button", name="Change bank details").click()
    # then the change is recorded, and its page says from when it counts
    page.wait_for_url(re.compile(r"/hr/me/bank-details/changes/\d+/$"))
    with in_department(moj):
        change = BankDetailsChange.objects.get()
    assert change.account_number == "38290008"

    # when the payroll officer opens and calculates the next run
    page.context.clear_cookies()
    sign_in_through_browser(moj.payroll_officer)
    page.goto(run_url)
    page.get_by_role("button", name="Open the run and lock its inputs").click()
    expect(page.get_by_test_id("run-status")).to_have_text("Open: inputs locked")
    page.get_by_role("button", name="Calculate").click()
    expect(page.get_by_test_id("run-status")).to_have_text("Calculated: ready to review")
    # then the change is listed beside the exceptions, flagged, with the reason in words
    report = page.get_by_test_id("run-bank-changes")
    expect(report).to_contain_text("Esme Tester (E0001)")
    expect(report.get_by_test_id("bank-change-flag-shared_account")).to_have_text(
        "Account shared with another employee")
    expect(report).to_contain_text("also the account of 1 other employee: Cal Tester (E0002)")
    expect(report).to_contain_text("1 flagged change waits for an approver")
    assert_accessible_at_both_widths(page)
    # and they settle the run's exceptions (tests/browser/test_review_journey.py does it on the pages)
    settle_review(next_run, moj.payroll_officer)

    # when the approver tries to approve the run
    page.context.clear_cookies()
    sign_in_through_browser(moj.payroll_approver)
    page.goto(run_url)
    page.get_by_role("button", name="Approve").click()
    # then approval is refused, naming the change
    expect(page.locator(".govuk-notification-banner, .govuk-error-summary").first).to_contain_text(
        "Acknowledge the flagged bank details change")
    expect(page.get_by_test_id("run-status")).to_have_text("Calculated: ready to review")
    # when they acknowledge it without saying what they checked, using the keyboard alone
    page.get_by_label(re.compile("Esme Tester \\(E0001\\)")).focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Acknowledge selected changes").focus()
    page.keyboard.press("Enter")
    # then the error summary asks for the note, and nothing is recorded
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter what you checked")
    assert_accessible_at_both_widths(page)
    with in_department(moj):
        assert not BankChangeAcknowledgement.objects.exists()
    summary.get_by_role("link", name=re.compile("Enter what you checked")).click()
    expect(page.get_by_label("What did you check?")).to_be_focused()
    # when they write the note and acknowledge all shown
    page.keyboard.type("Phoned Esme on the number from her starter form; Cal is her husband")
    page.get_by_role("button", name="Acknowledge all shown").click()
    # then the run page shows who acknowledged it, and approving now goes ahead
    expect(page.get_by_test_id("bank-change-acknowledgement")).to_contain_text(
        f"By {moj.payroll_approver.get_full_name()} on")
    expect(page.get_by_test_id("bank-change-acknowledgement")).to_contain_text("Cal is her husband")
    assert_accessible_at_both_widths(page)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("run-status")).to_have_text("Approved")
    with in_department(moj):
        assert PayRun.objects.get(pk=next_run.pk).status == PayRun.Status.APPROVED
