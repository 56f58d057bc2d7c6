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
from hr.models.self_service import ApprovalDelegation, BankDetailsChange, DetailChangeRequest
from hr.models.working_patterns import WorkingPattern

__all__ = [
    "AbsencePayScheme",
    "ApprovalDelegation",
    "BankDetailsChange",
    "CostCentre",
    "DetailChangeRequest",
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
    "WorkingPattern",
]
