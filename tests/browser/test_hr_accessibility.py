"""axe-core finds no WCAG 2.2 AA violations on the HR pages."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hr import selectors, services
from hr.models import OrganisationUnit
from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def employee(moj, in_department):
    """moj with a small organisation and one employee, MJ0001, who has a planned change."""
    with in_department(moj):
        root = services.organisation_unit_create(department=moj.department, code="HQ", name="Headquarters",
                                                 kind=OrganisationUnit.Kind.DIRECTORATE, acting_user=None)
        team = services.organisation_unit_create(department=moj.department, code="CASE", name="Casework team",
                                                 parent=root, acting_user=None)
        centre = services.cost_centre_create(department=moj.department, code="C100", name="Casework costs",
                                             acting_user=None)
        services.grades_install_defaults(department=moj.department, acting_user=None)
        grades = {grade.code: grade for grade in selectors.grades()}
        services.pay_range_set(grade=grades["EO"], location="national", minimum=Decimal("28000"),
                               maximum=Decimal("32000"), acting_user=None)
    hired = services.employee_hire(
        department=moj.department, acting_user=None,
        personal={"payroll_number": "MJ0001", "first_name": "Asha", "last_name": "Reid",
                  "date_of_birth": datetime.date(1990, 2, 3), "ni_number": "AB123456C", "sex": "F",
                  "start_date": datetime.date(2024, 4, 1)},
        terms={"post_title": "Caseworker", "organisation_unit": team, "grade": grades["EO"], "cost_centre": centre,
               "annual_salary": Decimal("30000")},
    )
    services.employment_change(employee=hired, effective_from=timezone.localdate() + datetime.timedelta(days=30),
                               changes={"post_title": "Senior caseworker"}, reason="Promotion", acting_user=None)
    return hired


def test_employee_list(page, moj, employee, sign_in_through_browser):
    """The employee list, with its filters, table and a result, has no accessibility violations."""
    # given
    sign_in_through_browser(moj.hr_officer)
    # when
    page.goto(f"/departments/{moj.slug}/hr/")
    # then
    expect(page.get_by_test_id("employee-table")).to_contain_text("Reid, Asha")
    assert_no_axe_violations(page)


def test_employee_record(page, moj, employee, sign_in_through_browser):
    """The employee record, with its summary lists and history, has no accessibility violations."""
    # given
    sign_in_through_browser(moj.hr_officer)
    # when
    page.goto(f"/departments/{moj.slug}/hr/employees/MJ0001/")
    # then
    expect(page.get_by_test_id("employment-history")).to_contain_text("Planned")
    assert_no_axe_violations(page)


def test_employee_record_masked(page, moj, employee, sign_in_through_browser):
    """The record as a role without hr:sensitive sees it has no accessibility violations."""
    # given
    sign_in_through_browser(moj.auditor)
    # when
    page.goto(f"/departments/{moj.slug}/hr/employees/MJ0001/")
    # then
    expect(page.get_by_test_id("ni-number")).to_have_text("••••6C")
    assert_no_axe_violations(page)


def test_hire_form_showing_errors(page, moj, employee, sign_in_through_browser):
    """The hire form submitted empty, with its error summary and field errors, has no violations."""
    # given
    sign_in_through_browser(moj.hr_officer)
    page.goto(f"/departments/{moj.slug}/hr/employees/new/")
    # when
    page.get_by_role("button", name="Add employee").click()
    # then
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.locator(".govuk-error-summary").get_by_role("link", name="Enter the date of birth")).to_be_visible()
    assert_no_axe_violations(page)


def test_change_and_leave_forms_showing_errors(page, moj, employee, sign_in_through_browser):
    """The change and leave forms, submitted empty, have no accessibility violations."""
    # given
    sign_in_through_browser(moj.hr_officer)
    for path, button in (("change/", "Save the change"), ("leave/", "Record the leaver")):
        page.goto(f"/departments/{moj.slug}/hr/employees/MJ0001/{path}")
        # when
        page.get_by_role("button", name=button).click()
        # then
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        assert_no_axe_violations(page)


def test_organisation_page(page, moj, employee, sign_in_through_browser):
    """The organisation page, with the unit tree and grades table, has no accessibility violations."""
    # given
    sign_in_through_browser(moj.hr_officer)
    # when
    page.goto(f"/departments/{moj.slug}/hr/organisation/")
    # then
    expect(page.get_by_test_id("unit-tree")).to_contain_text("Casework team")
    assert_no_axe_violations(page)


def test_leave_approvals_page_with_a_waiting_request(page, moj, employee, sign_in_through_browser, in_department):
    """A line manager's approvals queue, with a request in it, has no accessibility violations."""
    from hr.models import LeaveType
    from tests.factories import EmploymentFactory

    # given the employee's line manager is the moj manager persona, and a request is waiting
    services.leave_types_install_defaults(department=moj.department, acting_user=None)
    manager = EmploymentFactory(department=moj.department).employee
    manager.user = moj.manager
    with in_department(moj):
        manager.save(update_fields=["user"])
        version = selectors.employment_as_of(employee=employee, on=timezone.localdate())
    services.employment_correct(employment=version, corrections={"line_manager": manager}, acting_user=None,
                                reason="Line manager missing at hire")
    with in_department(moj):
        annual = LeaveType.objects.get(code="ANNUAL")
    services.leave_request_create(employee=employee, leave_type=annual, start_date=timezone.localdate(),
                                  end_date=timezone.localdate(), hours=Decimal("7.5"), acting_user=None)
    sign_in_through_browser(moj.manager)
    # when
    page.goto(f"/departments/{moj.slug}/hr/leave-approvals/")
    # then
    expect(page.get_by_role("heading", level=1)).to_have_text("Leave waiting for your decision")
    expect(page.get_by_role("button", name="Approve leave for Asha Reid")).to_be_visible()
    assert_no_axe_violations(page)
