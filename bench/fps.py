"""The FPS of a real finalised pay run for a department of N employees: built from its payslips
(``payroll.rti_mapping``) by the platform's own service (``payroll.services.fps_write``), streamed
to a file, and checked against HMRC's schema and business rules.

    .venv/bin/python bench/fps.py --employees 75000

Creates a throwaway database and sets the department up as ``bench/payrun.py`` does (its
employees also get the NI numbers and addresses HMRC identifies them by, and the department its
PAYE and accounts office references), calculates the run through a real worker, approves and
finalises it (an officer calculates, an approver approves and finalises), then times the FPS.
Prints progress, then one JSON line last: ``employees``, ``fps_s`` (build and validate, wall),
``build_s``, ``validate_s``, ``fps_mb`` (file size), ``peak_rss_mb`` (the largest resident set of
this process while it built and checked the FPS: the peak is reset just before), ``errors``
(HMRC's, expected 0; the first few go to stderr), ``database`` and ``broker``.
Goal on this machine: 75,000 employees in at most 30 s, memory flat in N.

Finalising queues the platform's own FPS task (``payroll.rti_fps_build``); here it goes to a queue
of the benchmark's own that no worker reads, and is purged with the database.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from django.db import connection  # noqa: E402
from django.db.models import F, Func, Value  # noqa: E402
from django.db.models.functions import Concat, Right  # noqa: E402

from bench.payrun import build_department, purge_unread_queue, run_pay_run, say  # noqa: E402  (sets Django up)
from bench.where import services_used  # noqa: E402
from departments.models import Department  # noqa: E402
from departments.tenancy import department_context  # noqa: E402
from hr.models import Employee  # noqa: E402
from payroll import services  # noqa: E402
from payroll.engine.rti import validate_fps  # noqa: E402
from payroll.models import PayRun  # noqa: E402


def identify_for_hmrc(department: Department) -> None:
    """The department's HMRC references, and for every employee an NI number (unique: AB, the
    payroll number's last six digits, C), an address, and a surname HMRC accepts (letters only:
    ``bench/payrun.py``'s "Bench123" becomes "Benchbcd")."""
    Department.objects.filter(pk=department.pk).update(employer_paye_reference="120/AB12345",
                                                       accounts_office_reference="120PA00012345")
    department.refresh_from_db()
    with department_context(department.id):
        Employee.objects.update(ni_number=Concat(Value("AB"), Right("payroll_number", 6), Value("C")),
                                last_name=Func(F("last_name"), Value("0123456789"), Value("abcdefghij"),
                                               function="translate"),
                                address_line_1="1 High Street", town="Leeds", postcode="LS1 1AA")


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def reset_peak_rss() -> bool:
    """Reset this process's peak resident set (VmHWM) to its current one; False where the kernel
    does not allow it (the peak is then the whole process's, set-up included)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_kb() -> int:
    return _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """The worker's banner (printed by a child process) goes to stderr: stdout is the JSON line."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def fps(run: PayRun) -> dict[str, object]:
    """Build the run's FPS as the platform does, into a temporary file, and check it; timed apart."""
    gc.collect()
    reset_peak_rss()
    say(f"building the FPS ({_status_kb('VmRSS') / 1024:.0f} MB resident before)")
    with tempfile.TemporaryFile(suffix=".xml") as out:
        started = time.perf_counter()
        document = services.fps_write(run=run, out=out, validate=False)
        out.flush()
        built = time.perf_counter()
        end = out.tell()
        out.seek(0)
        errors = validate_fps(out)
        finished = time.perf_counter()
    peak = peak_rss_kb()
    say(f"FPS of {document.employees:,} employees: built in {built - started:.1f} s, "
        f"checked in {finished - built:.1f} s")
    for error in errors[:5]:
        say(f"{error.kind} {error.code or ''} {error.location}: {error.message}")
    return {"employees": document.employees, "fps_s": round(finished - started, 2),
            "build_s": round(built - started, 2), "validate_s": round(finished - built, 2),
            "fps_mb": round(end / 1_000_000, 1), "peak_rss_mb": round(peak / 1024, 1), "errors": len(errors)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=75_000)
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes calculating the run")
    arguments = parser.parse_args()
    # Named after the configured database, so benchmarks of two checkouts on one server do not collide.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_fps_{connection.settings_dict['NAME']}"
    live_database = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        started = time.perf_counter()
        department, officer, approver = build_department(arguments.employees)
        identify_for_hmrc(department)
        say(f"set up {arguments.employees:,} employees in {time.perf_counter() - started:.1f} s")
        with stdout_to_stderr():
            run_pay_run(department, officer, approver, arguments.employees, arguments.concurrency)
        with department_context(department.id):
            run = PayRun.objects.get(status=PayRun.Status.FINALISED)
            figures = fps(run)
    finally:
        connection.creation.destroy_test_db(live_database, verbosity=0)
        purge_unread_queue()
    print(json.dumps({**figures, **services_used()}))


if __name__ == "__main__":
    main()
