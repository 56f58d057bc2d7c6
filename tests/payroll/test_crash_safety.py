"""A real Celery worker is killed (SIGKILL) part-way through a pay run's calculation; another worker
finishes it. The run ends with exactly one payslip per employee, and the same totals as an
undisturbed calculation of the same run."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count, Sum

from payroll import services, tasks
from payroll.models import PayRun, Payslip
from shared_services.database_urls import url_from_settings
from tests.factories import CostCentreFactory, EmploymentFactory, GradeFactory, OrganisationUnitFactory

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
EMPLOYEES, CHUNK = 240, 8
TIMEOUT_S = 120


def _database_url() -> str:
    """The test database, for the worker processes (which read DATABASE_URL like the app does)."""
    return url_from_settings(connection.settings_dict)


def _worker(queue: str) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_DB_ROLE": "owner",
                   "DJANGO_SETTINGS_MODULE": "shared_services.settings.base",
                   "DJANGO_PAYROLL_CHUNK_PAUSE_SECONDS": "0.3"}
    environment.pop("DATABASE_OWNER_URL", None)
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "shared_services", "worker", "--loglevel=WARNING",
         "--concurrency=2", "-Q", queue, "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=environment, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _stop(worker: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the worker's main process, which stops its pool warmly (a signal to the whole
    group can leave it waiting on children already gone); SIGKILL to the group if it lingers."""
    if worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def _progress(run: PayRun, in_department, moj) -> PayRun:
    with in_department(moj):
        return PayRun.objects.get(pk=run.pk)


def _wait(predicate, what: str, workers: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not predicate():
        for worker in workers:
            if worker.poll() is not None and worker.returncode not in (None, -signal.SIGKILL):
                pytest.fail(f"a worker exited with {worker.returncode}: {worker.stderr.read().decode()[-2000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def _totals(run: PayRun, in_department, moj) -> dict[str, object]:
    with in_department(moj):
        slips = Payslip.objects.filter(run=run)
        return {
            **slips.aggregate(count=Count("pk"), gross=Sum("gross_pay"), tax=Sum("income_tax"),
                              ni=Sum("employee_ni"), net=Sum("net_pay")),
            "employees": slips.values("employee_id").distinct().count(),
        }


def test_a_killed_worker_leaves_one_payslip_per_employee_and_the_right_totals(moj, in_department, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queue = f"crash-test-{uuid.uuid4().hex[:8]}"
    # given a department of 240 employees and an open run, calculated in 30 chunks of 8
    unit = OrganisationUnitFactory(department=moj.department)
    grade = GradeFactory(department=moj.department)
    centre = CostCentreFactory(department=moj.department)
    for number in range(EMPLOYEES):
        EmploymentFactory(department=moj.department, organisation_unit=unit, grade=grade, cost_centre=centre,
                          annual_salary=Decimal(24000 + number * 150),
                          employee__start_date=datetime.date(2024, 4, 1))
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly")
    run = services.pay_run_create(schedule=schedule, period_containing=datetime.date(2026, 11, 1), acting_user=None)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    start = services.pay_run_calculate(run=run, acting_user=moj.payroll_officer, chunk_size=CHUNK)
    for chunk in start.chunks:
        tasks.calculate_pay_run_chunk.apply_async(
            (start.department_id, start.run_id, start.calculation_number, chunk), queue=queue)
    first = _worker(queue)
    workers = [first]
    try:
        # when the first worker has written some chunks, it is killed outright
        _wait(lambda: _progress(run, in_department, moj).employees_calculated >= 3 * CHUNK, "a few chunks", workers)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        killed_at = _progress(run, in_department, moj)
        assert 0 < killed_at.employees_calculated < EMPLOYEES, "the worker was not stopped part-way"
        assert killed_at.status == PayRun.Status.CALCULATING
        # and another worker starts, and the calculation is resumed
        second = _worker(queue)
        workers.append(second)
        resumed = services.pay_run_resume(run=run, acting_user=moj.payroll_officer, chunk_size=CHUNK)
        for chunk in resumed.chunks:
            tasks.calculate_pay_run_chunk.apply_async(
                (resumed.department_id, resumed.run_id, resumed.calculation_number, chunk), queue=queue)
        _wait(lambda: _progress(run, in_department, moj).status == PayRun.Status.CALCULATED, "the run", workers)
    finally:
        for worker in workers:
            _stop(worker)
    # then exactly one payslip per employee
    after_crash = _totals(run, in_department, moj)
    assert after_crash["count"] == after_crash["employees"] == EMPLOYEES
    assert _progress(run, in_department, moj).employees_calculated == EMPLOYEES
    # and the totals equal an undisturbed calculation of the same run, in one process
    with in_department(moj):
        settings.CELERY_TASK_ALWAYS_EAGER = True
        again = services.pay_run_calculate(run=run, acting_user=moj.payroll_officer, chunk_size=EMPLOYEES)
        services.calculate_employees(run_id=run.pk, calculation_number=again.calculation_number,
                                     employee_ids=again.chunks[0])
    assert _totals(run, in_department, moj) == after_crash
