"""Starters: the starter declaration (A, B or C) and the student loans declared on hire set the tax
code and basis HMRC's rules give, through the service, the hire page, the API and the staff import;
a P45's code wins over the declaration."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from departments.models import AuditEvent
from hr import services
from hr.models import Employee
from onboarding import services as onboarding_services
from onboarding.legacy_export import HEADINGS
from onboarding.models import ImportJob, ImportRowError
from tests.onboarding.conftest import csv_bytes, staff_row

pytestmark = pytest.mark.django_db
D = datetime.date
START = D(2026, 11, 2)


def _personal(**overrides):
    return {"payroll_number": "MJ0456", "first_name": "Amir", "last_name": "Khan", "date_of_birth": D(1999, 7, 1),
            "ni_number": "CE987654B", "sex": "M", "start_date": START, **overrides}


def _hire(moj, organisation, **overrides):
    return services.employee_hire(
        department=moj.department, personal=_personal(**overrides), acting_user=moj.hr_officer,
        terms={"post_title": "Caseworker", "organisation_unit": organisation["team"],
               "grade": organisation["grades"]["EO"], "cost_centre": organisation["centre"],
               "annual_salary": Decimal("30000")})


@pytest.mark.parametrize(("declaration", "code", "basis"), [
    ("A", "1257L", "cumulative"),  # first job since 6 April: the emergency code, cumulative
    ("B", "1257L", "week1_month1"),  # only job now, another earlier in the year
    ("C", "BR", "week1_month1"),  # another job or a pension as well
])
def test_the_starter_declaration_gives_hmrcs_code_and_basis(moj, organisation, in_department, declaration, code,
                                                           basis):
    # when a starter with no P45 is hired with their checklist statement
    employee = _hire(moj, organisation, starter_declaration=declaration)
    # then
    with in_department(moj):
        employee.refresh_from_db()
        assert (employee.starter_declaration, employee.tax_code, employee.tax_basis) == (declaration, code, basis)
        event = AuditEvent.objects.get(action="employee.hire")
        assert event.changes["tax_code"]["after"] == code


def test_a_p45_code_wins_over_the_declaration_and_its_marker_sets_week1_month1(moj, organisation, in_department):
    # when the starter brings a P45 showing 1100L M1 as well as ticking statement A
    employee = _hire(moj, organisation, starter_declaration="A", tax_code="1100l m1")
    # then the P45's code is operated, on a month 1 basis
    with in_department(moj):
        employee.refresh_from_db()
        assert (employee.tax_code, employee.tax_basis) == ("1100L", "week1_month1")


def test_student_loans_declared_on_hire_are_kept(moj, organisation, in_department):
    employee = _hire(moj, organisation, starter_declaration="A", student_loans=["pgl", "plan2"])
    with in_department(moj):
        employee.refresh_from_db()
        assert employee.student_loans == ["pgl", "plan2"]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"tax_code": "12345Q"}, "tax_code"),
    ({"starter_declaration": "D"}, "starter_declaration"),
    ({"student_loans": ["plan3"]}, "student_loans"),
    ({"student_loans": ["plan1", "plan2"]}, "student_loans"),  # one undergraduate plan at a time
])
def test_a_bad_tax_or_loan_declaration_is_refused_naming_the_field(moj, organisation, in_department, overrides,
                                                                    field):
    with pytest.raises(ValidationError) as error:
        _hire(moj, organisation, **overrides)
    assert field in error.value.message_dict
    with in_department(moj):
        assert not Employee.objects.filter(payroll_number="MJ0456").exists()


def _form(organisation, **overrides):
    return {"payroll_number": "MJ0456", "first_name": "Amir", "last_name": "Khan", "date_of_birth-day": "1",
            "date_of_birth-month": "7", "date_of_birth-year": "1999", "sex": "M", "start_date-day": "2",
            "start_date-month": "11", "start_date-year": "2026", "post_title": "Caseworker",
            "organisation_unit": "CASE", "grade": "EO", "cost_centre": "C100", "location": "national",
            "annual_salary": "30000",
            "fte": "1", "contracted_hours": "37", "contract_type": "permanent", **overrides}


def test_the_hire_page_takes_the_declaration_and_student_loans(client, moj, organisation, in_department):
    # given an HR officer on the hire page, which asks for the statement and the loans
    client.force_login(moj.hr_officer)
    page = client.get(f"/departments/{moj.slug}/hr/employees/new/").content.decode()
    assert "Starter checklist statement" in page
    assert "Postgraduate loan" in page
    # when they hire a starter who ticked statement B and repays a Plan 5 loan
    response = client.post(f"/departments/{moj.slug}/hr/employees/new/",
                           _form(organisation, starter_declaration="B", student_loans=["plan5"]))
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    with in_department(moj):
        employee = Employee.objects.get(payroll_number="MJ0456")
        assert (employee.tax_code, employee.tax_basis, employee.student_loans) == ("1257L", "week1_month1", ["plan5"])


def test_the_hire_page_shows_a_bad_p45_code_in_the_error_summary(client, moj, organisation, in_department):
    client.force_login(moj.hr_officer)
    response = client.post(f"/departments/{moj.slug}/hr/employees/new/", _form(organisation, tax_code="ABC"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert 'href="#id_tax_code"' in page
    assert "Enter a tax code HMRC issues" in page
    with in_department(moj):
        assert not Employee.objects.filter(payroll_number="MJ0456").exists()


def test_the_hire_api_sets_the_code_from_the_declaration(api_client, moj, organisation, in_department):
    api_client.force_login(moj.hr_officer)
    response = api_client.post(f"/api/v1/departments/{moj.slug}/employees/", {
        "payroll_number": "MJ0456", "first_name": "Amir", "last_name": "Khan", "date_of_birth": "1999-07-01",
        "sex": "M", "start_date": "2026-11-02", "post_title": "Caseworker", "organisation_unit": "CASE",
        "grade": "EO", "cost_centre": "C100", "annual_salary": "30000.00", "starter_declaration": "C",
        "student_loans": ["plan2", "pgl"]}, format="json")
    assert response.status_code == 201, response.json()
    with in_department(moj):
        employee = Employee.objects.get(payroll_number="MJ0456")
        assert (employee.tax_code, employee.tax_basis, employee.student_loans) == ("BR", "week1_month1",
                                                                                 ["pgl", "plan2"])


def test_the_hire_api_names_a_bad_student_loan_plan(api_client, moj, organisation):
    api_client.force_login(moj.hr_officer)
    response = api_client.post(f"/api/v1/departments/{moj.slug}/employees/", {
        "payroll_number": "MJ0456", "first_name": "Amir", "last_name": "Khan", "date_of_birth": "1999-07-01",
        "sex": "M", "start_date": "2026-11-02", "post_title": "Caseworker", "organisation_unit": "CASE",
        "grade": "EO", "cost_centre": "C100", "annual_salary": "30000.00", "starter_declaration": "A",
        "student_loans": ["plan9"]}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert {error["field"] for error in response.json()["errors"]} == {"student_loans"}


def _starters_file(*rows):
    headings = [heading for heading in HEADINGS if heading != "Tax Code"] + ["Starter Declaration"]
    return csv_bytes(list(rows), headings)


def _run_import(moj, content, *, dry_run):
    """Import a file of starters as HR would, creating the grades and units it names."""
    mapping = onboarding_services.import_mapping_save(department=moj.department, name="Starters", columns={},
                                                      create_missing_references=True, acting_user=moj.hr_admin)
    job = onboarding_services.import_job_create(department=moj.department, upload=io.BytesIO(content),
                                                original_name="starters.csv", acting_user=None, dry_run=dry_run,
                                                mapping=mapping, accept_missing=["work_email"])
    return onboarding_services.import_job_run(department=moj.department, job_id=job.pk)


def test_an_import_takes_the_starter_declaration_in_place_of_a_tax_code(moj, in_department):
    # when a file without tax codes gives each starter's checklist statement
    job = _run_import(moj, _starters_file(staff_row(1, **{"Starter Declaration": "B"}),
                                          staff_row(2, **{"Starter Declaration": "C"})), dry_run=False)
    # then their codes are the ones the statements give
    assert job.status == ImportJob.Status.COMMITTED, job.file_problem
    with in_department(moj):
        codes = dict(Employee.objects.values_list("payroll_number", "tax_code"))
        bases = dict(Employee.objects.values_list("payroll_number", "tax_basis"))
    assert codes == {"LP000001": "1257L", "LP000002": "BR"}
    assert bases == {"LP000001": "week1_month1", "LP000002": "week1_month1"}


def test_an_import_row_with_neither_tax_code_nor_declaration_is_rejected(moj, in_department):
    job = _run_import(moj, _starters_file(staff_row(1, **{"Starter Declaration": "B"}),
                                          staff_row(2, **{"Starter Declaration": ""}),
                                          staff_row(3, **{"Starter Declaration": "Z"})), dry_run=True)
    assert job.rows_rejected == 2
    with in_department(moj):
        reasons = sorted(ImportRowError.objects.filter(job=job).values_list("row_number", "reason"))
    assert [number for number, _ in reasons] == [3, 4]
    assert "Tax code is missing" in reasons[0][1]
    assert "A, B or C" in reasons[1][1]
