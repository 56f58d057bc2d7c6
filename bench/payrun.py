"""A pay run for a department of N employees: open → calculate → approve → finalise, through the
same services and a real Celery worker with two processes.

    .venv/bin/python bench/payrun.py --employees 75000

Creates a throwaway database (migrated, as the test runner does), sets the department up with
bulk inserts, runs the pay run, and drops the database. Prints progress, then one JSON line last:
{"employees": N, "wall_s": …, "payslips_per_s": …, "peak_rss_mb": …, "floor_copy_s": …}
``wall_s`` runs from opening the run to its finalisation; ``peak_rss_mb`` is the largest resident
set of any process (this one, the worker and its children); ``floor_copy_s`` is the time to COPY
the same number of payslip and payslip-line rows into PostgreSQL, the physical floor of the write.
Goal on this machine: 75,000 employees in at most 30 s, within 5× of the floor, memory flat in N.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import resource
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shared_services.settings.base")
# As the schema owner: it may create the throwaway database.
os.environ.setdefault("DJANGO_DB_ROLE", "owner")
# Tasks without a queue of their own (the FPS that finalising queues) go to a queue no worker reads,
# purged at the end: never to a development worker, for a database about to be dropped.
UNREAD_QUEUE = os.environ.setdefault("DJANGO_CELERY_QUEUE", f"bench-unread-{uuid.uuid4().hex[:8]}")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from bench.where import services_used  # noqa: E402
from departments.models import Department, DepartmentMembership  # noqa: E402
from departments.roles import Role  # noqa: E402
from departments.tenancy import department_context  # noqa: E402
from finance import services as finance_services  # noqa: E402
from hr.models import CostCentre, Employee, Employment, Grade, OrganisationUnit  # noqa: E402
from payroll import services, tasks  # noqa: E402
from payroll.models import PayRun  # noqa: E402
from shared_services.accounts.models import User  # noqa: E402
from shared_services.database_urls import url_from_settings  # noqa: E402

LINES_PER_PAYSLIP = 12


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def purge_unread_queue() -> None:
    with tasks.app.connection_for_write() as broker:
        purged = broker.default_channel.queue_purge(UNREAD_QUEUE)
    say(f"purged {purged or 0} message(s) from {UNREAD_QUEUE}")


def database_url() -> str:
    return url_from_settings(connection.settings_dict)


def build_department(employees: int) -> tuple[Department, User, User]:
    with transaction.atomic():
        department = Department.objects.create(slug="bench-payroll", name="Bench department",
                                               bacs_service_user_number="123456")
        officer = User.objects.create_user(email="officer@bench.invalid", password=None, full_name="Officer")
        approver = User.objects.create_user(email="approver@bench.invalid", password=None, full_name="Approver")
        DepartmentMembership.objects.create(user=officer, department=department, role=Role.PAYROLL_OFFICER)
        DepartmentMembership.objects.create(user=approver, department=department, role=Role.PAYROLL_APPROVER)
        with department_context(department.id):
            unit = OrganisationUnit.objects.create(department=department, code="HQ", name="Headquarters",
                                                   path="000001.")
            grade = Grade.objects.create(department=department, code="EO", name="Executive Officer", rank=3)
            centres = [CostCentre.objects.create(department=department, code=f"C{n:03d}", name=f"Centre {n}",
                                                 path=f"{n:06d}.") for n in range(1, 21)]
            batch = 5000
            for first in range(0, employees, batch):
                people = Employee.objects.bulk_create(
                    Employee(department=department, payroll_number=f"B{n:07d}", first_name="Sam", last_name=f"Bench{n}",
                             date_of_birth=datetime.date(1980 + n % 20, 1 + n % 12, 1 + n % 28), sex="F",
                             start_date=datetime.date(2020, 4, 1), bank_sort_code="089999",
                             bank_account_number="66374958", tax_code=("1257L", "K500", "BR", "S1257L")[n % 4],
                             student_loans=["plan2"] if n % 5 == 0 else [], pension_scheme="alpha" if n % 3 else "")
                    for n in range(first, min(first + batch, employees)))
                Employment.objects.bulk_create(
                    Employment(department=department, employee=person, valid_from=person.start_date,
                               post_title="Officer", organisation_unit=unit, grade=grade,
                               cost_centre=centres[index % len(centres)],
                               annual_salary=Decimal(22000 + (index * 37) % 60000))
                    for index, person in enumerate(people, start=first))
            finance_services.accounts_install_defaults(department=department, acting_user=None)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE hr_employee")
        cursor.execute("VACUUM ANALYZE hr_employment")
    return department, officer, approver


def worker(queue: str, concurrency: int = 2) -> subprocess.Popen[bytes]:
    # The worker runs this checkout's code (cwd and PYTHONPATH), whatever the venv's editable install points at.
    environment = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_DB_ROLE": "owner",
                   "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    environment.pop("DATABASE_OWNER_URL", None)
    log = ROOT / "var" / "bench-payrun-worker.log"
    log.parent.mkdir(exist_ok=True)
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "shared_services", "worker", "--loglevel=INFO",
         f"--concurrency={concurrency}", "-Q", queue, "--without-heartbeat", "--without-gossip", "--without-mingle",
         f"--logfile={log}"],
        cwd=ROOT, env=environment, start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a worker as a process supervisor does: SIGTERM to its main process, which shuts its
    pool down warmly (a signal to the whole group would kill the pool under it); SIGKILL to the
    group if it has not stopped in 30 s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def peak_rss_mb(root_pid: int) -> float:
    """The largest VmHWM among a process and its children, in MB."""
    peak = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(entry.name) == root_pid or fields.get("PPid", "").strip() == str(root_pid):
            peak = max(peak, int(fields.get("VmHWM", "0 kB").split()[0]))
    return peak / 1024


TYPICAL = {"bigint": "{n}", "integer": "1", "smallint": "1", "numeric": "3000.00", "character varying": "A",
           "text": "x", "boolean": "f", "jsonb": "{{}}", "date": "2026-11-30",
           "timestamp with time zone": "2026-11-26 00:00:00+00"}


def _copy_rows(cursor: object, table: str, rows: int) -> float:
    """COPY ``rows`` typical rows into a copy of ``table`` with its indexes (a logged table, as the
    real one is); returns the seconds taken. The copy goes with the benchmark's database."""
    cursor.execute(f"CREATE TABLE floor_{table} (LIKE {table} INCLUDING DEFAULTS INCLUDING INDEXES)")  # type: ignore[attr-defined]
    cursor.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "  # type: ignore[attr-defined]
                   "ORDER BY ordinal_position", [table])
    columns = cursor.fetchall()  # type: ignore[attr-defined]
    line = "\t".join(TYPICAL.get(data_type, "x") for _, data_type in columns) + "\n"
    data = io.StringIO("".join(line.format(n=n) for n in range(rows)))
    started = time.perf_counter()
    cursor.copy_expert(f"COPY floor_{table} ({', '.join(name for name, _ in columns)}) FROM STDIN", data)  # type: ignore[attr-defined]
    return time.perf_counter() - started


