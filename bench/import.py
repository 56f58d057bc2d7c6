"""Staff-record import at department scale: a generated legacy export, a dry run, a commit and a
re-import of the same file.

    .venv/bin/python bench/import.py [--employees 75000] [--format csv|xlsx] [--bad-rows 0] [--keep]

Runs as the application role (hr_app), through the same service the Celery task and the command
call, inside one transaction rolled back at the end (unless --keep) with every constraint checked
immediately, so deferred foreign-key checks are timed too. Prints rows per second, wall time and
peak memory (resident set size, sampled) for each phase, with the CPU time of Python and of the
PostgreSQL backend (when the server is local) and the load average. Goal: 75,000 rows checked and
committed in at most 30 seconds, with memory that does not grow with the number of rows.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shared_services.settings.base")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from departments.services import department_create  # noqa: E402
from onboarding import services  # noqa: E402
from onboarding.legacy_export import write_export  # noqa: E402


class Rollback(Exception):
    pass


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakMemory:
    """Samples the resident set size every 20 ms while a phase runs."""

    def __enter__(self) -> PeakMemory:
        self.start = self.peak = _rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss_bytes())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())


def _database_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend (only when the server runs on this machine)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def phase(label: str, department, path: Path, mapping, *, dry_run: bool) -> None:
    with path.open("rb") as upload:
        job = services.import_job_create(department=department, upload=upload, original_name=path.name,
                                         acting_user=None, dry_run=dry_run, mapping=mapping)
    with PeakMemory() as memory:
        database_before, python_before = _database_cpu(), time.process_time()
        started = time.perf_counter()
        job = services.import_job_run(department=department, job_id=job.pk)
        wall = time.perf_counter() - started
        python, database_after = time.process_time() - python_before, _database_cpu()
    checked = (job.validated_at - job.started_at).total_seconds() if job.validated_at else 0.0
    print(f"{label:<12} {job.status:<10} {job.rows_read / wall:>9,.0f} rows/s  wall {wall:6.1f} s "
          f"(checking {checked:5.1f} s)  peak RSS {memory.peak / 2**20:6.0f} MiB "
          f"(+{(memory.peak - memory.start) / 2**20:4.0f})  created {job.rows_created:,} updated "
          f"{job.rows_updated:,} unchanged {job.rows_unchanged:,} rejected {job.rows_rejected:,}")
    database = f"{database_after - database_before:.1f} s" if None not in (database_before, database_after) else "n/a"
    print(f"{'':<12} CPU: Python {python:.1f} s, PostgreSQL backend {database}; "
          f"load average {os.getloadavg()[0]:.2f}")
    if job.status == "failed":
        raise SystemExit(job.file_problem)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=75_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--bad-rows", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="commit the department instead of rolling back")
    arguments = parser.parse_args()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        role = cursor.fetchone()[0]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"legacy-export.{arguments.format}"
        started = time.perf_counter()
        write_export(path, count=arguments.employees, file_format=arguments.format, bad_rows=arguments.bad_rows)
        print(f"export       {arguments.employees:,} rows, {path.stat().st_size / 2**20:.1f} MiB "
              f"{arguments.format}, written in {time.perf_counter() - started:.1f} s; database role {role}")
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                department = department_create(slug=f"bench-import-{int(time.time())}", name="Bench import",
                                               acting_user=None)
                mapping = services.import_mapping_save(department=department, name="Legacy", columns={},
                                                       create_missing_references=True, acting_user=None)
                phase("dry run", department, path, mapping, dry_run=True)
                phase("commit", department, path, mapping, dry_run=False)
                phase("re-import", department, path, mapping, dry_run=False)
                if not arguments.keep:
                    raise Rollback
        except Rollback:
            print("(rolled back)")


if __name__ == "__main__":
    main()
