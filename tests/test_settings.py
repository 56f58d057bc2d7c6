"""Where the settings send the platform's connections: with no DATABASE_URL, the embedded server's
socket in var/pgdata and nowhere else; with one, that server, its parameters kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared_services import embedded_db
from shared_services.database_urls import database_settings, url_from_settings

ROOT = Path(__file__).resolve().parent.parent
PRINT_DATABASE = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps({key: settings.DATABASES['default'][key] for key in ('HOST', 'NAME', 'USER', 'OPTIONS', "
    "'CONN_MAX_AGE', 'CONN_HEALTH_CHECKS')}))"
)


def _settings_in_a_fresh_process(**environment: str) -> dict[str, object]:
    clean = {key: value for key, value in os.environ.items()
             if key not in ("DATABASE_URL", "DATABASE_OWNER_URL", "DATABASE_ADMIN_URL", "REDIS_URL", "DJANGO_DB_ROLE")}
    done = subprocess.run([sys.executable, "-c", PRINT_DATABASE], cwd=ROOT, capture_output=True, text=True,
                          env={**clean, "DJANGO_SETTINGS_MODULE": "shared_services.settings.base", **environment},
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_with_no_database_url_the_settings_point_at_the_embedded_servers_socket(tmp_path):
    """A settings change that drops the embedded host would send every connection to libpq's
    default socket: the machine's own PostgreSQL, or nothing."""
    was_running = embedded_db.is_running()
    try:
        # given libpq's own defaults pointed at an empty folder
        database = _settings_in_a_fresh_process(PGHOST=str(tmp_path), PGPORT="5999")
    finally:
        if not was_running:
            embedded_db.stop()  # loading the settings started it; leave the machine as it was
    # then the host is the embedded server's socket directory, and the planner options are added
    assert database["HOST"] == str(ROOT / "var" / "pgdata")
    assert (database["NAME"], database["USER"]) == ("shared_services", "hr_app")
    assert "host" not in database["OPTIONS"]
    assert "random_page_cost=1.1" in database["OPTIONS"]["options"]
    # and connections are kept between requests, checked before reuse
    assert database["CONN_MAX_AGE"] > 0
    assert database["CONN_HEALTH_CHECKS"] is True


def test_a_database_url_keeps_its_own_options_beside_the_planners():
    database = database_settings("postgres://hr_app:s%40fe@db.internal:6432/payroll?sslmode=require"
                                 "&options=-c%20statement_timeout%3D5000", extra_options="-c random_page_cost=1.1")
    assert (database["HOST"], database["PORT"], database["PASSWORD"]) == ("db.internal", 6432, "s@fe")
    assert database["OPTIONS"] == {"sslmode": "require",
                                   "options": "-c statement_timeout=5000 -c random_page_cost=1.1"}


@pytest.mark.parametrize("url", ["postgres://hr_owner@/shared_services?host=/srv/run/pg",
                                 "postgres://hr_owner@%2Fsrv%2Frun%2Fpg/shared_services"])
def test_a_socket_directory_is_a_host_both_ways(url):
    # given either way of writing a socket directory in a URL
    database = database_settings(url)
    assert database["HOST"] == "/srv/run/pg"
    assert "host" not in database["OPTIONS"]
    # when a worker's URL is built from the settings, it reaches the same socket, another database
    again = database_settings(url_from_settings(database, name="bench_payrun"))
    assert (again["HOST"], again["NAME"], again["USER"]) == ("/srv/run/pg", "bench_payrun", "hr_owner")
