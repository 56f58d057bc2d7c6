"""The department's settings page: its details for those who run it, the leave year and bank
holidays' region changed by HR admins (audited, the same through the API), each app's settings
pages for the person looking, and a new department that starts with leave types and patterns."""

from __future__ import annotations

import pytest
from django.urls import reverse

from departments.models import AuditEvent, Department
from departments.services import api_token_create, department_create
from hr.models import LeavePolicy, LeaveType, WorkingPattern

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def _page(moj):
    return reverse("departments:settings", kwargs={"department_slug": moj.slug})


def _change(moj):
    return reverse("departments:settings-change", kwargs={"department_slug": moj.slug})


def _api(moj):
    return f"/api/v1/departments/{moj.slug}/settings/"


def test_hr_admins_see_the_details_and_the_hr_settings_pages(moj, sign_in):
    # when an HR admin opens the settings page
    page = sign_in(moj.hr_admin).get(_page(moj)).content.decode()
    # then the details, the change link and hr's settings pages are there, and payroll's are not
    assert "England and Wales" in page
    assert _change(moj) in page
    assert "Leave types and entitlements" in page
    assert "Working patterns" in page
    assert "Absence pay schemes" in page
    assert "Pay schedules" not in page


def test_payroll_officers_see_pay_schedules_but_cannot_change_the_department(moj, sign_in):
    client = sign_in(moj.payroll_officer)
    page = client.get(_page(moj)).content.decode()
    assert "Pay schedules" in page
    assert "Leave types and entitlements" not in page
    assert _change(moj) not in page
    assert client.get(_change(moj)).status_code == 403


@pytest.mark.parametrize("persona", ["employee", "hr_officer", "manager", "auditor", "finance_officer"])
def test_others_are_refused(moj, sign_in, persona):
    assert sign_in(getattr(moj, persona)).get(_page(moj)).status_code == 403


def test_another_departments_settings_are_not_found(moj, dft, sign_in):
    assert sign_in(dft.hr_admin).get(_page(moj)).status_code == 404


def test_an_hr_admin_changes_the_region_and_leave_year_and_it_is_audited(moj, sign_in, in_department):
    # when an HR admin moves the department to Scotland's bank holidays and a January leave year
    response = sign_in(moj.hr_admin).post(_change(moj), {"leave_year_start_day": "1", "leave_year_start_month": "1",
                                                         "bank_holiday_region": "scotland"})
    # then it is saved and audited with the before and after
    assert response.status_code == 302
    department = Department.objects.get(pk=moj.id)
    assert (department.bank_holiday_region, department.leave_year_start_month) == ("scotland", 1)
    with in_department(moj):
        event = AuditEvent.objects.get(action="department.settings_update")
    assert event.changes["bank_holiday_region"] == {"before": "england-and-wales", "after": "scotland"}
    assert event.actor == moj.hr_admin


def test_a_day_the_month_does_not_have_is_shown_on_the_day(moj, sign_in):
    # when an HR admin asks for the leave year to start on 30 February
    response = sign_in(moj.hr_admin).post(_change(moj), {"leave_year_start_day": "30", "leave_year_start_month": "2",
                                                         "bank_holiday_region": "scotland"})
    # then the error summary names the day, and nothing changes
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert 'href="#id_leave_year_start_day"' in page
    assert "Enter a day from 1 to 28 for that month." in page
    assert Department.objects.get(pk=moj.id).bank_holiday_region == "england-and-wales"


def test_an_unknown_region_is_refused_on_the_form(moj, sign_in):
    response = sign_in(moj.hr_admin).post(_change(moj), {"leave_year_start_day": "1", "leave_year_start_month": "4",
                                                         "bank_holiday_region": "wales"})
    assert "Choose England and Wales, Scotland or Northern Ireland" in response.content.decode()


def test_the_api_reads_and_changes_the_settings(api_client, moj, in_department):
    api_client.force_login(moj.hr_admin)
    assert api_client.get(_api(moj)).json()["bank_holiday_region"] == "england-and-wales"
    changed = api_client.patch(_api(moj), {"bank_holiday_region": "northern-ireland"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["bank_holiday_region"] == "northern-ireland"
    assert changed.json()["leave_year_start_month"] == 4
    with in_department(moj):
        assert AuditEvent.objects.filter(action="department.settings_update").count() == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"bank_holiday_region": "wales"}, "bank_holiday_region"),
    ({"leave_year_start_month": 13}, "leave_year_start_month"),
    ({"leave_year_start_month": 2, "leave_year_start_day": 30}, "leave_year_start_day"),
])
def test_bad_settings_through_the_api_are_a_problem_naming_the_field(api_client, moj, body, field):
    api_client.force_login(moj.hr_admin)
    response = api_client.patch(_api(moj), body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert field in [error["field"] for error in response.json()["errors"]]


def test_without_settings_manage_the_api_refuses_a_change(api_client, moj):
    api_client.force_login(moj.payroll_officer)
    assert api_client.get(_api(moj)).status_code == 200
    assert api_client.patch(_api(moj), {"bank_holiday_region": "scotland"}, format="json").status_code == 403
    _, raw = api_token_create(department=moj.department, name="Reader", acting_user=None, scopes={"hr:read"})
    api_client.force_authenticate(None)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.patch(_api(moj), {"bank_holiday_region": "scotland"}, format="json").status_code == 403


def test_a_token_with_settings_manage_changes_the_region(api_client, moj):
    _, raw = api_token_create(department=moj.department, name="Settings", acting_user=None,
                              scopes={"settings:manage"})
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.patch(_api(moj), {"bank_holiday_region": "scotland"}, format="json").status_code == 200


def test_a_new_department_starts_with_leave_types_an_annual_leave_policy_and_working_patterns(in_department):
    # when a department is created
    department = department_create(slug="dwp", name="Department for Work and Pensions", acting_user=None)
    # then its people can book leave and be given a pattern from the first day
    with in_department(department):
        codes = set(LeaveType.objects.values_list("code", flat=True))
        assert {"ANNUAL", "SICK", "UNPAID", "SPECIAL"} <= codes
        policy = LeavePolicy.objects.get(leave_type__code="ANNUAL")
        assert policy.hours_by_service == [[0, "187.50"], [5, "225.00"]]
        patterns = {pattern.name: pattern.weekly_hours for pattern in WorkingPattern.objects.all()}
        assert patterns["Full-time, Monday to Friday"] == 37
        assert len(patterns) >= 2
        assert AuditEvent.objects.filter(action="leave_types.install_defaults").exists()
        assert AuditEvent.objects.filter(action="working_patterns.install_defaults").exists()
    assert department.bank_holiday_region == "england-and-wales"
