from hr.models.employees import Employee, Employment
from hr.models.organisation import CostCentre, Grade, OrganisationUnit, PayRange

__all__ = ["CostCentre", "Employee", "Employment", "Grade", "OrganisationUnit", "PayRange"]
