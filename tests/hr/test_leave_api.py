"""The leave and absence API: requests, decisions, balances and sickness, behind the department wall."""

from __future__ import annotations

import datetime

import pytest

from hr import services
from tests.factories import EmploymentFactory

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def employee(moj):
    services.leave_types_install_defaults(department=moj.department, acting_user=None)
    return EmploymentFactory(department=moj.department, employee__payroll_number="MJ0100",
                             employee__start_date=datetime.date(2024, 4, 1)).employee


def _url(department, path):
    return f"/api/v1/departments/{department.slug}/{path}"


def test_hr_requests_approves_and_cancels_leave_and_the_balance_follows(api_client, moj, employee):
    # given
    api_client.force_login(moj.hr_officer)
    # when leave is requested and approved
    created = api_client.post(_url(moj, "employees/MJ0100/leave-requests/"),
                              {"leave_type": "ANNUAL", "start_date": "2026-07-06", "end_date": "2026-07-10",
                               "hours": "37.50"}, format="json")
    assert created.status_code == 201, created.json()
    decided = api_client.post(_url(moj, f"leave-requests/{created.json()['id']}/decision/"), {"approve": True},
                              format="json")
    balances = api_client.get(_url(moj, "employees/MJ0100/leave-balances/?on=2026-07-01")).json()
    # then: 187.50 full-time hours less 37.50 taken
    assert decided.json()["status"] == "approved"
    assert balances[0]["balance_hours"] == "150.00"
    assert {line["kind"] for line in balances[0]["ledger"]} == {"accrual", "taken"}
    # when it is cancelled, the hours come back
    api_client.post(_url(moj, f"leave-requests/{created.json()['id']}/cancel/"))
    balances = api_client.get(_url(moj, "employees/MJ0100/leave-balances/?on=2026-07-01")).json()
    assert balances[0]["balance_hours"] == "187.50"


def test_too_much_leave_names_the_hours_field(api_client, moj, employee):
    api_client.force_login(moj.hr_officer)
    response = api_client.post(_url(moj, "employees/MJ0100/leave-requests/"),
                               {"leave_type": "ANNUAL", "start_date": "2026-07-06", "end_date": "2026-09-10",
                                "hours": "300"}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert [error["field"] for error in response.json()["errors"]] == ["hours"]


def test_an_unknown_leave_type_and_bad_dates_are_named(api_client, moj, employee):
    api_client.force_login(moj.hr_officer)
    response = api_client.post(_url(moj, "employees/MJ0100/leave-requests/"),
                               {"leave_type": "HOLIDAY", "start_date": "soon", "end_date": "2026-07-10",
                                "hours": "7.5"}, format="json")
    assert {error["field"] for error in response.json()["errors"]} == {"leave_type", "start_date"}


def test_requests_list_filters_by_status(api_client, moj, employee):
    api_client.force_login(moj.hr_officer)
    api_client.post(_url(moj, "employees/MJ0100/leave-requests/"),
                    {"leave_type": "ANNUAL", "start_date": "2026-07-06", "end_date": "2026-07-06", "hours": "7.5"},
                    format="json")
    assert api_client.get(_url(moj, "leave-requests/?status=pending")).json()["count"] == 1
    assert api_client.get(_url(moj, "leave-requests/?status=approved")).json()["count"] == 0
    assert api_client.get(_url(moj, "leave-requests/?status=maybe")).status_code == 400


def test_sickness_is_recorded_and_bad_dates_refused(api_client, moj, employee):
    api_client.force_login(moj.hr_officer)
    created = api_client.post(_url(moj, "employees/MJ0100/sickness/"),
                              {"first_day": "2026-05-04", "last_day": "2026-05-08", "reason": "Flu"}, format="json")
    assert created.status_code == 201
    assert "reason" not in created.json()
    refused = api_client.post(_url(moj, "employees/MJ0100/sickness/"),
                              {"first_day": "2026-06-04", "last_day": "2026-06-01"}, format="json")
    assert [error["field"] for error in refused.json()["errors"]] == ["last_day"]


def test_another_department_cannot_reach_the_leave_api(api_client, moj, dft, employee):
    api_client.force_login(dft.hr_officer)
    assert api_client.get(_url(moj, "leave-requests/")).status_code == 404
    assert api_client.get(_url(dft, "employees/MJ0100/leave-balances/")).status_code == 404


def test_an_employee_persona_cannot_use_the_hr_leave_api(api_client, moj, employee):
    api_client.force_login(moj.employee)
    assert api_client.get(_url(moj, "leave-types/")).status_code == 403
