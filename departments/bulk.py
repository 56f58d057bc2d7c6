"""Set-based inserts into department-owned tables, for imports of tens of thousands of rows.

Django's ``bulk_create`` compiles every value of every row in Python, which costs more than the
database does at this size. ``bulk_insert`` sends each column as one array and inserts with
``INSERT … SELECT FROM unnest(…)``: one statement per batch. Each array travels as one text
literal (``'{"a","b"}'::varchar[]``), which PostgreSQL reads in C: sent as ``ARRAY['a', 'b', …]``,
every value would be a constant for the parser and planner, which costs more than the insert.
PostgreSQL refuses ``COPY`` into tables under row-level security, so this is the fast path that
keeps the department policy (its WITH CHECK still judges every row) and every constraint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from django.db import connection
from django.db.models import Field, Lookup, Model

from departments.models import DepartmentOwnedModel
from departments.tenancy import require_department_id

# JSON values (a payslip's working, an audit entry's changes) are much of what a batch sends;
# orjson writes them about ten times faster than the json module. Dates and dataclasses pass to
# ``str``, as json.dumps(default=str) would, so the stored text is the same.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _json_text(value: Any) -> str:
    return orjson.dumps(value, default=str, option=_ORJSON_OPTIONS).decode()


def _base_type(db_type: str) -> str:
    base = re.sub(r"\(.*?\)", "", db_type).strip()
    return {"timestamp with time zone": "timestamptz", "serial": "integer", "bigserial": "bigint"}.get(base, base)


def _element(item: Any) -> str:
    if item is None:
        return "NULL"
    text = item if isinstance(item, str) else str(item)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _array_literal(items: Sequence[Any] | None) -> str:
    """``['plan2', None]`` as PostgreSQL's ``{"plan2",NULL}``: every element quoted and escaped, so any
    text (commas, braces, quotes, backslashes, the word NULL) survives; ``None`` is SQL NULL."""
    if not items:
        return "{}"
    nulls = items.count(None) if isinstance(items, list | tuple) else sum(item is None for item in items)
    if nulls == len(items):
        return "{" + ",".join(["NULL"] * nulls) + "}"
    if not nulls:
        # The usual case, escaped in a few C-level passes over the joined column rather than per value:
        # NUL separates the values (PostgreSQL text cannot hold it), checked by counting.
        try:
            joined = "\0".join(items)
        except TypeError:
            joined = "\0".join(map(str, items))
        if joined.count("\0") == len(items) - 1:
            return '{"' + joined.replace("\\", "\\\\").replace('"', '\\"').replace("\0", '","') + '"}'
    return "{" + ",".join(map(_element, items)) + "}"


def bulk_insert(model: type[Model], fields: Sequence[str], rows: Sequence[Sequence[Any]],
                returning: Sequence[str] = ("id",), *, constants: Mapping[str, Any] | None = None,
                unique: Sequence[str] = ()) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (tuples in the order of ``fields``) into ``model``'s table in the current
    department; returns the ``returning`` columns of the new rows.

    ``department_id`` is set from the context; list fields take lists, JSON fields take values.
    Defaults are not applied: give every NOT NULL field. ``constants`` are fields every row has,
    sent once rather than once a row. ``unique`` names the fields of a unique constraint (leading
    with ``department``) on which a row already there is skipped (``ON CONFLICT DO NOTHING``):
    the unique index finds it whatever the planner's statistics say, so a first write pays next
    to nothing for the check, and only the rows inserted are returned.
    """
    if not issubclass(model, DepartmentOwnedModel):
        raise TypeError(f"{model.__name__} is not department-owned.")
    if not rows:
        return []
    department_id = require_department_id()
    meta = model._meta
    columns, selects, arrays = ["department_id"], ["%s"], []
    params: list[Any] = [department_id]
    for name, value in (constants or {}).items():
        field = meta.get_field(name)
        columns.append(connection.ops.quote_name(str(field.column)))  # type: ignore[union-attr]
        selects.append(f"%s::{_base_type(field.db_type(connection) or 'text')}")  # type: ignore[union-attr]
        params.append(value)
    for position, (name, column_values) in enumerate(zip(fields, zip(*rows, strict=True), strict=True)):
        field = meta.get_field(name)
        column = str(field.column)  # type: ignore[union-attr]
        db_type = field.db_type(connection) or "text"  # type: ignore[union-attr]
        values: Sequence[Any] = column_values
        alias = f"c{position}"
        if db_type.endswith("[]"):
            # unnest() would flatten an array of arrays: send each list as an array literal instead.
            values = [None if value is None else _array_literal(value) for value in values]
            selects.append(f"{alias}::{db_type}")
            arrays.append("%s::text[]")
        elif db_type == "jsonb":
            values = [_json_text(value) for value in values]
            selects.append(f"{alias}::jsonb")
            arrays.append("%s::text[]")
        else:
            selects.append(alias)
            arrays.append(f"%s::{_base_type(db_type)}[]")
        columns.append(connection.ops.quote_name(column))
        params.append(_array_literal(values))
    aliases = ", ".join(f"c{position}" for position in range(len(fields)))
    returned = ", ".join(connection.ops.quote_name(str(meta.get_field(name).column))  # type: ignore[union-attr]
                         for name in returning)
    conflict = ", ".join(connection.ops.quote_name(str(meta.get_field(name).column))  # type: ignore[union-attr]
                         for name in unique)
    sql = (f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({', '.join(columns)}) "
           f"SELECT {', '.join(selects)} FROM unnest({', '.join(arrays)}) AS u({aliases})"
           + (f" ON CONFLICT ({conflict}) DO NOTHING" if unique else "")
           + (f" RETURNING {returned}" if returning else ""))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()] if returning else []


class AnyOf(Lookup):
    """``field = ANY('{…}'::type[])``: a filter on thousands of values sent as one array literal.

    ``field__in=values`` makes Django prepare every value and PostgreSQL parse every one as its own
    constant, which costs more than the lookup itself at import sizes. Use as an expression:
    ``Employee.objects.filter(AnyOf(F("payroll_number"), numbers))``.
    """

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        return list(self.rhs)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        lhs, params = self.process_lhs(compiler, connection)
        field = getattr(self.lhs, "output_field", None)
        db_type = field.db_type(connection) if isinstance(field, Field) else None
        if isinstance(field, Field) and field.get_internal_type() == "ForeignKey":
            db_type = field.target_field.rel_db_type(connection)  # type: ignore[attr-defined]
        return f"{lhs} = ANY(%s::{_base_type(db_type or 'text')}[])", [*params, _array_literal(self.rhs)]


def refresh_statistics(*models: type[Model], only_if_stale: bool = False) -> None:
    """ANALYZE the models' tables through the schema owner's ``platform_refresh_statistics``, so the
    planner knows about rows bulk writes added (those of the current transaction included).

    ``only_if_stale`` skips tables that changed little since they were last analyzed, judged by
    committed changes only; after writing in the current transaction, pass False.
    """
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute("SELECT platform_refresh_statistics(%s, %s)", [model._meta.db_table, only_if_stale])
