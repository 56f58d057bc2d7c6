"""The API shell: identity, departments, tokens bound to one department, problem+json errors."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from departments import services
from departments.models import ApiToken, AuditEvent
from departments.roles import Role
from tests.factories import AuditEventFactory, MembershipFactory

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _token(department, scopes=("hr:read", "audit:read", "members:read"), name="ERP export"):
    api_token, raw = services.api_token_create(department=department, name=name, scopes=scopes, acting_user=None)
    return api_token, raw


def test_token_reads_its_own_department(api_client, moj):
    # given
    _, raw = _token(moj.department)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    # when
    response = api_client.get(f"/api/v1/departments/{moj.slug}/")
    # then
    assert response.status_code == 200
    assert response.json()["name"] == "Ministry of Justice"
    assert response.json()["people_with_access"] == 8


def test_token_of_another_department_gets_404_not_403(api_client, moj, dft):
    # given a token bound to moj
    _, raw = _token(moj.department)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    # when it asks for dft, and for a department that does not exist
    foreign = api_client.get(f"/api/v1/departments/{dft.slug}/members/")
    unknown = api_client.get("/api/v1/departments/no-such-department/members/")
    # then both answer the same 404, so existence does not leak
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json()["detail"] == unknown.json()["detail"]
    assert foreign["Content-Type"] == PROBLEM


def test_token_lists_only_its_department(api_client, moj, dft):
    _, raw = _token(moj.department)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api_client.get("/api/v1/departments/")
    assert [department["slug"] for department in response.json()] == ["moj"]


def test_token_without_the_scope_is_refused_with_403(api_client, moj):
    # given a token that may read HR but not the audit log
    _, raw = _token(moj.department, scopes=["hr:read"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    # when
    response = api_client.get(f"/api/v1/departments/{moj.slug}/audit-events/")
    # then
    assert response.status_code == 403
    assert "audit:read" in response.json()["detail"]


def test_revoked_token_is_refused_and_last_use_is_recorded(api_client, moj):
    # given a token used once
    api_token, raw = _token(moj.department)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get("/api/v1/me/").status_code == 200
    api_token.refresh_from_db()
    assert api_token.last_used_at is not None
    # when it is revoked
    services.api_token_revoke(api_token=api_token, acting_user=moj.hr_admin)
    response = api_client.get(f"/api/v1/departments/{moj.slug}/")
    # then
    assert response.status_code == 401
    assert response.json()["detail"] == "The token has been revoked."
    assert response["Content-Type"] == PROBLEM


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-token", "Bearer ssp_abcdef12_" + "x" * 43, "Bearer ssp_short_x"],
)
def test_malformed_or_unknown_tokens_get_401(api_client, moj, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["status"] == 401


def test_unauthenticated_request_gets_401_problem(api_client):
    response = api_client.get("/api/v1/departments/")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_session_user_reaches_own_department_and_not_another(api_client, moj, dft):
    api_client.force_login(moj.hr_officer)
    assert api_client.get(f"/api/v1/departments/{moj.slug}/").status_code == 200
    assert api_client.get(f"/api/v1/departments/{dft.slug}/").status_code == 404


def test_operator_reaches_assigned_departments(api_client, operator, moj, dft):
    api_client.force_login(operator)
    response = api_client.get("/api/v1/me/")
    assert sorted(d["slug"] for d in response.json()["departments"]) == ["dft", "moj"]
    assert api_client.get(f"/api/v1/departments/{dft.slug}/").status_code == 200


def test_members_endpoint_lists_people_and_roles(api_client, moj, dft):
    api_client.force_login(moj.hr_admin)
    response = api_client.get(f"/api/v1/departments/{moj.slug}/members/")
    assert response.status_code == 200
    emails = {member["email"] for member in response.json()["results"]}
    assert "hr.admin@moj.test" in emails
    assert not any(email.endswith("@dft.test") for email in emails)


def test_audit_events_are_those_of_the_department_only(api_client, moj, dft):
    # given an event in each department
    AuditEventFactory(department=moj.department, action="moj.thing")
    AuditEventFactory(department=dft.department, action="dft.thing")
    _, raw = _token(moj.department)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    # when
    response = api_client.get(f"/api/v1/departments/{moj.slug}/audit-events/?limit=100")
    # then
    actions = [event["action"] for event in response.json()["results"]]
    assert "moj.thing" in actions
    assert "dft.thing" not in actions


def test_hr_admin_creates_and_revokes_an_api_client(api_client, moj, in_department):
    # given
    api_client.force_login(moj.hr_admin)
    # when
    created = api_client.post(
        f"/api/v1/departments/{moj.slug}/api-clients/new/",
        {"name": "Pensions feed", "scopes": ["hr:read"]},
        format="json",
    )
    # then the token is shown once and works
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("ssp_")
    listed = api_client.get(f"/api/v1/departments/{moj.slug}/api-clients/").json()
    assert "token" not in listed[0]
    assert not ApiToken.objects.filter(key_hash__contains=token).exists()
    # when it is revoked
    revoked = api_client.post(f"/api/v1/departments/{moj.slug}/api-clients/{created.json()['id']}/revoke/")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    # and both changes are in moj's audit log, by the HR admin
    with in_department(moj):
        actions = list(AuditEvent.objects.filter(actor=moj.hr_admin).values_list("action", flat=True))
    assert {"api_token.create", "api_token.revoke"} <= set(actions)


def test_hr_admin_cannot_revoke_another_departments_client(api_client, moj, dft):
    their_token, _ = _token(dft.department)
    api_client.force_login(moj.hr_admin)
    response = api_client.post(f"/api/v1/departments/{moj.slug}/api-clients/{their_token.id}/revoke/")
    assert response.status_code == 404
    their_token.refresh_from_db()
    assert their_token.revoked_at is None


def test_bad_api_client_input_names_each_field_and_stores_nothing(api_client, moj):
    api_client.force_login(moj.hr_admin)
    response = api_client.post(
        f"/api/v1/departments/{moj.slug}/api-clients/new/",
        {"name": "Bad", "scopes": ["members:manage", "nonsense"]},
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"scopes"}
    assert "nonsense" in response.json()["errors"][0]["message"]
    assert not ApiToken.objects.filter(name="Bad").exists()


def test_malformed_json_body_is_a_400_problem(api_client, moj):
    api_client.force_login(moj.hr_admin)
    response = api_client.post(
        f"/api/v1/departments/{moj.slug}/api-clients/new/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "JSON parse error" in response.json()["detail"]


def test_missing_fields_are_named(api_client, moj):
    api_client.force_login(moj.hr_admin)
    response = api_client.post(f"/api/v1/departments/{moj.slug}/api-clients/new/", {}, format="json")
    assert response.status_code == 400
    assert {error["field"] for error in response.json()["errors"]} == {"name", "scopes"}


def test_employee_cannot_manage_api_clients(api_client, moj):
    api_client.force_login(moj.employee)
    response = api_client.post(
        f"/api/v1/departments/{moj.slug}/api-clients/new/", {"name": "x", "scopes": ["hr:read"]}, format="json"
    )
    assert response.status_code == 403


def test_unknown_api_path_is_a_404_problem(api_client):
    response = api_client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_openapi_schema_documents_department_routes_and_token_auth(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/departments/{department_slug}/members/" in schema["paths"]
    assert "departmentToken" in schema["components"]["securitySchemes"]


def test_swagger_ui_is_served(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_create_api_client_command_prints_a_working_token(api_client, moj, capsys):
    # when
    call_command("create_api_client", "--department", "moj", "--name", "Ledger", "--scopes", "hr:read,payroll:read")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    # then
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    me = api_client.get("/api/v1/me/").json()
    assert me["api_token"] == {"name": "Ledger", "department": "moj", "scopes": ["hr:read", "payroll:read"]}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--department", "nope", "--name", "x", "--scopes", "hr:read"], "--department: no department"),
        (["--department", "moj", "--name", "x", "--scopes", "hr:everything"], "--scopes: Unknown scope"),
        (["--department", "moj", "--name", " ", "--scopes", "hr:read"], "--name: Enter a name"),
    ],
)
def test_create_api_client_command_rejects_bad_input(moj, arguments, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message):
        call_command("create_api_client", *arguments)
    assert not ApiToken.objects.exists()


def test_membership_in_two_roles_unions_scopes(api_client, moj):
    MembershipFactory(user=moj.employee, department=moj.department, role=Role.AUDITOR)
    api_client.force_login(moj.employee)
    scopes = api_client.get(f"/api/v1/departments/{moj.slug}/").json()["your_scopes"]
    assert "audit:read" in scopes
    assert "self:service" in scopes


def test_a_token_can_never_do_more_than_the_person_who_creates_it(api_client, moj):
    # given an HR admin, who holds no payroll or finance scopes
    api_client.force_login(moj.hr_admin)
    # when they ask for a token with payroll and finance scopes
    response = api_client.post(
        f"/api/v1/departments/{moj.slug}/api-clients/new/",
        {"name": "Too strong", "scopes": ["hr:read", "payroll:submit", "finance:write"]},
        format="json",
    )
    # then it is refused, naming the scopes beyond theirs
    assert response.status_code == 400
    message = response.json()["errors"][0]["message"]
    assert "payroll:submit" in message
    assert "finance:write" in message
    assert not ApiToken.objects.filter(name="Too strong").exists()


def test_a_method_the_endpoint_does_not_offer_is_405(api_client, moj):
    api_client.force_login(moj.hr_admin)
    response = api_client.get(f"/api/v1/departments/{moj.slug}/api-clients/new/")
    assert response.status_code == 405


def test_a_handler_without_a_declared_scope_is_refused_at_import():
    from departments.api_base import DepartmentScopedApi

    with pytest.raises(TypeError, match="POST without a scope"):
        type("WritesWithReadScope", (DepartmentScopedApi,), {"post": lambda self, request: None})


def test_a_mixin_cannot_override_the_wall_either():
    from departments.api_base import DepartmentScopedApi

    class Sneaky:
        def initial(self, request, *args, **kwargs):
            return None

    with pytest.raises(TypeError, match="overrides initial"):
        type("SneakyApi", (Sneaky, DepartmentScopedApi), {})
