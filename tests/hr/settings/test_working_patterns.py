"""Working patterns: named weeks of hours kept by each department, added and changed on pages and
through the API (audited), offered by the employment forms, and counted with the bank holidays of
the department's own region."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from departments.models import AuditEvent, Department
from departments.services import api_token_create
from departments.services.settings import department_settings_update
from hr import selectors
from hr.forms import EmployeeHireForm, EmploymentChangeForm
from hr.models import WorkingPattern
from hr.services.working_patterns import working_pattern_create, working_pattern_update
from tests.factories.hr import WorkingPatternFactory

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
WEEKDAYS_7_4 = {f"{day}_hours": "7.4" for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}


def _url(moj, name, **kwargs):
    return reverse(f"hr:{name}", kwargs={"department_slug": moj.slug, **kwargs})


def _api(moj, path=""):
    return f"/api/v1/departments/{moj.slug}/hr/working-patterns/{path}"


# --- Services ---------------------------------------------------------------------------------------


def test_a_pattern_is_stored_with_its_weekly_hours_and_audited(moj, in_department):
    pattern = working_pattern_create(department=moj.department, name="Compressed, four days",
                                     hours={"monday_hours": "9.25", "tuesday_hours": "9.25",
                                            "wednesday_hours": "9.25", "thursday_hours": "9.25"},
                                     acting_user=moj.hr_admin)
    assert pattern.weekly_hours == Decimal("37.00")
    assert pattern.friday_hours == 0
    with in_department(moj):
        event = AuditEvent.objects.get(action="working_pattern.create")
    assert event.changes["name"]["after"] == "Compressed, four days"


@pytest.mark.parametrize(("name", "hours", "field"), [
    ("", WEEKDAYS_7_4, "name"),
    ("Full time", WEEKDAYS_7_4, "name"),
    ("Odd", {"monday_hours": "25"}, "monday_hours"),
    ("Odd", {"sunday_hours": "-1"}, "sunday_hours"),
    ("Odd", {"tuesday_hours": "seven"}, "tuesday_hours"),
    ("Nothing", {}, "monday_hours"),
])
def test_a_bad_pattern_is_refused_by_field(moj, name, hours, field):
    WorkingPatternFactory(department=moj.department, name="Full Time")
    with pytest.raises(ValidationError) as refused:
        working_pattern_create(department=moj.department, name=name, hours=hours, acting_user=None)
    assert field in refused.value.message_dict


def test_a_pattern_can_be_renamed_and_withdrawn_and_each_change_is_audited(moj, in_department):
    pattern = WorkingPatternFactory(department=moj.department, name="Part-time")
    changed = working_pattern_update(pattern=pattern, name="Part-time, three days",
                                     hours={**WEEKDAYS_7_4, "thursday_hours": "0", "friday_hours": "0"},
                                     is_active=False, acting_user=moj.hr_admin)
    assert (changed.name, changed.weekly_hours, changed.is_active) == ("Part-time, three days", Decimal("22.20"), False)
    with in_department(moj):
        event = AuditEvent.objects.get(action="working_pattern.update")
    assert set(event.changes) == {"name", "is_active", "thursday_hours", "friday_hours"}


# --- Bank holidays by the department's region ------------------------------------------------------


def test_leave_hours_leave_out_the_bank_holidays_of_the_departments_region(moj, in_department):
    # given the week of 30 November 2026: St Andrew's Day (Monday 30th) is a bank holiday in Scotland only
    start, end = datetime.date(2026, 11, 30), datetime.date(2026, 12, 4)
    WorkingPatternFactory(department=moj.department, name="Full-time")
    department = Department.objects.get(pk=moj.id)
    with in_department(moj):
        england = selectors.working_hours_between(department=department, pattern_name="Full-time", start=start,
                                                  end=end)
    # when the department moves to Scotland's bank holidays
    department = department_settings_update(department=department, leave_year_start_month=4,
                                            leave_year_start_day=1, bank_holiday_region="scotland",
                                            acting_user=moj.hr_admin)
    with in_department(moj):
        scotland = selectors.working_hours_between(department=department, pattern_name="Full-time", start=start,
                                                   end=end)
        days = selectors.working_days_between(department=department, pattern_name="full-time", start=start,
                                              end=end)
    # then the same week is a day shorter
    assert (england, scotland, days) == (Decimal("37.00"), Decimal("29.60"), 4)


def test_a_pattern_the_department_does_not_keep_counts_as_the_standard_week(moj, in_department):
    department = Department.objects.get(pk=moj.id)
    with in_department(moj):
        hours = selectors.working_hours_between(department=department, pattern_name="Monday to Friday",
                                                start=datetime.date(2026, 12, 21), end=datetime.date(2026, 12, 27))
    # Christmas Day and Boxing Day (moved to Monday 28th) -> only the 25th falls in the week
    assert hours == Decimal("29.60")


# --- Employment forms --------------------------------------------------------------------------------


def test_the_employment_forms_offer_the_departments_patterns_in_use(moj, dft, in_department):
    WorkingPatternFactory(department=moj.department, name="Full-time")
    WorkingPatternFactory(department=moj.department, name="Withdrawn one", is_active=False)
    WorkingPatternFactory(department=moj.department, name="Someone else's")
    WorkingPatternFactory(department=dft.department, name="Another department's")
    with in_department(moj):
        hire, change = EmployeeHireForm(), EmploymentChangeForm()
        offered = [label for _, label in hire.fields["working_pattern"].choices]
        assert offered == ["Choose a working pattern", "Full-time", "Someone else's"]
        assert [label for _, label in change.fields["working_pattern"].choices][0] == "No change"
        refused = EmploymentChangeForm(data={"working_pattern": "Made up"})
        refused.is_valid()
        assert refused.errors["working_pattern"] == ["Choose one of the department's working patterns"]


def test_a_department_without_patterns_takes_the_pattern_as_text(moj, in_department):
    with in_department(moj):
        form = EmploymentChangeForm(data={"working_pattern": "Monday to Friday"})
        form.is_valid()
        assert "working_pattern" not in form.errors


# --- Pages ------------------------------------------------------------------------------------------


def test_an_hr_admin_adds_and_changes_a_pattern_on_the_pages(moj, sign_in, in_department):
    client = sign_in(moj.hr_admin)
    added = client.post(_url(moj, "settings-working-pattern-new"), {"name": "Mornings", **{
        f"{day}_hours": "3.7" for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}})
    assert added["Location"] == _url(moj, "settings-working-patterns")
    listing = client.get(added["Location"]).content.decode()
    assert "Mornings" in listing
    assert "18.5" in listing
    with in_department(moj):
        pattern = WorkingPattern.objects.get(name="Mornings")
    changed = client.post(_url(moj, "settings-working-pattern", pattern_id=pattern.pk),
                          {"name": "Mornings, Monday to Friday", "monday_hours": "4", "tuesday_hours": "3.7",
                           "wednesday_hours": "3.7", "thursday_hours": "3.7", "friday_hours": "3.7",
                           "is_active": "yes"})
    assert changed.status_code == 302
    with in_department(moj):
        pattern.refresh_from_db()
    assert (pattern.name, pattern.weekly_hours) == ("Mornings, Monday to Friday", Decimal("18.80"))


def test_bad_hours_on_the_page_are_named_in_the_error_summary(moj, sign_in):
    response = sign_in(moj.hr_admin).post(_url(moj, "settings-working-pattern-new"),
                                          {"name": "Long days", "monday_hours": "25"})
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#id_monday_hours"' in page
    assert "Monday hours must be a number of hours from 0 to 24, like 7.4" in page


@pytest.mark.parametrize("persona", ["hr_officer", "payroll_officer", "employee"])
def test_the_pattern_pages_are_for_hr_admins(moj, sign_in, persona):
    pattern = WorkingPatternFactory(department=moj.department)
    client = sign_in(getattr(moj, persona))
    assert client.get(_url(moj, "settings-working-patterns")).status_code == 403
    assert client.get(_url(moj, "settings-working-pattern", pattern_id=pattern.pk)).status_code == 403


def test_another_departments_pattern_is_not_found(moj, dft, sign_in):
    pattern = WorkingPatternFactory(department=moj.department)
    url = reverse("hr:settings-working-pattern", kwargs={"department_slug": dft.slug, "pattern_id": pattern.pk})
    assert sign_in(dft.hr_admin).get(url).status_code == 404


# --- API --------------------------------------------------------------------------------------------


def test_the_api_lists_creates_and_updates_patterns(api_client, moj, in_department):
    api_client.force_login(moj.hr_admin)
    created = api_client.post(_api(moj), {"name": "Weekends", "saturday_hours": "8", "sunday_hours": "8"},
                              format="json")
    assert created.status_code == 201
    body = created.json()
    assert (body["weekly_hours"], body["monday_hours"]) == ("16.00", "0.00")
    updated = api_client.patch(_api(moj, f"{body['id']}/"), {"sunday_hours": "4", "is_active": False}, format="json")
    assert updated.status_code == 200
    assert (updated.json()["weekly_hours"], updated.json()["is_active"]) == ("12.00", False)
    assert [row["name"] for row in api_client.get(_api(moj)).json()] == ["Weekends"]
    with in_department(moj):
        assert AuditEvent.objects.filter(action__startswith="working_pattern.").count() == 2


def test_bad_hours_through_the_api_are_a_problem_naming_the_field(api_client, moj):
    api_client.force_login(moj.hr_admin)
    response = api_client.post(_api(moj), {"name": "Long", "monday_hours": "30"}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert [error["field"] for error in response.json()["errors"]] == ["monday_hours"]


def test_without_settings_manage_patterns_can_be_read_but_not_changed(api_client, moj):
    pattern = WorkingPatternFactory(department=moj.department)
    _, raw = api_token_create(department=moj.department, name="HR feed", acting_user=None,
                              scopes={"hr:read", "hr:write"})
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get(_api(moj)).status_code == 200
    assert api_client.post(_api(moj), {"name": "New", **WEEKDAYS_7_4}, format="json").status_code == 403
    assert api_client.patch(_api(moj, f"{pattern.pk}/"), {"name": "Renamed"}, format="json").status_code == 403


def test_another_departments_token_does_not_find_the_pattern(api_client, moj, dft):
    pattern = WorkingPatternFactory(department=moj.department)
    _, raw = api_token_create(department=dft.department, name="HR feed", acting_user=None,
                              scopes={"hr:read", "settings:manage"})
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get(f"/api/v1/departments/{dft.slug}/hr/working-patterns/{pattern.pk}/").status_code == 404
