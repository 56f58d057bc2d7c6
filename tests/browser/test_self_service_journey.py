"""An employee books leave, their line manager approves it, and the employee sees it approved;
each page on the way, and the manager's team page, has no accessibility violations."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hr import services
from tests.browser.axe import assert_no_axe_violations
from tests.factories import EmploymentFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def team(moj, in_department):
    services.leave_types_install_defaults(department=moj.department, acting_user=None)
    manager = EmploymentFactory(department=moj.department, employee__start_date=datetime.date(2020, 4, 1)).employee
    member = EmploymentFactory(department=moj.department, line_manager=manager, post_title="Case officer",
                               employee__start_date=datetime.date(2020, 4, 1), employee__first_name="Rosa",
                               employee__last_name="Quarshie", employee__preferred_name="").employee
    manager.user, member.user = moj.manager, moj.employee
    with in_department(moj):
        manager.save(update_fields=["user"])
        member.save(update_fields=["user"])
    return {"manager": manager, "member": member}


def test_employee_books_leave_and_the_manager_approves_it(page, moj, team, sign_in_through_browser):
    first_day = timezone.localdate() + datetime.timedelta(days=21)
    # given the employee on their leave page
    sign_in_through_browser(moj.employee)
    page.goto(f"/departments/{moj.slug}/")
    page.get_by_role("link", name=re.compile("See details of your leave requests")).click()
    expect(page.get_by_role("heading", name="Your leave", exact=True)).to_be_visible()
    assert_no_axe_violations(page)
    # when they send a request with a mistake, then correct it
    page.get_by_role("link", name="Request leave").click()
    page.get_by_label("Type of leave").select_option(label="Annual leave")
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the first day of leave")
    assert_no_axe_violations(page)
    for legend, day in (("First day of leave", first_day), ("Last day of leave", first_day)):
        group = page.get_by_role("group", name=legend)
        group.get_by_label("Day").fill(str(day.day))
        group.get_by_label("Month").fill(str(day.month))
        group.get_by_label("Year").fill(str(day.year))
    page.get_by_label("Hours of leave").fill("7.4")
    page.get_by_role("button", name="Send the request").click()
    # then it waits for the manager
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is waiting for your line manager")
    expect(page.get_by_test_id("my-leave-requests")).to_contain_text("Waiting")
    # when the manager approves it from their team page
    page.context.clear_cookies()
    sign_in_through_browser(moj.manager)
    page.goto(f"/departments/{moj.slug}/hr/team/")
    expect(page.get_by_test_id("team")).to_contain_text("Rosa Quarshie")
    expect(page.get_by_test_id("team")).to_contain_text("(waiting)")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Leave waiting for your decision").click()
    page.get_by_role("button", name="Approve leave for Rosa Quarshie").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Approved: Rosa Quarshie")
    # then the employee sees it approved, with the hours taken from the balance
    page.context.clear_cookies()
    sign_in_through_browser(moj.employee)
    page.goto(f"/departments/{moj.slug}/hr/me/leave/")
    expect(page.get_by_test_id("my-leave-requests")).to_contain_text("Approved")
    expect(page.get_by_test_id("leave-balance")).to_contain_text("7.40 hours")
