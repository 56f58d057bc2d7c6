"""An employee claims expenses, their line manager and then finance approve, and finance marks
the claim paid: the whole journey through the browser."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.finance.conftest import build_finance_setting

pytestmark = pytest.mark.django_db(transaction=True)
PDF = b"%PDF-1.4\n%a train ticket\n"


def _fill_date(page: Page, legend: str, day: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_claim_manager_approves_finance_approves_and_marks_paid(page, moj, in_department, sign_in_through_browser):
    build_finance_setting(moj, in_department)
    day = timezone.localdate() - datetime.timedelta(days=3)

    # given the employee opens their claims from the department home
    sign_in_through_browser(moj.employee)
    page.get_by_role("link", name="See details of your expense claims in progress").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your expense claims")

    # when they start a claim and add a receipted train fare and a car journey
    page.get_by_role("link", name="Start a new claim").click()
    page.get_by_label("What the expenses were for").fill("Bradford Crown Court hearing")
    page.get_by_role("button", name="Start the claim").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("has been started")
    page.get_by_role("link", name="Add an expense").click()
    page.get_by_label("Travel (fares, parking, tolls)").check()
    _fill_date(page, "Date of the expense", day)
    page.get_by_label("Description").fill("Train, Leeds to Bradford, return")
    page.get_by_label("Amount, including VAT").fill("42.10")
    page.get_by_label("Receipt").set_input_files(files=[{"name": "ticket.pdf", "mimeType": "application/pdf",
                                                         "buffer": PDF}])
    page.get_by_role("button", name="Add the expense").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("£42.10")
    page.get_by_role("link", name="Add a journey by car, motorcycle or bicycle").click()
    page.get_by_label("Car or van").check()
    _fill_date(page, "Date of the journey", day)
    page.get_by_label("From, to and why").fill("Home to Leeds station and back")
    page.get_by_label("Business miles").fill("12")
    page.get_by_role("button", name="Add the journey").click()
    expect(page.get_by_test_id("claim-total")).to_have_text("£47.50")
    expect(page.get_by_role("link", name="Receipt for Train, Leeds to Bradford, return")).to_be_visible()
    page.get_by_role("button", name="Send to your line manager").click()
    expect(page.get_by_test_id("claim-status")).to_have_text("Waiting for line manager")
    claim_url = re.sub(r"^https?://[^/]+", "", page.url)
    _sign_out(page)

    # then the line manager approves it from their queue
    sign_in_through_browser(moj.manager)
    page.goto(f"/departments/{moj.slug}/finance/expenses/approvals/")
    page.get_by_test_id("claims-for-manager").get_by_role("link").first.click()
    page.get_by_role("link", name="Decide on this claim").click()
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Save the decision").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("has been approved")
    _sign_out(page)

    # and finance approves it, then marks it paid
    sign_in_through_browser(moj.finance_officer)
    page.goto(f"/departments/{moj.slug}/finance/expenses/approvals/")
    page.get_by_test_id("claims-for-finance").get_by_role("link").first.click()
    expect(page.get_by_test_id("claim-status")).to_have_text("Waiting for finance")
    page.get_by_role("link", name="Decide on this claim").click()
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_test_id("claims-to-pay")).to_contain_text("£47.50")
    page.goto(claim_url)
    expect(page.get_by_test_id("claim-status")).to_have_text("Approved for payment")
    page.get_by_role("button", name="Mark as paid directly").click()
    expect(page.get_by_test_id("claim-status")).to_have_text("Paid")

    # and the cost shows against the claimant's cost centre
    page.goto(f"/departments/{moj.slug}/finance/budgets/C110/")
    expect(page.get_by_test_id("actual-total")).to_have_text("£47.50")
