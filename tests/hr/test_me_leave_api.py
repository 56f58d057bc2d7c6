"""The self-service API for leave and deputies: the caller's own requests, balances and
delegations only; another employee's ids answer 404, bad input a problem+json 400."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from departments.models import Notification
from departments.roles import TOKEN_SCOPES
from departments.services import api_token_create
from hr import services
from hr.models import ApprovalDelegation, LeaveRequest, LeaveType
from tests.factories.hr import ApprovalDelegationFactory
from tests.hr.test_delegation import Team, build_team

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def team(moj, in_department) -> Team:
    team = build_team(moj, in_department)
    services.leave_types_install_defaults(department=moj.department, acting_user=None)
    return team


def _url(department, path=""):
    return f"/api/v1/me/departments/{department.slug}/{path}"


def _colleagues_request(moj, in_department, team: Team) -> LeaveRequest:
    with in_department(moj):
        annual = LeaveType.objects.get(code="ANNUAL")
    return services.leave_request_create(employee=team.colleague, leave_type=annual, start_date=days(30),
                                         end_date=days(31), hours=Decimal("15"), acting_user=None)


def test_an_employee_requests_leave_sees_it_with_their_balance_and_withdraws_it(api_client, moj, team, in_department):
    # given
    api_client.force_login(moj.employee)
    # when
    created = api_client.post(_url(moj, "leave/"), {"leave_type": "ANNUAL", "start_date": days(20).isoformat(),
                                                    "end_date": days(21).isoformat(), "hours": "15"}, format="json")
    listing = api_client.get(_url(moj, "leave/"))
    one = api_client.get(_url(moj, f"leave/{created.json()['id']}/"))
    cancelled = api_client.post(_url(moj, f"leave/{created.json()['id']}/cancel/"))
    # then
    assert created.status_code == 201, created.json()
    assert created.json()["employee"] == team.report.payroll_number
    assert created.json()["status"] == "pending"
    body = listing.json()
    assert body["count"] == 1
    assert [row["id"] for row in body["results"]] == [created.json()["id"]]
    assert body["balances"][0]["leave_type"] == "ANNUAL"
    assert Decimal(body["balances"][0]["pending_hours"]) == Decimal("15")
    assert one.json()["hours"] == "15.00"
    assert cancelled.json()["status"] == "cancelled"
    with in_department(moj):
        # the line manager was told it waits
        assert Notification.objects.filter(kind=Notification.Kind.ITEM_WAITING, user=moj.manager).exists()


def test_another_employees_request_is_not_found(api_client, moj, team, in_department):
    # given a colleague's waiting request
    theirs = _colleagues_request(moj, in_department, team)
    api_client.force_login(moj.employee)
    # when
    answers = [api_client.get(_url(moj, f"leave/{theirs.pk}/")).status_code,
               api_client.post(_url(moj, f"leave/{theirs.pk}/cancel/")).status_code]
    listing = api_client.get(_url(moj, "leave/")).json()
    # then
    assert answers == [404, 404]
    assert listing["count"] == 0
    with in_department(moj):
        assert LeaveRequest.objects.get(pk=theirs.pk).status == LeaveRequest.Status.PENDING


def test_bad_leave_is_refused_by_field_as_a_problem(api_client, moj, team, in_department):
    api_client.force_login(moj.employee)
    unknown = api_client.post(_url(moj, "leave/"), {"leave_type": "MATERNITY", "start_date": "2026-02-30",
                                                    "hours": "0"}, format="json")
    backwards = api_client.post(_url(moj, "leave/"), {"leave_type": "ANNUAL", "start_date": days(20).isoformat(),
                                                      "end_date": days(19).isoformat(), "hours": "7.5"},
                                format="json")
    too_much = api_client.post(_url(moj, "leave/"), {"leave_type": "ANNUAL", "start_date": days(20).isoformat(),
                                                     "end_date": days(80).isoformat(), "hours": "1900"},
                               format="json")
    assert unknown.status_code == backwards.status_code == too_much.status_code == 400
    assert unknown["Content-Type"] == PROBLEM
    assert {error["field"] for error in unknown.json()["errors"]} == {"leave_type", "start_date", "end_date", "hours"}
    assert [error["field"] for error in backwards.json()["errors"]] == ["end_date"]
    assert [error["field"] for error in too_much.json()["errors"]] == ["hours"]
    with in_department(moj):
        assert not LeaveRequest.objects.exists()


def test_a_caller_without_an_employee_record_is_not_found_and_a_token_is_refused(api_client, moj, team):
    api_client.force_login(moj.payroll_officer)
    assert api_client.get(_url(moj, "leave/")).status_code == 404
    # a token acts for no person: it cannot carry self:service
    _, raw = api_token_create(department=moj.department, name="Everything", acting_user=None, scopes=TOKEN_SCOPES)
    api_client.logout()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get(_url(moj, "leave/")).status_code == 403
    assert api_client.get(_url(moj, "deputies/")).status_code == 403


def test_another_departments_address_is_not_found(api_client, moj, dft, team):
    api_client.force_login(moj.employee)
    assert api_client.get(_url(dft, "leave/")).status_code == 404
    assert api_client.get(_url(dft, "deputies/")).status_code == 404


# --- Deputies --------------------------------------------------------------------------------------


def test_a_manager_names_lists_and_cancels_a_deputy_who_sees_it_too(api_client, moj, team, in_department):
    # given
    api_client.force_login(moj.manager)
    # when
    created = api_client.post(_url(moj, "deputies/"), {"deputy": "D0001", "starts_on": days(1).isoformat(),
                                                       "ends_on": days(9).isoformat(), "note": "On leave"},
                              format="json")
    mine = api_client.get(_url(moj, "deputies/")).json()
    api_client.force_login(team.deputy.user)
    theirs = api_client.get(_url(moj, "deputies/")).json()
    api_client.force_login(moj.manager)
    cancelled = api_client.post(_url(moj, f"deputies/{created.json()['id']}/cancel/"))
    # then
    assert created.status_code == 201, created.json()
    assert created.json()["deputy"] == {"payroll_number": "D0001", "name": team.deputy.display_name}
    assert created.json()["state"] == "planned"
    assert [(row["id"], row["role"]) for row in mine] == [(created.json()["id"], "manager")]
    assert [(row["id"], row["role"]) for row in theirs] == [(created.json()["id"], "deputy")]
    assert cancelled.json()["state"] == "cancelled"


def test_an_overlapping_or_past_delegation_is_refused_by_field(api_client, moj, team, in_department):
    # given
    ApprovalDelegationFactory(department=moj.department, manager=team.manager, deputy=team.deputy,
                              starts_on=days(2), ends_on=days(6))
    api_client.force_login(moj.manager)
    # when
    overlapping = api_client.post(_url(moj, "deputies/"), {"deputy": "D0001", "starts_on": days(5).isoformat(),
                                                           "ends_on": days(8).isoformat()}, format="json")
    past = api_client.post(_url(moj, "deputies/"), {"deputy": "D0001", "starts_on": days(-3).isoformat(),
                                                    "ends_on": days(-2).isoformat()}, format="json")
    nobody = api_client.post(_url(moj, "deputies/"), {"deputy": "X404", "starts_on": days(9).isoformat(),
                                                      "ends_on": days(10).isoformat()}, format="json")
    # then
    assert overlapping.status_code == past.status_code == nobody.status_code == 400
    assert overlapping["Content-Type"] == PROBLEM
    assert [error["field"] for error in overlapping.json()["errors"]] == ["starts_on"]
    assert [error["field"] for error in past.json()["errors"]] == ["starts_on"]
    assert [error["field"] for error in nobody.json()["errors"]] == ["deputy"]
    with in_department(moj):
        assert ApprovalDelegation.objects.count() == 1


def test_someone_with_no_reports_cannot_name_a_deputy(api_client, moj, team, in_department):
    api_client.force_login(team.deputy.user)
    response = api_client.post(_url(moj, "deputies/"), {"deputy": "M0001", "starts_on": days(1).isoformat(),
                                                        "ends_on": days(2).isoformat()}, format="json")
    assert response.status_code == 400
    assert "people reporting to them" in str(response.json())
    with in_department(moj):
        assert not ApprovalDelegation.objects.exists()


def test_a_delegation_the_caller_did_not_make_cannot_be_cancelled(api_client, moj, team, in_department):
    # given the manager's delegation to Dee
    delegation = ApprovalDelegationFactory(department=moj.department, manager=team.manager, deputy=team.deputy,
                                           starts_on=days(1), ends_on=days(3))
    # when the deputy and a report try to cancel it
    answers = []
    for user in (team.deputy.user, moj.employee):
        api_client.force_login(user)
        answers.append(api_client.post(_url(moj, f"deputies/{delegation.pk}/cancel/")).status_code)
    # then
    assert answers == [404, 404]
    with in_department(moj):
        assert ApprovalDelegation.objects.get().cancelled_at is None


def test_the_schema_documents_the_self_service_leave_and_deputy_operations(tmp_path):
    schema = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--file", str(schema))
    text = schema.read_text()
    for operation in ("me_leave_list", "me_leave_request", "me_leave_retrieve", "me_leave_cancel",
                      "me_deputies_list", "me_deputies_create", "me_deputies_cancel"):
        assert f"operationId: {operation}" in text
