"""The absence API: family leave recorded, listed, changed, confirmed and cancelled; unauthorised absence;
the sick pay allowance; the absence pay schemes. Bad input is a problem naming the field, nothing stored."""

from __future__ import annotations

import datetime

import pytest

from departments.services import api_token_create
from hr.models import AbsencePayScheme, FamilyLeave, LeaveRequest
from tests.factories import EmploymentFactory, SicknessPeriodFactory
from tests.factories.hr import FamilyLeaveFactory

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
D = datetime.date
MATERNITY = {"kind": "maternity", "start_date": "2026-08-30", "end_date": "2027-08-28", "expected_date": "2026-09-23",
             "evidence_date": "2026-06-01", "evidence_received_on": "2026-06-03",
             "keeping_in_touch_days": ["2027-01-06"]}


@pytest.fixture
def employee(moj):
    return EmploymentFactory(department=moj.department, employee__payroll_number="MJ0400",
                             employee__start_date=D(2020, 4, 1)).employee


def _url(department, path):
    return f"/api/v1/departments/{department.slug}/hr/{path}"


def _fields(response):
    return sorted(error["field"] for error in response.json()["errors"])


def test_hr_records_lists_changes_and_cancels_family_leave(api_client, moj, employee):
    # given
    api_client.force_login(moj.hr_officer)
    # when
    created = api_client.post(_url(moj, "employees/MJ0400/family-leaves/"), MATERNITY, format="json")
    # then
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["keeping_in_touch_days"], body["employee"]) == ("confirmed", ["2027-01-06"],
                                                                                 "MJ0400")
    listed = api_client.get(_url(moj, "employees/MJ0400/family-leaves/")).json()
    assert [leave["id"] for leave in listed] == [body["id"]]
    # when the return is brought forward
    changed = api_client.patch(_url(moj, f"family-leaves/{body['id']}/"), {"end_date": "2027-05-29"}, format="json")
    assert (changed.status_code, changed.json()["end_date"], changed.json()["expected_date"]) == (
        200, "2027-05-29", "2026-09-23")
    # when cancelled
    cancelled = api_client.post(_url(moj, f"family-leaves/{body['id']}/cancel/"), {"reason": "Entered in error"},
                                format="json")
    assert cancelled.json()["status"] == "cancelled"


