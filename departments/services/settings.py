"""A department's own settings, changed by its HR admins: when its leave year starts and whose bank
holidays its people do not work. Employer references are set when the department is created."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from departments.models import Department
from departments.services.audit import audit_changes, audit_record
from departments.services.departments import _validate_leave_year_start
from shared_services.accounts.models import User

__all__ = ["DEPARTMENT_EDITABLE_SETTINGS", "department_settings_update"]

DEPARTMENT_EDITABLE_SETTINGS = ("leave_year_start_month", "leave_year_start_day", "bank_holiday_region")


@transaction.atomic
def department_settings_update(*, department: Department, leave_year_start_month: int, leave_year_start_day: int,
                               bank_holiday_region: str, acting_user: User | None) -> Department:
    """Change the leave year start and the bank holidays' region. A new leave year start applies to
    balances as they are next rebuilt; a new region to leave and working days counted after it."""
    department = Department.objects.select_for_update().get(pk=department.pk)
    if bank_holiday_region not in Department.BankHolidayRegion.values:
        raise ValidationError({"bank_holiday_region": "Choose England and Wales, Scotland or Northern Ireland."})
    _validate_leave_year_start(leave_year_start_month, leave_year_start_day)
    before = {name: getattr(department, name) for name in DEPARTMENT_EDITABLE_SETTINGS}
    department.leave_year_start_month = leave_year_start_month
    department.leave_year_start_day = leave_year_start_day
    department.bank_holiday_region = bank_holiday_region
    department.save(update_fields=list(DEPARTMENT_EDITABLE_SETTINGS))
    changes = audit_changes(before, {name: getattr(department, name) for name in DEPARTMENT_EDITABLE_SETTINGS})
    if changes:
        audit_record(department=department, action="department.settings_update", acting_user=acting_user,
                     target=department, changes=changes)
    return department
