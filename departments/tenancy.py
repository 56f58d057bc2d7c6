"""The department context: which department's data this unit of work may touch.

Two layers carry it, each enough alone (TENANCY.md §4):

- a ContextVar that the scoped managers read (ORM layer: no context means ``NoDepartmentContext``);
- the transaction-local PostgreSQL setting ``app.department_id`` that the row-level security
  policies read (database layer: no setting means zero rows and refused writes).

The setting is always ``SET LOCAL`` (``set_config(..., true)``), so it ends with the transaction
and can never leak into a later request on a pooled connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from django.db import connection, transaction

_current_department_id: ContextVar[int | None] = ContextVar("department_id", default=None)


class NoDepartmentContext(RuntimeError):
    """Department data was touched outside ``department_context``: the code must say whose data."""


class CrossDepartmentAccess(RuntimeError):
    """A query or row of one department met the context of another."""


def current_department_id() -> int | None:
    return _current_department_id.get()


def require_department_id() -> int:
    department_id = _current_department_id.get()
    if department_id is None:
        raise NoDepartmentContext(
            "Department-owned data was accessed with no department context; "
            "wrap the work in departments.tenancy.department_context(department_id)."
        )
    return department_id


def _set_database_department(department_id: int | None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('app.department_id', %s, true)",
            ["" if department_id is None else str(department_id)],
        )


def _validated(department_id: int) -> int:
    if isinstance(department_id, bool) or not isinstance(department_id, int) or department_id <= 0:
        raise ValueError(f"A department id is a positive integer, not {department_id!r}.")
    return department_id


@contextmanager
def department_context(department_id: int) -> Iterator[int]:
    """Run the block as ``department_id``, inside a transaction (or a savepoint of the outer one).

    Nesting is allowed; leaving the block restores the outer department in both layers. On an
    exception the savepoint rollback restores the outer database setting.
    """
    _validated(department_id)
    outer_department = _current_department_id.get()
    if outer_department is not None and outer_department != department_id:
        raise CrossDepartmentAccess(
            f"Department {department_id} was entered inside department {outer_department}'s context; one unit of "
            "work acts on one department (platform code leaves with no_department_context() first)."
        )
    with transaction.atomic():
        outer = _current_department_id.get()
        token = _current_department_id.set(department_id)
        try:
            _set_database_department(department_id)
            yield department_id
        except BaseException:
            _current_department_id.reset(token)
            raise
        _current_department_id.reset(token)
        _set_database_department(outer)


def activate_department(department_id: int) -> Token[int | None]:
    """Enter a department for the rest of the current transaction (the API base's request scope).

    Pair with ``deactivate_department`` in a ``finally``. Prefer ``department_context`` elsewhere.
    """
    _validated(department_id)
    if not connection.in_atomic_block:
        raise RuntimeError("activate_department needs a transaction (ATOMIC_REQUESTS is on for views).")
    token = _current_department_id.set(department_id)
    _set_database_department(department_id)
    return token


def deactivate_department(token: Token[int | None], *, view_returns: bool = False) -> None:
    """Leave the department entered by ``activate_department``.

    ``view_returns`` is for the API base alone, as its view returns: when the view runs in the
    request's own transaction (ATOMIC_REQUESTS, outermost), that transaction ends next and takes
    the transaction-local setting with it, so clearing it first would be a wasted statement on
    every request. Inside anything that goes on afterwards (a savepoint, a test's transaction),
    the setting is cleared as always.
    """
    _current_department_id.reset(token)
    if connection.in_atomic_block and not connection.needs_rollback and connection.connection is not None:
        if view_returns and connection.settings_dict.get("ATOMIC_REQUESTS") and len(connection.atomic_blocks) == 1:
            return
        _set_database_department(_current_department_id.get())


@contextmanager
def no_department_context() -> Iterator[None]:
    """Run the block with no department, whatever the caller had (platform-wide work), in both
    layers; the caller's department is restored afterwards."""
    outer = _current_department_id.get()
    in_transaction = outer is not None and connection.in_atomic_block
    token = _current_department_id.set(None)
    if in_transaction:
        _set_database_department(None)
    try:
        yield
    finally:
        _current_department_id.reset(token)
        if in_transaction and not connection.needs_rollback:
            _set_database_department(outer)
