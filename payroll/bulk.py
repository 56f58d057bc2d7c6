"""Set-based SQL of a pay run's calculation: payslip lines sent by kind, and deletes that report
what they removed, where the ORM would load rows only to delete them. (Payslips themselves go in
through ``departments.bulk.bulk_insert``.)

Reviewed raw SQL (allowlisted in pyproject.toml). Every statement names the department of the
context as well, so the indexes that lead with ``department_id`` serve it, and row-level security
judges it as any other query.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import connection

from departments.tenancy import require_department_id
from payroll.models import PayRunException, Payslip, PayslipLine


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
