"""Roles through the API: HR admins list (paged), grant, change and end them; bad input answers
problem+json naming the field; API tokens can read members but never manage them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from departments import services
from departments.models import AuditEvent, DepartmentMembership, MembershipRequest
from departments.roles import Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _members(slug):
    return f"/api/v1/departments/{slug}/members/"


def _fields(response):
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def test_members_are_listed_a_page_at_a_time_with_dates_and_source(api_client, moj, dft):
    api_client.force_login(moj.hr_admin)
    first = api_client.get(_members(moj.slug), {"limit": 3}).json()
    assert first["count"] == 8
    assert len(first["results"]) == 3
    assert first["next"] is not None
    row = first["results"][0]
    assert set(row) >= {"id", "email", "role", "valid_from", "valid_to", "source", "reason"}
    assert row["source"] == "granted"
    everyone = api_client.get(_members(moj.slug), {"limit": 50}).json()["results"]
    assert not any(member["email"].endswith("@dft.test") for member in everyone)


def test_an_hr_admin_grants_a_dated_role_and_it_is_audited(api_client, moj, in_department):
    api_client.force_login(moj.hr_admin)
    response = api_client.post(_members(moj.slug), {"email": "manager@moj.test", "role": Role.AUDITOR,
                                                    "valid_from": "2026-04-01", "valid_to": "2027-03-31",
                                                    "reason": "Year-end audit"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["role"], body["valid_from"], body["valid_to"]) == ("auditor", "2026-04-01", "2027-03-31")
    with in_department(moj):
        assert AuditEvent.objects.get(action="membership.grant", object_id=str(body["id"])).reason == (
            "Year-end audit")


def test_granting_to_someone_outside_the_department_is_a_problem_naming_the_email(api_client, moj, dft):
    api_client.force_login(moj.hr_admin)
    response = api_client.post(_members(moj.slug), {"email": dft.employee.email, "role": Role.AUDITOR,
                                                    "reason": "Audit"}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "DFT employee is not in Ministry of Justice" in _fields(response)["email"]
    assert not DepartmentMembership.objects.filter(department=moj.department, user=dft.employee).exists()


def test_bad_input_is_a_problem_listing_each_field(api_client, moj):
    api_client.force_login(moj.hr_admin)
    response = api_client.post(_members(moj.slug), {"email": "not-an-address", "role": "boss",
                                                    "valid_from": "tomorrow"}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert set(_fields(response)) == {"email", "role", "valid_from", "reason"}


def test_a_conflicting_grant_is_accepted_as_a_request_for_a_second_admin(api_client, moj, in_department):
    api_client.force_login(moj.hr_admin)
    response = api_client.post(_members(moj.slug), {"email": moj.payroll_officer.email,
                                                    "role": Role.PAYROLL_APPROVER, "reason": "Cover"}, format="json")
    assert response.status_code == 202
    assert (response.json()["status"], response.json()["conflicts_with"]) == ("pending", "payroll_officer")
    with in_department(moj):
        assert MembershipRequest.objects.get().user == moj.payroll_officer
    assert not DepartmentMembership.objects.filter(user=moj.payroll_officer, role=Role.PAYROLL_APPROVER).exists()


def test_an_hr_admin_changes_dates_then_ends_a_role_with_a_reason(api_client, moj):
    membership = DepartmentMembership.objects.get(user=moj.auditor)
    api_client.force_login(moj.hr_admin)
    changed = api_client.patch(f"{_members(moj.slug)}{membership.pk}/", {"valid_to": "2027-01-31",
                                                                       "reason": "Contract ends"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["valid_to"] == "2027-01-31"
    no_reason = api_client.post(f"{_members(moj.slug)}{membership.pk}/end/", {}, format="json")
    assert no_reason.status_code == 400
    assert "reason" in _fields(no_reason)
    ended = api_client.post(f"{_members(moj.slug)}{membership.pk}/end/", {"reason": "Left"}, format="json")
    assert ended.status_code == 200
    assert ended.json()["ended_at"] is not None


def test_delete_ends_a_role_like_end_does(api_client, moj):
    membership = DepartmentMembership.objects.get(user=moj.auditor)
    api_client.force_login(moj.hr_admin)
    response = api_client.delete(f"{_members(moj.slug)}{membership.pk}/", {"reason": "Left"}, format="json")
    assert response.status_code == 200
    membership.refresh_from_db()
    assert (membership.ended_by, membership.end_reason) == (moj.hr_admin, "Left")


def test_a_role_from_the_hr_record_cannot_be_ended_through_the_api(api_client, moj):
    hr_role = MembershipFactory(user=UserFactory(email="starter@moj.test"), department=moj.department,
                                role=Role.EMPLOYEE, source=DepartmentMembership.Source.HR_RECORD)
    api_client.force_login(moj.hr_admin)
    response = api_client.post(f"{_members(moj.slug)}{hr_role.pk}/end/", {"reason": "x"}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "follows" in response.json()["errors"][0]["message"]
    hr_role.refresh_from_db()
    assert hr_role.ended_at is None


def test_another_departments_role_is_not_found(api_client, moj, dft):
    theirs = DepartmentMembership.objects.get(user=dft.auditor)
    api_client.force_login(moj.hr_admin)
    response = api_client.post(f"{_members(moj.slug)}{theirs.pk}/end/", {"reason": "x"}, format="json")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.ended_at is None


def test_members_read_is_not_enough_to_manage_and_tokens_never_can(api_client, moj):
    api_client.force_login(moj.hr_officer)
    refused = api_client.post(_members(moj.slug), {"email": "manager@moj.test", "role": Role.AUDITOR,
                                                   "reason": "x"}, format="json")
    assert refused.status_code == 403
    assert refused["Content-Type"] == PROBLEM
    # a token may read members, and cannot even be given members:manage
    api_client.logout()
    with pytest.raises(ValidationError, match="Unknown scope"):
        services.api_token_create(department=moj.department, name="Sync", scopes=["members:manage"],
                                  acting_user=None)
    _, raw = services.api_token_create(department=moj.department, name="Sync", scopes=["members:read"],
                                       acting_user=None)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get(_members(moj.slug)).status_code == 200
    assert api_client.post(_members(moj.slug), {"email": "manager@moj.test", "role": Role.AUDITOR,
                                                "reason": "x"}, format="json").status_code == 403
    assert not DepartmentMembership.objects.filter(user=moj.manager, role=Role.AUDITOR).exists()
