"""Set up and run the platform locally: ``make run`` and ``make test`` call this.

    python scripts/dev.py setup   # database server, roles, database, migrations, demo data
    python scripts/dev.py run     # setup, then a Celery worker and the web server until Ctrl-C
    python scripts/dev.py stop-db # stop the embedded PostgreSQL server

With ``DATABASE_URL`` set, that server is used (``DATABASE_ADMIN_URL``, if set, is a login allowed
to create roles and the database); otherwise an embedded PostgreSQL server runs in ``var/pgdata``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from shared_services import embedded_db  # noqa: E402

PYTHON = sys.executable
# The demo's stand-in for the Ministry of Justice's identity provider (local_idp), on its own port.
LOCAL_IDP_PORT = 8100
LOCAL_IDP_DATA = BASE_DIR / "var" / "local-idp"
DEMO_PASSWORD = "demo-password-2026"
APP_ROLE, OWNER_ROLE, REPORTING_ROLE = "hr_app", "hr_owner", "hr_reporting"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def _connect(url: str):  # type: ignore[no-untyped-def]
    import psycopg2

    parts = urlsplit(url)
    query = dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair)
    connection = psycopg2.connect(
        dbname=unquote(parts.path.lstrip("/")) or "postgres",
        user=unquote(parts.username or ""),
        password=unquote(parts.password or "") or None,
        host=unquote(query.get("host", "") or parts.hostname or ""),
        port=parts.port or 5432,
        connect_timeout=10,
    )
    connection.autocommit = True
    return connection


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return parts._replace(path=f"/{database}").geturl()


def provision(admin_url: str, app_url: str, owner_url: str) -> None:
    """Create the roles and the database when missing (idempotent). Neither role may bypass RLS."""
    from psycopg2 import sql

    app, owner = urlsplit(app_url), urlsplit(owner_url)
    database = app.path.lstrip("/") or embedded_db.DATABASE_NAME
    # INHERIT on the owner: on PostgreSQL 15 it owns the public schema of the databases it creates
    # only through the implicit pg_database_owner role, which NOINHERIT would withhold.
    roles = {
        unquote(owner.username or OWNER_ROLE): (unquote(owner.password or ""), "CREATEDB INHERIT"),
        unquote(app.username or APP_ROLE): (unquote(app.password or ""), "NOCREATEDB INHERIT"),
        os.environ.get("DJANGO_DB_REPORTING_ROLE", REPORTING_ROLE): (
            os.environ.get("DJANGO_DB_REPORTING_PASSWORD", ""), "NOCREATEDB INHERIT"),
    }
    owner_role = unquote(owner.username or OWNER_ROLE)
    connection = _connect(admin_url)
    with connection.cursor() as cursor:
        for role, (password, createdb) in roles.items():
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            statement = sql.SQL("{} ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE " + createdb).format(
                sql.SQL(verb), sql.Identifier(role)
            )
            if password:
                statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(password))
            cursor.execute(statement)
        app_role = unquote(app.username or APP_ROLE)
        reporting_role = os.environ.get("DJANGO_DB_REPORTING_ROLE", REPORTING_ROLE)
        # Lets tests run statements as the application role with SET ROLE. Never the reporting
        # role: its read-everything policy applies to every member of it.
        cursor.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(app_role), sql.Identifier(owner_role)))
        cursor.execute(
            sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(reporting_role), sql.Identifier(owner_role))
        )
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        if cursor.fetchone() is None:
            say(f"Creating database {database}")
            cursor.execute(
                sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8'").format(
                    sql.Identifier(database), sql.Identifier(owner_role)
                )
            )
    connection.close()
    connection = _connect(_with_database(admin_url, database))
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(owner_role)))
        cursor.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    connection.close()


def manage(*args: str, role: str = "app", check: bool = True) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DJANGO_DB_ROLE": role}
    return subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=environment, check=check, text=True)


def setup() -> bool:
    """Prepare the database; True when this call started the embedded server."""
    started_embedded = False
    if os.environ.get("DATABASE_URL"):
        app_url = os.environ["DATABASE_URL"]
        owner_url = os.environ.get("DATABASE_OWNER_URL") or app_url.replace(
            f"//{urlsplit(app_url).username}", f"//{OWNER_ROLE}", 1
        )
        admin_url = os.environ.get("DATABASE_ADMIN_URL", "")
        say(f"Using the PostgreSQL server in DATABASE_URL ({urlsplit(app_url).hostname})")
    else:
        was_running = embedded_db.is_running()
        say("Starting the embedded PostgreSQL server in var/pgdata" if not was_running
            else "The embedded PostgreSQL server is running")
        embedded_db.ensure_running()
        started_embedded = not was_running
        app_url, owner_url = embedded_db.url(APP_ROLE), embedded_db.url(OWNER_ROLE)
        admin_url = embedded_db.url(embedded_db.ADMIN_ROLE, "postgres")
    if admin_url:
        say("Creating database roles (hr_owner, hr_app, hr_reporting) where missing")
        provision(admin_url, app_url, owner_url)
    say("Applying migrations as the schema owner")
    manage("migrate", "--noinput", "-v", "0", role="owner")
    say("Seeding demo data if the database is empty")
    manage("seed_demo", "--if-empty")
    return started_embedded


def start_local_idp() -> list[subprocess.Popen[bytes]]:
    """Start the local OpenID Provider for the demo and point moj's single sign-on at it (idempotent).

    Its people sign in as <name>@justice.example and are linked by e-mail to their moj.example
    accounts. The demo carries on without it if it cannot start (e.g. its port is taken).
    """
    import secrets

    LOCAL_IDP_DATA.mkdir(parents=True, exist_ok=True)
    secret_file = LOCAL_IDP_DATA / "demo-client-secret"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(32))
        secret_file.chmod(0o600)
    idp = [PYTHON, "-m", "local_idp"]
    where = ["--data", str(LOCAL_IDP_DATA), "--port", str(LOCAL_IDP_PORT)]
    registered = subprocess.run(
        [*idp, "demo", *where, "--client-secret", secret_file.read_text().strip(), "--password", DEMO_PASSWORD,
         "--redirect-uri", "http://127.0.0.1:8000/accounts/sso/callback/",
         "--redirect-uri", "http://localhost:8000/accounts/sso/callback/"],
        cwd=BASE_DIR, capture_output=True, text=True, check=False)
    if registered.returncode != 0:
        say(f"The local OpenID Provider could not be prepared; single sign-on is off in the demo\n{registered.stderr}")
        return []
    configured = manage("configure_sso", "--department", "moj", "--issuer", f"http://127.0.0.1:{LOCAL_IDP_PORT}/o",
                        "--client-id", "shared-services-demo", "--client-secret-file", str(secret_file),
                        "--domains", "justice.example", check=False)
    if configured.returncode != 0:
        say("moj's single sign-on was not configured; the demo carries on with passwords")
    say(f"Starting the local OpenID Provider on http://127.0.0.1:{LOCAL_IDP_PORT} (moj's single sign-on: "
        f"sign in as amara.okafor@justice.example, password {DEMO_PASSWORD})")
    return [subprocess.Popen([*idp, "serve", *where], cwd=BASE_DIR, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]


def run() -> int:
    """setup(), then a worker and the web server until Ctrl-C (or SIGTERM, or the terminal closing);
    whatever was started, including an embedded PostgreSQL server, is stopped on the way out."""
    children: list[subprocess.Popen[bytes]] = []
    helpers: list[subprocess.Popen[bytes]] = []
    serving = False
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        if not serving:
            raise KeyboardInterrupt  # interrupts set-up (a migration or the seeding) too

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
    embedded = not os.environ.get("DATABASE_URL")
    embedded_was_running = embedded and embedded_db.is_running()
    exit_code = 0
    try:
        setup()
        # Optional helpers: the demo's passwords work without them, so their exit stops nothing.
        helpers.extend(start_local_idp())
        environment = {**os.environ, "DJANGO_DB_ROLE": "app"}
        broker = "Redis" if os.environ.get("REDIS_URL") else "the filesystem broker in var/broker"
        say(f"Starting a Celery worker on {broker}")
        children.append(subprocess.Popen(
            [str(Path(PYTHON).parent / "celery"), "-A", "shared_services", "worker", "--loglevel=INFO",
             "--concurrency=2"],
            cwd=BASE_DIR, env=environment, start_new_session=True,
        ))
        say("Starting Celery beat (schedules: stalled pay runs are resumed)")
        children.append(subprocess.Popen(
            [str(Path(PYTHON).parent / "celery"), "-A", "shared_services", "beat", "--loglevel=WARNING"],
            cwd=BASE_DIR, env=environment, start_new_session=True,
        ))
        say("Starting the web server on http://127.0.0.1:8000 (Ctrl-C stops everything)")
        children.append(subprocess.Popen(
            [PYTHON, "manage.py", "runserver", "127.0.0.1:8000", "--noreload"],
            # The development server starts a thread per request, so a connection kept open for
            # the next request would only wait for its thread to be collected.
            cwd=BASE_DIR, env={**environment, "DJANGO_CONN_MAX_AGE": "0"}, start_new_session=True,
        ))
        serving = True
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    say(f"A process stopped unexpectedly (exit {child.returncode}); stopping the rest")
                    stopping, exit_code = True, 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        exit_code = 130
    except subprocess.CalledProcessError as error:
        say(f"Set-up failed: {' '.join(map(str, error.cmd))} exited {error.returncode}")
        exit_code = 1
    finally:
        serving = True  # from here on, signals only ask for what is already happening
        say("Stopping")
        for child in (*children, *helpers):
            if child.poll() is None:
                child.terminate()  # the main process: Celery then shuts its own pool down warmly
        deadline = time.monotonic() + 20
        for child in (*children, *helpers):
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        if embedded and not embedded_was_running and embedded_db.is_running():
            say("Stopping the embedded PostgreSQL server")
            embedded_db.stop()
        say("Stopped")
    return exit_code


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "run"
    if command == "setup":
        setup()
        return 0
    if command == "run":
        return run()
    if command == "stop-db":
        say("Stopped the embedded PostgreSQL server" if embedded_db.stop() else "The embedded server was not running")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
