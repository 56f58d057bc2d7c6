"""Set-based SQL of a pay run's calculation: inserts that skip rows already written, and deletes
that report what they removed, where the ORM would load rows only to delete them.

Reviewed raw SQL (allowlisted in pyproject.toml). Every statement names the department of the
context as well, so the indexes that lead with ``department_id`` serve it, and row-level security
judges it as any other query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import orjson
from django.db import connection
from django.db.models import Model

from departments.models import DepartmentOwnedModel
from departments.tenancy import require_department_id
from payroll.models import PayRunException, Payslip, PayslipLine

# A payslip's working and year to date are the largest part of what a chunk sends; orjson writes
# them about ten times faster than the json module. Dates and dataclasses pass to ``str`` as
# json.dumps(default=str) would, so the stored text is the same.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _json_text(value: Any) -> str:
    return orjson.dumps(value, default=str, option=_ORJSON_OPTIONS).decode()


def _column_type(model: type[Model], name: str) -> tuple[str, str]:
    field = model._meta.get_field(name)
    db_type = field.db_type(connection) or "text"  # type: ignore[union-attr]
    base = re.sub(r"\(.*?\)", "", db_type).strip()
    return str(field.column), {"timestamp with time zone": "timestamptz"}.get(base, base)  # type: ignore[union-attr]


def insert_rows(model: type[DepartmentOwnedModel], fields: Sequence[str], rows: Sequence[Sequence[Any]], *,
                constants: Mapping[str, Any] | None = None, unique: Sequence[str] | None = None,
                returning: Sequence[str] = ()) -> list[tuple[Any, ...]]:
    """``departments.bulk.bulk_insert`` with two additions: ``constants``, values every row has,
    sent once rather than once a row; and ``unique``, the columns of a unique constraint (leading
    with ``department``) on which a row that exists already is skipped (``ON CONFLICT DO NOTHING``).
    The unique index finds existing rows whatever the planner's statistics say, so a first write
    pays next to nothing for the check. Returns the ``returning`` columns of the inserted rows.

    Scalar and JSON columns only (JSON values are serialised here).
    """
    if not rows:
        return []
    quote = connection.ops.quote_name
    columns, selects, arrays = ["department_id"], ["%s"], []
    params: list[Any] = [require_department_id()]
    for name, value in (constants or {}).items():
        column, db_type = _column_type(model, name)
        columns.append(quote(column))
        selects.append(f"%s::{db_type}")
        params.append(value)
    for position, name in enumerate(fields):
        column, db_type = _column_type(model, name)
        values = [row[position] for row in rows]
        if db_type == "jsonb":
            values = [_json_text(value) for value in values]
            selects.append(f"c{position}::jsonb")
            arrays.append("%s::text[]")
        else:
            selects.append(f"c{position}")
            arrays.append(f"%s::{db_type}[]")
        columns.append(quote(column))
        params.append(values)
    aliases = ", ".join(f"c{position}" for position in range(len(fields)))
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) "
           f"SELECT {', '.join(selects)} FROM unnest({', '.join(arrays)}) AS u({aliases})")
    if unique:
        sql += f" ON CONFLICT ({', '.join(quote(_column_type(model, name)[0]) for name in unique)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(quote(_column_type(model, name)[0]) for name in returning)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()] if returning else []


def payslip_lines_insert(*, run_id: int, lines: Sequence[tuple[int, int, Decimal]],
                         kinds: Sequence[tuple[str, str, str, bool]]) -> None:
    """Insert payslip lines given as ``(payslip id, kind, amount)``, where a kind is a position in
    ``kinds``, each ``(code, description, section, after_tax)``: most lines of a run are one of a
    few kinds (basic pay, tax, NI…), so each line sends three values rather than seven."""
    if not lines:
        return
    table = PayslipLine._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (department_id, run_id, payslip_id, code, description, section, after_tax, amount) "
            "SELECT %s, %s, line.payslip_id, kind.code, kind.description, kind.section, kind.after_tax, line.amount "
            "FROM unnest(%s::bigint[], %s::integer[], %s::numeric[]) AS line(payslip_id, kind, amount) "
            "JOIN unnest(%s::text[], %s::text[], %s::text[], %s::boolean[]) WITH ORDINALITY "
            "AS kind(code, description, section, after_tax, position) ON kind.position = line.kind",
            [require_department_id(), run_id, [line[0] for line in lines], [line[1] for line in lines],
             [line[2] for line in lines], *(list(column) for column in zip(*kinds, strict=True))])


def payslips_delete(*, run_id: int, employee_ids: Sequence[int], calculation_number: int) -> dict[str, int]:
    """Delete these employees' payslips and payslip lines in the run; return how many of the deleted
    payslips the calculation ``calculation_number`` had written, by status.

    The counts are of the rows this statement deleted (``RETURNING``), so a chunk run twice, or
    beside a copy of itself, takes back exactly what it removes from the run's progress.
    """
    department_id = require_department_id()
    ids = list(employee_ids)
    slips, lines = Payslip._meta.db_table, PayslipLine._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {lines} AS line USING {slips} AS slip "
            "WHERE line.department_id = %s AND slip.department_id = %s AND line.payslip_id = slip.id "
            "AND slip.run_id = %s AND slip.employee_id = ANY(%s)",
            [department_id, department_id, run_id, ids])
        cursor.execute(
            f"WITH gone AS (DELETE FROM {slips} WHERE department_id = %s AND run_id = %s AND employee_id = ANY(%s) "
            "RETURNING status, calculation_number) "
            "SELECT status, count(*) FROM gone WHERE calculation_number = %s GROUP BY status",
            [department_id, run_id, ids, calculation_number])
        return {status: count for status, count in cursor.fetchall()}


def exceptions_delete(*, run_id: int, employee_ids: Sequence[int]) -> None:
    department_id = require_department_id()
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {PayRunException._meta.db_table} WHERE department_id = %s AND run_id = %s "
            "AND employee_id = ANY(%s)", [department_id, run_id, list(employee_ids)])
