"""A calculation that stopped moving, seen in a browser: the run page says it was resumed
automatically, and once the automatic resumes are used up it asks a person to look, offering the
resume button. Each state passes axe."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from payroll import services, tasks
from payroll.models import PayRun, PaySchedule
from tests.browser.axe import assert_no_axe_violations
from tests.browser.test_payroll_journey import payroll_ready  # noqa: F401  (a fixture, shared)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.usefixtures("payroll_ready")
def test_a_stalled_run_says_it_was_resumed_and_then_asks_a_person(page, moj, in_department, sign_in_through_browser,
                                                                  settings, monkeypatch):
    settings.PAYROLL_STALLED_AFTER_SECONDS, settings.PAYROLL_AUTOMATIC_RESUMES_MAX = 60, 1
    # every chunk queued is lost, as with a worker that keeps dying
    monkeypatch.setattr(tasks, "enqueue", lambda start, **options: None)
    # given a run whose calculation started and then stopped moving five minutes ago
    with in_department(moj):
        schedule = PaySchedule.objects.get(name="Monthly")
    run = services.pay_run_create(schedule=schedule, period_containing=timezone.localdate(), acting_user=None)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    services.pay_run_calculate(run=run, acting_user=moj.payroll_officer)

    def stalled_for_minutes(minutes: int) -> None:
        with in_department(moj):
            PayRun.objects.filter(pk=run.pk).update(progress_at=timezone.now() - datetime.timedelta(minutes=minutes))

    stalled_for_minutes(5)
    # when the stall check resumes it
    assert tasks.resume_stalled_runs_in_department.delay(moj.id).get() == 1
    sign_in_through_browser(moj.payroll_officer)
    page.goto(f"/departments/{moj.slug}/payroll/runs/{run.pk}/")
    # then the page says so, and passes axe
    expect(page.get_by_test_id("run-resumed-automatically")).to_contain_text("was resumed automatically")
    assert_no_axe_violations(page)
    # when it stops moving again, with no automatic resume left
    stalled_for_minutes(5)
    assert tasks.resume_stalled_runs_in_department.delay(moj.id).get() == 0
    page.reload()
    # then the page asks a person to check the workers and resume it, and passes axe
    expect(page.get_by_test_id("run-stalled")).to_contain_text("Check that the platform's workers are running")
    expect(page.get_by_role("button", name="Resume the calculation")).to_be_visible()
    assert_no_axe_violations(page)
