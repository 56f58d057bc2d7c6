"""Employee list and employee record with a department of 75,000 staff.

    .venv/bin/python bench/hr.py [--employees 75000] [--requests 100] [--keep] [--profile]

``--keep`` leaves the seeded database (``bench_hr``) in place and a later ``--keep`` run reuses it,
migrated forward, so changes can be measured without seeding again. ``--profile`` prints, for one
request of each kind, where the CPU time goes and each query's duration.

Creates a throwaway database (as the test runner does, migrated), seeds one department, commits
and vacuums it as a live database would be, then times the pages as a signed-in HR officer sees
them (in-process, no network) and prints the median and 95th percentile. The database is dropped
at the end. Target: each under 100 ms at the 95th percentile.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shared_services.settings.base")
# As the schema owner: it may create the throwaway database and VACUUM its tables.
os.environ.setdefault("DJANGO_DB_ROLE", "owner")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from departments.models import Department, DepartmentMembership  # noqa: E402
from departments.roles import Role  # noqa: E402
from departments.tenancy import department_context  # noqa: E402
from hr.demo import seed_department  # noqa: E402
from hr.models import Employee  # noqa: E402
from shared_services.accounts.models import User  # noqa: E402


def timed(client: Client, paths: list[str]) -> tuple[list[float], list[float], int]:
    samples, cpu, queries = [], [], 0
    for path in paths:
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            samples.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        queries = max(queries, len(captured.captured_queries))
    return samples, cpu, queries


def report(label: str, samples: list[float], cpu: list[float], queries: int) -> None:
    """Wall-clock median and 95th percentile, and the median CPU time of this process (the part
    that does not grow with other work on a shared machine; the database's time is not in it)."""
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(f"{label:<44} median {statistics.median(samples) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   "
          f"{queries} queries   CPU median {statistics.median(cpu) * 1000:5.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=75_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the database, and reuse one kept before")
    parser.add_argument("--profile", action="store_true", help="profile one request of each kind")
    arguments = parser.parse_args()
    connection.settings_dict.setdefault("TEST", {})["NAME"] = "bench_hr"
    live_database = connection.creation.create_test_db(verbosity=0, autoclobber=not arguments.keep,
                                                       serialize=False, keepdb=arguments.keep)
    try:
        measure(employees=arguments.employees, requests=arguments.requests, profile=arguments.profile)
    finally:
        if arguments.keep:
            print("Kept the benchmark database (bench_hr).")
        else:
            connection.creation.destroy_test_db(live_database, verbosity=0)
            print("Dropped the benchmark database.")


def seeded(*, employees: int) -> tuple[Department, User]:
    """The benchmark department and its HR officer: seeded now, or as a kept database left them."""
    kept = Department.objects.filter(slug="bench-hr").first()
    if kept is not None:
        with transaction.atomic(), department_context(kept.id):
            count = Employee.objects.count()
        if count != employees:
            raise SystemExit(f"the kept database has {count:,} employees; run without --keep to start again")
        print(f"reusing the kept database with {count:,} employees")
        return kept, User.objects.get(email="bench-hr@bench.invalid")
    with transaction.atomic():
        department = Department.objects.create(slug="bench-hr", name="Bench department")
        started = time.perf_counter()
        seed_department(department, employees=employees, out=io.StringIO(), seed=7)
        print(f"seeded {employees:,} employees in {time.perf_counter() - started:.1f} s")
        officer = User.objects.create_user(email="bench-hr@bench.invalid", password=None, full_name="Bench")
        DepartmentMembership.objects.create(user=officer, department=department, role=Role.HR_OFFICER)
    return department, officer


def profiled(client: Client, label: str, path: str) -> None:
    """One request under cProfile, then its queries by duration (the second of two, so caches are warm)."""
    client.get(path)
    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as captured:
        cpu = time.process_time()
        profiler.enable()
        client.get(path)
        profiler.disable()
        cpu = time.process_time() - cpu
    database = sum(float(query["time"]) for query in captured.captured_queries)
    print(f"\n=== {label}: {path}\n    CPU {cpu * 1000:.1f} ms; {len(captured.captured_queries)} queries, "
          f"{database * 1000:.1f} ms in the database")
    for query in sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:8]:
        print(f"    {float(query['time']) * 1000:6.1f} ms  {query['sql'][:220]}")
    stats = io.StringIO()
    pstats.Stats(profiler, stream=stats).sort_stats("cumulative").print_stats(25)
    print(stats.getvalue())


def measure(*, employees: int, requests: int, profile: bool = False) -> None:
    department, officer = seeded(employees=employees)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum keeps up on a live database
    client = Client()
    client.force_login(officer)
    base = f"/departments/{department.slug}/hr/"
    generator = random.Random(1)
    with transaction.atomic(), department_context(department.id):
        numbers = list(Employee.objects.values_list("payroll_number", flat=True)[:5000])
    pages = [f"{base}?page={generator.randint(1, 1400)}" for _ in range(requests)]
    searches = [f"{base}?search={name}" for name in generator.choices(["Patel", "Jones", "Singh", "Kelly"],
                                                                       k=requests)]
    filtered = [f"{base}?grade=EO&page={generator.randint(1, 300)}" for _ in range(requests)]
    records = [f"{base}employees/{generator.choice(numbers)}/" for _ in range(requests)]
    client.get(pages[0])
    if profile:
        for label, paths in (("list", pages), ("search", searches), ("one grade", filtered), ("record", records)):
            profiled(client, label, paths[0])
        return
    report("employee list, a random page", *timed(client, pages))
    report("employee list, search by surname", *timed(client, searches))
    report("employee list, one grade, a random page", *timed(client, filtered))
    report("employee record", *timed(client, records))


if __name__ == "__main__":
    main()
