"""The deputies page has no WCAG 2.2 AA violations at desktop width and on a 375 px wide phone (the
manager's search results and delegations, the form showing errors, the deputy's view), and a
line manager names a deputy with the keyboard alone."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect

from hr.models import ApprovalDelegation
from tests.browser.axe import assert_no_axe_violations
from tests.factories.hr import ApprovalDelegationFactory
from tests.hr.test_delegation import build_team

pytestmark = pytest.mark.django_db(transaction=True)
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=375, height=812)


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def assert_accessible_at_both_widths(page: Page) -> None:
    """axe at desktop width, then on a 375 px phone, then back to desktop."""
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_no_axe_violations(page)
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def team(moj, in_department):
    """moj's manager (Manon, M0001) with two reports, Dee (D0001) outside the team, and a past and
    a planned delegation of Manon's to Dee."""
    team = build_team(moj, in_department)
    ApprovalDelegationFactory(department=moj.department, manager=team.manager, deputy=team.deputy,
                              starts_on=days(-20), ends_on=days(-10), note="Conference")
    ApprovalDelegationFactory(department=moj.department, manager=team.manager, deputy=team.deputy,
                              starts_on=days(30), ends_on=days(40), note="Summer leave")
    return team


def _page(moj) -> str:
    return f"/departments/{moj.slug}/hr/me/deputies/"


def test_the_managers_page_with_search_results_and_delegations(page, moj, team, sign_in_through_browser):
    sign_in_through_browser(moj.manager)
    page.goto(f"{_page(moj)}?q=Dee")
    expect(page.get_by_test_id("delegations-given")).to_contain_text("Summer leave")
    expect(page.get_by_label("Dee Tester (D0001)")).to_be_visible()
    assert_accessible_at_both_widths(page)


def test_the_form_showing_errors(page, moj, team, sign_in_through_browser):
    sign_in_through_browser(moj.manager)
    page.goto(_page(moj))
    page.get_by_role("button", name="Name this deputy").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your deputy's payroll number")
    assert_accessible_at_both_widths(page)


def test_the_deputys_view(page, moj, team, sign_in_through_browser):
    sign_in_through_browser(team.deputy.user)
    page.goto(_page(moj))
    expect(page.get_by_test_id("delegations-held")).to_contain_text(team.manager.display_name)
    assert_accessible_at_both_widths(page)


def test_a_manager_names_a_deputy_with_the_keyboard_alone(page, moj, team, sign_in_through_browser, in_department):
    # given
    sign_in_through_browser(moj.manager)
    page.goto(_page(moj))
    start, end = days(3), days(6)
    # when they search by name with the keyboard
    page.get_by_label("Name or payroll number").focus()
    page.keyboard.type("Dee")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    # and choose the person found, then type the days and send the form
    page.get_by_label("Dee Tester (D0001)").focus()
    page.keyboard.press("Space")
    for value in (start.day, start.month, start.year, end.day, end.month, end.year):
        page.keyboard.press("Tab")
        page.keyboard.type(str(value))
    page.keyboard.press("Tab")  # the note
    page.keyboard.type("Training course")
    page.keyboard.press("Tab")  # the button
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    # then
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "is your deputy from")
    expect(page.get_by_test_id("delegations-given")).to_contain_text("Training course")
    with in_department(moj):
        assert ApprovalDelegation.objects.filter(note="Training course", starts_on=start, ends_on=end).exists()
