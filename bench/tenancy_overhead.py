"""What the department wall costs: entering a context, a scoped query, a department page.

    .venv/bin/python bench/tenancy_overhead.py [--rows 100000] [--requests 200]

Runs against the configured database (the embedded server by default) inside one transaction
that is rolled back, so it leaves nothing behind. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shared_services.settings.base")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402

from departments.models import AuditEvent, Department, DepartmentMembership  # noqa: E402
from departments.roles import Role  # noqa: E402
from departments.tenancy import department_context  # noqa: E402
from shared_services.accounts.models import User  # noqa: E402


class Rollback(Exception):
    pass


def timed(function, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return samples


def report(label: str, samples: list[float], unit: str = "ms") -> None:
    scale = 1000 if unit == "ms" else 1_000_000
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(f"{label:<58} median {statistics.median(samples) * scale:8.2f} {unit}   p95 {p95 * scale:8.2f} {unit}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000, help="audit rows per department")
    parser.add_argument("--requests", type=int, default=200, help="department home page requests")
    arguments = parser.parse_args()
    try:
        with transaction.atomic():
            first = Department.objects.create(slug="bench-a", name="Bench A")
            second = Department.objects.create(slug="bench-b", name="Bench B")
            for department in (first, second):
                with department_context(department.id):
                    AuditEvent.objects.bulk_create(
                        AuditEvent(action="bench.event", object_repr=f"row {n}") for n in range(arguments.rows)
                    )
            print(f"{arguments.rows:,} audit rows in each of two departments\n")

            samples = []
            for _ in range(2000):
                started = time.perf_counter()
                with department_context(first.id):
                    pass
                samples.append(time.perf_counter() - started)
            report("enter and leave department_context (2,000 times)", samples, "us")

            def scoped_count() -> None:
                with department_context(first.id):
                    assert AuditEvent.objects.filter(action="bench.event").count() == arguments.rows

            report("scoped count over one department's rows (RLS + filter)", timed(scoped_count, 20))

            def latest_page() -> None:
                with department_context(first.id):
                    list(AuditEvent.objects.order_by("-occurred_at", "-id")[:50])

            report("newest 50 audit rows of one department", timed(latest_page, 50))

            user = User.objects.create_user(email="bench@bench.invalid", password=None, full_name="Bench")
            DepartmentMembership.objects.create(user=user, department=first, role=Role.HR_ADMIN)
            client = Client()
            client.force_login(user)
            assert client.get(f"/departments/{first.slug}/").status_code == 200
            page = timed(lambda: client.get(f"/departments/{first.slug}/"), arguments.requests)
            report(f"department home page, in-process ({arguments.requests} requests)", page)
            print(f"{'':<58} {len(page) / sum(page):8.1f} requests/s on one process")
            raise Rollback
    except Rollback:
        print("\nRolled back: the database is as it was.")


if __name__ == "__main__":
    main()
