"""hr's answers to the sign-in flow in ``shared_services.accounts`` (which may not import hr)."""

from __future__ import annotations

from typing import Any

from departments.tenancy import department_context
from hr.models import Employee


def account_for_staff_number(*, department_id: int, staff_number: str) -> Any:
    """The account linked to the department's employee with this payroll number, or None."""
    with department_context(department_id):
        employee = (Employee.objects.select_related("user").filter(payroll_number=staff_number,
                                                                   user__isnull=False).first())
        return employee.user if employee is not None else None
