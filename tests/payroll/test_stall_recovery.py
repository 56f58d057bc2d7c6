"""A calculation that stops moving (its worker died with a chunk the broker will not give back) is
resumed by the beat schedule with no person acting: the run finishes, the run page and the API say
it was resumed, the audit log records it, and a run that is moving, or of another department, is
left alone."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from departments.models import AuditEvent
from hr import services as hr_services
from payroll import services, tasks
from payroll.models import PayRun, Payslip

pytestmark = pytest.mark.django_db
D = datetime.date


def _hire(department, organisation, number):
    return hr_services.employee_hire(
        department=department, acting_user=None,
        personal={"payroll_number": f"ST{number:04d}", "first_name": "Test", "last_name": f"Stall{number}",
                  "date_of_birth": D(1990, 1, 1), "sex": "F", "start_date": D(2024, 4, 1),
                  "bank_sort_code": "089999", "bank_account_number": "66374958"},
        terms={"post_title": "Caseworker", "organisation_unit": organisation["team"],
               "grade": organisation["grades"]["HEO"], "cost_centre": organisation["centre"],
               "annual_salary": Decimal("36000") + number},
        salary_override_reason="Test salary")


@pytest.fixture
def stalled_run(moj, organisation, in_department):
    """Six employees in three chunks; the first chunk was written, then its worker died: the other
    two chunks were lost with it, and the run stopped moving two minutes ago."""
    for number in range(6):
        _hire(moj.department, organisation, number)
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly")
    run = services.pay_run_create(schedule=schedule, period_containing=D(2026, 11, 10), acting_user=None)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    start = services.pay_run_calculate(run=run, acting_user=moj.payroll_officer, chunk_size=2)
    with in_department(moj):
        services.calculate_employees(run_id=run.pk, calculation_number=start.calculation_number,
                                     employee_ids=start.chunks[0])
        PayRun.objects.filter(pk=run.pk).update(progress_at=timezone.now() - datetime.timedelta(minutes=2))
    return run


def _run(moj, run, in_department):
    with in_department(moj):
        return PayRun.objects.get(pk=run.pk)


def test_the_beat_check_resumes_a_stalled_calculation_and_it_finishes(
        moj, stalled_run, in_department, settings, django_capture_on_commit_callbacks):
    settings.PAYROLL_STALLED_AFTER_SECONDS = 60
    assert _run(moj, stalled_run, in_department).employees_calculated == 2
    # when the beat schedule's check runs (eagerly: each department's task, then the chunks queued)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.resume_stalled_runs.delay()
    # then the run is calculated, one payslip per employee, with no person acting
    run = _run(moj, stalled_run, in_department)
    assert (run.status, run.employees_calculated, run.employees_failed) == (PayRun.Status.CALCULATED, 6, 0)
    assert (run.automatic_resumes, run.automatically_resumed_at is not None) == (1, True)
    with in_department(moj):
        assert Payslip.objects.filter(run=run).count() == 6
        resumed = AuditEvent.objects.get(action="pay_run.resume", object_id=str(run.pk))
    # and the audit log says the platform resumed it by itself, after how long, with how many left
    assert resumed.actor is None
    assert resumed.changes["automatic"]["after"] is True
    assert resumed.changes["employees_left"]["after"] == 4
    assert resumed.changes["no_progress_for_s"]["after"] >= 120


def test_a_calculation_that_is_moving_is_left_alone(moj, stalled_run, in_department, settings):
    # given a run whose last chunk was written a moment ago
    settings.PAYROLL_STALLED_AFTER_SECONDS = 60
    with in_department(moj):
        PayRun.objects.filter(pk=stalled_run.pk).update(progress_at=timezone.now() - datetime.timedelta(seconds=20))
    # when the department's check runs, nothing is resumed
    assert tasks.resume_stalled_runs_in_department.delay(moj.id).get() == 0
    run = _run(moj, stalled_run, in_department)
    assert (run.status, run.automatic_resumes, run.employees_calculated) == (PayRun.Status.CALCULATING, 0, 2)


def test_another_departments_check_does_not_touch_the_run(moj, dft, stalled_run, in_department):
    assert tasks.resume_stalled_runs_in_department.delay(dft.id).get() == 0
    assert _run(moj, stalled_run, in_department).automatic_resumes == 0


def test_automatic_resumes_stop_at_the_limit_and_the_page_asks_a_person(
        moj, stalled_run, in_department, settings, sign_in, api_client):
    # given a calculation resumed automatically as often as allowed, whose workers never came back
    settings.PAYROLL_STALLED_AFTER_SECONDS, settings.PAYROLL_AUTOMATIC_RESUMES_MAX = 60, 2
    for _ in range(2):
        assert tasks.resume_stalled_runs_in_department.delay(moj.id).get() == 1  # chunks queued, never run
        with in_department(moj):
            PayRun.objects.filter(pk=stalled_run.pk).update(
                progress_at=timezone.now() - datetime.timedelta(minutes=5))
    # when the check runs again, it leaves the run to a person
    assert tasks.resume_stalled_runs_in_department.delay(moj.id).get() == 0
    assert _run(moj, stalled_run, in_department).automatic_resumes == 2
    # and the run page says it was resumed, twice, and that a person must look
    page = sign_in(moj.payroll_officer).get(f"/departments/moj/payroll/runs/{stalled_run.pk}/")
    text = page.content.decode()
    assert "was resumed automatically" in text
    assert "(2 times)" in text
    assert "resuming it automatically 2 times did not help" in text
    # and the API shows the same
    api_client.force_authenticate(moj.payroll_officer)
    body = api_client.get(f"/api/v1/departments/moj/payroll/runs/{stalled_run.pk}/").json()
    assert body["automatic_resumes"] == 2
    assert body["automatically_resumed_at"]


def test_a_new_calculation_starts_with_no_automatic_resumes(moj, stalled_run, in_department, settings,
                                                           django_capture_on_commit_callbacks):
    settings.PAYROLL_STALLED_AFTER_SECONDS = 60
    with django_capture_on_commit_callbacks(execute=True):
        tasks.resume_stalled_runs_in_department.delay(moj.id)
    calculated = _run(moj, stalled_run, in_department)
    assert calculated.automatic_resumes == 1
    # when it is calculated again by a person, the count and the note start afresh
    services.pay_run_calculate(run=calculated, acting_user=moj.payroll_officer)
    again = _run(moj, stalled_run, in_department)
    assert (again.automatic_resumes, again.automatically_resumed_at, again.status) == (
        0, None, PayRun.Status.CALCULATING)
    assert again.progress_at is not None
    assert timezone.now() - again.progress_at < datetime.timedelta(seconds=30)
