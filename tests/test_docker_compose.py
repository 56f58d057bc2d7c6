"""The production-like deployment (docker-compose.yml, Dockerfile, the database init script).

No Docker engine is needed: these read the files a deployer would run and check what would break
or weaken a deployment (a missing service, the app connecting as a superuser, roles that bypass
row-level security, a service waiting on one that does not exist).
"""

from __future__ import annotations

import json
import re
import shlex
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
APP_SERVICES = ("migrate", "web", "worker", "beat")
ROLES = ("hr_owner", "hr_app", "hr_reporting")


@cache
def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(loaded, dict), "docker-compose.yml is not a mapping"
    return loaded


def _services() -> dict[str, dict[str, Any]]:
    services = _compose().get("services")
    assert isinstance(services, dict), "docker-compose.yml has no services"
    return services


def _command(service: str) -> list[str]:
    command = _services()[service].get("command", [])
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def _environment(service: str) -> dict[str, str]:
    environment = _services()[service].get("environment") or {}
    if isinstance(environment, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    return {key: "" if value is None else str(value) for key, value in environment.items()}


def _depends_on(service: str) -> dict[str, dict[str, Any]]:
    depends_on = _services()[service].get("depends_on") or {}
    if isinstance(depends_on, list):
        return {name: {"condition": "service_started"} for name in depends_on}
    return {name: options or {} for name, options in depends_on.items()}


def _init_script_text() -> str:
    """Every script the db service mounts into /docker-entrypoint-initdb.d, comments removed."""
    host_dirs = [
        volume.split(":")[0]
        for volume in _services()["db"].get("volumes", [])
        if isinstance(volume, str) and ":/docker-entrypoint-initdb.d" in volume
    ]
    assert host_dirs, "the db service mounts no init scripts into /docker-entrypoint-initdb.d"
    scripts = sorted(
        path for host_dir in host_dirs for path in (ROOT / host_dir).iterdir() if path.suffix in {".sql", ".sh"}
    )
    assert scripts, f"no .sql or .sh init script in {host_dirs}"
    lines = []
    for script in scripts:
        for line in script.read_text().splitlines():
            stripped = line.strip()
            if stripped.startswith(("--", "#")):
                continue
            lines.append(line.split(" -- ", 1)[0])
    return "\n".join(lines)


def _create_role_statement(sql: str, role: str) -> str:
    match = re.search(rf"CREATE\s+ROLE\s+{role}\b([^;]*);", sql, re.IGNORECASE)
    assert match, f"the init script does not create role {role}"
    return match.group(1).upper()


def _final_stage_instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions after its last FROM, continuation lines joined."""
    logical_lines: list[str] = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        if line.strip().startswith("#"):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        logical_lines.append(pending + line)
        pending = ""
    instructions = []
    for line in logical_lines:
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    last_from = max(index for index, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def test_compose_defines_database_broker_migrations_web_worker_and_beat() -> None:
    # given
    expected = {"db", "redis", "migrate", "web", "worker", "beat"}

    # when
    services = set(_services())

    # then
    assert expected <= services, f"missing services: {sorted(expected - services)}"


def test_database_is_postgres_16() -> None:
    # given
    image = _services()["db"]["image"]

    # when
    matches = re.fullmatch(r"postgres:16(\.\d+)*(-[\w.-]+)?", image)

    # then
    assert matches, f"db image is {image!r}, expected postgres:16 or postgres:16.x"


def test_web_serves_the_wsgi_application_with_gunicorn_on_port_8000() -> None:
    # given
    command = _command("web")

    # when
    ports = [str(port) for port in _services()["web"].get("ports", [])]

    # then
    assert command[:2] == ["gunicorn", "shared_services.wsgi:application"], command
    assert "0.0.0.0:8000" in command or "--bind=0.0.0.0:8000" in command, command
    assert "8000:8000" in ports, ports


def test_worker_runs_the_projects_celery_worker() -> None:
    # given
    command = _command("worker")

    # when
    head = command[:4]

    # then
    assert head == ["celery", "-A", "shared_services", "worker"], command


def test_beat_runs_the_projects_celery_beat() -> None:
    # given
    command = _command("beat")

    # when
    head = command[:4]

    # then
    assert head == ["celery", "-A", "shared_services", "beat"], command


def test_app_services_run_the_image_built_from_the_dockerfile() -> None:
    # given
    services = _services()

    # when
    builds = {name: services[name].get("build") for name in APP_SERVICES}
    images = {services[name].get("image") for name in APP_SERVICES}

    # then
    for name, build in builds.items():
        assert build, f"{name} has no build: a fresh `docker compose up` would try to pull its image"
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        assert (ROOT / context / dockerfile).resolve() == DOCKERFILE, f"{name} builds {context}/{dockerfile}"
    assert len(images) == 1, f"app services tag different images: {images}"


def test_no_app_service_connects_as_the_postgres_superuser() -> None:
    # given
    environments = {name: _environment(name) for name in APP_SERVICES}

    # when
    users = {name: urlsplit(environment["DATABASE_URL"]).username for name, environment in environments.items()}

    # then
    assert users == dict.fromkeys(APP_SERVICES, "hr_app"), users
    for name, environment in environments.items():
        owner_url = environment.get("DATABASE_OWNER_URL", "")
        assert urlsplit(owner_url).username == "hr_owner", f"{name}: DATABASE_OWNER_URL={owner_url!r}"


def test_migrate_runs_migrations_as_the_schema_owner() -> None:
    # given
    command = _command("migrate")

    # when
    environment = _environment("migrate")

    # then
    assert command[:3] == ["python", "manage.py", "migrate"], command
    assert environment.get("DJANGO_DB_ROLE") == "owner", environment
    assert _services()["migrate"].get("restart", "no") == "no", "a one-shot migrate must not be restarted"


def test_web_starts_only_after_migrations_succeed_and_backing_services_are_healthy() -> None:
    # given
    depends_on = _depends_on("web")

    # when
    conditions = {name: options.get("condition") for name, options in depends_on.items()}

    # then
    assert conditions.get("migrate") == "service_completed_successfully", conditions
    assert conditions.get("db") == "service_healthy", conditions
    assert conditions.get("redis") == "service_healthy", conditions


def test_web_healthcheck_calls_healthz() -> None:
    # given
    healthcheck = _services()["web"].get("healthcheck", {})

    # when
    test = healthcheck.get("test", [])
    probe = test if isinstance(test, str) else " ".join(test)

    # then
    assert "http://127.0.0.1:8000/healthz" in probe, probe


def test_every_depends_on_names_a_service_that_exists() -> None:
    # given
    services = _services()

    # when
    unknown = {
        f"{name} -> {dependency}" for name in services for dependency in _depends_on(name) if dependency not in services
    }

    # then
    assert not unknown, f"depends_on names missing services: {sorted(unknown)}"


def test_app_and_database_agree_on_role_passwords() -> None:
    # given
    database = _environment("db")
    app = _environment("web")

    # when
    app_password = urlsplit(app["DATABASE_URL"]).netloc.rpartition("@")[0].partition(":")[2]
    owner_password = urlsplit(app["DATABASE_OWNER_URL"]).netloc.rpartition("@")[0].partition(":")[2]

    # then
    assert app_password == database.get("HR_APP_PASSWORD"), "hr_app would fail to authenticate"
    assert owner_password == database.get("HR_OWNER_PASSWORD"), "hr_owner would fail to authenticate"
    assert database.get("HR_REPORTING_PASSWORD"), "the init script needs HR_REPORTING_PASSWORD"


def test_init_script_creates_roles_that_are_not_superuser_and_respect_row_level_security() -> None:
    # given
    sql = _init_script_text()

    # when
    statements = {role: _create_role_statement(sql, role) for role in ROLES}

    # then
    for role, attributes in statements.items():
        for attribute in ("LOGIN", "NOSUPERUSER", "NOBYPASSRLS"):
            assert re.search(rf"\b{attribute}\b", attributes), f"{role} is created without {attribute}"
    assert re.search(r"\bCREATEDB\b", statements["hr_owner"]), "hr_owner needs CREATEDB to create the test database"
    assert not re.search(r"(?<!NO)BYPASSRLS", sql, re.IGNORECASE), "something is granted BYPASSRLS"
    assert not re.search(r"(?<!NO)SUPERUSER\b", sql, re.IGNORECASE), "something is made superuser"


def test_init_script_hard_codes_no_password() -> None:
    # given
    sql = _init_script_text()

    # when
    literal_passwords = re.findall(r"PASSWORD\s+'[^']*'", sql, re.IGNORECASE)

    # then
    assert not literal_passwords, literal_passwords


def test_init_script_creates_the_database_owned_by_hr_owner() -> None:
    # given
    sql = _init_script_text()

    # when
    postgres_db = _environment("db").get("POSTGRES_DB")

    # then
    assert re.search(r"CREATE\s+DATABASE\s+shared_services\s+OWNER\s+hr_owner", sql, re.IGNORECASE)
    assert re.search(r"ALTER\s+SCHEMA\s+public\s+OWNER\s+TO\s+hr_owner", sql, re.IGNORECASE)
    assert re.search(r"REVOKE\s+CREATE\s+ON\s+SCHEMA\s+public\s+FROM\s+PUBLIC", sql, re.IGNORECASE)
    # The image would create it first, owned by postgres, and the init script would then fail.
    assert postgres_db != "shared_services", "POSTGRES_DB must not be shared_services"


def test_dockerfile_installs_from_pyproject_and_serves_with_gunicorn_as_non_root() -> None:
    # given
    instructions = _final_stage_instructions()

    # when
    commands = [arguments for keyword, arguments in instructions if keyword == "CMD"]
    users = [arguments for keyword, arguments in instructions if keyword == "USER"]
    runs = " ".join(arguments for keyword, arguments in instructions if keyword == "RUN")
    copies = " ".join(arguments for keyword, arguments in instructions if keyword == "COPY")

    # then
    assert commands, "the Dockerfile has no CMD"
    cmd = json.loads(commands[-1])
    assert cmd[:2] == ["gunicorn", "shared_services.wsgi:application"], cmd
    assert users, "the image runs as root"
    assert users[-1] not in {"root", "0", "0:0"}, f"the image runs as {users[-1]}"
    assert "pyproject.toml" in copies, "pyproject.toml is not copied into the image"
    assert re.search(r"pip install [^&;]*\.(\s|$)", runs), "the image does not pip install the project"
    assert "collectstatic --noinput" in runs, "static files are not collected at build time"
    assert any(keyword == "EXPOSE" and "8000" in arguments for keyword, arguments in instructions)


def test_the_owner_is_never_a_member_of_the_reporting_role() -> None:
    """A member of hr_reporting would be bound by its read-all policy and see every department."""
    # given
    sql = _init_script_text()
    # then
    assert "GRANT hr_reporting TO" not in sql


def test_the_secret_key_has_no_published_default() -> None:
    """Compose must refuse to start rather than sign sessions with a key anyone can read."""
    raw = COMPOSE_FILE.read_text()
    line = next(line for line in raw.splitlines() if line.strip().startswith("DJANGO_SECRET_KEY:"))
    assert "${DJANGO_SECRET_KEY:?" in line


def test_web_and_workers_keep_database_connections_between_requests() -> None:
    # A new connection per request halves the throughput of a single-object read (bench/web.py).
    for service in ("web", "worker"):
        assert int(_environment(service).get("DJANGO_CONN_MAX_AGE", "0")) >= 30, service
