"""Typical reads under load, served by gunicorn as docker-compose's `web` service runs it.

    make setup                      # the demo data (moj) this reads
    .venv/bin/python bench/web.py [--seconds 10] [--connections 8] [--conn-max-age 60]

Starts gunicorn with the compose file's own command and connection setting on a free local port,
against the configured database (the embedded server unless DATABASE_URL is set), creates a
read-only API token for the demo's moj and signs a demo HR officer in through the sign-in page;
then drives each route with wrk (Debian's `wrk` package) for the given time at the given
concurrency and prints one JSON line per route:
{"route": …, "as": "token"|"person", "requests_per_s": …, "p50_ms": …, "p95_ms": …, "non_2xx": …,
"app_cpu_ms": …, "db_cpu_ms": …, …}
``app_cpu_ms`` and ``db_cpu_ms`` are the CPU time per request of the gunicorn processes and of the
database server's processes for this database's connections (Linux /proc; ``db_cpu_ms`` is null when
the server's processes are not on this machine). On a busy shared machine they move far less than
requests/s does, so they are the figures to compare between two versions of the code.
The token is revoked afterwards. Goal on this machine (2 cores): at least 300 requests/s for a
single-object read, with p95 under 100 ms at 8 concurrent clients.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shared_services.settings.base")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from bench.where import services_used  # noqa: E402
from departments import services as department_services  # noqa: E402
from departments.models import Department  # noqa: E402
from departments.tenancy import department_context  # noqa: E402
from hr.models import Employee  # noqa: E402
from payroll.models import PayRun, Payslip  # noqa: E402

DEMO_PERSON, DEMO_PASSWORD = "ben.hughes@moj.example", "demo-password-2026"
# wrk reports its latency histogram through a Lua hook; this prints it as JSON on the last line.
WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "non_2xx": %d, '
    .. '"socket_errors": %d}\\n', summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(95), summary.errors.status, summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def compose_web() -> tuple[list[str], dict[str, str]]:
    """The compose file's gunicorn command (bound here to loopback) and its connection setting."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web = compose["services"]["web"]
    command = web["command"]
    command = shlex.split(command) if isinstance(command, str) else [str(part) for part in command]
    environment = {key: str(value) for key, value in (web.get("environment") or {}).items()}
    return command, {"DJANGO_CONN_MAX_AGE": environment.get("DJANGO_CONN_MAX_AGE", "0")}


