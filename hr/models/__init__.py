from hr.models.absence import LeaveBalanceEntry, LeavePolicy, LeaveRequest, LeaveType, SicknessPeriod
from hr.models.employees import Employee, Employment
from hr.models.organisation import CostCentre, Grade, OrganisationUnit, PayRange

__all__ = [
    "CostCentre",
    "Employee",
    "Employment",
    "Grade",
    "LeaveBalanceEntry",
    "LeavePolicy",
    "LeaveRequest",
    "LeaveType",
    "OrganisationUnit",
    "PayRange",
    "SicknessPeriod",
]
