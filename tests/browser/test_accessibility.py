"""axe-core finds no WCAG 2.2 AA violations on the web shell's pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_in_page(page):
    """The sign-in page has no accessibility violations."""
    # given / when
    page.goto("/accounts/sign-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    # then
    assert_no_axe_violations(page)


def test_sign_in_page_showing_errors(page):
    """Both steps of the sign-in page, with their error summaries, have no accessibility violations."""
    page.goto("/accounts/sign-in/")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-message")).to_have_count(1)
    assert_no_axe_violations(page)
    page.get_by_label("E-mail address").fill("nobody@nowhere.test")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_no_axe_violations(page)


def test_department_home_page(page, moj, sign_in_through_browser):
    """A department's home page has no accessibility violations."""
    # given / when
    sign_in_through_browser(moj.hr_admin)
    # then
    expect(page.get_by_role("heading", level=1)).to_have_text("Ministry of Justice")
    assert_no_axe_violations(page)


def test_choose_a_department_page_with_the_switcher(page, operator, sign_in_through_browser):
    """The "Choose a department" page, with the department switcher, has no accessibility violations."""
    # given / when
    sign_in_through_browser(operator)
    # then
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a department")
    expect(page.get_by_test_id("department-switcher")).to_be_visible()
    assert_no_axe_violations(page)


def test_page_not_found(page, moj, dft, sign_in_through_browser):
    """The 404 page has no accessibility violations."""
    # given
    sign_in_through_browser(moj.hr_admin)
    # when
    response = page.goto(f"/departments/{dft.slug}/")
    # then
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_no_axe_violations(page)


def test_permission_denied(page, moj, sign_in_through_browser):
    """The 403 page, shown to an employee opening the people page, has no accessibility violations."""
    # given
    sign_in_through_browser(moj.employee)
    # when
    response = page.goto(f"/departments/{moj.slug}/people/")
    # then
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have permission to see this page")
    assert_no_axe_violations(page)


def test_people_page(page, moj, sign_in_through_browser):
    """The people page has no accessibility violations."""
    # given
    sign_in_through_browser(moj.hr_admin)
    # when
    response = page.goto(f"/departments/{moj.slug}/people/")
    # then
    assert response is not None
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("People with access")
    expect(page.get_by_role("cell", name=moj.hr_admin.email)).to_be_visible()
    assert_no_axe_violations(page)


def test_audit_log_page(page, moj, sign_in_through_browser):
    """The audit log page has no accessibility violations."""
    # given
    sign_in_through_browser(moj.hr_admin)
    # when
    response = page.goto(f"/departments/{moj.slug}/audit-log/")
    # then
    assert response is not None
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    expect(page).to_have_title(re.compile(r"^Audit log"))
    assert_no_axe_violations(page)


def test_server_error_and_expired_form_pages(page):
    """The 500 page and the expired-form (CSRF) page have no accessibility violations."""
    from django.conf import settings
    from django.template import loader
    from django.test import Client

    # given the two pages as the server renders them (neither can be reached by a working journey)
    server_error = loader.render_to_string("errors/500.html", {"service_name": settings.SERVICE_NAME})
    expired_form = Client(enforce_csrf_checks=True).post("/accounts/sign-in/", {}).content.decode()
    for html, heading in ((server_error, "Sorry, there is a problem with the service"),
                          (expired_form, "Your page has expired")):
        # when shown from the live server's origin, so the stylesheets load
        page.goto("/healthz")
        page.set_content(html)
        # then
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_no_axe_violations(page)
