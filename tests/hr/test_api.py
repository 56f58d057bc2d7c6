"""The HR API: starters, movers, leavers, corrections, lists, masking and the department wall."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from departments import services as department_services
from departments.models import AuditEvent
from hr import selectors, services
from hr.models import Employee, Employment, OrganisationUnit
from hr.visibility import MASK

pytestmark = pytest.mark.django_db

D = datetime.date
PROBLEM = "application/problem+json"
TODAY = timezone.localdate()
START = D(2024, 4, 1)


def _url(department, path=""):
    return f"/api/v1/departments/{department.slug}/{path}"


def _error_fields(response):
    return {error["field"] for error in response.json()["errors"]}


@pytest.fixture
def organisation(moj, in_department):
    """moj's structure: HQ with the CASE team under it, a separate POLICY unit, two cost centres,
    the default grades, and a national EO range of £28,000 to £32,000."""
    with in_department(moj):
        hq = services.organisation_unit_create(department=moj.department, code="HQ", name="Headquarters",
                                               kind=OrganisationUnit.Kind.DIRECTORATE, acting_user=moj.hr_admin)
        case = services.organisation_unit_create(department=moj.department, code="CASE", name="Casework",
                                                 parent=hq, acting_user=moj.hr_admin)
        policy = services.organisation_unit_create(department=moj.department, code="POLICY", name="Policy",
                                                   acting_user=moj.hr_admin)
        c100 = services.cost_centre_create(department=moj.department, code="C100", name="Casework costs",
                                           acting_user=moj.hr_admin)
        c200 = services.cost_centre_create(department=moj.department, code="C200", name="Policy costs",
                                           acting_user=moj.hr_admin)
        services.grades_install_defaults(department=moj.department, acting_user=moj.hr_admin)
        grades = {grade.code: grade for grade in selectors.grades()}
        services.pay_range_set(grade=grades["EO"], location="national", minimum=Decimal("28000"),
                               maximum=Decimal("32000"), acting_user=moj.hr_admin)
    return {"units": {"HQ": hq, "CASE": case, "POLICY": policy}, "centres": {"C100": c100, "C200": c200},
            "grades": grades}


def _hire(moj, organisation, payroll_number, last_name, *, unit="CASE", grade="EO", centre="C100",
          start=START, salary="30000"):
    """Set-up through the service, as HR would record a starter."""
    return services.employee_hire(
        department=moj.department, acting_user=moj.hr_officer,
        personal={"payroll_number": payroll_number, "first_name": "Sam", "last_name": last_name,
                  "date_of_birth": D(1990, 2, 3), "sex": "F", "start_date": start,
                  "bank_sort_code": "309950", "bank_account_number": "12345678"},
        terms={"post_title": "Caseworker", "organisation_unit": organisation["units"][unit],
               "grade": organisation["grades"][grade], "cost_centre": organisation["centres"][centre],
               "annual_salary": Decimal(salary)},
    )


def _hire_body(**overrides):
    return {"payroll_number": "MJ0001", "first_name": "Asha", "last_name": "Reid", "date_of_birth": "1990-02-03",
            "ni_number": "ab 12 34 56 c", "sex": "F", "postcode": "sw1a2aa", "bank_sort_code": "30-99-50",
            "bank_account_number": "12345678", "start_date": "2024-04-01", "post_title": "Caseworker",
            "organisation_unit": "CASE", "grade": "EO", "cost_centre": "C100", "annual_salary": "30000.00",
            **overrides}


# --- Hiring -----------------------------------------------------------------------------------------


def test_hire_creates_the_employee_and_writes_an_audit_row(api_client, moj, organisation, in_department):
    # given
    api_client.force_login(moj.hr_officer)
    # when
    response = api_client.post(_url(moj, "employees/"), _hire_body(), format="json")
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["payroll_number"], body["ni_number"], body["postcode"]) == ("MJ0001", "AB123456C", "SW1A 2AA")
    employment = body["employment"]
    assert (employment["organisation_unit"]["code"], employment["grade"]["code"]) == ("CASE", "EO")
    assert (employment["cost_centre"]["code"], employment["annual_salary"]) == ("C100", "30000.00")
    assert (employment["valid_from"], employment["valid_to"]) == ("2024-04-01", None)
    with in_department(moj):
        event = AuditEvent.objects.get(action="employee.hire")
        assert event.actor == moj.hr_officer
        assert event.object_repr == "Asha Reid (MJ0001)"


def test_hire_names_every_bad_field_and_writes_nothing(api_client, moj, organisation, in_department):
    # given
    api_client.force_login(moj.hr_officer)
    body = _hire_body(ni_number="XX123", postcode="nowhere", bank_sort_code="12", grade="NOPE")
    # when
    response = api_client.post(_url(moj, "employees/"), body, format="json")
    # then
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert {"ni_number", "postcode", "bank_sort_code", "grade"} <= _error_fields(response)
    assert "no grade with the code 'NOPE'" in response.content.decode()
    with in_department(moj):
        assert not Employee.objects.exists()
        assert not AuditEvent.objects.filter(action="employee.hire").exists()


def test_hire_names_the_line_manager_by_payroll_number(api_client, moj, organisation):
    # given
    _hire(moj, organisation, "MJ0900", "Okafor", grade="G7", salary="55000")
    api_client.force_login(moj.hr_officer)
    # when
    response = api_client.post(_url(moj, "employees/"), _hire_body(line_manager="MJ0900"), format="json")
    # then
    assert response.status_code == 201, response.json()
    assert response.json()["employment"]["line_manager"] == {"payroll_number": "MJ0900", "name": "Sam Okafor"}


@pytest.mark.parametrize(("field", "value"), [
    ("organisation_unit", "NOPE"), ("cost_centre", "NOPE"), ("line_manager", "NOBODY"), ("sex", "X"),
    ("date_of_birth", "3 Feb 1990"), ("first_name", ""),
])
def test_hire_with_a_bad_value_names_the_field(api_client, moj, organisation, in_department, field, value):
    # given
    api_client.force_login(moj.hr_officer)
    # when
    response = api_client.post(_url(moj, "employees/"), _hire_body(**{field: value}), format="json")
    # then
    assert response.status_code == 400
    assert _error_fields(response) == {field}
    with in_department(moj):
        assert not Employee.objects.exists()


def test_hire_outside_the_pay_range_needs_a_reason(api_client, moj, organisation, in_department):
    # given a salary above the EO range
    api_client.force_login(moj.hr_officer)
    body = _hire_body(annual_salary="45000.00")
    # when it comes without a reason, and then with one
    refused = api_client.post(_url(moj, "employees/"), body, format="json")
    with in_department(moj):
        written_after_refusal = Employee.objects.count()
    accepted = api_client.post(_url(moj, "employees/"), {**body, "salary_override_reason": "Retention allowance"},
                               format="json")
    # then
    assert refused.status_code == 400
    assert _error_fields(refused) == {"annual_salary"}
    assert "outside the EO national range" in refused.content.decode()
    assert written_after_refusal == 0
    assert accepted.status_code == 201
    assert accepted.json()["employment"]["annual_salary"] == "45000.00"


@pytest.mark.parametrize(("duplicate", "field"), [
    ({"ni_number": "AB 65 43 21 A"}, "payroll_number"),  # the same payroll number, another NI number
    ({"payroll_number": "MJ0002"}, "ni_number"),  # the same NI number, another payroll number
])
def test_a_duplicate_payroll_or_ni_number_is_refused(api_client, moj, organisation, in_department, duplicate,
                                                      field):
    # given
    api_client.force_login(moj.hr_officer)
    assert api_client.post(_url(moj, "employees/"), _hire_body(), format="json").status_code == 201
    # when
    response = api_client.post(_url(moj, "employees/"), _hire_body(**duplicate), format="json")
    # then
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert _error_fields(response) == {field}
    with in_department(moj):
        assert Employee.objects.count() == 1


def test_hiring_needs_hr_write(api_client, moj, organisation, in_department):
    # given a payroll officer: may read HR records, not change them
    api_client.force_login(moj.payroll_officer)
    # when
    response = api_client.post(_url(moj, "employees/"), _hire_body(), format="json")
    # then
    assert response.status_code == 403
    with in_department(moj):
        assert not Employee.objects.exists()


# --- Movers, corrections, leavers -------------------------------------------------------------------


def test_a_change_from_a_future_date_shows_as_planned_in_the_history(api_client, moj, organisation):
    # given
    _hire(moj, organisation, "MJ0001", "Reid")
    api_client.force_login(moj.hr_officer)
    effective = TODAY + datetime.timedelta(days=30)
    # when
    response = api_client.post(_url(moj, "employees/MJ0001/changes/"), {
        "effective_from": effective.isoformat(), "changes": {"grade": "HEO", "post_title": "Policy adviser"},
        "reason": "Promotion",
    }, format="json")
    history = api_client.get(_url(moj, "employees/MJ0001/employment-history/"))
    detail = api_client.get(_url(moj, "employees/MJ0001/"))
    # then
    assert response.status_code == 201, response.json()
    assert (response.json()["valid_from"], response.json()["grade"]["code"]) == (effective.isoformat(), "HEO")
    versions = history.json()
    assert [version["status"] for version in versions] == ["current", "planned"]
    assert versions[0]["valid_to"] == (effective - datetime.timedelta(days=1)).isoformat()
    assert (versions[1]["post_title"], versions[1]["change_reason"]) == ("Policy adviser", "Promotion")
    assert detail.json()["employment"]["grade"]["code"] == "EO"


@pytest.mark.parametrize(("body", "field"), [
    ({"changes": {"grade": "NOPE"}}, "changes.grade"),
    ({"changes": {"annual_salary": "40000.00"}}, "changes.annual_salary"),
    ({"changes": {"post_title": "Lead"}, "effective_from": "2020-01-01"}, "effective_from"),
    ({"changes": {}}, ""),
])
def test_a_bad_change_names_the_field_and_changes_nothing(api_client, moj, organisation, in_department, body,
                                                          field):
    # given
    _hire(moj, organisation, "MJ0001", "Reid")
    api_client.force_login(moj.hr_officer)
    # when
    response = api_client.post(_url(moj, "employees/MJ0001/changes/"),
                               {"effective_from": "2025-01-01", **body}, format="json")
    # then
    assert response.status_code == 400
    assert _error_fields(response) == {field}
    with in_department(moj):
        assert Employment.objects.count() == 1


def test_a_correction_keeps_the_superseded_version(api_client, moj, organisation):
    # given
    _hire(moj, organisation, "MJ0001", "Reid")
    api_client.force_login(moj.hr_officer)
    version_id = api_client.get(_url(moj, "employees/MJ0001/employment-history/")).json()[0]["id"]
    known_before = timezone.now()
    # when
    response = api_client.post(
        _url(moj, f"employees/MJ0001/employment-history/{version_id}/corrections/"),
        {"corrections": {"post_title": "Senior caseworker"}, "reason": "Typed the wrong post"}, format="json",
    )
    # then the record shows the corrected version, and the mistaken one is kept as superseded
    assert response.status_code == 201, response.json()
    current = api_client.get(_url(moj, "employees/MJ0001/employment-history/")).json()
    assert [version["post_title"] for version in current] == ["Senior caseworker"]
    full = api_client.get(_url(moj, "employees/MJ0001/employment-history/"), {"include_superseded": "true"}).json()
    assert [(version["post_title"], version["status"]) for version in full] == [
        ("Caseworker", "superseded"), ("Senior caseworker", "current")]
    assert full[0]["superseded_at"] is not None
    assert full[1]["recorded_by"] == moj.hr_officer.email
    as_known = api_client.get(_url(moj, "employees/MJ0001/employment-history/"),
                              {"known_at": known_before.isoformat(), "on": "2024-06-01"}).json()
    assert [version["post_title"] for version in as_known] == ["Caseworker"]


def test_a_superseded_version_cannot_be_corrected(api_client, moj, organisation):
    # given a version already corrected once
    _hire(moj, organisation, "MJ0001", "Reid")
    api_client.force_login(moj.hr_officer)
    version_id = api_client.get(_url(moj, "employees/MJ0001/employment-history/")).json()[0]["id"]
    address = _url(moj, f"employees/MJ0001/employment-history/{version_id}/corrections/")
    api_client.post(address, {"corrections": {"post_title": "Lead"}, "reason": "Wrong title"}, format="json")
    # when
    again = api_client.post(address, {"corrections": {"post_title": "Other"}, "reason": "Again"}, format="json")
    # then
    assert again.status_code == 400
    assert "already been replaced" in again.json()["errors"][0]["message"]


def test_an_unknown_version_or_another_employees_version_is_not_found(api_client, moj, organisation):
    # given two employees
    _hire(moj, organisation, "MJ0001", "Reid")
    _hire(moj, organisation, "MJ0002", "Shah")
    api_client.force_login(moj.hr_officer)
    theirs = api_client.get(_url(moj, "employees/MJ0002/employment-history/")).json()[0]["id"]
    # when
    response = api_client.post(_url(moj, f"employees/MJ0001/employment-history/{theirs}/corrections/"),
                               {"corrections": {"post_title": "Lead"}, "reason": "Wrong title"}, format="json")
    # then
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_leaving_before_the_start_date_is_refused(api_client, moj, organisation, in_department):
    # given
    _hire(moj, organisation, "MJ0001", "Reid", start=START)
    api_client.force_login(moj.hr_officer)
    # when
    response = api_client.post(_url(moj, "employees/MJ0001/leave/"),
                               {"leave_date": "2024-03-01", "leave_reason": "resignation"}, format="json")
    # then
    assert response.status_code == 400
    assert _error_fields(response) == {"leave_date"}
    with in_department(moj):
        assert Employee.objects.get(payroll_number="MJ0001").leave_date is None


def test_a_leaver_is_recorded_and_listed_among_leavers(api_client, moj, organisation):
    # given
    _hire(moj, organisation, "MJ0001", "Reid")
    api_client.force_login(moj.hr_officer)
    last_day = TODAY - datetime.timedelta(days=10)
    # when
    response = api_client.post(_url(moj, "employees/MJ0001/leave/"),
                               {"leave_date": last_day.isoformat(), "leave_reason": "retirement"}, format="json")
    # then
    assert response.status_code == 200, response.json()
    assert (response.json()["leave_date"], response.json()["leave_reason"]) == (last_day.isoformat(), "retirement")
    assert response.json()["employment"]["valid_to"] == last_day.isoformat()
    leavers = api_client.get(_url(moj, "employees/"), {"status": "leavers"}).json()
    assert [row["payroll_number"] for row in leavers["results"]] == ["MJ0001"]
    assert api_client.get(_url(moj, "employees/")).json()["count"] == 0


# --- The list ---------------------------------------------------------------------------------------


@pytest.fixture
def staff(moj, organisation):
    """Adams (CASE, EO), Brown (HQ, HEO), Clarke (POLICY, EO, C200), Davies (left), Evans (starting)."""
    _hire(moj, organisation, "MJ0001", "Adams", unit="CASE")
    _hire(moj, organisation, "MJ0002", "Brown", unit="HQ", grade="HEO", salary="36000")
    _hire(moj, organisation, "MJ0003", "Clarke", unit="POLICY", centre="C200")
    davies = _hire(moj, organisation, "MJ0004", "Davies")
    services.employee_leave(employee=davies, leave_date=D(2025, 1, 31), reason="resignation", acting_user=None)
    _hire(moj, organisation, "MJ0005", "Evans", start=TODAY + datetime.timedelta(days=30))


@pytest.mark.parametrize(("params", "expected"), [
    ({}, ["Adams", "Brown", "Clarke"]),
    ({"organisation_unit": "HQ"}, ["Adams", "Brown"]),
    ({"organisation_unit": "CASE"}, ["Adams"]),
    ({"grade": "HEO"}, ["Brown"]),
    ({"cost_centre": "C200"}, ["Clarke"]),
    ({"status": "leavers"}, ["Davies"]),
    ({"status": "starting"}, ["Evans"]),
    ({"search": "cla"}, ["Clarke"]),
    ({"search": "MJ0002"}, ["Brown"]),
    ({"on": "2025-01-15"}, ["Adams", "Brown", "Clarke", "Davies"]),
])
def test_the_list_filters(api_client, moj, staff, params, expected):
    # given
    api_client.force_login(moj.hr_officer)
    # when
    response = api_client.get(_url(moj, "employees/"), params)
    # then
    assert response.status_code == 200
    assert [row["name"].split()[-1] for row in response.json()["results"]] == expected


def test_a_list_row_has_the_employment_on_the_day(api_client, moj, staff):
    # given
    api_client.force_login(moj.hr_officer)
    # when
    row = api_client.get(_url(moj, "employees/"), {"search": "Brown"}).json()["results"][0]
    # then
    assert row == {
        "payroll_number": "MJ0002", "name": "Sam Brown", "post_title": "Caseworker",
        "organisation_unit": {"code": "HQ", "name": "Headquarters"}, "grade": "HEO", "cost_centre": "C100",
        "start_date": "2024-04-01", "leave_date": None, "annual_salary": "36000.00", "fte": "1.0000",
    }


@pytest.mark.parametrize(("params", "field"), [
    ({"organisation_unit": "NOPE"}, "organisation_unit"),
    ({"grade": "NOPE"}, "grade"),
    ({"cost_centre": "NOPE"}, "cost_centre"),
    ({"on": "31/01/2025"}, "on"),
    ({"status": "everyone"}, "status"),
])
def test_a_bad_filter_names_the_parameter(api_client, moj, organisation, params, field):
    # given
    api_client.force_login(moj.hr_officer)
    # when
    response = api_client.get(_url(moj, "employees/"), params)
    # then
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert _error_fields(response) == {field}


def test_the_list_is_paged_with_limit_and_offset(api_client, moj, staff):
    # given
    api_client.force_login(moj.hr_officer)
    # when
    first = api_client.get(_url(moj, "employees/"), {"limit": 2}).json()
    rest = api_client.get(_url(moj, "employees/"), {"limit": 2, "offset": 2}).json()
    # then
    assert (first["count"], len(first["results"]), rest["next"]) == (3, 2, None)
    assert "offset=2" in first["next"]
    assert [row["payroll_number"] for row in first["results"] + rest["results"]] == ["MJ0001", "MJ0002", "MJ0003"]


def test_the_list_query_count_does_not_grow_with_the_rows(api_client, moj, organisation):
    # given
    api_client.force_login(moj.hr_officer)

    def list_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(_url(moj, "employees/"))
        return response.json()["count"], len(queries)

    # when the list is read with 5 employees, then with 25
    for number in range(5):
        _hire(moj, organisation, f"Q{number:04d}", f"Person{number:04d}")
    rows_5, queries_5 = list_queries()
    for number in range(5, 25):
        _hire(moj, organisation, f"Q{number:04d}", f"Person{number:04d}")
    rows_25, queries_25 = list_queries()
    # then
    assert (rows_5, rows_25) == (5, 25)
    assert queries_25 == queries_5


# --- Who sees what ----------------------------------------------------------------------------------


@pytest.fixture
def asha(moj, organisation):
    return services.employee_hire(
        department=moj.department, acting_user=moj.hr_officer,
        personal={"payroll_number": "MJ0001", "first_name": "Asha", "last_name": "Reid",
                  "date_of_birth": D(1990, 2, 3), "ni_number": "AB123456C", "sex": "F", "start_date": D(2024, 4, 1),
                  "bank_sort_code": "309950", "bank_account_number": "12345678"},
        terms={"post_title": "Caseworker", "organisation_unit": organisation["units"]["CASE"],
               "grade": organisation["grades"]["EO"], "cost_centre": organisation["centres"]["C100"],
               "annual_salary": Decimal("30000"), "pay_range_point": 2},
    )


@pytest.mark.parametrize("persona", ["hr_officer", "payroll_officer", "hr_admin"])
def test_hr_and_payroll_officers_see_pay_and_identity(api_client, moj, asha, persona):
    # given
    api_client.force_login(getattr(moj, persona))
    # when
    detail = api_client.get(_url(moj, "employees/MJ0001/")).json()
    row = api_client.get(_url(moj, "employees/")).json()["results"][0]
    # then
    assert (detail["ni_number"], detail["date_of_birth"], detail["bank_account_number"]) == (
        "AB123456C", "1990-02-03", "12345678")
    assert (detail["employment"]["annual_salary"], detail["employment"]["pay_range_point"]) == ("30000.00", 2)
    assert row["annual_salary"] == "30000.00"


def test_an_auditor_sees_pay_and_identity_masked(api_client, moj, asha):
    # given an auditor: hr:read without hr:sensitive
    api_client.force_login(moj.auditor)
    # when
    detail = api_client.get(_url(moj, "employees/MJ0001/")).json()
    row = api_client.get(_url(moj, "employees/")).json()["results"][0]
    history = api_client.get(_url(moj, "employees/MJ0001/employment-history/")).json()
    # then
    assert (detail["ni_number"], detail["date_of_birth"], detail["bank_account_number"]) == (
        MASK + "6C", MASK + "03", MASK + "78")
    assert (detail["employment"]["annual_salary"], detail["employment"]["pay_range_point"]) == (MASK, MASK)
    assert (row["annual_salary"], row["fte"]) == (MASK, "1.0000")
    assert history[0]["annual_salary"] == MASK
    assert (detail["last_name"], detail["employment"]["post_title"]) == ("Reid", "Caseworker")


def test_a_token_without_hr_sensitive_sees_pay_masked(api_client, moj, asha):
    # given
    _, raw = department_services.api_token_create(department=moj.department, name="Org chart", scopes=["hr:read"],
                                                  acting_user=None)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    # when
    detail = api_client.get(_url(moj, "employees/MJ0001/")).json()
    # then
    assert (detail["ni_number"], detail["employment"]["annual_salary"]) == (MASK + "6C", MASK)


@pytest.mark.parametrize("persona", ["employee", "manager", "finance_officer"])
@pytest.mark.parametrize("path", ["employees/", "employees/MJ0001/", "employees/MJ0001/employment-history/",
                                  "organisation-units/", "grades/"])
def test_people_without_hr_read_are_refused(api_client, moj, asha, persona, path):
    # given people in moj without hr:read (line managers see their team elsewhere, with team:read)
    api_client.force_login(getattr(moj, persona))
    # when
    response = api_client.get(_url(moj, path))
    # then
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM


@pytest.mark.parametrize("persona", ["hr_officer", "manager", "hr_admin"])
@pytest.mark.parametrize("path", ["employees/", "employees/MJ0001/", "employees/MJ0001/employment-history/"])
def test_people_in_another_department_get_404(api_client, moj, dft, asha, persona, path):
    # given
    api_client.force_login(getattr(dft, persona))
    # when
    response = api_client.get(_url(moj, path))
    # then
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_another_departments_token_gets_404_and_writes_nothing(api_client, moj, dft, asha, in_department):
    # given a dft token with every HR scope
    _, raw = department_services.api_token_create(department=dft.department, name="dft HR",
                                                  scopes=["hr:read", "hr:write", "hr:sensitive"], acting_user=None)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    # when
    read = api_client.get(_url(moj, "employees/MJ0001/"))
    leave = api_client.post(_url(moj, "employees/MJ0001/leave/"),
                            {"leave_date": "2025-01-31", "leave_reason": "resignation"}, format="json")
    # then
    assert read.status_code == leave.status_code == 404
    with in_department(moj):
        assert Employee.objects.get(payroll_number="MJ0001").leave_date is None


def test_dft_cannot_reach_moj_employees_from_its_own_address(api_client, moj, dft, asha):
    # given a dft HR officer at dft's own address
    api_client.force_login(dft.hr_officer)
    # when
    detail = api_client.get(_url(dft, "employees/MJ0001/"))
    listing = api_client.get(_url(dft, "employees/"))
    # then
    assert detail.status_code == 404
    assert listing.json()["count"] == 0


def test_an_unknown_payroll_number_is_a_404_problem(api_client, moj, organisation):
    # given
    api_client.force_login(moj.hr_officer)
    # when
    responses = [api_client.get(_url(moj, "employees/NOBODY/")),
                 api_client.get(_url(moj, "employees/NOBODY/employment-history/")),
                 api_client.post(_url(moj, "employees/NOBODY/leave/"), {}, format="json")]
    # then
    assert {(response.status_code, response["Content-Type"]) for response in responses} == {(404, PROBLEM)}


# --- Organisation units and grades ------------------------------------------------------------------


def test_organisation_units_are_created_under_a_parent_and_listed(api_client, moj, organisation):
    # given
    api_client.force_login(moj.hr_officer)
    # when
    created = api_client.post(_url(moj, "organisation-units/"),
                              {"code": "CASE-N", "name": "Casework north", "parent": "CASE"}, format="json")
    listed = api_client.get(_url(moj, "organisation-units/")).json()
    # then
    assert created.status_code == 201, created.json()
    assert created.json() == {"code": "CASE-N", "name": "Casework north", "kind": "team", "parent": "CASE",
                              "depth": 2, "is_active": True}
    assert [(unit["code"], unit["parent"]) for unit in listed] == [
        ("HQ", None), ("CASE", "HQ"), ("CASE-N", "CASE"), ("POLICY", None)]


@pytest.mark.parametrize(("body", "field"), [
    ({"code": "X", "name": "X", "parent": "NOPE"}, "parent"),
    ({"code": "HQ", "name": "Another HQ"}, "code"),
    ({"code": "bad code!", "name": "X"}, "code"),
    ({"code": "X", "name": "X", "kind": "empire"}, "kind"),
])
def test_a_bad_organisation_unit_names_the_field(api_client, moj, organisation, body, field):
    # given
    api_client.force_login(moj.hr_officer)
    # when
    response = api_client.post(_url(moj, "organisation-units/"), body, format="json")
    # then
    assert response.status_code == 400
    assert _error_fields(response) == {field}


def test_grades_are_created_given_pay_ranges_and_listed(api_client, moj, organisation):
    # given
    api_client.force_login(moj.hr_officer)
    # when
    created = api_client.post(_url(moj, "grades/"), {"code": "FS1", "name": "Fast stream 1", "rank": 11},
                              format="json")
    ranged = api_client.post(_url(moj, "grades/FS1/pay-ranges/"),
                             {"location": "london", "minimum": "33000", "maximum": "36000"}, format="json")
    grades = {grade["code"]: grade for grade in api_client.get(_url(moj, "grades/")).json()}
    # then
    assert created.status_code == 201, created.json()
    assert ranged.status_code == 200, ranged.json()
    assert grades["FS1"]["pay_ranges"] == [{"location": "london", "minimum": "33000.00", "maximum": "36000.00"}]
    assert grades["EO"]["pay_ranges"] == [{"location": "national", "minimum": "28000.00", "maximum": "32000.00"}]
    assert list(grades)[:2] == ["AA", "AO"]


def test_a_pay_range_with_the_maximum_below_the_minimum_is_refused(api_client, moj, organisation):
    # given
    api_client.force_login(moj.hr_officer)
    # when
    response = api_client.post(_url(moj, "grades/EO/pay-ranges/"),
                               {"location": "national", "minimum": "30000", "maximum": "20000"}, format="json")
    # then the range is unchanged (the service's model validation reports it as a non-field error)
    assert response.status_code == 400
    grades = {grade["code"]: grade for grade in api_client.get(_url(moj, "grades/")).json()}
    assert grades["EO"]["pay_ranges"] == [{"location": "national", "minimum": "28000.00", "maximum": "32000.00"}]


def test_an_unknown_grade_in_the_address_is_a_404(api_client, moj, organisation):
    # given
    api_client.force_login(moj.hr_officer)
    # when
    response = api_client.post(_url(moj, "grades/NOPE/pay-ranges/"),
                               {"location": "national", "minimum": "1", "maximum": "2"}, format="json")
    # then
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_a_duplicate_grade_code_is_refused(api_client, moj, organisation):
    # given
    api_client.force_login(moj.hr_officer)
    # when
    response = api_client.post(_url(moj, "grades/"), {"code": "EO", "name": "Executive officer", "rank": 3},
                               format="json")
    # then
    assert response.status_code == 400


# --- The schema -------------------------------------------------------------------------------------


def test_the_schema_documents_every_hr_operation_without_warnings(tmp_path):
    # given
    schema = tmp_path / "schema.yaml"
    # when
    call_command("spectacular", "--fail-on-warn", "--file", str(schema))
    # then
    text = schema.read_text()
    for operation in ("hr_employees_list", "hr_employees_hire", "hr_employee_retrieve", "hr_employment_change",
                      "hr_employee_leave", "hr_employment_history_list", "hr_employment_correct",
                      "hr_organisation_units_list", "hr_organisation_units_create", "hr_grades_list",
                      "hr_grades_create", "hr_grade_pay_range_set"):
        assert f"operationId: {operation}" in text
