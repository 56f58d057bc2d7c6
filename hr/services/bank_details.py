"""Changing an employee's bank details: where their pay goes, so every change is audited (values masked)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction

from departments.models import Department
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from hr.models import Employee
from hr.validators import normalise_sort_code, validate_account_number, validate_sort_code
from shared_services.accounts.models import User

__all__ = ["BANK_FIELDS", "employee_bank_details_change"]

BANK_FIELDS = ("bank_sort_code", "bank_account_number", "building_society_roll_number")
# Building societies' roll numbers: letters, digits, and the separators they print (at most 18).
_ROLL_NUMBER = re.compile(r"^[A-Za-z0-9 ./-]{1,18}$")


@transaction.atomic
def employee_bank_details_change(*, department: Department, employee: Employee, sort_code: str,
                                 account_number: str, roll_number: str = "", acting_user: User | None,
                                 reason: str = "") -> Employee:
    """Set the account pay goes to. Refused when nothing changes, so the audit log never records a
    change that was not made."""
    with department_context(department.id):
        values = {
            "bank_sort_code": normalise_sort_code(sort_code.strip()),
            "bank_account_number": account_number.replace(" ", "").strip(),
            "building_society_roll_number": roll_number.strip(),
        }
        errors: dict[str, list[str]] = {}
        for field, validate in (("bank_sort_code", validate_sort_code),
                                ("bank_account_number", validate_account_number)):
            if not values[field]:
                errors[field] = ["Enter the sort code" if field == "bank_sort_code" else "Enter the account number"]
                continue
            try:
                validate(values[field])
            except ValidationError as error:
                errors[field] = error.messages
        if values["building_society_roll_number"] and not _ROLL_NUMBER.match(values["building_society_roll_number"]):
            errors["building_society_roll_number"] = [
                "Enter a roll number of up to 18 letters and numbers, as your building society gives it"]
        if errors:
            raise ValidationError(errors)
        locked = Employee.objects.select_for_update().get(pk=employee.pk)
        before = {name: getattr(locked, name) for name in BANK_FIELDS}
        if before == values:
            raise ValidationError({"bank_sort_code": "These are the bank details already held: nothing changed"})
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(BANK_FIELDS))
        audit_record(department=department, action="employee.bank_details_change", acting_user=acting_user,
                     target=locked, changes=audit_changes(before, values), reason=reason)
        return locked