@pytest.mark.parametrize(("changes", "field"), [
    ({"end_date": "2026-08-01"}, "end_date"),
    ({"expected_date": None}, "expected_date"),
    ({"evidence_date": None}, "evidence_date"),
    ({"keeping_in_touch_days": ["2026-01-01"]}, "keeping_in_touch_days"),
    ({"statutory_weeks": 45}, "statutory_weeks"),
    ({"start_date": "2026-06-01"}, "start_date"),
])
def test_bad_family_leave_is_a_problem_naming_the_field_and_nothing_is_stored(api_client, moj, employee,
                                                                             in_department, changes, field):
    api_client.force_login(moj.hr_officer)
    response = api_client.post(_url(moj, "employees/MJ0400/family-leaves/"), {**MATERNITY, **changes}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert field in _fields(response)
    with in_department(moj):
        assert not FamilyLeave.objects.exists()


def test_overlapping_leave_is_refused_on_the_start_date(api_client, moj, employee, in_department):
    FamilyLeaveFactory(department=moj.department, employee=employee)
    api_client.force_login(moj.hr_officer)
    response = api_client.post(_url(moj, "employees/MJ0400/family-leaves/"), MATERNITY, format="json")
    assert (response.status_code, _fields(response)) == (400, ["start_date"])
    with in_department(moj):
        assert FamilyLeave.objects.count() == 1


def test_confirming_needs_the_evidence_received(api_client, moj, employee, in_department):
    leave = FamilyLeaveFactory(department=moj.department, employee=employee, status="requested",
                               evidence_received_on=None)
    api_client.force_login(moj.hr_officer)
    refused = api_client.post(_url(moj, f"family-leaves/{leave.pk}/confirm/"), {}, format="json")
    assert (refused.status_code, _fields(refused)) == (400, ["evidence_received_on"])
    confirmed = api_client.post(_url(moj, f"family-leaves/{leave.pk}/confirm/"),
                                {"evidence_received_on": "2026-06-04"}, format="json")
    assert (confirmed.status_code, confirmed.json()["status"]) == (200, "confirmed")


def test_without_hr_write_family_leave_can_be_read_but_not_recorded(api_client, moj, employee):
    api_client.force_login(moj.auditor)
    assert api_client.get(_url(moj, "employees/MJ0400/family-leaves/")).status_code == 200
    assert api_client.post(_url(moj, "employees/MJ0400/family-leaves/"), MATERNITY, format="json").status_code == 403
    api_client.force_login(moj.employee)
    assert api_client.get(_url(moj, "employees/MJ0400/family-leaves/")).status_code == 403


def test_another_departments_token_gets_not_found(api_client, moj, dft, employee):
    leave = FamilyLeaveFactory(department=moj.department, employee=employee)
    _, raw = api_token_create(department=dft.department, name="HR feed", acting_user=None,
                              scopes={"hr:read", "hr:write"})
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get(_url(moj, "employees/MJ0400/family-leaves/")).status_code == 404
    assert api_client.get(_url(moj, f"family-leaves/{leave.pk}/")).status_code == 404
    assert api_client.get(_url(dft, f"family-leaves/{leave.pk}/")).status_code == 404


def test_unauthorised_absence_is_recorded_unpaid(api_client, moj, employee, in_department):
    api_client.force_login(moj.hr_officer)
    response = api_client.post(_url(moj, "employees/MJ0400/unauthorised-absences/"),
                               {"start_date": "2026-04-13", "end_date": "2026-04-14", "note": "No contact"},
                               format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["hours"], response.json()["leave_type"], response.json()["status"]) == (
        "14.80", "UNAUTHORISED", "approved")
    wrong_order = api_client.post(_url(moj, "employees/MJ0400/unauthorised-absences/"),
                                  {"start_date": "2026-05-14", "end_date": "2026-05-13"}, format="json")
    assert (wrong_order.status_code, _fields(wrong_order)) == (400, ["end_date"])
    with in_department(moj):
        assert LeaveRequest.objects.count() == 1


def test_the_sick_pay_allowance(api_client, moj, employee):
    SicknessPeriodFactory(department=moj.department, employee=employee, first_day=D(2026, 3, 2),
                          last_day=D(2026, 3, 11))
    api_client.force_login(moj.hr_officer)
    body = api_client.get(_url(moj, "employees/MJ0400/sick-pay-allowance/?on=2026-06-01")).json()
    assert body["steps"] == [
        {"pay": "full", "allowed_days": 183, "used_days": 10, "remaining_days": 173},
        {"pay": "half", "allowed_days": 182, "used_days": 0, "remaining_days": 182},
    ]
    assert body["period_start"] == "2022-06-03"  # the 1,460 days up to 1 June 2026
    bad = api_client.get(_url(moj, "employees/MJ0400/sick-pay-allowance/?on=June"))
    assert (bad.status_code, _fields(bad)) == (400, ["on"])


def test_absence_pay_schemes_are_listed_set_and_reset(api_client, moj, in_department):
    api_client.force_login(moj.hr_admin)
    listed = api_client.get(_url(moj, "absence-pay-schemes/")).json()
    assert {scheme["kind"]: scheme["is_default"] for scheme in listed} == dict.fromkeys(
        AbsencePayScheme.Kind.values, True)
    put = api_client.put(_url(moj, "absence-pay-schemes/paternity/"),
                         {"name": "Paternity pay", "steps": [{"pay": "full", "weeks": 4}]}, format="json")
    assert (put.status_code, put.json()["steps"], put.json()["is_default"]) == (
        200, [{"pay": "full", "weeks": 4}], False)
    reset = api_client.delete(_url(moj, "absence-pay-schemes/paternity/"))
    assert (reset.status_code, reset.json()["is_default"]) == (200, True)


def test_a_scheme_that_does_not_add_up_is_a_problem_naming_the_steps(api_client, moj, in_department):
    api_client.force_login(moj.hr_admin)
    response = api_client.put(_url(moj, "absence-pay-schemes/maternity/"),
                              {"name": "Maternity pay", "steps": [{"pay": "full", "weeks": 60}]}, format="json")
    assert (response.status_code, response["Content-Type"], _fields(response)) == (400, PROBLEM, ["steps"])
    unknown = api_client.put(_url(moj, "absence-pay-schemes/sabbatical/"),
                             {"name": "Sabbatical pay", "steps": [{"pay": "full", "weeks": 6}]}, format="json")
    assert (unknown.status_code, _fields(unknown)) == (400, ["kind"])
    with in_department(moj):
        assert not AbsencePayScheme.objects.exists()


def test_only_hr_admins_among_people_change_the_schemes(api_client, moj, in_department):
    api_client.force_login(moj.hr_officer)
    assert api_client.get(_url(moj, "absence-pay-schemes/")).status_code == 200
    response = api_client.put(_url(moj, "absence-pay-schemes/paternity/"),
                              {"name": "Paternity pay", "steps": [{"pay": "full", "weeks": 4}]}, format="json")
    assert response.status_code == 403
    assert api_client.delete(_url(moj, "absence-pay-schemes/paternity/")).status_code == 403
    with in_department(moj):
        assert not AbsencePayScheme.objects.exists()
