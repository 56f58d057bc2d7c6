"""Bank details in the browser: an HR officer proposes a change on evidence and a second HR officer
confirms it with the keyboard alone; the employee changes their own after confirming it is them.
Every bank details page (forms empty and showing errors, the confirmation, the queue and the check)
has no WCAG 2.2 AA violations at desktop width and on a 375 px wide phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from departments.roles import Role
from hr.models import BankDetailsChange, Employee
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import _give_second_factor
from tests.factories import EmployeeFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=375, height=812)
PDF = b"%PDF-1.4\n%a letter from the bank\n"


def assert_accessible_at_both_widths(page: Page) -> None:
    """axe at desktop width, then on a 375 px phone, then back to desktop."""
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_no_axe_violations(page)
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def people(moj, in_department):
    """Asha (MJ0001, the employee persona) paid into an account ending 4958, and a second HR officer."""
    with in_department(moj):
        asha = EmployeeFactory(department=moj.department, payroll_number="MJ0001", first_name="Asha",
                               last_name="Reid", user=moj.employee, email="asha@example.test",
                               bank_sort_code="089999", bank_account_number="66374958")
    checker = UserFactory(email="hr.checker@moj.test", full_name="Hari Checker")
    MembershipFactory(user=checker, department=moj.department, role=Role.HR_OFFICER)
    return {"asha": asha, "checker": checker}


def _hr(moj, rest: str) -> str:
    return f"/departments/{moj.slug}/hr/{rest}"


def _confirm_it_is_you(page: Page, user) -> None:
    """Give the second factor the page asked for (setting one up the first time)."""
    if "/accounts/confirm-its-you/" in page.url or "/accounts/two-factor/set-up/" in page.url:
        _give_second_factor(page, user)


def test_hr_proposes_a_change_on_evidence_and_a_second_officer_confirms_it_by_keyboard(
        page, moj, people, sign_in_through_browser, in_department):
    asha = people["asha"]
    # given an HR officer on Asha's record
    sign_in_through_browser(moj.hr_officer)
    page.goto(_hr(moj, "employees/MJ0001/"))
    page.get_by_role("link", name="Change bank details").click()
    _confirm_it_is_you(page, moj.hr_officer)
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose a change of bank details")
    assert_accessible_at_both_widths(page)
    # when they send it without evidence or a reason, the error summary names both
    page.get_by_label("Sort code").fill("30-99-50")
    page.get_by_label("Account number").fill("12345678")
    page.get_by_role("button", name="Send for checking").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter why the bank details are changing")
    expect(summary).to_contain_text("Choose the evidence file")
    assert_accessible_at_both_widths(page)
    # and with them, it waits for a second person
    page.get_by_label("Sort code").fill("30-99-50")
    page.get_by_label("Account number").fill("12345678")
    page.get_by_label("Why the bank details are changing").fill("Asha's letter of 3 December")
    page.get_by_label("Evidence").set_input_files(files=[{"name": "letter.pdf", "mimeType": "application/pdf",
                                                          "buffer": PDF}])
    page.get_by_role("button", name="Send for checking").click()
    expect(page.get_by_text("is waiting for a second HR officer's check")).to_be_visible()
    page.goto(_hr(moj, "employees/MJ0001/bank-details/"))
    expect(page.get_by_test_id("waiting")).to_be_visible()
    assert_accessible_at_both_widths(page)
    # and the proposer's own queue and check page say someone else must check it
    page.goto(_hr(moj, "bank-details-checks/"))
    expect(page.get_by_test_id("checks-waiting")).to_contain_text("You proposed it")
    page.goto(_hr(moj, f"bank-details-checks/{_waiting_change(moj, in_department).pk}/"))
    expect(page.get_by_test_id("not-yours")).to_be_visible()
    assert_accessible_at_both_widths(page)

    # when the second officer signs in and opens the queue
    page.context.clear_cookies()
    sign_in_through_browser(people["checker"])
    page.goto(_hr(moj, "bank-details-checks/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bank details changes to check")
    assert_accessible_at_both_widths(page)
    page.get_by_role("link", name="Check the change for Asha Reid").click()
    _confirm_it_is_you(page, people["checker"])
    expect(page.get_by_test_id("proposed-change")).to_contain_text("12345678")
    assert_accessible_at_both_widths(page)
    # a decision left out is named in the error summary
    page.get_by_role("button", name="Save the decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose whether to confirm or reject the change")
    assert_accessible_at_both_widths(page)
    # then they confirm it with the keyboard alone: choose, write a note, submit
    page.get_by_label("Confirm the change").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("Letter matches the account")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save the decision")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"Confirmed: Asha Reid's bank details change"))).to_be_visible()
    with in_department(moj):
        saved = Employee.objects.get(pk=asha.pk)
        change = BankDetailsChange.objects.get()
    assert (saved.bank_sort_code, saved.bank_account_number) == ("309950", "12345678")
    assert (change.status, change.checked_by, change.check_note) == (
        BankDetailsChange.Status.APPLIED, people["checker"], "Letter matches the account")
    assert_accessible_at_both_widths(page)


def _waiting_change(moj, in_department) -> BankDetailsChange:
    with in_department(moj):
        return BankDetailsChange.objects.get(status=BankDetailsChange.Status.AWAITING_CHECK)


def test_an_employee_changes_their_own_bank_details_after_confirming_it_is_them(
        page, moj, people, sign_in_through_browser, in_department):
    # given the employee opens their bank details and gives a second factor
    sign_in_through_browser(moj.employee)
    page.goto(_hr(moj, "me/bank-details/"))
    _confirm_it_is_you(page, moj.employee)
    expect(page).to_have_url(re.compile(r"/hr/me/bank-details/$"))
    expect(page.get_by_test_id("account-in-use")).to_contain_text("Sort code 08-99-99, account ending 4958")
    assert_accessible_at_both_widths(page)
    # when they give a wrong account number, the error summary says what to do
    page.get_by_label("Sort code").fill("20-04-15")
    page.get_by_label("Account number").fill("3829000")
    page.get_by_role("button", name="Change bank details").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter an 8-digit account number")
    assert_accessible_at_both_widths(page)
    # and with the right one, the confirmation says from which pay period it counts
    page.get_by_label("Account number").fill("38290008")
    page.get_by_role("button", name="Change bank details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your bank details have been changed")
    expect(page.get_by_test_id("timing")).to_contain_text("goes to the new account")
    assert_accessible_at_both_widths(page)
    with in_department(moj):
        assert Employee.objects.get(pk=people["asha"].pk).bank_account_number == "38290008"
