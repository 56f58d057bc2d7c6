"""The payroll officer reviews a calculated run with an employee who has no bank account and two
whose net pay moved a lot: the exceptions by kind, the advisory kind acknowledged in bulk with a note
(refused first without one), the blocking one's pay held. The approver then approves, and finalises
through a confirmation that says what will happen; the finalised run lists the held pay. Every page
passes axe at desktop width and on a 375 px phone."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect

from hr.models import Employee
from payroll import services
from payroll.models import PayRun, PayRunException, PayRunPaymentRoute
from payroll.tasks import start_calculation
from tests.browser.axe import assert_no_axe_violations
from tests.factories.payroll import PayRunExceptionFactory
from tests.payroll.conftest import finance_setting  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=375, height=812)


def assert_accessible_at_both_widths(page: Page) -> None:
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_no_axe_violations(page)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def calculated(moj, finance_setting, in_department, settings):  # noqa: F811
    """This month's run, calculated: Cal (E0002) has no bank account; Esme's and Manon's net pay
    changed a lot since last period."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                            bank_sort_code="202959", bank_account_number="63748472",
                                            bank_account_name="MOJ PAYROLL")
    run = services.pay_run_create(schedule=schedule, period_containing=timezone.localdate(), acting_user=None)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    start_calculation(run=run, acting_user=moj.payroll_officer)
    with in_department(moj):
        PayRunException.objects.filter(run=run).exclude(code="no_bank_details").delete()
        for employee in Employee.objects.filter(payroll_number__in=["E0001", "M0001"]):
            PayRunExceptionFactory(department=moj.department, run=run, employee=employee, code="net_pay_changed",
                                   reason="Net pay changed by +42% since last period (£1,900.00 to £2,698.00).")
    return run


def test_a_run_is_reviewed_settled_approved_and_finalised_through_its_confirmation(
        page, moj, calculated, in_department, sign_in_through_browser):
    run_url = f"/departments/{moj.slug}/payroll/runs/{calculated.pk}/"
    # given the payroll officer opens the calculated run
    sign_in_through_browser(moj.payroll_officer)
    page.goto(run_url)
    # then its exceptions are counted by kind, the blocking kind first, and approval waits for them
    kinds = page.get_by_test_id("review-kinds")
    expect(kinds.get_by_role("row").nth(1)).to_contain_text("No bank account")
    expect(kinds.get_by_role("row").nth(2)).to_contain_text("Net pay changed a lot since last period")
    expect(page.get_by_test_id("review-open")).to_contain_text("3 exceptions still open")
    assert_accessible_at_both_widths(page)

    # when they open the advisory kind
    kinds.get_by_role("link", name="Net pay changed a lot since last period").click()
    expect(page.get_by_role("heading", name=re.compile("Net pay changed a lot"))).to_be_visible()
    expect(page.get_by_test_id("review-rows").get_by_role("row")).to_have_count(3)
    # and acknowledge the whole kind without saying what they checked
    page.get_by_role("button", name=re.compile("Acknowledge all 2 open")).click()
    # then the error summary asks for the note, and nothing is recorded
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter what you checked")
    assert_accessible_at_both_widths(page)
    summary.get_by_role("link", name=re.compile("Enter what you checked")).click()
    expect(page.get_by_label("What did you check?")).to_be_focused()
    # when they write the note and acknowledge the kind
    page.keyboard.type("October back pay, agreed with HR")
    page.get_by_role("button", name=re.compile("Acknowledge all 2 open")).click()
    # then each row says who acknowledged it and why
    expect(page.locator(".govuk-notification-banner").first).to_contain_text("2 exceptions are acknowledged")
    states = page.get_by_test_id("review-state")
    expect(states.first).to_contain_text(f"By {moj.payroll_officer.get_full_name()} on")
    expect(states.first).to_contain_text("October back pay, agreed with HR")
    assert_accessible_at_both_widths(page)

    # when they decide how Cal's pay goes out: held
    page.get_by_label("Kind", exact=True).select_option("no_bank_details")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=re.compile("Decide how it is paid")).click()
    expect(page.get_by_role("heading", name=re.compile("How is Cal .* net pay paid"))).to_be_visible()
    assert_accessible_at_both_widths(page)
    page.get_by_label(re.compile("^Hold it")).check()
    page.get_by_label("Why?").fill("Waiting for his new bank account")
    page.get_by_role("button", name="Save how it is paid").click()
    # then the review shows it held, and nothing is open
    expect(page.get_by_test_id("review-state").first).to_contain_text("Held")
    expect(page.get_by_test_id("review-settled")).to_be_visible()
    with in_department(moj):
        assert PayRunPaymentRoute.objects.get(run=calculated).route == "hold"

    # when the approver approves and starts to finalise
    page.context.clear_cookies()
    sign_in_through_browser(moj.payroll_approver)
    page.goto(run_url)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("run-status")).to_have_text("Approved")
    page.get_by_role("button", name="Finalise and publish payslips").click()
    # then a confirmation says what will happen, with the held pay, and that it cannot be undone
    expect(page.get_by_role("heading", name=re.compile("Finalise the .* pay run"))).to_be_visible()
    consequences = page.get_by_test_id("confirm-consequences")
    expect(consequences).to_contain_text("publish payslips to 3 people")
    expect(consequences).to_contain_text("into 2 accounts")
    expect(consequences).to_contain_text("FPS")
    expect(page.get_by_test_id("unpaid-E0002")).to_contain_text("Held")
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    assert_accessible_at_both_widths(page)
    # when they confirm
    page.get_by_role("button", name="Finalise and publish payslips").click()
    # then the run is finalised and lists the unpaid net pay with its route and total
    expect(page.get_by_test_id("run-status")).to_have_text("Finalised")
    expect(page.get_by_test_id("unpaid-net-pay")).to_contain_text("Total: held")
    assert_accessible_at_both_widths(page)
    with in_department(moj):
        assert PayRun.objects.get(pk=calculated.pk).status == PayRun.Status.FINALISED
