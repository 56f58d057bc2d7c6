"""The whole onboarding of a department from its legacy export to a signed-off parallel run.

    .venv/bin/python bench/cutover.py [--employees 75000] [--period 2026-11] [--concurrency 2]

Creates a throwaway database (migrated, as the test runner does), then, timing each phase:
1. ``make_legacy_export`` writes the staff export and what the legacy payroll paid in the period
   (``--results-out``, with its planted differences);
2. the staff import: a dry run, then the commit, through the service the page and task use;
3. the parallel run: the results file read and checked, a shadow pay run calculated by a real
   Celery worker (``--concurrency`` processes), and the comparison (the worker's task too);
4. the sign-off: every difference explained (one note per class) and both leads' signatures.
Prints progress, then one JSON line with each phase's seconds, the counts, and where it ran
(database and broker). Goals on this machine at 75,000: shadow run plus comparison ≤ 60 s, the
whole ≤ 300 s. The worker's start-up (a few seconds, before the clock) is not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shared_services.settings.base")
os.environ.setdefault("DJANGO_DB_ROLE", "owner")  # as the schema owner: it may create the throwaway database
# Every task (chunks, the comparison) goes to a queue only this benchmark's worker reads.
QUEUE = os.environ.setdefault("DJANGO_CELERY_QUEUE", f"bench-cutover-{uuid.uuid4().hex[:8]}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from bench.payrun import database_url, purge_unread_queue, stop  # noqa: E402
from bench.where import services_used  # noqa: E402
from departments.models import DepartmentMembership  # noqa: E402
from departments.roles import Role  # noqa: E402
from departments.services import department_create  # noqa: E402
from departments.tenancy import department_context  # noqa: E402
from onboarding import services as import_services  # noqa: E402
from onboarding import services_parallel  # noqa: E402
from onboarding.models import ImportJob, ParallelRun, ParallelRunDifference  # noqa: E402
from onboarding.tasks import start_parallel_run  # noqa: E402
from payroll import services as payroll_services  # noqa: E402
from payroll.models import PayRun  # noqa: E402
from shared_services.accounts.models import User  # noqa: E402


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Clock:
    def __init__(self) -> None:
        self.phases: dict[str, float] = {}

    def time(self, name: str):  # type: ignore[no-untyped-def]
        clock = self

        class Phase:
            def __enter__(self) -> None:
                self.started = time.perf_counter()

            def __exit__(self, *exc: object) -> None:
                clock.phases[name] = round(time.perf_counter() - self.started, 2)
                say(f"{name}: {clock.phases[name]:.1f} s")

        return Phase()


def worker(queue: str, concurrency: int) -> subprocess.Popen[bytes]:
    """A Celery worker on the throwaway database, as bench/payrun.py starts one, its banner and log
    kept out of this benchmark's output (the JSON line is the last line of standard output)."""
    environment = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_DB_ROLE": "owner",
                   "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    environment.pop("DATABASE_OWNER_URL", None)
    log = ROOT / "var" / "bench-cutover-worker.log"
    log.parent.mkdir(exist_ok=True)
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "shared_services", "worker", "--loglevel=INFO",
         f"--concurrency={concurrency}", "-Q", queue, "--without-heartbeat", "--without-gossip", "--without-mingle",
         f"--logfile={log}"],
        cwd=ROOT, env=environment, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def import_staff(department, export: Path) -> ImportJob:  # type: ignore[no-untyped-def]
    mapping = import_services.import_mapping_save(department=department, name="Legacy", columns={},
                                                  create_missing_references=True, acting_user=None)
    with export.open("rb") as upload:
        dry_run = import_services.import_job_create(department=department, upload=upload, original_name=export.name,
                                                    acting_user=None, dry_run=True, mapping=mapping)
    dry_run = import_services.import_job_run(department=department, job_id=dry_run.pk)
    if dry_run.status != ImportJob.Status.VALIDATED:
        raise SystemExit(f"dry run: {dry_run.status} {dry_run.file_problem}")
    job = import_services.import_job_commit(department=department, source=dry_run, accept_valid=False,
                                            acting_user=None)
    job = import_services.import_job_run(department=department, job_id=job.pk)
    if job.status != ImportJob.Status.COMMITTED:
        raise SystemExit(f"import: {job.status} {job.file_problem}")
    say(f"imported {job.rows_created:,} employees")
    return job


def wait_for_comparison(department, run: ParallelRun, process) -> ParallelRun:  # type: ignore[no-untyped-def]
    while True:
        with department_context(department.id):
            current = ParallelRun.objects.get(pk=run.pk)
        if current.status in ParallelRun.FINISHED:
            return current
        if process.poll() is not None:
            raise SystemExit(f"the worker stopped with {process.returncode}")
        time.sleep(0.1)


