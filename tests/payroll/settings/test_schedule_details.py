"""A pay schedule's details as a department setting: its name, pay day, proration and the account net
pay leaves from can be changed on a page and through the API (audited), but never in a way that
would alter a run already under way, and how often it pays is fixed once it has a run."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from departments.models import AuditEvent
from departments.services import api_token_create
from payroll.models import PayRun, PaySchedule
from payroll.services.schedules import pay_schedule_update
from tests.factories.payroll import PayRunFactory, PayScheduleFactory

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def schedule(moj):
    return PayScheduleFactory(department=moj.department, name="Monthly staff", pays_everyone_else=True)


def _page(moj, schedule=None):
    if schedule is None:
        return reverse("payroll:settings-schedules", kwargs={"department_slug": moj.slug})
    return reverse("payroll:settings-schedule", kwargs={"department_slug": moj.slug, "schedule_id": schedule.pk})


def _api(moj, schedule):
    return f"/api/v1/departments/{moj.slug}/payroll/schedules/{schedule.pk}/"


def _reload(moj, in_department, schedule):
    with in_department(moj):
        return PaySchedule.objects.get(pk=schedule.pk)


# --- Service ----------------------------------------------------------------------------------------


def test_the_details_change_and_the_change_is_audited_with_the_account_masked(moj, schedule, in_department):
    changed = pay_schedule_update(schedule=schedule, acting_user=moj.payroll_officer, name="Monthly paid staff",
                                  pay_day_of_month=25, bank_account_number="12345678")
    assert (changed.name, changed.pay_day_of_month, changed.bank_account_number) == (
        "Monthly paid staff", 25, "12345678")
    with in_department(moj):
        event = AuditEvent.objects.get(action="pay_schedule.update")
    assert event.changes["pay_day_of_month"] == {"before": 0, "after": 25}
    assert event.changes["bank_account_number"] == {"before": "••••", "after": "••••"}


def test_nothing_changed_writes_no_audit_row(moj, schedule, in_department):
    pay_schedule_update(schedule=schedule, acting_user=None, name="Monthly staff")
    with in_department(moj):
        assert not AuditEvent.objects.filter(action="pay_schedule.update").exists()


def test_frequency_is_fixed_once_the_schedule_has_a_run(moj, schedule):
    PayRunFactory(department=moj.department, schedule=schedule, status=PayRun.Status.FINALISED)
    with pytest.raises(ValidationError) as refused:
        pay_schedule_update(schedule=schedule, acting_user=None, frequency="weekly", pay_weekday=4)
    assert "cannot change" in refused.value.message_dict["frequency"][0]


def test_a_schedule_without_runs_can_become_weekly(moj, schedule):
    changed = pay_schedule_update(schedule=schedule, acting_user=None, frequency="weekly", pay_weekday=3)
    assert (changed.frequency, changed.pay_weekday) == ("weekly", 3)


@pytest.mark.parametrize("change", [{"pay_day_of_month": 20}, {"proration": "working_days"},
                                    {"bank_sort_code": "309430"}, {"bank_account_name": "NEW ACCOUNT"}])
def test_a_run_under_way_keeps_what_it_was_opened_with(moj, schedule, in_department, change):
    # given a run that has been calculated and waits for approval
    PayRunFactory(department=moj.department, schedule=schedule, status=PayRun.Status.CALCULATED)
    # when its pay day, proration or account would change
    with pytest.raises(ValidationError) as refused:
        pay_schedule_update(schedule=schedule, acting_user=None, **change)
    # then it is refused on that field, saying why, and nothing changes
    field = next(iter(change))
    assert "November 2026 run is calculated" in refused.value.message_dict[field][0]
    assert getattr(_reload(moj, in_department, schedule), field) == getattr(schedule, field)


def test_the_name_can_change_while_a_run_is_under_way(moj, schedule):
    PayRunFactory(department=moj.department, schedule=schedule, status=PayRun.Status.OPEN)
    assert pay_schedule_update(schedule=schedule, acting_user=None, name="Monthly (HQ)").name == "Monthly (HQ)"


def test_a_draft_run_keeps_the_pay_day_it_was_given(moj, schedule):
    PayRunFactory(department=moj.department, schedule=schedule, status=PayRun.Status.DRAFT)
    with pytest.raises(ValidationError) as refused:
        pay_schedule_update(schedule=schedule, acting_user=None, pay_day_of_month=15)
    assert "cancel it before changing the pay day" in refused.value.message_dict["pay_day_of_month"][0]


@pytest.mark.parametrize(("change", "field"), [
    ({"name": ""}, "name"), ({"name": "Weekly"}, "name"), ({"pay_day_of_month": 32}, "pay_day_of_month"),
    ({"bank_sort_code": "12-34"}, "bank_sort_code"), ({"bank_account_number": "123"}, "bank_account_number"),
    ({"proration": "hours"}, "proration"), ({"pays_everyone_else": False}, "pays_everyone_else"),
])
def test_bad_details_are_refused_by_field(moj, schedule, change, field):
    PayScheduleFactory(department=moj.department, name="Weekly")
    with pytest.raises(ValidationError) as refused:
        pay_schedule_update(schedule=schedule, acting_user=None, **change)
    assert field in refused.value.message_dict


# --- Pages ------------------------------------------------------------------------------------------


def _form(schedule, **changes):
    data = {"name": schedule.name, "frequency": schedule.frequency, "pay_day_of_month": str(schedule.pay_day_of_month),
            "pay_weekday": str(schedule.pay_weekday), "proration": schedule.proration,
            "bank_sort_code": schedule.bank_sort_code, "bank_account_number": schedule.bank_account_number,
            "bank_account_name": schedule.bank_account_name}
    return {**data, **changes}


def test_a_payroll_officer_changes_the_pay_day_on_the_page(moj, schedule, sign_in, in_department):
    client = sign_in(moj.payroll_officer)
    listing = client.get(_page(moj)).content.decode()
    assert "The last working day of the month" in listing
    response = client.post(_page(moj, schedule), _form(schedule, pay_day_of_month="28", bank_sort_code="30-94-30"))
    assert response["Location"] == _page(moj)
    changed = _reload(moj, in_department, schedule)
    assert (changed.pay_day_of_month, changed.bank_sort_code) == (28, "309430")
    assert "Day 28 of the month" in client.get(_page(moj)).content.decode()


def test_a_refused_change_is_shown_in_the_error_summary(moj, schedule, sign_in):
    PayRunFactory(department=moj.department, schedule=schedule, status=PayRun.Status.APPROVED)
    response = sign_in(moj.payroll_officer).post(_page(moj, schedule), _form(schedule, proration="working_days"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert 'href="#id_proration"' in page
    assert "this can change once it is finalised or cancelled" in page


@pytest.mark.parametrize("persona", ["hr_admin", "payroll_approver", "employee", "auditor"])
def test_the_pages_are_for_those_who_run_payroll(moj, schedule, sign_in, persona):
    client = sign_in(getattr(moj, persona))
    assert client.get(_page(moj)).status_code == 403
    assert client.get(_page(moj, schedule)).status_code == 403


def test_another_departments_schedule_is_not_found(moj, dft, schedule, sign_in):
    url = reverse("payroll:settings-schedule", kwargs={"department_slug": dft.slug, "schedule_id": schedule.pk})
    assert sign_in(dft.payroll_officer).get(url).status_code == 404


# --- API --------------------------------------------------------------------------------------------


def test_the_api_reads_and_changes_a_schedule(api_client, moj, schedule, in_department):
    api_client.force_login(moj.payroll_officer)
    assert api_client.get(_api(moj, schedule)).json()["name"] == "Monthly staff"
    response = api_client.patch(_api(moj, schedule), {"pay_day_of_month": 27, "proration": "working_days"},
                                format="json")
    assert response.status_code == 200
    assert (response.json()["pay_day_of_month"], response.json()["proration"]) == (27, "working_days")
    with in_department(moj):
        assert AuditEvent.objects.filter(action="pay_schedule.update").count() == 1


def test_a_refused_change_through_the_api_is_a_problem_naming_the_field(api_client, moj, schedule):
    PayRunFactory(department=moj.department, schedule=schedule, status=PayRun.Status.FINALISED)
    api_client.force_login(moj.payroll_officer)
    response = api_client.patch(_api(moj, schedule), {"frequency": "weekly"}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert [error["field"] for error in response.json()["errors"]] == ["frequency"]
    bad = api_client.patch(_api(moj, schedule), {"bank_sort_code": "abc"}, format="json")
    assert [error["field"] for error in bad.json()["errors"]] == ["bank_sort_code"]


def test_without_payroll_submit_the_api_refuses_a_change(api_client, moj, schedule):
    _, raw = api_token_create(department=moj.department, name="Reader", acting_user=None, scopes={"payroll:read"})
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get(_api(moj, schedule)).status_code == 200
    assert api_client.patch(_api(moj, schedule), {"name": "Renamed"}, format="json").status_code == 403


def test_another_departments_token_does_not_find_the_schedule(api_client, moj, dft, schedule):
    _, raw = api_token_create(department=dft.department, name="Payroll", acting_user=None,
                              scopes={"payroll:read", "payroll:submit"})
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    url = f"/api/v1/departments/{dft.slug}/payroll/schedules/{schedule.pk}/"
    assert api_client.patch(url, {"name": "Mine"}, format="json").status_code == 404
