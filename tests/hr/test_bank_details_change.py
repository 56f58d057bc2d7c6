"""Changing an employee's bank details: HR staff with hr:write and hr:sensitive, after a recent second
factor; formats checked with a message per field; audited with the values masked; "nothing changed" refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from departments.models import AuditEvent
from hr import services
from hr.models import Employee
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def employee(moj, in_department):
    with in_department(moj):
        return EmployeeFactory(department=moj.department, bank_sort_code="089999", bank_account_number="66374958")


def _url(moj, employee):
    return f"/departments/{moj.slug}/hr/employees/{employee.payroll_number}/bank-details/"


def test_an_hr_officer_changes_bank_details_after_stepping_up_and_the_audit_hides_them(
        client, moj, employee, in_department, stepped_up):
    client.force_login(moj.hr_officer)
    # without a recent second factor the page asks for one
    assert client.get(_url(moj, employee)).url.startswith("/accounts/confirm-its-you/?next=")
    stepped_up()
    assert "Change bank details" in client.get(_url(moj, employee)).content.decode()
    # when they save new details
    response = client.post(_url(moj, employee), {"bank_sort_code": "30-99-50", "bank_account_number": "12345678"})
    # then the record holds them, and the audit log names the fields without the values
    assert response.status_code == 302
    with in_department(moj):
        saved = Employee.objects.get(pk=employee.pk)
        event = AuditEvent.objects.get(action="employee.bank_details_change")
    assert (saved.bank_sort_code, saved.bank_account_number) == ("309950", "12345678")
    assert set(event.changes) == {"bank_sort_code", "bank_account_number"}
    assert "12345678" not in str(event.changes)
    assert "309950" not in str(event.changes)
    assert event.actor == moj.hr_officer


def test_bad_details_are_refused_field_by_field_and_nothing_changes(client, moj, employee, in_department,
                                                                    stepped_up):
    client.force_login(moj.hr_officer)
    stepped_up()
    page = client.post(_url(moj, employee), {"bank_sort_code": "12", "bank_account_number": "abc",
                                             "building_society_roll_number": "ROLL<>"}).content.decode()
    assert "There is a problem" in page
    assert "Enter a sort code of 6 digits" in page
    assert "Enter an account number of 8 digits" in page
    assert "Enter a roll number" in page
    with in_department(moj):
        assert Employee.objects.get(pk=employee.pk).bank_account_number == "66374958"
        assert not AuditEvent.objects.filter(action="employee.bank_details_change").exists()


def test_the_same_details_again_are_refused_as_no_change(moj, employee, in_department):
    with in_department(moj), pytest.raises(ValidationError, match="nothing changed"):
        services.employee_bank_details_change(department=moj.department, employee=employee, sort_code="08-99-99",
                                              account_number="66374958", acting_user=moj.hr_officer)


def test_people_without_hr_write_and_hr_sensitive_cannot_reach_the_page(client, moj, dft, employee, stepped_up):
    for person in (moj.payroll_officer, moj.manager):  # payroll: sensitive but no write; manager: neither
        client.force_login(person)
        stepped_up()
        assert client.get(_url(moj, employee)).status_code == 403
    client.force_login(dft.hr_officer)
    stepped_up()
    assert client.get(_url(moj, employee)).status_code == 404
