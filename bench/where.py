"""Which database server and Celery broker a benchmark ran on, for its JSON line: a figure on the
machine's PostgreSQL and Redis is not a figure on the embedded defaults."""

from __future__ import annotations

from django.conf import settings


def services_used() -> dict[str, str]:
    database = settings.DATABASES["default"]
    host = database["HOST"]
    if host == str(settings.BASE_DIR / "var" / "pgdata"):
        where = "embedded PostgreSQL (var/pgdata)"
    else:
        where = f"PostgreSQL at {host or 'localhost'}:{database['PORT'] or 5432}"
    broker = f"Redis ({settings.REDIS_URL.rsplit('@', 1)[-1]})" if settings.REDIS_URL else "filesystem (var/broker)"
    return {"database": where, "broker": broker}
