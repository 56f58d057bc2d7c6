"""Absence on HR's pages and in self-service: family leave recorded, confirmed and cancelled by HR,
requested by the employee, unauthorised absence, and the allowances on the employee's record."""

from __future__ import annotations

import datetime

import pytest
from django.utils.html import escape

from hr import services
from hr.models import FamilyLeave, LeaveRequest
from tests.factories import EmploymentFactory, SicknessPeriodFactory
from tests.factories.hr import FamilyLeaveFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def employee(moj, in_department):
    """A member of staff with a sign-in (moj's "employee" persona)."""
    employee = EmploymentFactory(department=moj.department, employee__payroll_number="MJ0300",
                                 employee__start_date=D(2020, 4, 1)).employee
    employee.user = moj.employee
    with in_department(moj):
        employee.save(update_fields=["user"])
    return employee


@pytest.fixture
def colleague(moj):
    return EmploymentFactory(department=moj.department, employee__payroll_number="MJ0301",
                             employee__start_date=D(2021, 4, 1)).employee


def _dates(prefix, day):
    return {f"{prefix}-day": day.day, f"{prefix}-month": day.month, f"{prefix}-year": day.year}


def _record_url(moj, employee, path=""):
    return f"/departments/{moj.slug}/hr/employees/{employee.payroll_number}/{path}"


MATERNITY_FORM = {"kind": "maternity", **_dates("start_date", D(2026, 8, 30)), **_dates("end_date", D(2027, 8, 28)),
                  **_dates("expected_date", D(2026, 9, 23)), **_dates("evidence_date", D(2026, 6, 1)),
                  **_dates("evidence_received_on", D(2026, 6, 3)), "evidence_reference": "MATB1",
                  "keeping_in_touch_days": "6/1/2027, 2027-02-03"}


def test_hr_records_family_leave_and_sees_it_on_the_record(client, moj, employee, in_department):
    # given
    client.force_login(moj.hr_officer)
    # when
    form = client.get(_record_url(moj, employee, "family-leave/new/"))
    response = client.post(_record_url(moj, employee, "family-leave/new/"), MATERNITY_FORM, follow=True)
    # then
    assert form.status_code == 200
    assert 'type="radio" value="maternity"' in form.content.decode()
    page = response.content.decode()
    assert "Recorded: Maternity leave, 30 August 2026 to 28 August 2027" in page
    with in_department(moj):
        leave = FamilyLeave.objects.get()
    assert (leave.status, leave.keeping_in_touch_days) == ("confirmed", [D(2027, 1, 6), D(2027, 2, 3)])
    assert f"/family-leave/{leave.pk}/" in page
    assert "Dated 1 Jun 2026, received 3 Jun 2026" in page
    assert f"/departments/{moj.slug}/payroll/employees/MJ0300/absence-pay/" in page


def test_bad_family_leave_shows_an_error_summary_naming_the_field_and_stores_nothing(client, moj, employee,
                                                                                    in_department):
    # given maternity leave starting before the 11th week before the expected week
    client.force_login(moj.hr_officer)
    data = {**MATERNITY_FORM, **_dates("start_date", D(2026, 6, 28))}
    # when
    response = client.post(_record_url(moj, employee, "family-leave/new/"), data)
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert 'href="#id_start_date"' in page
    assert "Maternity leave cannot start before 5 July 2026" in page
    with in_department(moj):
        assert not FamilyLeave.objects.exists()


def test_kit_days_that_are_not_dates_are_named(client, moj, employee):
    client.force_login(moj.hr_officer)
    response = client.post(_record_url(moj, employee, "family-leave/new/"),
                           {**MATERNITY_FORM, "keeping_in_touch_days": "6/1/2027, next Tuesday"})
    assert 'href="#id_keeping_in_touch_days"' in response.content.decode()


