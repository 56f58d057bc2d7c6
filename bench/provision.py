"""Accounts for a newly onboarded department: N employees with work e-mails (one in ten a line
manager of nine others) get their accounts, employee memberships and line-manager access, through
the same service ``manage.py provision_accounts`` and the staff import call.

    .venv/bin/python bench/provision.py --employees 75000

Creates a throwaway database (migrated, as the test runner does), sets the department up with
bulk inserts, provisions, provisions again (the idempotent re-run), and drops the database.
Prints progress, then one JSON line last:
{"accounts": N, "wall_s": …, "rerun_wall_s": …, "peak_rss_mb": …, "database": …, "broker": …}
``wall_s`` is the first provisioning, one transaction; ``peak_rss_mb`` is this process's largest
resident set, set-up included. Goal on this machine: 75,000 accounts in at most 60 s.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shared_services.settings.base")
# As the schema owner: it may create the throwaway database (row-level security still binds it).
os.environ.setdefault("DJANGO_DB_ROLE", "owner")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from bench.where import services_used  # noqa: E402
from departments.models import Department, DepartmentMembership  # noqa: E402
from departments.roles import Role  # noqa: E402
from departments.tenancy import department_context  # noqa: E402
from hr.models import CostCentre, Employee, Employment, Grade, OrganisationUnit  # noqa: E402
from hr.services import employee_accounts_provision  # noqa: E402

TEAM = 10  # a manager and nine reports


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_department(employees: int) -> Department:
    with transaction.atomic():
        department = Department.objects.create(slug="bench-provision", name="Bench department")
        with department_context(department.id):
            unit = OrganisationUnit.objects.create(department=department, code="HQ", name="Headquarters",
                                                   path="000001.")
            grade = Grade.objects.create(department=department, code="EO", name="Executive Officer", rank=3)
            centre = CostCentre.objects.create(department=department, code="C001", name="Centre", path="000001.")
            batch = 5000
            for first in range(0, employees, batch):
                people = Employee.objects.bulk_create(
                    Employee(department=department, payroll_number=f"B{n:07d}", first_name="Sam",
                             last_name=f"Bench{n}", work_email=f"sam.bench{n}@bench.gov.uk",
                             date_of_birth=datetime.date(1980 + n % 20, 1 + n % 12, 1 + n % 28), sex="F",
                             start_date=datetime.date(2020, 4, 1))
                    for n in range(first, min(first + batch, employees)))
                # Batches are multiples of TEAM, so each team's manager is in the same batch.
                Employment.objects.bulk_create(
                    Employment(department=department, employee=person, valid_from=person.start_date,
                               post_title="Officer", organisation_unit=unit, grade=grade, cost_centre=centre,
                               annual_salary=Decimal(30000),
                               line_manager=None if index % TEAM == 0 else people[index - first - index % TEAM])
                    for index, person in enumerate(people, start=first))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE hr_employee")
        cursor.execute("VACUUM ANALYZE hr_employment")
    return department


def provision(department: Department) -> tuple[float, dict[str, int]]:
    started = time.perf_counter()
    with transaction.atomic():
        counts = employee_accounts_provision(department=department, acting_user=None)
    return time.perf_counter() - started, counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=75_000)
    arguments = parser.parse_args()
    # Named after the configured database, so benchmarks of two checkouts on one server do not collide.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_provision_{connection.settings_dict['NAME']}"
    live_database = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        started = time.perf_counter()
        department = build_department(arguments.employees)
        say(f"set up {arguments.employees:,} employees in {time.perf_counter() - started:.1f} s")
        wall, counts = provision(department)
        say(f"provisioned in {wall:.1f} s: {counts}")
        rerun, again = provision(department)
        say(f"re-run in {rerun:.1f} s: {again}")
        memberships = DepartmentMembership.objects.filter(department=department).count()
        managers = DepartmentMembership.objects.filter(department=department, role=Role.MANAGER).count()
        if (counts["accounts_created"], again["accounts_created"], again["memberships_created"]) != (
                arguments.employees, 0, 0):
            raise SystemExit(f"Provisioning did not give each employee exactly one account: {counts}, {again}")
        say(f"{memberships:,} memberships, {managers:,} of them line-manager access")
    finally:
        connection.creation.destroy_test_db(live_database, verbosity=0)
    print(json.dumps({"accounts": counts["accounts_created"], "wall_s": round(wall, 2),
                      "rerun_wall_s": round(rerun, 2),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      **services_used()}))


if __name__ == "__main__":
    main()
