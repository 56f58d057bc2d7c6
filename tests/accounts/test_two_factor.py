"""Two-factor sign-in: who is asked, setting up an authenticator app, codes refused (reused, out of
window, wrong or used recovery codes) with a clear message and a security event, and the security page."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from shared_services.accounts import services, two_factor
from shared_services.accounts.models import SecurityEvent, User
from shared_services.accounts.sign_in_flow import complete_sign_in, second_factor_required
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    # django-otp locks a device for a second after a wrong code; these tests try codes back to back.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def code_now(device: TOTPDevice, *, seconds_ago: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() - seconds_ago
    return f"{totp.token():0{device.digits}d}"


def enrolled(user: User) -> TOTPDevice:
    device = services.totp_enrolment_begin(acting_user=user)
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    device.refresh_from_db()
    return device


def refusals(user: User) -> list[str]:
    return [event.detail.get("reason") for event in SecurityEvent.objects.filter(user=user, event="two_factor.refused")]


def _sign_in_request(user):
    request = RequestFactory().post("/accounts/sign-in/")
    request.session = SessionStore()
    request.user = AnonymousUser()
    return request


def test_approvers_finance_officers_hr_admins_and_operators_need_a_second_factor(moj, operator):
    assert second_factor_required(moj.payroll_approver)
    assert second_factor_required(moj.finance_officer)
    assert second_factor_required(moj.hr_admin)
    assert second_factor_required(operator)
    assert second_factor_required(UserFactory(platform_role=User.PlatformRole.PLATFORM_ADMIN))
    assert not second_factor_required(moj.employee)
    assert not second_factor_required(moj.payroll_officer)


def test_a_password_sign_in_of_an_approver_is_held_until_the_second_factor(moj):
    # given an approver with no second factor, who has typed their password
    request = _sign_in_request(moj.payroll_approver)
    # when the sign-in completes
    response = complete_sign_in(request, user=moj.payroll_approver, method="password", next_url="/departments/moj/")
    # then they are not signed in, and are sent to set up an authenticator app
    assert response.url == "/accounts/two-factor/set-up/"
    assert "_auth_user_id" not in request.session
    # and once they have one, they are asked for a code instead
    enrolled(moj.payroll_approver)
    response = complete_sign_in(_sign_in_request(moj.payroll_approver), user=moj.payroll_approver,
                                method="password", next_url="/")
    assert response.url == "/accounts/two-factor/"


def test_an_employee_and_a_provider_reporting_mfa_sign_in_at_once(moj):
    request = _sign_in_request(moj.employee)
    assert complete_sign_in(request, user=moj.employee, method="password", next_url="/x/").url == "/x/"
    assert request.session["_auth_user_id"] == str(moj.employee.pk)
    # a provider's multi-factor sign-in counts as the second factor, and as a fresh step-up
    request = _sign_in_request(moj.payroll_approver)
    response = complete_sign_in(request, user=moj.payroll_approver, method="sso", next_url="/y/", amr=["pwd", "otp"])
    assert response.url == "/y/"
    assert two_factor.second_factor_is_fresh(request)
    assert not two_factor.provider_reported_second_factor(["pwd"])
    assert two_factor.provider_reported_second_factor(["mfa"])


def _pending(client, user, next_url="/departments/moj/"):
    session = client.session
    session[two_factor.PENDING_KEY] = {"user_id": user.pk, "method": "password", "next": next_url, "at": time.time()}
    session.save()


def test_an_approver_sets_up_an_app_at_sign_in_and_sees_recovery_codes_once(client, moj):
    # given an approver part-way through signing in, with no second factor
    _pending(client, moj.payroll_approver)
    page = client.get("/accounts/two-factor/set-up/").content.decode()
    assert "<svg" in page
    assert "Set up an authenticator app" in page
    device = TOTPDevice.objects.get(user=moj.payroll_approver, confirmed=False)
    assert two_factor.totp_secret_for_typing(device).replace(" ", "") in page.replace(" ", "")
    # when they enter a wrong code
    wrong_code = "000000" if code_now(device) != "000000" else "111111"
    wrong = client.post("/accounts/two-factor/set-up/", {"code": wrong_code})
    # then it is refused on the page, and they are still not signed in
    assert "The code is wrong or has expired" in wrong.content.decode()
    assert "_auth_user_id" not in client.session
    # when they enter the code their app shows
    done = client.post("/accounts/two-factor/set-up/", {"code": code_now(device)})
    # then they are signed in, shown ten recovery codes once, and none is stored in clear
    text = done.content.decode()
    assert client.session["_auth_user_id"] == str(moj.payroll_approver.pk)
    assert "Save your recovery codes" in text
    assert "/departments/moj/" in text
    shown = re.findall(r"<li><code>([^<]+)</code></li>", text)
    assert len(shown) == 10
    stored = set(StaticToken.objects.filter(device__user=moj.payroll_approver).values_list("token", flat=True))
    assert len(stored) == 10
    assert not stored & set(shown)
    assert refusals(moj.payroll_approver) == ["wrong"]


def test_a_code_is_refused_when_reused_or_out_of_window_and_nothing_changes(client, moj):
    device = enrolled(moj.payroll_approver)
    code = code_now(device)
    services.totp_verify(acting_user=moj.payroll_approver, code=code)
    # when the same code is given again, at sign-in
    _pending(client, moj.payroll_approver)
    reused = client.post("/accounts/two-factor/", {"code": code}).content.decode()
    # then it is refused as already used
    assert "This code has already been used" in reused
    assert "_auth_user_id" not in client.session
    # and a code from five minutes ago is refused as wrong or expired
    old = client.post("/accounts/two-factor/", {"code": code_now(device, seconds_ago=300)}).content.decode()
    assert "The code is wrong or has expired" in old
    assert "There is a problem" in old
    assert "_auth_user_id" not in client.session
    assert refusals(moj.payroll_approver) == ["wrong", "reused"]


def test_recovery_codes_work_once_and_wrong_ones_are_refused(client, moj):
    enrolled(moj.payroll_approver)
    codes = services.recovery_codes_regenerate(acting_user=moj.payroll_approver)
    # when a wrong recovery code is given at sign-in
    _pending(client, moj.payroll_approver, next_url="/after/")
    wrong = client.post("/accounts/two-factor/", {"code": "aaaaa-bbbbb"}).content.decode()
    assert "This recovery code is wrong" in wrong
    # when a right one is given
    used = client.post("/accounts/two-factor/", {"code": codes[0].upper()})
    assert used.url == "/after/"
    assert client.session["_auth_user_id"] == str(moj.payroll_approver.pk)
    assert two_factor.recovery_codes_left(moj.payroll_approver) == 9
    # then the same code does not work a second time
    client.logout()
    _pending(client, moj.payroll_approver)
    again = client.post("/accounts/two-factor/", {"code": codes[0]}).content.decode()
    assert "This recovery code has already been used" in again
    assert "_auth_user_id" not in client.session
    assert two_factor.recovery_codes_left(moj.payroll_approver) == 9
    assert refusals(moj.payroll_approver) == ["recovery_reused", "recovery_wrong"]


def test_the_security_page_lists_factors_and_removing_one_needs_a_fresh_step_up(client, moj, stepped_up):
    device = enrolled(moj.payroll_approver)
    client.force_login(moj.payroll_approver)
    page = client.get("/accounts/security/").content.decode()
    assert "Authenticator app" in page
    assert "Sign out everywhere" in page
    # removing without a recent second factor asks for one first
    response = client.post(f"/accounts/security/totp/{device.pk}/remove/")
    assert response.url.startswith("/accounts/confirm-its-you/")
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    # after stepping up with a code, it is removed
    stepped = client.post("/accounts/confirm-its-you/?next=/accounts/security/", {"code": code_now(device)})
    assert stepped.url == "/accounts/security/"
    client.post(f"/accounts/security/totp/{device.pk}/remove/")
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert SecurityEvent.objects.filter(user=moj.payroll_approver, event="two_factor.removed").exists()


def test_someone_elses_factor_cannot_be_removed(client, moj, stepped_up):
    other = enrolled(moj.hr_admin)
    client.force_login(moj.payroll_approver)
    stepped_up()
    client.post(f"/accounts/security/totp/{other.pk}/remove/")
    assert TOTPDevice.objects.filter(pk=other.pk).exists()


def test_a_passkey_answer_that_does_not_verify_is_refused_and_recorded(client, moj):
    # given an approver with a passkey, part-way through signing in
    from shared_services.accounts.models import Passkey

    Passkey.objects.create(user=moj.payroll_approver, name="Laptop", credential_id="AAAA", public_key=b"x")
    _pending(client, moj.payroll_approver)
    options = client.post("/accounts/passkeys/authenticate/options/").json()
    assert options["allowCredentials"][0]["id"] == "AAAA"
    assert options["challenge"]
    # when the browser sends an answer that is not a signature over the challenge
    refused = client.post("/accounts/passkeys/authenticate/", {"credential": {"id": "AAAA", "rawId": "AAAA",
                          "type": "public-key", "response": {"clientDataJSON": "e30", "authenticatorData": "AA",
                                                              "signature": "AA"}}}, content_type="application/json")
    # then it is refused, recorded, and the person is not signed in
    assert refused.status_code == 400
    assert "could not be checked" in refused.json()["error"]
    assert "_auth_user_id" not in client.session
    assert refusals(moj.payroll_approver) == ["passkey"]
