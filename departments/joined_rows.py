"""A row and the rows it names, read in one SQL statement composed once per process.

The busiest reads (an API token with its department and user on every request; an employee with
today's employment on every employee read) cost more CPU to compose through the ORM than to run.
These helpers build their select lists from the models' own column lists, so a new column is picked
up without an edit, and turn the columns of a row back into model instances. Callers write the
FROM and WHERE themselves; a department-owned table must still be filtered by the current
department (row-level security applies as well, as it does to every statement).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model

from departments.tenancy import require_department_id

M = TypeVar("M", bound=Model)


def plain_fields(model: type[Model], only: Iterable[str] | None = None) -> list[Field[Any, Any]]:
    """Columns read as they come from the driver. A field that converts its value (``from_db_value``)
    is left out: the instance then loads it on first access, which is slower but still right."""
    wanted = set(only) if only is not None else None
    return [field for field in model._meta.concrete_fields
            if not hasattr(field, "from_db_value") and (wanted is None or field.name in wanted or field.primary_key)]


def select_list(model: type[Model], alias: str, prefix: str, only: Iterable[str] | None = None) -> list[str]:
    """``alias."column" AS "<prefix><attname>"`` for each plain field of ``model``."""
    return [f'{alias}."{field.column}" AS "{prefix}{field.attname}"' for field in plain_fields(model, only)]


def instance_from(model: type[M], row: Mapping[str, Any], prefix: str, only: Iterable[str] | None = None) -> M | None:
    """The ``model`` instance whose columns ``row`` holds under ``prefix``; None when its primary key
    is null (an outer join that found nothing). Fields not read are deferred, as ``only()`` leaves them."""
    fields = plain_fields(model, only)
    if row[f"{prefix}{model._meta.pk.attname}"] is None:  # type: ignore[union-attr]
        return None
    names = [field.attname for field in fields]
    return model.from_db(connection.alias, names, [row[f"{prefix}{name}"] for name in names])


def fetch_rows(sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    """Run ``sql`` (over global tables) and return each row as a dict keyed by column name."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def fetch_department_rows(sql: str, params: Sequence[Any], *, before: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Run ``sql`` over department-owned tables in the current department: its placeholders are
    ``before``, then the department filter, which is given the current department's id
    (``NoDepartmentContext`` without one, as the scoped managers fail), then ``params``."""
    return fetch_rows(sql, [*before, require_department_id(), *params])