def sign_off(department, run: ParallelRun) -> None:  # type: ignore[no-untyped-def]
    lead = User.objects.create_user(email="payroll.lead@bench.invalid", password=None, full_name="Payroll lead")
    finance = User.objects.create_user(email="finance.lead@bench.invalid", password=None, full_name="Finance lead")
    DepartmentMembership.objects.create(user=lead, department=department, role=Role.PAYROLL_APPROVER)
    DepartmentMembership.objects.create(user=finance, department=department, role=Role.FINANCE_OFFICER)
    with department_context(department.id):
        open_by_class: dict[str, list[int]] = {}
        for pk, classification in ParallelRunDifference.objects.filter(
                parallel_run=run, resolution=ParallelRunDifference.Resolution.OPEN).values_list("pk", "classification"):
            open_by_class.setdefault(classification, []).append(pk)
    for classification, ids in open_by_class.items():
        services_parallel.parallel_run_differences_explain(
            parallel_run=run, difference_ids=ids, acting_user=lead,
            note=f"Reviewed: {classification.replace('_', ' ')} differences expected from the legacy payroll.")
    services_parallel.cutover_sign_off(parallel_run=run, role="hr_payroll_lead", acting_user=lead)
    services_parallel.cutover_sign_off(parallel_run=run, role="finance_lead", acting_user=finance)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=75_000)
    parser.add_argument("--period", default="2026-11", help="the month compared, YYYY-MM")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes for the shadow run")
    arguments = parser.parse_args()
    period = services_parallel.period_from_text(arguments.period)
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_cutover_{connection.settings_dict['NAME']}"
    live_database = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    clock = Clock()
    process = None
    try:
        process = worker(QUEUE, arguments.concurrency)
        time.sleep(3)  # the worker's start-up is not the cut-over's time
        with tempfile.TemporaryDirectory() as folder:
            export, results = Path(folder) / "legacy-export.csv", Path(folder) / "legacy-results.csv"
            started = time.perf_counter()
            with clock.time("make_legacy_export_s"):
                call_command("make_legacy_export", employees=arguments.employees, out=str(export),
                             results_out=str(results), results_period=arguments.period, stdout=sys.stderr)
            department = department_create(slug=f"bench-cutover-{int(time.time())}", name="Bench cut-over",
                                           acting_user=None)
            with clock.time("import_s"):
                import_staff(department, export)
            payroll_services.pay_schedule_create(department=department, acting_user=None, name="Monthly",
                                                 bank_sort_code="202959", bank_account_number="63748472")
            with clock.time("shadow_run_and_comparison_s"):
                shadow_started = time.perf_counter()
                with results.open("rb") as upload:
                    run = services_parallel.parallel_run_start(department=department, period=period, upload=upload,
                                                               original_name=results.name, acting_user=None)
                read = time.perf_counter()
                with transaction.atomic():
                    start = services_parallel.parallel_run_calculate(parallel_run=run, acting_user=None)
                    start_parallel_run(start, acting_user=None)
                run = wait_for_comparison(department, run, process)
            # The phase in parts: the results file read and stored; the shadow run calculated (by the
            # workers); the comparison (from the calculation's end, polling included).
            with department_context(department.id):
                shadow = PayRun.objects.get(pk=run.shadow_run_id)  # type: ignore[attr-defined]
            calculated = (shadow.calculated_at - run.started_at).total_seconds()
            compared = (run.finished_at - shadow.calculated_at).total_seconds()
            clock.phases.update(results_read_s=round(read - shadow_started, 2),
                                calculation_s=round(calculated, 2), comparison_s=round(compared, 2))
            if run.status != ParallelRun.Status.COMPARED:
                raise SystemExit(f"parallel run: {run.status} {run.file_problem}")
            say(f"compared {run.employees_compared:,}, matched {run.employees_matched:,}, differing "
                f"{run.employees_differing:,}; classes {run.classes}")
            with clock.time("sign_off_s"):
                sign_off(department, run)
            total = time.perf_counter() - started
    finally:
        if process is not None:
            stop(process)
        connection.creation.destroy_test_db(live_database, verbosity=0)
        purge_unread_queue()
    print(json.dumps({"employees": arguments.employees, "period": arguments.period, **clock.phases,
                      "total_s": round(total, 2), "compared": run.employees_compared,
                      "matched": run.employees_matched, "differing": run.employees_differing,
                      "only_in_legacy": run.only_in_legacy, "only_on_platform": run.only_on_platform,
                      "classes": run.classes, "worker_processes": arguments.concurrency,
                      **services_used()}))


if __name__ == "__main__":
    main()
