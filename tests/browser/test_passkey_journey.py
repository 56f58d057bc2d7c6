"""A payroll approver adds a passkey on their sign-in and security page, signs out, signs back in with
their password and the passkey instead of a code, and uses the passkey again when approving a pay run
asks them to confirm it is them; the passkey pages pass axe.

The passkey lives in Chromium's virtual authenticator (a platform authenticator with user verification,
as a laptop's fingerprint reader would be), driven through the DevTools protocol. WebAuthn needs a secure
context whose host is the relying party's ID: the live server is at http://localhost:<port>, a secure
context, and the relying party ID is set to the host the browser is given, whatever the environment says.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import CDPSession, Page, expect

from payroll.models import PayRun
from shared_services.accounts import two_factor
from shared_services.accounts.models import Passkey, SecurityEvent
from tests.browser.axe import assert_no_axe_violations
from tests.browser.test_two_factor_journey import calculated_run  # noqa: F401  (a fixture)
from tests.payroll.conftest import finance_setting  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def relying_party_is_the_live_server(live_server, settings):
    """The passkey belongs to the host the browser is at, which must be a secure context (localhost)."""
    host = urlsplit(live_server.url).hostname
    assert host == "localhost", f"WebAuthn needs a secure context; the live server is at {live_server.url}"
    settings.WEBAUTHN_RP_ID = host
    return host


def add_fingerprint_reader(page: Page) -> tuple[CDPSession, str]:
    """A built-in authenticator that keeps passkeys and checks the person (as a fingerprint reader would)."""
    session = page.context.new_cdp_session(page)
    session.send("WebAuthn.enable")
    added = session.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True,
    }})
    return session, added["authenticatorId"]


def passkeys_on_device(session: CDPSession, authenticator_id: str) -> list[dict]:
    return session.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]


def test_an_approver_adds_a_passkey_then_signs_in_and_approves_a_run_with_it(
        page, moj, calculated_run, in_department, sign_in_through_browser,  # noqa: F811
        relying_party_is_the_live_server):
    approver = moj.payroll_approver
    run_url = f"/departments/{moj.slug}/payroll/runs/{calculated_run.pk}/"
    session, authenticator_id = add_fingerprint_reader(page)
    # given a payroll approver signed in with a password and the authenticator app their role requires
    sign_in_through_browser(approver)
    expect(page.get_by_text(f"Signed in as {approver.get_full_name()}")).to_be_visible()

    # when they add a passkey on their sign-in and security page
    page.goto("/accounts/security/")
    expect(page.get_by_role("heading", name="Passkeys")).to_be_visible()
    expect(page.get_by_text("You have no passkeys.")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_label("Name this passkey").fill("Work laptop")
    page.get_by_role("button", name="Add a passkey").click()

    # then the page lists it, their laptop holds it, and the platform keeps only its public key
    expect(page.get_by_test_id("passkeys")).to_contain_text("Work laptop")
    expect(page.get_by_text("Your passkey is added.")).to_be_visible()
    expect(page.locator("#passkey-error")).to_be_empty()
    assert_no_axe_violations(page)
    on_device = passkeys_on_device(session, authenticator_id)
    assert len(on_device) == 1
    assert on_device[0]["rpId"] == relying_party_is_the_live_server
    assert on_device[0]["isResidentCredential"] is True
    stored = Passkey.objects.get(user=approver)
    assert stored.name == "Work laptop"
    assert stored.credential_id == on_device[0]["credentialId"].replace("+", "-").replace("/", "_").rstrip("=")

    # when they sign out and sign in again with their password
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_load_state()
    sign_in_through_browser(approver, second_factor=False)

    # then they are asked for a second factor and offered their passkey
    expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
    expect(page.get_by_role("heading", name="Or use a passkey")).to_be_visible()
    assert_no_axe_violations(page)

    # when they use the passkey instead of a code
    page.get_by_role("button", name="Use a passkey").click()

    # then they are signed in, by the passkey, whose signature counter the platform now keeps
    expect(page.get_by_text(f"Signed in as {approver.get_full_name()}")).to_be_visible()
    assert _session(page)[two_factor.VERIFIED_HOW_KEY] == "passkey"
    stored.refresh_from_db()
    assert stored.last_used_at is not None
    assert stored.sign_count == passkeys_on_device(session, authenticator_id)[0]["signCount"]
    uses = SecurityEvent.objects.filter(user=approver, event="two_factor.verified", detail__factor="passkey")
    assert uses.count() == 1

    # when, their second factor now too old, they approve the pay run
    _age_second_factor(page)
    page.goto(run_url)
    page.get_by_role("button", name="Approve").click()

    # then they are asked to confirm it is them, and the passkey is offered
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Use a passkey").click()

    # then, back at the run, approving goes through
    page.wait_for_url(f"**{run_url}")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("run-status")).to_contain_text("Approved")
    with in_department(moj):
        assert PayRun.objects.get(pk=calculated_run.pk).status == PayRun.Status.APPROVED
    assert uses.count() == 2
    assert _session(page)[two_factor.VERIFIED_HOW_KEY] == "passkey"

    # and their security page shows the passkey as used
    page.goto("/accounts/security/")
    expect(page.get_by_test_id("passkeys")).to_contain_text("last used")
    assert_no_axe_violations(page)


def _session(page: Page):
    from django.contrib.sessions.backends.db import SessionStore

    return SessionStore(session_key=next(cookie["value"] for cookie in page.context.cookies()
                                         if cookie["name"] == django_settings.SESSION_COOKIE_NAME))


def _age_second_factor(page: Page) -> None:
    """Move the session's second factor back past the step-up window, as if time had passed."""
    store = _session(page)
    store[two_factor.VERIFIED_AT_KEY] = time.time() - django_settings.STEP_UP_MAX_AGE_SECONDS - 60
    store.save()
