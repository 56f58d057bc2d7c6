"""An HR officer hires, changes and ends an employment through the browser."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from hr import selectors, services
from hr.models import OrganisationUnit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def organisation(moj, in_department):
    with in_department(moj):
        root = services.organisation_unit_create(department=moj.department, code="HQ", name="Headquarters",
                                                 kind=OrganisationUnit.Kind.DIRECTORATE, acting_user=moj.hr_admin)
        services.organisation_unit_create(department=moj.department, code="CASE", name="Casework team",
                                          parent=root, acting_user=moj.hr_admin)
        services.cost_centre_create(department=moj.department, code="C100", name="Casework costs",
                                    acting_user=moj.hr_admin)
        services.grades_install_defaults(department=moj.department, acting_user=moj.hr_admin)
        grades = {grade.code: grade for grade in selectors.grades()}
        services.pay_range_set(grade=grades["EO"], location="national", minimum=Decimal("28000"),
                               maximum=Decimal("32000"), acting_user=moj.hr_admin)


def _fill_date(page: Page, legend: str, day: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_hr_officer_hires_changes_and_records_a_leaver(page, moj, organisation, sign_in_through_browser):
    """Hire from the employee list, plan a promotion, then record the last working day."""
    # given: the officer opens the employee list from the department home
    sign_in_through_browser(moj.hr_officer)
    page.get_by_role("link", name="See details of employees").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Employees")
    expect(page.get_by_test_id("employee-table")).to_contain_text("There are no employees here yet.")

    # when: they add an employee
    page.get_by_role("link", name="Add an employee").click()
    page.get_by_label("Payroll number", exact=True).fill("MJ0500")
    page.get_by_label("First name", exact=True).fill("Priya")
    page.get_by_label("Last name", exact=True).fill("Shah")
    _fill_date(page, "Date of birth", datetime.date(1991, 5, 17))
    page.get_by_label("National Insurance number").fill("JK 12 34 56 C")
    page.get_by_label("Female").check()
    _fill_date(page, "Start date", datetime.date(2025, 4, 1))
    page.get_by_label("Post title", exact=True).fill("Caseworker")
    page.get_by_label("Organisation unit").select_option("CASE")
    page.get_by_label("Grade", exact=True).select_option("EO")
    page.get_by_label("Cost centre").select_option("C100")
    page.get_by_label("Full-time annual salary").fill("30,000")
    page.get_by_role("button", name="Add employee").click()

    # then: the new record, with a success banner
    expect(page).to_have_url(re.compile(r"/departments/moj/hr/employees/MJ0500/$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Priya Shah has been added with payroll number MJ0500")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Priya Shah")
    expect(page.get_by_test_id("ni-number")).to_have_text("JK123456C")
    expect(page.get_by_test_id("annual-salary")).to_have_text("£30,000.00")

    # when: they plan a promotion from next month
    promotion = timezone.localdate() + datetime.timedelta(days=30)
    page.get_by_role("link", name="Change employment").click()
    expect(page.get_by_text("Now: Caseworker")).to_be_visible()
    _fill_date(page, "Date the change takes effect", promotion)
    page.get_by_label("Post title", exact=True).fill("Senior caseworker")
    page.get_by_label("Full-time annual salary").fill("31500")
    page.get_by_label("Reason for the change").fill("Promotion")
    page.get_by_role("button", name="Save the change").click()

    # then: the history shows it as planned; today's employment is unchanged
    expect(page).to_have_url(re.compile(r"/employees/MJ0500/$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("has been saved")
    history = page.get_by_test_id("employment-history")
    planned = history.get_by_role("row").filter(has_text="Senior caseworker")
    expect(planned).to_contain_text("Planned")
    expect(page.get_by_test_id("current-employment")).to_contain_text("Caseworker")

    # when: they record her leaving before the promotion, first forgetting the reason
    page.get_by_role("link", name="Record a leaver").click()
    last_day = timezone.localdate() + datetime.timedelta(days=10)
    _fill_date(page, "Last working day", last_day)
    page.get_by_role("button", name="Record the leaver").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link", name="Choose the reason for leaving")).to_be_visible()
    summary.get_by_role("link", name="Choose the reason for leaving").click()
    expect(page.get_by_label("Resignation")).to_be_focused()
    page.get_by_label("Resignation").check()
    page.get_by_role("button", name="Record the leaver").click()

    # then: the planned promotion is withdrawn and the record ends on the last working day
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("last working day is recorded as")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Leaving")
    expect(page.get_by_test_id("employment-end")).to_contain_text("Last working day (resignation)")
    expect(page.get_by_test_id("employment-history")).not_to_contain_text("Senior caseworker")
    expect(page.get_by_role("link", name="Record a leaver")).to_have_count(0)

    # and the list finds her by name
    page.get_by_role("link", name="Employees").click()
    page.get_by_label("Name, payroll number or post").fill("Sha")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_test_id("employee-table").get_by_role("link", name="Shah, Priya")).to_be_visible()