def test_hr_confirms_a_requested_leave_after_the_evidence_arrives(client, moj, employee, in_department):
    # given a request from self-service, the MATB1 not yet received
    leave = FamilyLeaveFactory(department=moj.department, employee=employee, status="requested",
                               evidence_received_on=None)
    client.force_login(moj.hr_officer)
    url = _record_url(moj, employee, f"family-leave/{leave.pk}/")
    # when HR confirms without the date received
    refused = client.post(url, {"action": "confirm"})
    # then the page says what is missing, and the leave still waits
    assert "govuk-error-summary" in refused.content.decode()
    assert "Enter the date the MATB1 was received" in refused.content.decode()
    with in_department(moj):
        assert FamilyLeave.objects.get(pk=leave.pk).status == "requested"
    # when HR confirms with it
    waiting = client.get(f"/departments/{moj.slug}/hr/family-leave/waiting/").content.decode()
    response = client.post(url, {"action": "confirm", **_dates("confirm-evidence_received_on", D(2026, 6, 5))},
                           follow=True)
    # then
    assert "MJ0300" in waiting
    assert "Confirmed: Maternity leave" in response.content.decode()
    with in_department(moj):
        assert FamilyLeave.objects.get(pk=leave.pk).evidence_received_on == D(2026, 6, 5)


def test_hr_cancels_leave_with_a_reason(client, moj, employee, in_department):
    leave = FamilyLeaveFactory(department=moj.department, employee=employee)
    client.force_login(moj.hr_officer)
    url = _record_url(moj, employee, f"family-leave/{leave.pk}/")
    assert "Enter why the leave is cancelled" in client.post(url, {"action": "cancel"}).content.decode()
    client.post(url, {"action": "cancel", "cancel-reason": "Entered for the wrong person"})
    with in_department(moj):
        assert FamilyLeave.objects.get(pk=leave.pk).status == "cancelled"


def test_readers_without_hr_write_see_the_leave_but_cannot_change_it(client, moj, employee, in_department):
    leave = FamilyLeaveFactory(department=moj.department, employee=employee, status="requested")
    client.force_login(moj.auditor)
    url = _record_url(moj, employee, f"family-leave/{leave.pk}/")
    page = client.get(url)
    assert page.status_code == 200
    assert "Confirm the leave" not in page.content.decode()
    assert client.post(url, {"action": "cancel", "cancel-reason": "x"}).status_code == 403
    assert client.get(_record_url(moj, employee, "family-leave/new/")).status_code == 403
    with in_department(moj):
        assert FamilyLeave.objects.get(pk=leave.pk).status == "requested"


def test_a_leave_is_found_only_under_its_own_employee(client, moj, employee, colleague):
    leave = FamilyLeaveFactory(department=moj.department, employee=employee)
    client.force_login(moj.hr_officer)
    assert client.get(_record_url(moj, colleague, f"family-leave/{leave.pk}/")).status_code == 404


def test_another_department_cannot_reach_the_pages(client, moj, dft, employee):
    leave = FamilyLeaveFactory(department=moj.department, employee=employee)
    client.force_login(dft.hr_officer)
    for path in ("family-leave/new/", f"family-leave/{leave.pk}/", "unauthorised-absence/new/"):
        assert client.get(_record_url(moj, employee, path)).status_code == 404


def test_the_record_shows_the_sick_pay_allowance_and_unauthorised_absence(client, moj, employee):
    # given 10 days off sick in the last four years, and unauthorised absence recorded through the page
    SicknessPeriodFactory(department=moj.department, employee=employee, first_day=D(2026, 3, 2),
                          last_day=D(2026, 3, 11))
    client.force_login(moj.hr_officer)
    recorded = client.post(_record_url(moj, employee, "unauthorised-absence/new/"),
                           {**_dates("start_date", D(2026, 4, 13)), **_dates("end_date", D(2026, 4, 14)),
                            "note": "No contact"}, follow=True)
    # when
    page = client.get(_record_url(moj, employee)).content.decode()
    # then
    assert "14.80 hours unpaid" in recorded.content.decode()
    assert "10 of 183 days used, <strong>173 days remaining</strong>" in page
    assert "0 of 182 days used, <strong>182 days remaining</strong>" in page
    assert "Unauthorised absence" in page
    assert "No contact" in page


