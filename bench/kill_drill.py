"""Kill drill: a worker is SIGKILLed three times during a pay run's calculation, and the run must
finish with no person acting: one payslip per employee, totals equal to an undisturbed calculation.

    .venv/bin/python bench/kill_drill.py [--employees 20000] [--kills 3] [--broker both|filesystem|redis]

For each broker (the filesystem transport in var/broker, and Redis at --redis-url) this builds a
throwaway database as bench/payrun.py does, starts a two-process worker and Celery beat as
production runs them (beat's stall check every second here, a run stalled after
--stalled-after seconds), starts the calculation, and SIGKILLs the worker's whole process group
each time progress passes another share of the run; a process supervisor (compose's
`restart: unless-stopped`) is played by starting a new worker straight away. Nobody resumes the
run: the killed chunks come back only through the stall check. Prints one JSON line per broker:
{"broker": …, "database": …, "employees": N, "kills": 3, "recovered_s": …, "payslips": N,
 "equal_totals": true, "automatic_resumes": …, "wall_s": …}
``recovered_s`` runs from the last kill to the run being calculated.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def drill_in_a_child(broker: str, arguments: argparse.Namespace) -> dict[str, object]:
    """Each broker in its own process: settings choose the broker once, at start-up."""
    environment = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    if broker == "redis":
        environment["REDIS_URL"] = arguments.redis_url
    environment.update({
        "DJANGO_CELERY_QUEUE": f"kill-drill-{uuid.uuid4().hex[:8]}",
        "DJANGO_PAYROLL_STALLED_AFTER_SECONDS": str(arguments.stalled_after),
        "DJANGO_PAYROLL_STALL_CHECK_SECONDS": "1",
    })
    done = subprocess.run([sys.executable, __file__, "--employees", str(arguments.employees), "--kills",
                           str(arguments.kills), "--in-child", broker], env=environment, cwd=ROOT,
                          stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the drill on {broker} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def drill(broker: str, employees: int, kills: int) -> dict[str, object]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shared_services.settings.base")
    os.environ.setdefault("DJANGO_DB_ROLE", "owner")
    # bench/payrun.py's department, worker and throwaway database: the drill is that run, disturbed.
    from django.conf import settings
    from django.db import connection, transaction
    from django.db.models import Count, Sum

    from bench.payrun import build_department, database_url, say, stop, worker
    from bench.where import services_used
    from departments.tenancy import department_context
    from payroll import services, tasks
    from payroll.models import PayRun, Payslip

    queue = settings.CELERY_TASK_DEFAULT_QUEUE

    def beat() -> subprocess.Popen[bytes]:
        environment = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_DB_ROLE": "owner"}
        schedule = ROOT / "var" / f"kill-drill-beat-{queue}"
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "celery"), "-A", "shared_services", "beat", "--loglevel=WARNING",
             "--schedule", str(schedule), "--max-interval", "1"],
            cwd=ROOT, env=environment, start_new_session=True, stdout=subprocess.DEVNULL)

    def current(run: PayRun) -> PayRun:
        with department_context(run.department_id):
            return PayRun.objects.get(pk=run.pk)

    def totals(run: PayRun) -> dict[str, object]:
        with department_context(run.department_id):
            slips = Payslip.objects.filter(run=run)
            return {**slips.aggregate(count=Count("pk"), gross=Sum("gross_pay"), tax=Sum("income_tax"),
                                      ni=Sum("employee_ni"), net=Sum("net_pay")),
                    "employees": slips.values("employee_id").distinct().count()}

    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_kill_drill_{connection.settings_dict['NAME']}"
    live_database = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        department, officer, approver = build_department(employees)
        say(f"{broker}: {employees:,} employees; queue {queue}")
        processes.append(beat())
        current_worker = worker(queue)
        processes.append(current_worker)
        time.sleep(3)  # the worker's start-up
        schedule = services.pay_schedule_create(department=department, acting_user=officer, name="Monthly")
        run = services.pay_run_create(schedule=schedule, period_containing=datetime.date(2026, 11, 1),
                                      acting_user=officer)
        services.pay_run_open(run=run, acting_user=officer)
        started = time.perf_counter()
        with transaction.atomic():
            tasks.enqueue(services.pay_run_calculate(run=run, acting_user=officer, chunk_size=500), queue=queue)
        last_kill = started
        for kill in range(1, kills + 1):
            share = kill / (kills + 1)
            while current(run).employees_calculated < share * employees:
                if current(run).status == PayRun.Status.CALCULATED:
                    raise SystemExit(f"the run finished before kill {kill}; use more employees")
                time.sleep(0.05)
            os.killpg(current_worker.pid, signal.SIGKILL)
            current_worker.wait()
            last_kill = time.perf_counter()
            say(f"kill {kill} at {current(run).employees_calculated:,} calculated")
            current_worker = worker(queue)  # the process supervisor's restart
            processes.append(current_worker)
        while (state := current(run)).status == PayRun.Status.CALCULATING:
            if time.perf_counter() - last_kill > 600:
                raise SystemExit(f"the run did not recover in 10 minutes: {state.employees_calculated:,} calculated")
            time.sleep(0.1)
        finished = time.perf_counter()
        say(f"calculated {time.perf_counter() - last_kill:.1f} s after the last kill, "
            f"resumed automatically {state.automatic_resumes} times")
        after_drill = totals(run)
        for process in processes:
            stop(process)
        # the same run calculated again in one undisturbed pass, in this process
        settings.CELERY_TASK_ALWAYS_EAGER = True
        with department_context(department.id):
            again = services.pay_run_calculate(run=run, acting_user=officer, chunk_size=employees)
            services.calculate_employees(run_id=run.pk, calculation_number=again.calculation_number,
                                         employee_ids=again.chunks[0])
        undisturbed = totals(run)
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        connection.creation.destroy_test_db(live_database, verbosity=0)
    return {**services_used(), "employees": employees, "kills": kills, "recovered_s": round(finished - last_kill, 2),
            "payslips": after_drill["count"], "one_per_employee": after_drill["count"] == after_drill["employees"],
            "equal_totals": after_drill == undisturbed, "automatic_resumes": state.automatic_resumes,
            "wall_s": round(finished - started, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=20_000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--broker", choices=["both", "filesystem", "redis"], default="both")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--stalled-after", type=int, default=10, help="seconds without progress before a resume")
    parser.add_argument("--in-child", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.in_child:
        print(json.dumps(drill(arguments.in_child, arguments.employees, arguments.kills)), flush=True)
        return
    brokers = ["filesystem", "redis"] if arguments.broker == "both" else [arguments.broker]
    failed = False
    for broker in brokers:
        figures = drill_in_a_child(broker, arguments)
        print(json.dumps(figures), flush=True)
        failed |= not (figures["equal_totals"] and figures["one_per_employee"]
                       and figures["payslips"] == arguments.employees)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
