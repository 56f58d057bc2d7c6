"""An HR change effective in a pay period whose run is open is refused with a message naming the
run, or made from the start of the next period when the user asks for that; other schedules'
runs and finished runs lock nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from hr import services as hr_services
from hr.models import Employment
from payroll import services
from payroll.models import PaySchedule

pytestmark = pytest.mark.django_db

IN_NOVEMBER = datetime.date(2026, 11, 16)


@pytest.fixture
def open_november(moj, finance_setting):
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly")
    run = services.pay_run_create(schedule=schedule, period_containing=IN_NOVEMBER, acting_user=None)
    return services.pay_run_open(run=run, acting_user=moj.payroll_officer)


def _live_versions(moj, in_department, employee):
    with in_department(moj):
        return list(Employment.objects.filter(employee=employee, superseded_at__isnull=True).order_by("valid_from")
                    .values_list("valid_from", "post_title"))


def test_a_change_in_an_open_period_is_refused_naming_the_run(moj, finance_setting, open_november, in_department):
    # given the November run is open
    employee = finance_setting.claimant
    before = _live_versions(moj, in_department, employee)
    # when HR changes the post from the middle of November
    with pytest.raises(ValidationError) as refused:
        hr_services.employment_change(employee=employee, effective_from=IN_NOVEMBER,
                                      changes={"post_title": "Senior officer"}, acting_user=moj.hr_officer)
    # then
    message = refused.value.message_dict["effective_from"][0]
    assert message.startswith("The Monthly pay run for 1 November to 30 November 2026 is open, so changes")
    assert "Make the change effective from 1 December 2026" in message
    assert _live_versions(moj, in_department, employee) == before


def test_a_change_in_an_open_period_can_be_made_from_the_next_period(moj, finance_setting, open_november,
                                                                     in_department):
    # given the November run is open
    employee = finance_setting.claimant
    # when HR asks for the change to wait for the next period
    version = hr_services.employment_change(
        employee=employee, effective_from=IN_NOVEMBER, changes={"post_title": "Senior officer"},
        acting_user=moj.hr_officer, reason="Promotion", when_period_locked=hr_services.WhenPeriodLocked.NEXT_PERIOD)
    # then it starts on 1 December, and says why
    assert version.valid_from == datetime.date(2026, 12, 1)
    assert version.change_reason == "Promotion (moved from 16 November 2026: that pay period was locked)"
    assert _live_versions(moj, in_department, employee)[-1] == (datetime.date(2026, 12, 1), "Senior officer")


def test_a_cancelled_run_or_another_schedules_run_locks_nothing(moj, finance_setting, open_november,
                                                                in_department):
    # given an employee paid weekly, while the monthly run is open
    weekly = services.pay_schedule_create(department=moj.department, acting_user=None, name="Weekly",
                                          frequency=PaySchedule.Frequency.WEEKLY)
    with in_department(moj):
        monthly = PaySchedule.objects.get(name="Monthly")
    services.pay_run_cancel(run=open_november, acting_user=moj.payroll_officer, reason="Wrong period")
    services.pay_schedule_members_move(schedule=weekly, payroll_numbers=["E0001"], acting_user=None)
    services.pay_run_open(run=services.pay_run_create(schedule=monthly, period_containing=IN_NOVEMBER,
                                                      acting_user=None), acting_user=moj.payroll_officer)
    # when / then: the monthly run does not lock the weekly-paid employee
    version = hr_services.employment_change(employee=finance_setting.claimant, effective_from=IN_NOVEMBER,
                                            changes={"post_title": "Analyst"}, acting_user=moj.hr_officer)
    assert version.valid_from == IN_NOVEMBER
    # and the monthly-paid one is still locked by the new open run
    with pytest.raises(ValidationError):
        hr_services.employment_change(employee=finance_setting.colleague, effective_from=IN_NOVEMBER,
                                      changes={"post_title": "Analyst"}, acting_user=moj.hr_officer)


def test_the_api_refuses_a_locked_change_or_moves_it_as_asked(api_client, moj, finance_setting, open_november):
    # given
    api_client.force_login(moj.hr_officer)
    url = f"/api/v1/departments/{moj.slug}/employees/E0001/changes/"
    body = {"effective_from": IN_NOVEMBER.isoformat(), "changes": {"post_title": "Lead"}}
    # when
    refused = api_client.post(url, body, format="json")
    moved = api_client.post(url, {**body, "when_period_locked": "next_period"}, format="json")
    unknown = api_client.post(url, {**body, "when_period_locked": "later"}, format="json")
    # then
    assert refused.status_code == 400
    assert refused["Content-Type"].startswith("application/problem+json")
    assert "is open, so changes effective in that period are locked" in str(refused.json())
    assert moved.status_code == 201
    assert moved.json()["valid_from"] == "2026-12-01"
    assert unknown.status_code == 400
    assert "when_period_locked" in str(unknown.json())


def test_the_change_page_refuses_a_locked_date_or_moves_it_as_chosen(client, moj, finance_setting, open_november,
                                                                       in_department):
    # given an HR officer on the change page of an employee paid in the open November run
    client.force_login(moj.hr_officer)
    url = f"/departments/{moj.slug}/hr/employees/E0001/change/"
    form = {"effective_from-day": "16", "effective_from-month": "11", "effective_from-year": "2026",
            "post_title": "Senior officer", "reason": "Promotion"}
    # when they save without choosing, then choose the next period
    refused = client.post(url, form)
    moved = client.post(url, {**form, "when_period_locked": "next_period"})
    # then
    assert refused.status_code == 200
    assert "There is a problem" in refused.content.decode()
    assert "so changes effective in that period are locked" in refused.content.decode()
    assert moved.status_code == 302
    assert _live_versions(moj, in_department, finance_setting.claimant)[-1] == (
        datetime.date(2026, 12, 1), "Senior officer")
