"""Role administration in a real browser: an HR admin grants a role that conflicts with one the person
holds, the grant waits for a second HR admin, who approves it; the people page passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from departments.roles import Role
from tests.browser.axe import assert_no_axe_violations
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_conflicting_grant_is_requested_by_one_hr_admin_and_approved_by_another(page, moj,
                                                                                   sign_in_through_browser):
    second_admin = UserFactory(email="second.admin@moj.test", full_name="Sam Second")
    MembershipFactory(user=second_admin, department=moj.department, role=Role.HR_ADMIN)
    # given the first HR admin on the people page
    sign_in_through_browser(moj.hr_admin)
    page.goto(f"/departments/{moj.slug}/people/")
    expect(page.get_by_role("heading", level=1)).to_have_text("People with access")
    assert_no_axe_violations(page)

    # when they grant the payroll officer the payroll approver role without a reason
    grant = page.get_by_test_id("grant-form")
    grant.get_by_label("E-mail address").fill(moj.payroll_officer.email)
    grant.get_by_label("Role").select_option(label="Payroll approver")
    grant.get_by_role("button", name="Grant the role").click()
    # then the error summary asks for one, and the page still passes axe
    expect(page.get_by_role("alert")).to_contain_text("Say why the role is being granted")
    assert_no_axe_violations(page)

    # when they give a reason
    grant = page.get_by_test_id("grant-form")
    grant.get_by_label("Reason").fill("Covering approvals in August")
    grant.get_by_role("button", name="Grant the role").click()
    # then the grant waits for a second HR admin
    expect(page.get_by_text("The grant is waiting for another HR admin's approval.")).to_be_visible()
    requests = page.get_by_test_id("requests")
    expect(requests).to_contain_text("MOJ payroll_officer")
    expect(requests).to_contain_text("Payroll approver")
    assert_no_axe_violations(page)
    # and the admin who asked may not decide it
    requests.get_by_role("link", name=re.compile("Decide")).click()
    expect(page.get_by_text("You asked for this grant, so another HR admin must decide it.")).to_be_visible()
    expect(page.get_by_role("button", name="Approve the grant")).to_have_count(0)

    # when the second HR admin signs in and approves it
    page.get_by_role("button", name="Sign out").click()
    sign_in_through_browser(second_admin)
    page.goto(f"/departments/{moj.slug}/people/")
    page.get_by_test_id("requests").get_by_role("link", name=re.compile("Decide")).click()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Approve the grant").click()

    # then the role is granted and the people page shows the conflict it creates
    expect(page).to_have_url(re.compile(rf"/departments/{moj.slug}/people/$"))
    expect(page.get_by_text("MOJ payroll_officer now has the Payroll approver role.")).to_be_visible()
    expect(page.get_by_test_id("current-conflicts")).to_contain_text(
        "MOJ payroll_officer: Payroll approver with Payroll officer")
    expect(page.get_by_test_id("requests")).to_have_count(0)
    assert_no_axe_violations(page)
