"""A payroll approver signs in with a password, sets up an authenticator app when approving asks for a
second factor, saves recovery codes, approves and finalises; a code too old is asked for again; the
second-factor pages pass axe."""

from __future__ import annotations

import time

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from payroll.models import PayRun
from shared_services.accounts import two_factor
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import totp_code_for
from tests.payroll.conftest import finance_setting  # noqa: F401  (a fixture)
from tests.payroll.settling import settle_review

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def calculated_run(moj, finance_setting, settings):  # noqa: F811
    from django.utils import timezone

    from payroll import services
    from payroll.tasks import start_calculation

    settings.CELERY_TASK_ALWAYS_EAGER = True

    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                            bank_sort_code="202959", bank_account_number="63748472",
                                            bank_account_name="MOJ PAYROLL")
    run = services.pay_run_create(schedule=schedule, period_containing=timezone.localdate(), acting_user=None)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    start_calculation(run=run, acting_user=moj.payroll_officer)
    settle_review(run)
    return run


def test_an_approver_enrols_an_app_and_approves_a_run_with_a_step_up(page, moj, calculated_run, in_department,
                                                                      sign_in_through_browser):
    run_url = f"/departments/{moj.slug}/payroll/runs/{calculated_run.pk}/"
    # given a payroll approver who signs in with a password and has no second factor
    sign_in_through_browser(moj.payroll_approver, second_factor=False)
    # then, before they are signed in, they are asked to set up an authenticator app
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    expect(page.get_by_test_id("totp-qr-code").locator("svg")).to_be_visible()
    assert_no_axe_violations(page)
    # when they enter a wrong code, the page says so
    secret = page.get_by_test_id("totp-secret").inner_text()
    right = totp_code_for(secret)
    page.get_by_label("Code from your authenticator app").fill("000000" if right != "000000" else "111111")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_contain_text("The code is wrong or has expired")
    assert_no_axe_violations(page)
    # when they enter the code their app shows (after django-otp's one-second pause on a wrong code)
    time.sleep(1.1)
    page.get_by_label("Code from your authenticator app").fill(totp_code_for(secret))
    page.get_by_role("button", name="Confirm").click()
    # then they see ten recovery codes, once
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    assert_no_axe_violations(page)
    page.get_by_role("link", name="I have saved my codes, continue").click()
    expect(page.get_by_text(f"Signed in as {moj.payroll_approver.get_full_name()}")).to_be_visible()
    # when they approve and finalise the run, within the step-up window
    page.goto(run_url)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("run-status")).to_contain_text("Approved")
    # and, their second factor now too old, finalising asks again
    _age_second_factor(next(cookie["value"] for cookie in page.context.cookies()
                            if cookie["name"] == django_settings.SESSION_COOKIE_NAME))
    page.get_by_role("button", name="Finalise and publish payslips").click()
    page.wait_for_url(f"**{run_url}confirm/finalise/")
    page.get_by_role("button", name="Finalise and publish payslips").click()
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_label("Security code").fill(totp_code_for(secret, after_step=_last_step(moj.payroll_approver)))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"**{run_url}confirm/finalise/")
    page.get_by_role("button", name="Finalise and publish payslips").click()
    # then the run is finalised
    expect(page.get_by_test_id("run-status")).to_have_text("Finalised")
    with in_department(moj):
        assert PayRun.objects.get(pk=calculated_run.pk).status == PayRun.Status.FINALISED
    # and their security page lists the app and their ten recovery codes, and passes axe
    page.goto("/accounts/security/")
    expect(page.get_by_test_id("totp-devices")).to_contain_text("Authenticator app")
    expect(page.get_by_test_id("recovery-codes-left")).to_have_text("You have 10 recovery codes left.")
    assert_no_axe_violations(page)


def _last_step(user) -> int:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.get(user=user, confirmed=True).last_t


def _age_second_factor(session_key: str) -> None:
    """Move the session's second factor back past the step-up window, as if time had passed."""
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore(session_key=session_key)
    store[two_factor.VERIFIED_AT_KEY] = time.time() - django_settings.STEP_UP_MAX_AGE_SECONDS - 60
    store.save()
