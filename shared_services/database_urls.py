"""Database URLs to Django settings and back, one way for settings, tests, benchmarks and scripts.

A Unix socket directory is a host. ``postgres://role@/name?host=/dir`` (the embedded server's form)
and ``postgres://role@%2Fdir/name`` both become ``HOST = "/dir"``, so code that reads
``settings_dict["HOST"]`` sees the server the application uses and never falls back to libpq's
default socket or ``localhost``. Plain Python: no Django import, usable before settings load.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote, urlencode

import environ


def database_settings(url: str, *, extra_options: str = "") -> dict[str, Any]:
    """Django's ``DATABASES`` entry for ``url``. ``extra_options`` (``-c name=value`` pairs for
    every connection) is added to any ``options`` the URL already carries, never in place of the
    URL's other parameters."""
    config: dict[str, Any] = environ.Env.db_url_config(url)
    options: dict[str, Any] = dict(config.get("OPTIONS") or {})
    socket_host = options.pop("host", "")
    host = unquote(str(socket_host or config.get("HOST") or ""))
    config["HOST"] = host
    if extra_options:
        options["options"] = " ".join(filter(None, [str(options.get("options", "")), extra_options]))
    config["OPTIONS"] = options
    return config


def url_from_settings(settings_dict: dict[str, Any], *, name: str | None = None, user: str | None = None) -> str:
    """A URL that reaches the same server as ``settings_dict`` (as a worker process reads it from
    ``DATABASE_URL``): the socket directory, port and password kept, the database or user changed
    when given."""
    user = user or settings_dict["USER"]
    password = settings_dict.get("PASSWORD") or ""
    credentials = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    host = settings_dict.get("HOST") or ""
    port = settings_dict.get("PORT") or ""
    database = quote(name or settings_dict["NAME"], safe="")
    query: dict[str, str] = {}
    if host.startswith("/"):
        query["host"] = host
        location = f":{port}" if port else ""
    else:
        location = f"{host}:{port}" if port else host
    passed = {key: str(value) for key, value in (settings_dict.get("OPTIONS") or {}).items()
              if key in ("sslmode", "connect_timeout")}
    query.update(passed)
    suffix = f"?{urlencode(query)}" if query else ""
    return f"postgres://{credentials}@{location}/{database}{suffix}"
