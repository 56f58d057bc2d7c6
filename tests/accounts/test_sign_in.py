"""Signing in with an e-mail address, throttling password guessing, resetting a password."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.factories.departments import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(client, email, password):
    """The password step (the second of the sign-in page's two steps), as its form posts it."""
    return client.post("/accounts/sign-in/", {"username": email, "password": password})


def test_the_sign_in_page_asks_for_the_email_address_first_then_the_password(client, moj):
    # when the page is opened
    first = client.get("/accounts/sign-in/").content.decode()
    # then it asks only for the address
    assert 'name="username"' in first
    assert 'type="password"' not in first
    # when an address of a department without single sign-on is given
    second = client.post("/accounts/sign-in/", {"username": "hr.officer@moj.test"}).content.decode()
    # then the password is asked for, for that address, and nobody is signed in yet
    assert 'type="password"' in second
    assert 'value="hr.officer@moj.test"' in second
    assert "_auth_user_id" not in client.session


def test_an_empty_email_step_names_the_missing_address(client, db):
    page = client.post("/accounts/sign-in/", {"username": ""}).content.decode()
    assert "govuk-error-summary" in page
    assert "Enter your e-mail address" in page


def test_person_signs_in_with_email_and_lands_on_their_department(client, moj):
    # when
    response = _sign_in(client, "HR.Officer@moj.test", TEST_PASSWORD)
    # then: e-mail matching ignores case, and a one-department person goes straight home
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow["Location"] == f"/departments/{moj.slug}/"


def test_wrong_password_shows_a_govuk_error_summary(client, moj):
    response = _sign_in(client, "hr.officer@moj.test", "wrong")
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Enter a correct e-mail address and password" in page
    assert "<title>Error: Sign in" in page


def test_empty_fields_are_named_in_the_errors(client, db):
    page = _sign_in(client, "", "").content.decode()
    assert "Enter your e-mail address" in page
    assert "Enter your password" in page


def test_repeated_failures_lock_the_address_even_with_the_right_password(client, moj, settings):
    # given five failed attempts
    for _ in range(settings.SIGN_IN_MAX_FAILURES):
        _sign_in(client, "hr.officer@moj.test", "wrong")
    # when the right password is tried
    response = _sign_in(client, "hr.officer@moj.test", TEST_PASSWORD)
    # then it is refused with a clear message, and the person is not signed in
    assert response.status_code == 200
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # and another address is unaffected
    assert _sign_in(client, "hr.admin@moj.test", TEST_PASSWORD).status_code == 302


def test_sign_out_ends_the_session(client, moj):
    client.force_login(moj.hr_officer)
    response = client.post("/accounts/sign-out/")
    assert response["Location"] == "/accounts/sign-in/"
    assert client.get(f"/departments/{moj.slug}/").status_code == 302


def test_password_reset_by_email(client, moj):
    # when a reset is asked for
    response = client.post("/accounts/password-reset/", {"email": "hr.officer@moj.test"})
    assert response["Location"] == "/accounts/password-reset/sent/"
    # then an e-mail carries a link that sets a new password
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    new_password = "a-new-long-passphrase-2026"
    done = client.post(form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
                       {"new_password1": new_password, "new_password2": new_password})
    assert done["Location"] == "/accounts/password-reset/complete/"
    assert _sign_in(client, "hr.officer@moj.test", new_password).status_code == 302


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client, db):
    response = client.post("/accounts/password-reset/", {"email": "nobody@nowhere.test"})
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert mail.outbox == []


def test_a_form_sent_without_its_security_token_gets_a_clear_page(db):
    from django.test import Client

    strict_client = Client(enforce_csrf_checks=True)
    response = strict_client.post("/accounts/sign-in/", {"username": "a@b.test", "password": "x"})
    assert response.status_code == 403
    assert "Your page has expired" in response.content.decode()


def test_an_empty_password_does_not_reset_the_failure_count(client, moj, settings):
    # given one failure short of the lock
    for _ in range(settings.SIGN_IN_MAX_FAILURES - 1):
        _sign_in(client, "hr.officer@moj.test", "wrong")
    # when a post with no password is sent (authentication is not even tried)
    _sign_in(client, "hr.officer@moj.test", "")
    _sign_in(client, "hr.officer@moj.test", "wrong")
    # then the address is locked
    assert "Too many failed attempts" in _sign_in(client, "hr.officer@moj.test", TEST_PASSWORD).content.decode()


def test_many_failures_from_one_network_address_lock_it_for_every_account(client, moj, settings):
    settings.SIGN_IN_MAX_FAILURES_PER_ADDRESS = 3
    for persona in ("employee", "manager", "auditor"):
        _sign_in(client, f"{persona}@moj.test", "wrong")
    response = _sign_in(client, "hr.admin@moj.test", TEST_PASSWORD)
    assert "Too many failed attempts" in response.content.decode()


def test_a_null_character_in_the_address_is_a_form_error_not_a_crash(client, db):
    response = _sign_in(client, "a\x00b@moj.test", "x")
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
