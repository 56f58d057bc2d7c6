"""Single sign-on through a department's provider: the real local provider, spoken to over HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from departments import services as department_services
from departments.roles import Role
from shared_services.accounts.models import ExternalIdentity, SecurityEvent, User
from tests.factories import MembershipFactory, UserFactory
from tests.factories.hr import EmployeeFactory

pytest_plugins = ["tests.local_idp"]
pytestmark = pytest.mark.django_db

CALLBACK = "http://testserver/accounts/sso/callback/"
IDP_PASSWORD = "provider-password-2026"


@pytest.fixture(scope="module")
def provider_people(local_idp):
    local_idp.register_client(CALLBACK)
    local_idp.add_user(email="hr.officer@moj.test", username="hr.officer@justice.test", password=IDP_PASSWORD,
                       employee_number="MJ000001", amr="pwd,otp")
    local_idp.add_user(email="casey.new@justice.test", password=IDP_PASSWORD, employee_number="MJ000777")
    local_idp.add_user(email="stranger@justice.test", password=IDP_PASSWORD, employee_number="NOBODY")
    return local_idp


@pytest.fixture
def moj_sso(moj, provider_people):
    department_services.identity_provider_configure(
        department=moj.department, issuer=provider_people.issuer, client_id=provider_people.client_id,
        client_secret=provider_people.client_secret, domains=["justice.test"], acting_user=moj.hr_admin)
    return moj


def _start(client, email, **extra):
    return client.post("/accounts/sign-in/", {"username": email, **extra})


def _sign_in_through_provider(client, provider, email, username, next_url=None):
    started = _start(client, email, **({"next": next_url} if next_url else {}))
    assert started.status_code == 302
    back = provider.sign_in(started["Location"], username=username, password=IDP_PASSWORD, back_to=CALLBACK)
    return client.get(back.removeprefix("http://testserver"))


def test_an_address_at_a_department_with_single_sign_on_goes_to_its_provider_with_pkce(client, moj_sso):
    # when
    response = _start(client, "anyone@Justice.test")
    # then: the authorisation request carries state, nonce and an S256 code challenge
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    query = parse_qs(location.query)
    assert response["Location"].startswith(moj_sso_issuer(moj_sso))
    assert query["client_id"] == [moj_sso.department.identity_provider.client_id]
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"]
    assert query["nonce"]
    assert query["code_challenge"]
    assert query["redirect_uri"] == [CALLBACK]


def moj_sso_issuer(moj):
    return moj.department.identity_provider.issuer


def test_first_sign_in_links_by_work_email_then_by_subject(client, moj_sso, local_idp):
    # when the HR officer signs in through the provider for the first time
    response = _sign_in_through_provider(client, local_idp, "hr.officer@justice.test", "hr.officer@justice.test",
                                         next_url="/departments/moj/people/")
    # then they are signed in, sent where they were going, and their provider account is linked
    assert response.status_code == 302
    assert response["Location"] == "/departments/moj/people/"
    assert int(client.session["_auth_user_id"]) == moj_sso.hr_officer.pk
    identity = ExternalIdentity.objects.get(user=moj_sso.hr_officer)
    assert identity.linked_by == "e-mail"
    assert identity.issuer == moj_sso_issuer(moj_sso)
    # and a second sign-in is matched by the provider's subject, even if the account's address changes
    User.objects.filter(pk=moj_sso.hr_officer.pk).update(email="renamed@moj.test")
    client.logout()
    again = _sign_in_through_provider(client, local_idp, "hr.officer@justice.test", "hr.officer@justice.test")
    assert again.status_code == 302
    assert int(client.session["_auth_user_id"]) == moj_sso.hr_officer.pk
    assert ExternalIdentity.objects.filter(user=moj_sso.hr_officer).count() == 1


def test_first_sign_in_links_by_staff_number_through_the_hr_record(client, moj_sso, local_idp, in_department):
    # given an employee whose account has a different address from the provider's
    casey = UserFactory(email="casey@moj-old.test")
    MembershipFactory(user=casey, department=moj_sso.department, role=Role.EMPLOYEE)
    with in_department(moj_sso):
        EmployeeFactory(department=moj_sso.department, payroll_number="MJ000777", user=casey)
    # when
    response = _sign_in_through_provider(client, local_idp, "casey.new@justice.test", "casey.new@justice.test")
    # then
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == casey.pk
    assert ExternalIdentity.objects.get(user=casey).linked_by == "staff number"


def test_an_unknown_person_gets_no_access_and_nothing_is_created(client, moj_sso, local_idp):
    users_before = User.objects.count()
    # when someone the provider knows but the platform does not signs in
    response = _sign_in_through_provider(client, local_idp, "stranger@justice.test", "stranger@justice.test")
    # then
    assert response.status_code == 403
    assert "You do not have access to this service" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == users_before
    assert not ExternalIdentity.objects.exists()
    assert SecurityEvent.objects.filter(event="sso_no_access", email="stranger@justice.test").exists()


def test_a_person_whose_access_has_ended_is_not_linked_by_email(client, moj_sso, local_idp):
    # given the HR officer's membership has ended
    moj_sso.hr_officer.memberships.update(valid_to="2020-01-01", valid_from="2019-01-01")
    # when
    response = _sign_in_through_provider(client, local_idp, "hr.officer@justice.test", "hr.officer@justice.test")
    # then
    assert response.status_code == 403
    assert not ExternalIdentity.objects.exists()


def test_a_replayed_state_is_refused(client, moj_sso, local_idp):
    # given a completed sign-in
    started = _start(client, "hr.officer@justice.test")
    back = local_idp.sign_in(started["Location"], username="hr.officer@justice.test", password=IDP_PASSWORD,
                             back_to=CALLBACK)
    assert client.get(back.removeprefix("http://testserver")).status_code == 302
    client.logout()
    # when the same answer is sent again
    replay = client.get(back.removeprefix("http://testserver"))
    # then
    assert replay.status_code == 400
    assert "You could not be signed in" in replay.content.decode()
    assert "_auth_user_id" not in client.session
    assert SecurityEvent.objects.filter(event="sso_state_refused").exists()


def test_an_address_without_a_provider_is_asked_for_a_password(client, moj_sso):
    # when
    response = _start(client, "hr.officer@moj.test")
    # then: the password step, for the same address
    page = response.content.decode()
    assert response.status_code == 200
    assert "Sign in: enter your password" in page
    assert 'value="hr.officer@moj.test"' in page


def test_single_sign_on_start_for_a_domain_without_a_provider_is_refused_and_recorded(client, moj_sso):
    response = client.get("/accounts/sso/start/", {"email": "someone@elsewhere.test"})
    assert response.status_code == 404
    assert "does not sign in here with single sign-on" in response.content.decode()
    assert SecurityEvent.objects.filter(event="sso_no_provider", email="someone@elsewhere.test").exists()


def test_a_password_cannot_be_used_for_an_address_with_single_sign_on(client, moj_sso):
    # given an account at the single sign-on domain that also has a password
    UserFactory(email="pat@justice.test")
    # when the password step is posted directly
    response = _start(client, "pat@justice.test", password="correct-horse-battery-staple")
    # then the person is sent to the provider instead, and not signed in here
    assert response.status_code == 302
    assert response["Location"].startswith(moj_sso_issuer(moj_sso))
    assert "_auth_user_id" not in client.session


def test_a_provider_that_is_down_gets_a_clear_page(client, moj, local_idp):
    # given a provider on a port where nothing listens
    department_services.identity_provider_configure(
        department=moj.department, issuer=local_idp.closed_port_issuer(), client_id="x", client_secret="y",
        domains=["justice.test"], acting_user=None)
    # when
    response = _start(client, "hr.officer@justice.test")
    # then
    assert response.status_code == 503
    assert "could not reach your organisation" in response.content.decode()
    assert SecurityEvent.objects.filter(event="sso_provider_unreachable").exists()


def test_a_disabled_provider_leaves_its_people_to_passwords(client, moj_sso):
    department_services.identity_provider_set_enabled(department=moj_sso.department, is_enabled=False,
                                                      acting_user=moj_sso.hr_admin)
    response = _start(client, "pat@justice.test")
    assert response.status_code == 200
    assert "Sign in: enter your password" in response.content.decode()


def test_an_unsafe_next_address_is_replaced_by_the_home_page(client, moj_sso, local_idp):
    response = _sign_in_through_provider(client, local_idp, "hr.officer@justice.test", "hr.officer@justice.test",
                                         next_url="https://evil.example/steal")
    assert response.status_code == 302
    assert response["Location"] == "/departments/"


@pytest.mark.parametrize("hook", ["sso_provider_for_email", "sso_provider_get", "sso_member_account",
                                  "account_for_staff_number"])
def test_the_apps_above_accounts_answer_the_single_sign_on_hooks(hook):
    """Without these, addresses of departments with single sign-on would silently fall back to passwords."""
    from shared_services.core.hooks import app_configs_with

    assert [config.label for config, _ in app_configs_with(hook)], f"no installed app answers {hook}"
