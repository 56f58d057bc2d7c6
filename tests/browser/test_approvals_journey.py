"""A line manager works through their approvals inbox in the browser: the count on the home page,
a leave request and an expense claim approved from one list, two leave requests approved together
with the keyboard alone; and the inbox, its item page and both error summaries have no WCAG 2.2 AA
violations at desktop width and on a 375 px wide phone."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect

from finance.models import ExpenseClaim
from hr import services as hr_services
from hr.models import LeaveRequest
from tests.browser.axe import assert_no_axe_violations
from tests.departments.test_approvals_inbox import ask_for_leave, submitted_claim
from tests.finance.conftest import build_finance_setting

pytestmark = pytest.mark.django_db(transaction=True)
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=375, height=812)


def assert_accessible_at_both_widths(page: Page) -> None:
    """axe at desktop width, then on a 375 px phone, then back to desktop."""
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_no_axe_violations(page)
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def waiting(moj, in_department):
    """Three leave requests (two from Esme, one from Cal), Esme's £42.10 claim and Cal's £400 one (too
    large to approve in bulk) for their manager."""
    setting = build_finance_setting(moj, in_department)
    hr_services.leave_types_install_defaults(department=moj.department, acting_user=None)
    start = timezone.localdate() + datetime.timedelta(days=30)
    leave = [ask_for_leave(setting.claimant, start, in_department),
             ask_for_leave(setting.claimant, start + datetime.timedelta(days=14), in_department),
             ask_for_leave(setting.colleague, start + datetime.timedelta(days=21), in_department)]
    claim = submitted_claim(setting.claimant, "42.10", "Bradford hearing")
    large = submitted_claim(setting.colleague, "400.00", "Conference in Leeds")
    return {"leave": leave, "claim": claim, "large": large}


def _row(page: Page, kind: str, text: str):
    return page.get_by_test_id(f"approvals-{kind}").get_by_role("row").filter(has_text=text)


def test_a_manager_approves_leave_and_an_expense_from_one_inbox_then_two_together_by_keyboard(
        page, moj, waiting, sign_in_through_browser, in_department):
    first, second, third = waiting["leave"]
    # given the manager signs in and sees the count leading what needs doing on their home page
    sign_in_through_browser(moj.manager)
    item = page.get_by_test_id("attention-item").first
    expect(item).to_contain_text("Waiting for your approval")
    expect(item).to_contain_text("5")
    item.get_by_role("link", name="Waiting for your approval").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting for your approval")
    expect(page.get_by_test_id("approval-item")).to_have_count(5)
    expect(_row(page, "expense", "Conference in Leeds")).to_contain_text("Not for approving in bulk")
    assert_accessible_at_both_widths(page)

    # when they approve one leave request from its row
    _row(page, "leave", f"{first.start_date:%-d %b %Y}").get_by_role("button", name="Approve").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Approved: Annual leave from")
    # and the expense claim from its row
    _row(page, "expense", "Bradford hearing").get_by_role("button", name="Approve").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Approved: EX")
    expect(page.get_by_test_id("approval-item")).to_have_count(3)

    # and tick the other two requests and approve them together, with the keyboard alone
    for leave in (second, third):
        page.locator(f"input[name=items][value='leave:{leave.pk}']").focus()
        page.keyboard.press("Space")
    page.get_by_role("button", name="Approve selected").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()

    # then all four are decided; only the large claim, to be opened and decided on its own, is left
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("2 approved.")
    expect(page.get_by_test_id("approval-item")).to_have_count(1)
    expect(_row(page, "expense", "Conference in Leeds").get_by_role("link", name="Open to decide")).to_be_visible()
    with in_department(moj):
        assert set(LeaveRequest.objects.filter(pk__in=[first.pk, second.pk, third.pk])
                   .values_list("status", flat=True)) == {"approved"}
        assert ExpenseClaim.objects.get(pk=waiting["claim"].pk).status == "manager_approved"
        assert ExpenseClaim.objects.get(pk=waiting["large"].pk).status == "submitted"


def test_the_error_summaries_and_the_item_page(page, moj, waiting, sign_in_through_browser, in_department):
    # given
    sign_in_through_browser(moj.manager)
    page.goto(f"/departments/{moj.slug}/approvals/")
    # when "Approve selected" is pressed with nothing ticked
    page.get_by_role("button", name="Approve selected").click()
    # then an error summary leads to the first checkbox
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select at least one item to approve")
    assert_accessible_at_both_widths(page)
    summary.get_by_role("link", name="Select at least one item to approve").click()
    expect(page.locator("#items")).to_be_focused()

    # when they open the claim, choose to reject it and give no reason
    page.get_by_role("link", name=re.compile(r"^EX\d+: Bradford hearing from")).click()
    expect(page.get_by_test_id("approval-item-details")).to_contain_text("Train fare")
    assert_accessible_at_both_widths(page)
    page.get_by_role("radio", name="Reject").check()
    page.get_by_role("button", name="Save the decision").click()
    # then the reason is asked for and nothing changes
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give the reason for rejecting it")
    assert_accessible_at_both_widths(page)
    with in_department(moj):
        assert ExpenseClaim.objects.get(pk=waiting["claim"].pk).status == "submitted"
    # and with a reason it is rejected, back in the inbox
    page.get_by_label("Reason (needed to reject)").fill("Book rail travel through the contract")
    page.get_by_role("button", name="Save the decision").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Rejected: EX")
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting for your approval")
