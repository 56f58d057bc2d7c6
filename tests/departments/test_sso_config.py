"""A department's single sign-on provider: configured by its HR admins or by command, validated, audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from departments import selectors, services
from departments.models import AuditEvent, IdentityProvider
from departments.services.audit import MASK

pytestmark = pytest.mark.django_db


def _configure(department, **overrides):
    arguments = {"issuer": "https://login.justice.example", "client_id": "platform", "client_secret": "s3cret-value",
                 "domains": ["justice.example", " MOJ.example "], "acting_user": None}
    arguments.update(overrides)
    return services.identity_provider_configure(department=department, **arguments)


def test_a_provider_is_configured_and_found_by_email_domain(moj):
    # when
    provider = _configure(moj.department)
    # then: domains are stored lower case and route addresses to the department
    assert sorted(provider.domains.values_list("domain", flat=True)) == ["justice.example", "moj.example"]
    assert selectors.identity_provider_for_email(email="Someone@MOJ.example") == provider
    assert selectors.identity_provider_for_email(email="someone@elsewhere.example") is None


def test_the_audit_entry_masks_the_secret(moj, in_department):
    _configure(moj.department, acting_user=moj.hr_admin)
    with in_department(moj):
        event = AuditEvent.objects.get(action="sso.provider_created")
    assert event.changes["client_secret"]["after"] == MASK
    assert "s3cret-value" not in str(event.changes)
    assert event.changes["issuer"]["after"] == "https://login.justice.example"


def test_a_blank_secret_keeps_the_stored_one(moj):
    _configure(moj.department)
    provider = _configure(moj.department, client_secret="", client_id="platform-2")
    assert provider.client_secret == "s3cret-value"
    assert provider.client_id == "platform-2"


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"issuer": "http://login.justice.example"}, "issuer", "must start with https://"),
    ({"issuer": ""}, "issuer", "Enter the issuer address"),
    ({"client_id": " "}, "client_id", "Enter the client ID"),
    ({"client_secret": ""}, "client_secret", "Enter the client secret"),
    ({"domains": ["justice example"]}, "domains", "justice example is not an e-mail domain"),
    ({"domains": []}, "domains", "Enter at least one e-mail domain"),
    ({"staff_number_claim": "staff number"}, "staff_number_claim", "Enter the claim's name"),
])
def test_bad_settings_are_refused_naming_the_field(moj, overrides, field, message):
    with pytest.raises(ValidationError) as refused:
        _configure(moj.department, **overrides)
    assert message in " ".join(refused.value.message_dict[field])
    assert not IdentityProvider.objects.exists()


def test_a_domain_already_claimed_by_another_department_is_named(moj, dft):
    _configure(moj.department)
    with pytest.raises(ValidationError) as refused:
        _configure(dft.department, issuer="https://login.dft.example", domains=["dft.example", "justice.example"])
    assert refused.value.message_dict["domains"] == [
        "justice.example already signs in through Ministry of Justice's provider"]
    assert not IdentityProvider.objects.filter(department=dft.department).exists()


def test_disabling_stops_routing_and_is_audited(moj, in_department):
    _configure(moj.department)
    services.identity_provider_set_enabled(department=moj.department, is_enabled=False, acting_user=moj.hr_admin)
    assert selectors.identity_provider_for_email(email="a@justice.example") is None
    with in_department(moj):
        assert AuditEvent.objects.filter(action="sso.provider_disabled").exists()


def test_the_command_configures_from_a_secret_file(moj, tmp_path, capsys):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    call_command("configure_sso", "--department", "moj", "--issuer", "https://login.justice.example",
                 "--client-id", "platform", "--client-secret-file", str(secret), "--domains",
                 "justice.example,moj.example", "--staff-number-claim", "staff_no")
    provider = IdentityProvider.objects.get(department=moj.department)
    assert provider.client_secret == "from-a-file"
    assert provider.staff_number_claim == "staff_no"
    assert "Single sign-on for moj" in capsys.readouterr().out


@pytest.mark.parametrize(("arguments", "message"), [
    (["--department", "nowhere"], "--department: no department with slug 'nowhere'"),
    (["--department", "moj", "--issuer", "https://x.example"], "Missing: --client-id, --domains"),
    (["--department", "moj", "--issuer", "http://x.example", "--client-id", "c", "--domains", "x.example",
      "--client-secret-file", "/nonexistent/secret"], "--client-secret-file: cannot read"),
    (["--department", "moj", "--disable"], "--disable: Ministry of Justice has no single sign-on provider"),
])
def test_the_command_refuses_bad_input_clearly(moj, arguments, message):
    with pytest.raises(CommandError) as refused:
        call_command("configure_sso", *arguments)
    assert message in str(refused.value)


def test_the_command_names_the_field_the_service_refused(moj, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("x")
    with pytest.raises(CommandError) as refused:
        call_command("configure_sso", "--department", "moj", "--issuer", "http://login.justice.example",
                     "--client-id", "c", "--client-secret-file", str(secret), "--domains", "justice.example")
    assert "--issuer: The issuer address must start with https://" in str(refused.value)


def _page_post(client, **overrides):
    data = {"issuer": "https://login.justice.example", "client_id": "platform", "client_secret": "typed-secret",
            "domains": "justice.example, moj.example", "staff_number_claim": "employee_number", "is_enabled": "on"}
    data.update(overrides)
    return client.post("/departments/moj/single-sign-on/", data)


def test_an_hr_admin_sets_up_single_sign_on_and_the_secret_is_never_shown_again(client, moj):
    client.force_login(moj.hr_admin)
    # when
    response = _page_post(client)
    # then
    assert response.status_code == 302
    provider = IdentityProvider.objects.get(department=moj.department)
    assert provider.client_secret == "typed-secret"
    page = client.get("/departments/moj/single-sign-on/").content.decode()
    assert "typed-secret" not in page
    assert "Single sign-on is <strong>on</strong>" in page
    assert "justice.example, moj.example" in page
    # and saving again with the secret left blank keeps it
    assert _page_post(client, client_secret="", client_id="platform-2").status_code == 302
    provider.refresh_from_db()
    assert (provider.client_id, provider.client_secret) == ("platform-2", "typed-secret")


def test_bad_settings_on_the_page_show_an_error_summary_naming_the_field(client, moj, dft):
    services.identity_provider_configure(department=dft.department, issuer="https://login.dft.example",
                                         client_id="c", client_secret="s", domains=["moj.example"], acting_user=None)
    client.force_login(moj.hr_admin)
    response = _page_post(client, issuer="http://login.justice.example")
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "The issuer address must start with https://" in page
    response = _page_post(client)
    assert "moj.example already signs in through Department for Transport" in response.content.decode()
    assert not IdentityProvider.objects.filter(department=moj.department).exists()


def test_only_hr_admins_of_the_department_reach_the_page(client, moj, dft):
    client.force_login(moj.hr_officer)
    assert client.get("/departments/moj/single-sign-on/").status_code == 403
    client.force_login(dft.hr_admin)
    assert client.get("/departments/moj/single-sign-on/").status_code == 404
