"""Set-based SQL of a pay run's calculation, where the ORM would load rows only to delete them.

Reviewed raw SQL (allowlisted in pyproject.toml): every statement names the department of the
context as well, so the indexes that lead with ``department_id`` serve it, and row-level security
judges it as any other query.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from departments.tenancy import require_department_id
from payroll.models import PayRunException, Payslip, PayslipLine


def chunk_results_delete(*, run_id: int, employee_ids: Sequence[int], calculation_number: int) -> dict[str, int]:
    """Delete these employees' payslips, payslip lines and exceptions in the run; return how many of
    the deleted payslips the calculation ``calculation_number`` had written, by status.

    The counts are of the rows this statement deleted (``RETURNING``), so a chunk run twice, or
    beside a copy of itself, takes back exactly what it removes from the run's progress.
    """
    department_id = require_department_id()
    ids = list(employee_ids)
    slips, lines, exceptions = (model._meta.db_table for model in (Payslip, PayslipLine, PayRunException))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {lines} AS line USING {slips} AS slip "
            "WHERE line.department_id = %s AND slip.department_id = %s AND line.payslip_id = slip.id "
            "AND slip.run_id = %s AND slip.employee_id = ANY(%s)",
            [department_id, department_id, run_id, ids])
        cursor.execute(
            f"DELETE FROM {exceptions} WHERE department_id = %s AND run_id = %s AND employee_id = ANY(%s)",
            [department_id, run_id, ids])
        cursor.execute(
            f"WITH gone AS (DELETE FROM {slips} WHERE department_id = %s AND run_id = %s AND employee_id = ANY(%s) "
            "RETURNING status, calculation_number) "
            "SELECT status, count(*) FROM gone WHERE calculation_number = %s GROUP BY status",
            [department_id, run_id, ids, calculation_number])
        return {status: count for status, count in cursor.fetchall()}
