"""Signing in through a department's provider in a real browser: the local OpenID Provider over HTTP."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from departments import services
from tests.browser.axe import assert_no_axe_violations

pytest_plugins = ["tests.local_idp"]
pytestmark = pytest.mark.django_db(transaction=True)
IDP_PASSWORD = "provider-password-2026"


@pytest.fixture
def moj_sso(moj, local_idp, live_server):
    local_idp.register_client(f"{live_server.url}/accounts/sso/callback/")
    local_idp.add_user(email="hr.officer@moj.test", username="hr.officer@justice.test", password=IDP_PASSWORD)
    local_idp.add_user(email="visitor@justice.test", password=IDP_PASSWORD)
    services.identity_provider_configure(
        department=moj.department, issuer=local_idp.issuer, client_id=local_idp.client_id,
        client_secret=local_idp.client_secret, domains=["justice.test"], acting_user=None)
    return moj


def _at_provider(page, username):
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to your department")
    page.get_by_label("Sign-in name").fill(username)
    page.get_by_label("Password").fill(IDP_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_a_person_signs_in_through_their_departments_provider(page, moj_sso):
    # given the sign-in page asks for the e-mail address first
    page.goto("/accounts/sign-in/")
    assert_no_axe_violations(page)
    page.get_by_label("E-mail address").fill("hr.officer@justice.test")
    page.get_by_role("button", name="Continue").click()
    # when they sign in at their department's provider
    _at_provider(page, "hr.officer@justice.test")
    # then they are back, signed in, on their department's home
    expect(page).to_have_url(re.compile(r"/departments/moj/$"))
    expect(page.get_by_text(f"Signed in as {moj_sso.hr_officer.get_full_name()}")).to_be_visible()


def test_someone_the_platform_does_not_know_gets_a_clear_no_access_page(page, moj_sso):
    page.goto("/accounts/sign-in/")
    page.get_by_label("E-mail address").fill("visitor@justice.test")
    page.get_by_role("button", name="Continue").click()
    _at_provider(page, "visitor@justice.test")
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have access to this service")
    assert_no_axe_violations(page)


def test_the_password_step_and_the_single_sign_on_settings_pass_axe(page, moj_sso, live_server):
    # the e-mail step sent empty shows its error summary
    page.goto("/accounts/sign-in/")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your e-mail address")
    assert_no_axe_violations(page)
    # the password step, for an address without single sign-on
    page.get_by_label("E-mail address").fill("hr.officer@moj.test")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label("Password")).to_be_visible()
    assert_no_axe_violations(page)
    # the settings page, for the department's HR admin (signed in by session, not through the form)
    client = Client()
    client.force_login(moj_sso.hr_admin)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    page.goto("/departments/moj/single-sign-on/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Single sign-on")
    assert_no_axe_violations(page)
    # and a bad issuer shows the error summary, which passes axe too
    page.get_by_label("Issuer address").fill("http://login.justice.example")
    page.get_by_role("button", name="Save single sign-on settings").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("must start with https://")
    assert_no_axe_violations(page)
