"""Each role finds its way by the service navigation: the payroll officer, the HR admin, an employee
and a shared-services operator sign in, see the sections their role opens, follow every one of them
(the section is marked, the breadcrumbs follow), and every page passes axe at desktop width and on
a 375 px phone, where the menu folds behind a button."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from departments.roles import Role
from payroll.models import PayRun
from shared_services.accounts.models import User
from tests.browser.axe import assert_no_axe_violations
from tests.factories import OperatorAssignmentFactory, UserFactory
from tests.factories.hr import EmploymentFactory
from tests.factories.payroll import PayRunFactory

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=375, height=812)


def assert_accessible_at_both_widths(page: Page) -> None:
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_no_axe_violations(page)
    page.set_viewport_size(DESKTOP)


def menu(page: Page):
    return page.get_by_role("navigation", name="Menu")


def section_labels(page: Page) -> list[str]:
    return [text.strip() for text in menu(page).get_by_role("link").all_inner_texts()]


def follow_every_section(page: Page, sections: list[str]) -> None:
    """Open each section from the menu: it is the one marked, and the page passes axe."""
    for label in sections:
        menu(page).get_by_role("link", name=label, exact=True).click()
        current = menu(page).locator("[aria-current]")
        expect(current).to_have_count(1)
        expect(current).to_have_text(label)
        assert_accessible_at_both_widths(page)


def test_the_payroll_officer_finds_the_run_waiting_and_every_section(page, moj, sign_in_through_browser,
                                                                    in_department):
    # given an open run waiting to be calculated
    with in_department(moj):
        run = PayRunFactory(department=moj.department, status=PayRun.Status.OPEN)
    # when the payroll officer signs in
    sign_in_through_browser(moj.payroll_officer)
    # then their home leads with the run to calculate, and their menu holds payroll's sections
    expect(page.get_by_role("heading", level=1)).to_have_text("Ministry of Justice")
    item = page.get_by_test_id("attention-item").first
    expect(item).to_contain_text("Pay runs to calculate")
    expect(item).to_contain_text("By 30 November 2026")
    assert_accessible_at_both_widths(page)
    assert section_labels(page)[:5] == ["Home", "People", "Organisation", "Pay runs", "Onboarding"]
    follow_every_section(page, section_labels(page))
    # and from what needs doing they reach the run, with the trail back through its section
    menu(page).get_by_role("link", name="Home").click()
    page.get_by_test_id("attention-item").first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/payroll/runs/{run.pk}/$"))
    expect(menu(page).locator("[aria-current]")).to_have_text("Pay runs")


def test_the_hr_admin_sees_hr_sections_and_breadcrumbs(page, moj, sign_in_through_browser):
    # when the HR admin signs in
    sign_in_through_browser(moj.hr_admin)
    # then
    sections = section_labels(page)
    assert sections[:7] == ["Home", "People", "Organisation", "Leave", "Imports", "Members", "Audit"]
    assert "Pay runs" not in sections
    follow_every_section(page, sections)
    # and on the imports page the breadcrumbs lead home
    menu(page).get_by_role("link", name="Imports").click()
    trail = page.get_by_role("navigation", name="Back and breadcrumbs")
    expect(trail.get_by_role("link", name="Home")).to_have_attribute("href", f"/departments/{moj.slug}/")


def test_an_employee_sees_only_their_own_sections_and_the_phone_menu_opens(page, moj, sign_in_through_browser,
                                                                          in_department):
    # given the employee has a record
    with in_department(moj):
        EmploymentFactory(department=moj.department, employee__user=moj.employee)
    # when they sign in
    sign_in_through_browser(moj.employee)
    # then their sections are their own records'
    assert section_labels(page) == ["Home", "Leave", "Payslips", "Expenses"]
    expect(page.get_by_test_id("attention-none")).to_have_text("Nothing needs doing now.")
    # and "Signed in as" is in the account area, not the menu
    expect(page.get_by_role("navigation", name="Your account")).to_contain_text(
        f"Signed in as {moj.employee.get_full_name()}")
    expect(menu(page)).not_to_contain_text("Signed in as")
    follow_every_section(page, ["Home", "Leave", "Payslips", "Expenses"])
    # and on a phone the menu folds behind its button, and opens
    page.set_viewport_size(PHONE)
    toggle = menu(page).get_by_role("button", name="Menu")
    expect(toggle).to_be_visible()
    expect(menu(page).get_by_role("link", name="Payslips")).to_be_hidden()
    toggle.click()
    menu(page).get_by_role("link", name="Payslips").click()
    expect(page).to_have_url(re.compile(r"/payroll/me/documents/$"))
    assert_no_axe_violations(page)


def test_an_operator_starts_at_the_platform_home_and_acts_with_their_assignments_role(
        page, moj, dft, sign_in_through_browser, in_department):
    # given an operator serving moj as payroll officer and dft as HR admin, with a run to open in moj
    operator = UserFactory(email="olu@centre.test", full_name="Olu Operator", platform_role=User.PlatformRole.OPERATOR)
    OperatorAssignmentFactory(user=operator, department=moj.department, role=Role.PAYROLL_OFFICER)
    OperatorAssignmentFactory(user=operator, department=dft.department, role=Role.HR_ADMIN)
    with in_department(moj):
        PayRunFactory(department=moj.department, status=PayRun.Status.DRAFT)
    # when they sign in
    sign_in_through_browser(operator)
    # then they land on the platform home, with both departments and what waits in each
    expect(page).to_have_url(re.compile(r"/platform/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Platform home")
    cards = page.get_by_test_id("served-department")
    expect(cards).to_have_count(2)
    moj_card = cards.filter(has_text="Ministry of Justice")
    expect(moj_card).to_contain_text("Payroll officer, no end date")
    expect(moj_card).to_contain_text("Pay runs to open")
    expect(cards.filter(has_text="Department for Transport")).to_contain_text("Nothing needs attention.")
    expect(menu(page).locator("[aria-current]")).to_have_text("Platform")
    assert_accessible_at_both_widths(page)
    # when they open moj
    moj_card.get_by_role("link", name="Open Ministry of Justice").click()
    # then they act as its payroll officer: payroll's sections, not HR admin's
    expect(page.get_by_role("heading", level=1)).to_have_text("Ministry of Justice")
    sections = section_labels(page)
    assert "Pay runs" in sections
    assert "Members" not in sections
    assert sections[-1] == "Platform"
    assert_accessible_at_both_widths(page)
    follow_every_section(page, [label for label in sections if label != "Platform"])
    # and the department switcher takes them to dft, as its HR admin
    switcher = page.get_by_test_id("department-switcher")
    switcher.get_by_label("Department").select_option(label="Department for Transport")
    switcher.get_by_role("button", name="Switch").click()
    expect(page).to_have_url(re.compile(r"/departments/dft/$"))
    assert "Members" in section_labels(page)
    assert_accessible_at_both_widths(page)
