"""Year end in a browser: HR produces the year's P60s, watches the bundle's progress refresh by itself,
then downloads it. Each page on the way passes axe."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from playwright.sync_api import expect

from departments.models import Department
from hr.models import Employee
from payroll import services, tasks_year_end
from payroll.p60_document import p60_pdfs
from payroll.services.year_end import p60_batch_produce
from payroll.tasks import start_calculation
from tests.browser.axe import assert_no_axe_violations
from tests.finance.conftest import build_finance_setting
from tests.payroll.settling import settle_review

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def year_paid(moj, in_department, settings):
    """Three employees paid for March 2026, the last month of 2025-26, by a finalised run."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    setting = build_finance_setting(moj, in_department)
    with in_department(moj):
        Employee.objects.update(bank_sort_code="089999", bank_account_number="66374958")
    Department.objects.filter(pk=moj.department.pk).update(bacs_service_user_number="123456")
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                            bank_sort_code="202959", bank_account_number="63748472")
    run = services.pay_run_create(schedule=schedule, period_containing=datetime.date(2026, 3, 10), acting_user=None)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    start_calculation(run=run, acting_user=moj.payroll_officer)
    settle_review(run)
    services.pay_run_approve(run=run, acting_user=moj.payroll_approver)
    services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
    return setting


def test_hr_produces_the_p60s_sees_the_progress_and_downloads_them(page, moj, year_paid, sign_in_through_browser,
                                                                    monkeypatch):
    # given a worker that picks the job up only when the test says so
    queued: list[tuple[int, int]] = []
    monkeypatch.setattr(tasks_year_end.p60_batch_produce_task, "delay", lambda *ids: queued.append(ids))
    sign_in_through_browser(moj.payroll_officer)
    page.goto(f"/departments/{moj.slug}/payroll/year-end/p60s/")
    assert_no_axe_violations(page)
    # when the payroll officer produces the 2025-26 P60s
    page.get_by_label("2025-26 (to 5 April 2026)").check()
    page.get_by_role("button", name="Produce the P60s").click()
    # then the job waits for a worker, and the page says so
    expect(page.get_by_role("heading", name="P60s for 2025-26")).to_be_visible()
    expect(page.get_by_test_id("p60-progress-text")).to_have_text(
        "0 of 3 P60s produced. This page updates by itself.")
    assert_no_axe_violations(page)
    # when a worker has produced the first P60 and is held before the next
    first_done, carry_on = threading.Event(), threading.Event()

    def render(p60s):
        if first_done.is_set():
            carry_on.wait(timeout=30)
        first_done.set()
        return p60_pdfs(p60s)

    def work():
        try:
            p60_batch_produce(department_id=queued[0][0], batch_id=queued[0][1], chunk_size=1, render=render)
        finally:
            connection.close()

    worker = threading.Thread(target=work)
    worker.start()
    try:
        # then the progress moves on the page by itself
        expect(page.get_by_test_id("p60-progress-text")).to_contain_text("1 of 3 P60s produced", timeout=15_000)
        expect(page.locator("#p60-progress-bar")).to_have_attribute("value", "1")
    finally:
        carry_on.set()
        worker.join(timeout=60)
    # and once the bundle is ready the page offers it
    expect(page.get_by_role("heading", name="P60s ready")).to_be_visible(timeout=15_000)
    assert_no_axe_violations(page)
    with page.expect_download() as download:
        page.get_by_test_id("p60-download").click()
    assert download.value.suggested_filename == "p60s-2025-26.zip"
