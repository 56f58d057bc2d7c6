from hr.models.absence import (
    AbsencePayScheme,
    FamilyLeave,
    LeaveBalanceEntry,
    LeavePolicy,
    LeaveRequest,
    LeaveType,
    SicknessPeriod,
)
from hr.models.employees import Employee, Employment
from hr.models.organisation import CostCentre, Grade, OrganisationUnit, PayRange

__all__ = [
    "AbsencePayScheme",
    "CostCentre",
    "Employee",
    "Employment",
    "FamilyLeave",
    "Grade",
    "LeaveBalanceEntry",
    "LeavePolicy",
    "LeaveRequest",
    "LeaveType",
    "OrganisationUnit",
    "PayRange",
    "SicknessPeriod",
]