def start_gunicorn(port: int, conn_max_age: str, workers: int | None) -> subprocess.Popen[bytes]:
    command, environment = compose_web()
    environment["DJANGO_CONN_MAX_AGE"] = conn_max_age
    if workers is not None:
        command[command.index("--workers") + 1] = str(workers)
    bind = command.index("--bind")
    command[bind + 1] = f"127.0.0.1:{port}"
    command[0] = str(Path(sys.executable).parent / command[0])
    log = ROOT / "var" / "bench-web-gunicorn.log"
    say(f"gunicorn: {' '.join(command[1:])} (DJANGO_CONN_MAX_AGE={environment['DJANGO_CONN_MAX_AGE']})")
    process = subprocess.Popen(
        [*command, "--error-logfile", str(log)], cwd=ROOT, start_new_session=True,
        env={**os.environ, **environment, "DJANGO_DB_ROLE": "app", "DJANGO_DEBUG": "false",
             # The per-client rate limit would answer most of the load with 429s; the benchmark
             # measures serving, so it lifts the limit for its own token and person.
             "DJANGO_API_THROTTLE_USER": "10000000/min"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn stopped with {process.returncode}; see {log}") from None
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer /healthz within 60 s; see {log}")


def sign_in(port: int) -> str:
    """Sign the demo HR officer in through the sign-in page; returns the session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    page = opener.open(f"{base}/accounts/sign-in/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if token is None:
        raise SystemExit("the sign-in page has no CSRF token")
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), "username": DEMO_PERSON,
                                   "password": DEMO_PASSWORD, "next": "/departments/moj/"}).encode()
    opener.open(urllib.request.Request(f"{base}/accounts/sign-in/", data=form, headers={"Referer": base}))
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise SystemExit(f"signing {DEMO_PERSON} in failed: run `make setup` for the demo data")
    return f"sessionid={cookies['sessionid']}"


def routes(department: Department) -> list[tuple[str, str]]:
    """(path, who) for the typical reads: an employee, pages of the list, a payslip, the home page."""
    with department_context(department.id):
        employee = Employee.objects.order_by("pk").values_list("payroll_number", flat=True)[100]
        run = PayRun.objects.filter(status=PayRun.Status.FINALISED).order_by("-period_start").first()
        if run is None:
            raise SystemExit("the demo department has no finalised pay run: run `make setup`")
        payslip = Payslip.objects.filter(run=run).order_by("pk").values_list("pk", flat=True)[100]
    api = f"/api/v1/departments/{department.slug}"
    return [
        (f"{api}/hr/employees/{employee}/", "token"),
        (f"{api}/hr/employees/{employee}/", "person"),
        (f"{api}/hr/employees/?limit=20", "token"),
        (f"{api}/hr/employees/?limit=100", "token"),
        (f"{api}/payroll/runs/{run.pk}/payslips/{payslip}/", "token"),
        (f"/departments/{department.slug}/", "person"),
        (f"{api}/", "token"),
        ("/healthz", "anyone"),
    ]


def _stat(pid: str) -> tuple[int, float] | None:
    """(process group, CPU seconds so far) of a process, from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[2]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(server: subprocess.Popen[bytes]) -> dict[str, dict[int, float]]:
    """CPU seconds so far of gunicorn's processes and of the database backends serving this database."""
    database = settings.DATABASES["default"]
    # PostgreSQL titles each backend "postgres: <role> <database> <client> <state>".
    backend = f"postgres: {database['USER']} {database['NAME']} ".encode()
    snapshot: dict[str, dict[int, float]] = {"app": {}, "db": {}}
    for entry in Path("/proc").iterdir():
        stat = _stat(entry.name) if entry.name.isdigit() else None
        if stat is None:
            continue
        group, seconds = stat
        if group == server.pid:  # gunicorn runs in a session (and process group) of its own
            snapshot["app"][int(entry.name)] = seconds
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if command.startswith(backend):
            snapshot["db"][int(entry.name)] = seconds
    return snapshot


def cpu_per_request(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]],
                    requests: int) -> dict[str, float | None]:
    figures: dict[str, float | None] = {}
    for kind in ("app", "db"):
        spent = sum(seconds - before[kind].get(pid, 0.0) for pid, seconds in after[kind].items())
        figures[f"{kind}_cpu_ms"] = round(spent * 1000 / requests, 2) if after[kind] and requests else None
    return figures


def drive(wrk: str, server: subprocess.Popen[bytes], url: str, header: str, seconds: int, connections: int,
          script: str) -> dict[str, float | None]:
    command = [wrk, f"-t{min(connections, 2)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
               "-s", script, url]
    if header:
        command[1:1] = ["-H", header]
    before = cpu_snapshot(server)
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    after = cpu_snapshot(server)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return {"requests_per_s": round(report["requests"] / (report["duration_us"] / 1e6), 1),
            "p50_ms": round(report["p50_us"] / 1000, 1), "p95_ms": round(report["p95_us"] / 1000, 1),
            "non_2xx": report["non_2xx"], "socket_errors": report["socket_errors"],
            **cpu_per_request(before, after, report["requests"])}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10, help="load per route")
    parser.add_argument("--connections", type=int, default=8, help="concurrent clients")
    parser.add_argument("--only", default="", help="drive only the routes whose path contains this")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: the compose file's)")
    parser.add_argument("--conn-max-age", default=None,
                        help="DJANGO_CONN_MAX_AGE for gunicorn (default: the compose file's)")
    arguments = parser.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("bench/web.py needs wrk: apt-get install wrk")
    department = Department.objects.filter(slug="moj").first()
    if department is None:
        raise SystemExit("no demo department 'moj' in this database: run `make setup` first")
    api_token, secret = department_services.api_token_create(
        department=department, name=f"bench-web-{os.getpid()}", scopes=["hr:read", "payroll:read"],
        acting_user=None)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_REPORT)
    port = free_port()
    conn_max_age = arguments.conn_max_age or compose_web()[1]["DJANGO_CONN_MAX_AGE"]
    server = start_gunicorn(port, conn_max_age, arguments.workers)
    try:
        headers = {"token": f"Authorization: Bearer {secret}", "person": f"Cookie: {sign_in(port)}", "anyone": ""}
        for path, who in routes(department):
            if arguments.only not in path:
                continue
            figures = drive(wrk, server, f"http://127.0.0.1:{port}{path}", headers[who], arguments.seconds,
                            arguments.connections, script.name)
            print(json.dumps({"route": path, "as": who, **figures, "connections": arguments.connections,
                              "conn_max_age": int(conn_max_age),
                              **services_used()}), flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        department_services.api_token_revoke(api_token=api_token, acting_user=None)
        Path(script.name).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