def test_unauthorised_absence_in_the_wrong_order_is_named_on_the_form(client, moj, employee, in_department):
    client.force_login(moj.hr_officer)
    response = client.post(_record_url(moj, employee, "unauthorised-absence/new/"),
                           {**_dates("start_date", D(2026, 4, 14)), **_dates("end_date", D(2026, 4, 13))})
    assert 'href="#id_end_date"' in response.content.decode()
    with in_department(moj):
        assert not LeaveRequest.objects.exists()


# --- Self-service ---------------------------------------------------------------------------------


def test_an_employee_requests_family_leave_and_sees_its_status(client, moj, employee, in_department):
    # given
    client.force_login(moj.employee)
    data = {key: value for key, value in MATERNITY_FORM.items() if not key.startswith("evidence_received_on")}
    # when
    form = client.get(f"/departments/{moj.slug}/hr/me/family-leave/new/")
    response = client.post(f"/departments/{moj.slug}/hr/me/family-leave/new/", data, follow=True)
    # then
    assert form.status_code == 200
    assert "evidence_received_on" not in form.content.decode()
    page = response.content.decode()
    assert "is waiting for HR" in page
    assert "Waiting for HR" in page
    with in_department(moj):
        leave = FamilyLeave.objects.get()
    assert (leave.employee_id, leave.status, leave.requested_by_id) == (employee.pk, "requested", moj.employee.pk)
    assert client.get(f"/departments/{moj.slug}/hr/me/family-leave/{leave.pk}/").status_code == 200


def test_a_request_without_evidence_is_refused_with_an_error_summary(client, moj, employee, in_department):
    client.force_login(moj.employee)
    data = {key: value for key, value in MATERNITY_FORM.items() if not key.startswith("evidence_")}
    response = client.post(f"/departments/{moj.slug}/hr/me/family-leave/new/", data)
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Evidence is required" in page
    with in_department(moj):
        assert not FamilyLeave.objects.exists()


def test_an_employee_withdraws_their_own_waiting_request(client, moj, employee, in_department):
    leave = FamilyLeaveFactory(department=moj.department, employee=employee, status="requested")
    client.force_login(moj.employee)
    response = client.post(f"/departments/{moj.slug}/hr/me/family-leave/{leave.pk}/", follow=True)
    assert "Withdrawn: Maternity leave" in response.content.decode()
    with in_department(moj):
        assert FamilyLeave.objects.get(pk=leave.pk).status == "cancelled"


def test_an_employee_cannot_see_or_withdraw_someone_elses_leave(client, moj, employee, colleague, in_department):
    # given a colleague's leave
    theirs = FamilyLeaveFactory(department=moj.department, employee=colleague, status="requested")
    client.force_login(moj.employee)
    url = f"/departments/{moj.slug}/hr/me/family-leave/{theirs.pk}/"
    # when / then: not found, and untouched
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    with in_department(moj):
        assert FamilyLeave.objects.get(pk=theirs.pk).status == "requested"
    # and the HR pages about the colleague are closed to an employee
    assert client.get(_record_url(moj, colleague, "family-leave/new/")).status_code == 403


def test_a_request_sent_with_someone_elses_payroll_number_is_still_for_oneself(client, moj, employee, colleague,
                                                                                in_department):
    client.force_login(moj.employee)
    data = {key: value for key, value in MATERNITY_FORM.items() if not key.startswith("evidence_received_on")}
    client.post(f"/departments/{moj.slug}/hr/me/family-leave/new/", {**data, "employee": colleague.payroll_number,
                                                                      "payroll_number": colleague.payroll_number})
    with in_department(moj):
        assert list(FamilyLeave.objects.values_list("employee__payroll_number", flat=True)) == ["MJ0300"]


def test_your_leave_lists_family_leave_with_its_status(client, moj, employee):
    FamilyLeaveFactory(department=moj.department, employee=employee, kind="paternity_birth", status="requested",
                       start_date=D(2026, 9, 21), end_date=D(2026, 10, 4), statutory_weeks=2)
    services.leave_types_install_defaults(department=moj.department, acting_user=None)
    client.force_login(moj.employee)
    page = client.get(f"/departments/{moj.slug}/hr/me/leave/").content.decode()
    assert escape("Paternity leave (birth)") in page
    assert "Waiting for HR" in page
    assert "Request family leave" in page