def floor_copy_seconds(employees: int) -> float:
    """COPY N payslip rows and 12·N payslip-line rows, the write a pay run cannot avoid."""
    with transaction.atomic(), connection.cursor() as cursor:
        return (_copy_rows(cursor, "payroll_payslip", employees)
                + _copy_rows(cursor, "payroll_payslipline", employees * LINES_PER_PAYSLIP))


def run_pay_run(department: Department, officer: User, approver: User, employees: int,
                concurrency: int = 2) -> dict[str, float]:
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    process = worker(queue, concurrency)
    peak = 0.0
    try:
        time.sleep(3)  # the worker's start-up is not the pay run's time
        schedule = services.pay_schedule_create(department=department, acting_user=officer, name="Monthly",
                                                bank_sort_code="202959", bank_account_number="63748472")
        run = services.pay_run_create(schedule=schedule, period_containing=datetime.date(2026, 11, 1),
                                      acting_user=officer)
        started = time.perf_counter()
        services.pay_run_open(run=run, acting_user=officer)
        with transaction.atomic():
            start = services.pay_run_calculate(run=run, acting_user=officer)
            tasks.enqueue(start, queue=queue)
        say(f"calculating {employees:,} employees in {len(start.chunks)} chunks")
        calculated_at = None
        while True:
            with department_context(department.id):
                current = PayRun.objects.get(pk=run.pk)
            peak = max(peak, peak_rss_mb(process.pid))
            if current.status == PayRun.Status.CALCULATED:
                calculated_at = time.perf_counter()
                break
            if process.poll() is not None:
                raise SystemExit(f"the worker stopped with {process.returncode}")
            time.sleep(0.25)
        say(f"calculated in {calculated_at - started:.1f} s "
            f"({current.employees_calculated:,} calculated, {current.employees_failed:,} failed)")
        services.pay_run_approve(run=run, acting_user=approver)
        services.pay_run_finalise(run=run, acting_user=approver)
        finished = time.perf_counter()
        say(f"approved and finalised in {finished - calculated_at:.1f} s")
    finally:
        peak = max(peak, peak_rss_mb(process.pid))
        stop(process)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"wall_s": finished - started, "peak_rss_mb": max(peak, own)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=75_000)
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (the goal is for two)")
    arguments = parser.parse_args()
    # Named after the configured database, so benchmarks of two checkouts on one server do not collide.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_payrun_{connection.settings_dict['NAME']}"
    live_database = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        started = time.perf_counter()
        department, officer, approver = build_department(arguments.employees)
        say(f"set up {arguments.employees:,} employees in {time.perf_counter() - started:.1f} s")
        figures = run_pay_run(department, officer, approver, arguments.employees, arguments.concurrency)
        floor = floor_copy_seconds(arguments.employees)
    finally:
        connection.creation.destroy_test_db(live_database, verbosity=0)
        purge_unread_queue()
    print(json.dumps({"employees": arguments.employees, "wall_s": round(figures["wall_s"], 2),
                      "payslips_per_s": round(arguments.employees / figures["wall_s"], 1),
                      "peak_rss_mb": round(figures["peak_rss_mb"], 1), "floor_copy_s": round(floor, 2),
                      **services_used()}))


if __name__ == "__main__":
    main()
