"""An HR admin runs the department's settings in the browser: from the settings page they add a
leave type with its entitlement, add a working pattern, and move the department to Scotland's bank
holidays; every page, empty and showing errors, passes axe at desktop width and on a 375 px phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from departments.models import AuditEvent, Department
from hr import services as hr_services
from hr.models import LeavePolicy, WorkingPattern
from payroll.models import PaySchedule
from payroll.services import pay_schedule_create
from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.django_db(transaction=True)
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=375, height=812)


def assert_accessible_at_both_widths(page: Page) -> None:
    """axe at desktop width, then on a 375 px phone (with no sideways scrolling), then back."""
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_no_axe_violations(page)
        if size == PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= 375, "the page scrolls sideways"
    page.set_viewport_size(DESKTOP)


def test_an_hr_admin_adds_a_leave_type_and_a_working_pattern_and_changes_the_region(
        page, moj, sign_in_through_browser, in_department):
    hr_services.leave_types_install_defaults(department=moj.department, acting_user=None)
    sign_in_through_browser(moj.hr_admin)

    # the settings page, with hr's settings pages
    page.goto(f"/departments/{moj.slug}/settings/")
    expect(page.get_by_test_id("bank-holiday-region")).to_have_text("England and Wales")
    assert_accessible_at_both_widths(page)

    # a leave type: the list, the empty form's errors, then added with its entitlement
    page.get_by_test_id("settings-links").get_by_role("link", name="Leave types and entitlements").click()
    expect(page.get_by_test_id("leave-types")).to_contain_text("Annual leave")
    assert_accessible_at_both_widths(page)
    page.get_by_role("button", name="Add a leave type").click()
    page.get_by_role("button", name="Add the leave type").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a code, like CARERS")
    assert_accessible_at_both_widths(page)
    page.get_by_label("Code").fill("STUDY")
    page.get_by_label("Name").fill("Study leave")
    page.get_by_label("Kind of leave").select_option("special")
    page.locator("fieldset", has_text="Is this leave paid?").get_by_label("Yes").check()
    page.locator("fieldset", has_text="yearly entitlement").get_by_label("Yes").check()
    page.get_by_role("button", name="Add the leave type").click()
    expect(page.get_by_role("heading", name="Entitlement to study leave")).to_be_visible()
    page.get_by_label("Band 1: hours a year").fill("37")
    page.get_by_label("Band 2: years of service").fill("5")
    page.get_by_role("button", name="Save the entitlement").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Entitlement for 5 years' service")
    assert_accessible_at_both_widths(page)
    page.get_by_label("Band 2: hours a year").fill("74")
    page.get_by_role("button", name="Save the entitlement").click()
    expect(page.get_by_test_id("leave-type-STUDY")).to_contain_text("74.00 hours a year from 5 years' service")

    # a working pattern: the empty form's errors, then added
    page.goto(f"/departments/{moj.slug}/hr/settings/working-patterns/new/")
    page.get_by_role("button", name="Add the working pattern").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name for the working pattern")
    assert_accessible_at_both_widths(page)
    page.get_by_label("Name").fill("Compressed, four days")
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday"):
        page.get_by_label(day, exact=True).fill("9.25")
    page.get_by_role("button", name="Add the working pattern").click()
    expect(page.get_by_test_id("working-patterns")).to_contain_text("Compressed, four days")
    expect(page.get_by_test_id("working-patterns")).to_contain_text("37")
    assert_accessible_at_both_widths(page)

    # the bank holidays' region
    page.goto(f"/departments/{moj.slug}/settings/")
    page.get_by_role("link", name="Change whose bank holidays apply").click()
    assert_accessible_at_both_widths(page)
    page.get_by_label("Scotland").check()
    page.get_by_role("button", name="Save the settings").click()
    expect(page.get_by_test_id("bank-holiday-region")).to_have_text("Scotland")

    assert Department.objects.get(pk=moj.id).bank_holiday_region == "scotland"
    with in_department(moj):
        assert LeavePolicy.objects.get(leave_type__code="STUDY").hours_by_service == [[0, "37.00"], [5, "74.00"]]
        assert WorkingPattern.objects.filter(name="Compressed, four days").exists()
        assert {"leave_type.create", "leave_policy.update", "working_pattern.create",
                "department.settings_update"} <= set(AuditEvent.objects.values_list("action", flat=True))


def test_a_payroll_officer_changes_a_pay_schedules_pay_day(page, moj, sign_in_through_browser, in_department):
    pay_schedule_create(department=moj.department, acting_user=None, name="Monthly", bank_sort_code="202959",
                        bank_account_number="63748472", bank_account_name="PAYROLL ACCOUNT")
    sign_in_through_browser(moj.payroll_officer)
    page.goto(f"/departments/{moj.slug}/settings/")
    assert_accessible_at_both_widths(page)
    page.get_by_test_id("settings-links").get_by_role("link", name="Pay schedules").click()
    assert_accessible_at_both_widths(page)
    page.get_by_role("link", name="Change the details of Monthly").click()
    page.get_by_label("Pay day of the month (monthly)").fill("40")
    page.get_by_role("button", name="Save the details").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the pay day as a whole number from 0 to 31")
    assert_accessible_at_both_widths(page)
    page.get_by_label("Pay day of the month (monthly)").fill("25")
    page.get_by_role("button", name="Save the details").click()
    expect(page.get_by_text("Day 25 of the month")).to_be_visible()
    with in_department(moj):
        assert PaySchedule.objects.get(name="Monthly").pay_day_of_month == 25
