"""Every write to HR records, one module per concern: organisation, grades and pay ranges,
employees (starters, movers, leavers, corrections), leave and absence, and bulk import.
Callers import from ``hr.services``.

Each service runs in its department's context and transaction and writes the audit log. Invalid
input raises ``ValidationError`` keyed by field, and nothing is written.
"""

from hr.services.absence import (
    FAMILY_LEAVE_CHANGEABLE,
    FAMILY_LEAVE_FIELDS,
    absence_pay_scheme_reset,
    absence_pay_scheme_set,
    family_leave_cancel,
    family_leave_change,
    family_leave_confirm,
    family_leave_record,
    family_leave_request,
    unauthorised_absence_record,
)
from hr.services.accounts import *  # noqa: F403
from hr.services.bank_details import *  # noqa: F403
from hr.services.employee_import import (
    IMPORT_FIXED_FIELDS,
    IMPORT_PERSONAL_FIELDS,
    IMPORT_TERMS_FIELDS,
    EmployeeImportOutcome,
    EmployeeImportRow,
    employees_import,
    employees_import_plan,
    employees_import_statistics_refresh,
)
from hr.services.employees import (
    DEPARTMENT_OWNED_TERMS,
    EMPLOYMENT_FIELDS,
    LATEST_START_AHEAD,
    MINIMUM_AGE_AT_START,
    PERSONAL_FIELDS,
    WhenPeriodLocked,
    employee_hire,
    employee_leave,
    employment_change,
    employment_correct,
)
from hr.services.grades import (
    DEFAULT_GRADES,
    grade_create,
    grades_install_defaults,
    pay_range_set,
)
from hr.services.leave import (
    DEFAULT_ANNUAL_HOURS_BY_SERVICE,
    DEFAULT_CARRY_OVER_CAP_HOURS,
    DEFAULT_LEAVE_TYPES,
    HOURS,
    LeaveYearBalance,
    leave_balance,
    leave_balance_recalculate,
    leave_balances_refresh,
    leave_request_cancel,
    leave_request_create,
    leave_request_decide,
    leave_types_install_defaults,
    leave_year_start,
    sickness_record,
)
from hr.services.organisation import (
    cost_centre_create,
    organisation_unit_create,
)

__all__ = [
    "DEFAULT_ANNUAL_HOURS_BY_SERVICE",
    "DEFAULT_CARRY_OVER_CAP_HOURS",
    "DEFAULT_GRADES",
    "DEFAULT_LEAVE_TYPES",
    "DEPARTMENT_OWNED_TERMS",
    "EMPLOYMENT_FIELDS",
    "EmployeeImportOutcome",
    "EmployeeImportRow",
    "FAMILY_LEAVE_CHANGEABLE",
    "FAMILY_LEAVE_FIELDS",
    "HOURS",
    "IMPORT_FIXED_FIELDS",
    "IMPORT_PERSONAL_FIELDS",
    "IMPORT_TERMS_FIELDS",
    "LATEST_START_AHEAD",
    "LeaveYearBalance",
    "MINIMUM_AGE_AT_START",
    "PERSONAL_FIELDS",
    "WhenPeriodLocked",
    "absence_pay_scheme_reset",
    "absence_pay_scheme_set",
    "cost_centre_create",
    "employee_hire",
    "employee_leave",
    "employees_import",
    "employees_import_plan",
    "employees_import_statistics_refresh",
    "employment_change",
    "employment_correct",
    "family_leave_cancel",
    "family_leave_change",
    "family_leave_confirm",
    "family_leave_record",
    "family_leave_request",
    "grade_create",
    "grades_install_defaults",
    "leave_balance",
    "leave_balance_recalculate",
    "leave_balances_refresh",
    "leave_request_cancel",
    "leave_request_create",
    "leave_request_decide",
    "leave_types_install_defaults",
    "leave_year_start",
    "organisation_unit_create",
    "pay_range_set",
    "sickness_record",
    "unauthorised_absence_record",
]
