"""Journeys through the web shell in a real browser: sign in, choose and switch department, sign out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_hr_officer_signs_in_and_sees_their_department_home(page, moj, sign_in_through_browser):
    """A person in one department lands on that department's home after signing in."""
    # given
    officer = moj.hr_officer
    # when
    sign_in_through_browser(officer)
    # then
    expect(page).to_have_url(re.compile(r"/departments/moj/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ministry of Justice")
    expect(page.get_by_text(f"Signed in as {officer.get_full_name()}")).to_be_visible()


def test_operator_chooses_a_department_then_switches_to_another(page, operator, sign_in_through_browser):
    """An operator serving several departments chooses one, then the switcher takes them to another."""
    # given: the operator signs in and is asked to choose
    sign_in_through_browser(operator)
    expect(page).to_have_url(re.compile(r"/departments/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a department")
    # when: they choose Ministry of Justice
    page.get_by_role("main").get_by_role("link", name="Ministry of Justice").click()
    # then
    expect(page).to_have_url(re.compile(r"/departments/moj/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ministry of Justice")
    switcher = page.get_by_test_id("department-switcher")
    expect(switcher.get_by_label("Department")).to_have_value("moj")

    # when: they switch to Department for Transport
    switcher.get_by_label("Department").select_option(label="Department for Transport")
    switcher.get_by_role("button", name="Switch").click()
    # then
    expect(page).to_have_url(re.compile(r"/departments/dft/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Department for Transport")
    expect(page.get_by_test_id("department-switcher").get_by_label("Department")).to_have_value("dft")


def test_department_the_user_cannot_reach_is_not_found(page, moj, dft, sign_in_through_browser):
    """Another department's address answers 404 "Page not found", never revealing that it exists."""
    # given
    sign_in_through_browser(moj.hr_officer)
    # when
    response = page.goto(f"/departments/{dft.slug}/")
    # then
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page).to_have_title(re.compile(r"^Page not found"))
    expect(page.get_by_text("Department for Transport")).to_have_count(0)


def test_wrong_password_shows_the_error_summary(page, moj, sign_in_through_browser):
    """A wrong password keeps the person on the sign-in page with a GOV.UK error summary."""
    # given
    officer = moj.hr_officer
    # when
    sign_in_through_browser(officer, password="not-the-password")
    # then
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link", name="Enter a correct e-mail address and password")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))


def test_sign_out_returns_to_the_sign_in_page(page, moj, sign_in_through_browser):
    """Signing out ends the session and shows the sign-in page; department pages then ask to sign in."""
    # given
    sign_in_through_browser(moj.hr_officer)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ministry of Justice")
    # when
    page.get_by_role("button", name="Sign out").click()
    # then
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.goto(f"/departments/{moj.slug}/")
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/\?next="))
