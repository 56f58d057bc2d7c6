"""Joiners, movers and leavers: HR records give people their accounts and access, and take it away."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from departments.models import DepartmentMembership
from departments.roles import Role
from departments.selectors import department_access_for_user
from departments.tasks import end_leavers_access
from hr import selectors, services
from hr.models import Employee
from shared_services.accounts.models import User

pytestmark = pytest.mark.django_db
D = datetime.date
LONG_SERVING = D(2024, 4, 1)  # a start date well in the past


def _on(day: datetime.date) -> mock._patch:
    return mock.patch("django.utils.timezone.localdate", return_value=day)


def _hire(department, organisation, number: int, *, work_email: str = "", line_manager: Employee | None = None,
          start: datetime.date = LONG_SERVING, acting_user: User | None = None) -> Employee:
    return services.employee_hire(
        department=department, acting_user=acting_user,
        personal={"payroll_number": f"E{number:04d}", "first_name": f"Person{number}", "last_name": "Reid",
                  "date_of_birth": D(1990, 2, 3), "sex": "F", "start_date": start, "work_email": work_email},
        terms={"post_title": "Caseworker", "organisation_unit": organisation["team"],
               "grade": organisation["grades"]["EO"], "cost_centre": organisation["centre"],
               "annual_salary": Decimal("30000"), "line_manager": line_manager})


def _roles(user: User, slug: str) -> set[str]:
    access = department_access_for_user(user=user, department_slug=slug)
    return set(access.roles) if access is not None else set()


def test_hiring_with_a_work_email_gives_the_starter_an_account_from_their_start_date(moj, organisation,
                                                                                   in_department):
    # given a start date next week
    start = timezone.localdate() + datetime.timedelta(days=7)
    # when
    employee = _hire(moj.department, organisation, 1, work_email="Person1.Reid@Justice.gov.uk", start=start,
                     acting_user=moj.hr_officer)
    # then the employee is linked to a new account that reaches moj from the start date, not before
    user = User.objects.get(email="person1.reid@justice.gov.uk")
    with in_department(moj):
        assert Employee.objects.get(pk=employee.pk).user == user
    assert not user.has_usable_password()
    assert _roles(user, moj.slug) == set()
    with _on(start):
        assert _roles(user, moj.slug) == {Role.EMPLOYEE}


def test_hiring_without_a_work_email_gives_no_account(moj, organisation, in_department):
    employee = _hire(moj.department, organisation, 1)
    with in_department(moj):
        assert Employee.objects.get(pk=employee.pk).user is None
    assert not User.objects.filter(email__startswith="person1").exists()


def test_a_work_email_another_employee_has_is_refused(moj, organisation):
    _hire(moj.department, organisation, 1, work_email="shared@justice.gov.uk")
    with pytest.raises(ValidationError) as error:
        _hire(moj.department, organisation, 2, work_email="SHARED@justice.gov.uk")
    assert "work_email" in error.value.message_dict


def test_the_hire_form_takes_a_work_email(client, moj, organisation):
    # given
    client.force_login(moj.hr_officer)
    data = {"payroll_number": "MJ0100", "first_name": "Ben", "last_name": "Okafor", "date_of_birth-day": "9",
            "date_of_birth-month": "7", "date_of_birth-year": "1988", "sex": "M", "start_date-day": "2",
            "start_date-month": "9", "start_date-year": "2024", "post_title": "Caseworker",
            "organisation_unit": "CASE", "grade": "EO", "cost_centre": "C100", "location": "national",
            "annual_salary": "30500", "fte": "1", "contracted_hours": "37", "contract_type": "permanent",
            "work_email": "ben.okafor@justice.gov.uk"}
    # when
    response = client.post(reverse("hr:employee-hire", kwargs={"department_slug": moj.slug}), data)
    bad = client.post(reverse("hr:employee-hire", kwargs={"department_slug": moj.slug}),
                      {**data, "payroll_number": "MJ0101", "work_email": "ben at justice"})
    # then
    assert response.status_code == 302
    assert _roles(User.objects.get(email="ben.okafor@justice.gov.uk"), moj.slug) == {Role.EMPLOYEE}
    assert bad.status_code == 200
    assert "Enter a work e-mail address in the correct format" in bad.content.decode()


def test_the_employee_api_shows_the_work_email(api_client, moj, organisation):
    _hire(moj.department, organisation, 1, work_email="person1.reid@justice.gov.uk")
    api_client.force_login(moj.hr_officer)
    response = api_client.get(f"/api/v1/departments/{moj.slug}/employees/E0001/")
    assert response.status_code == 200
    assert response.json()["work_email"] == "person1.reid@justice.gov.uk"


def test_line_manager_access_follows_the_line_manager_field(moj, organisation):
    # given two possible managers with accounts, and a report managed by the first
    first = _hire(moj.department, organisation, 1, work_email="first@justice.gov.uk")
    second = _hire(moj.department, organisation, 2, work_email="second@justice.gov.uk")
    report = _hire(moj.department, organisation, 3, work_email="report@justice.gov.uk", line_manager=first)
    assert Role.MANAGER in _roles(first.user, moj.slug)
    assert Role.MANAGER not in _roles(second.user, moj.slug)
    # when the report moves to the second manager from today
    services.employment_change(employee=report, effective_from=timezone.localdate(),
                               changes={"line_manager": second}, acting_user=moj.hr_officer)
    # then the second manager gains line-manager access and the first, managing no one, loses it
    assert _roles(first.user, moj.slug) == {Role.EMPLOYEE}
    assert _roles(second.user, moj.slug) == {Role.EMPLOYEE, Role.MANAGER}
    ended = DepartmentMembership.objects.get(user=first.user, role=Role.MANAGER)
    assert ended.ended_at is not None
    assert ended.source == DepartmentMembership.Source.HR_RECORD


def test_a_line_manager_change_dated_tomorrow_gives_access_when_the_schedule_runs_tomorrow(moj, organisation):
    # given a report whose line manager changes from tomorrow
    first = _hire(moj.department, organisation, 1, work_email="first@justice.gov.uk")
    second = _hire(moj.department, organisation, 2, work_email="second@justice.gov.uk")
    report = _hire(moj.department, organisation, 3, line_manager=first)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    services.employment_change(employee=report, effective_from=tomorrow, changes={"line_manager": second},
                               acting_user=moj.hr_officer)
    assert Role.MANAGER not in _roles(second.user, moj.slug)
    # when the schedule runs tomorrow
    with _on(tomorrow):
        end_leavers_access.delay()
        # then
        assert _roles(first.user, moj.slug) == {Role.EMPLOYEE}
        assert _roles(second.user, moj.slug) == {Role.EMPLOYEE, Role.MANAGER}


def test_a_leaver_reaches_the_department_on_their_leaving_date_and_not_the_day_after(client, moj, organisation):
    # given a leaver whose last day is in ten days
    employee = _hire(moj.department, organisation, 1, work_email="leaver@justice.gov.uk")
    last_day = timezone.localdate() + datetime.timedelta(days=10)
    services.employee_leave(employee=employee, leave_date=last_day, reason="resignation", acting_user=moj.hr_officer)
    user = User.objects.get(email="leaver@justice.gov.uk")
    client.force_login(user)
    home = f"/departments/{moj.slug}/"
    # when / then: on the leaving date
    with _on(last_day):
        assert department_access_for_user(user=user, department_slug=moj.slug) is not None
        assert client.get(home).status_code == 200
    # and the day after
    with _on(last_day + datetime.timedelta(days=1)):
        assert department_access_for_user(user=user, department_slug=moj.slug) is None
        assert client.get(home).status_code == 404


def test_a_manager_who_leaves_keeps_line_manager_access_only_to_their_last_day(moj, organisation):
    manager = _hire(moj.department, organisation, 1, work_email="boss@justice.gov.uk")
    _hire(moj.department, organisation, 2, line_manager=manager)
    last_day = timezone.localdate() + datetime.timedelta(days=3)
    # when
    services.employee_leave(employee=manager, leave_date=last_day, reason="retirement", acting_user=None)
    # then
    with _on(last_day):
        assert _roles(manager.user, moj.slug) == {Role.EMPLOYEE, Role.MANAGER}
    with _on(last_day + datetime.timedelta(days=1)):
        assert _roles(manager.user, moj.slug) == set()


def test_a_transfer_to_another_department_keeps_one_account_with_two_dated_memberships(moj, dft, organisation):
    # given dft's own organisation
    dft_organisation = _organisation(dft)
    employee = _hire(moj.department, organisation, 1, work_email="asha.reid@civilservice.gov.uk")
    # when she transfers: her last moj day is tomorrow, she starts at dft the day after
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    services.employee_leave(employee=employee, leave_date=tomorrow, reason="transfer", acting_user=None)
    moved = _hire(dft.department, dft_organisation, 7, work_email="asha.reid@civilservice.gov.uk",
                  start=tomorrow + datetime.timedelta(days=1))
    # then
    assert moved.user_id == employee.user_id
    assert User.objects.filter(email="asha.reid@civilservice.gov.uk").count() == 1
    assert sorted(DepartmentMembership.objects.filter(user_id=employee.user_id)
                  .values_list("department__slug", "valid_from", "valid_to")) == [
        ("dft", tomorrow + datetime.timedelta(days=1), None), ("moj", D(2024, 4, 1), tomorrow)]
    with _on(tomorrow + datetime.timedelta(days=1)):
        assert _roles(employee.user, moj.slug) == set()
        assert _roles(employee.user, dft.slug) == {Role.EMPLOYEE}


def test_provision_accounts_command_is_idempotent(moj, organisation, in_department):
    # given employees recorded before accounts were provisioned (their e-mails set directly)
    manager = _hire(moj.department, organisation, 1)
    _hire(moj.department, organisation, 2, line_manager=manager)
    _hire(moj.department, organisation, 3)
    with in_department(moj):
        for employee in Employee.objects.filter(payroll_number__in=["E0001", "E0002"]):
            Employee.objects.filter(pk=employee.pk).update(work_email=f"{employee.payroll_number.lower()}@moj.gov.uk")
    # when run twice
    first, second = StringIO(), StringIO()
    call_command("provision_accounts", "--department", moj.slug, stdout=first)
    call_command("provision_accounts", "--department", moj.slug, stdout=second)
    # then
    assert "2 accounts created; 2 employees linked" in first.getvalue()
    assert "1 employees have no work e-mail" in first.getvalue()
    assert "line-manager access 1 granted" in first.getvalue()
    assert "0 accounts created; 0 employees linked" in second.getvalue()
    assert "2 already there" in second.getvalue()
    with in_department(moj):
        linked = dict(Employee.objects.values_list("payroll_number", "user__email"))
    assert linked == {"E0001": "e0001@moj.gov.uk", "E0002": "e0002@moj.gov.uk", "E0003": None}
    assert _roles(User.objects.get(email="e0001@moj.gov.uk"), moj.slug) == {Role.EMPLOYEE, Role.MANAGER}


def test_provision_accounts_command_refuses_an_unknown_department(db):
    with pytest.raises(CommandError, match="no department with slug 'nope'"):
        call_command("provision_accounts", "--department", "nope")


def _organisation(department):
    from hr.models import OrganisationUnit

    people = department.people
    with _context(department):
        unit = services.organisation_unit_create(department=department.department, code="HQ", name="Headquarters",
                                                 kind=OrganisationUnit.Kind.DIRECTORATE, acting_user=people["hr_admin"])
        centre = services.cost_centre_create(department=department.department, code="C1", name="Costs",
                                             acting_user=people["hr_admin"])
        services.grades_install_defaults(department=department.department, acting_user=people["hr_admin"])
        grades = {grade.code: grade for grade in selectors.grades()}
    return {"team": unit, "centre": centre, "grades": grades}


def _context(department):
    from departments.tenancy import department_context

    return department_context(department.id)
