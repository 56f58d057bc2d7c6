import datetime
from decimal import Decimal

import factory

from hr.models import (
    AbsencePayScheme,
    ApprovalDelegation,
    BankDetailsChange,
    CostCentre,
    DetailChangeRequest,
    Employee,
    Employment,
    FamilyLeave,
    Grade,
    LeaveBalanceEntry,
    LeavePolicy,
    LeaveRequest,
    LeaveType,
    OrganisationUnit,
    PayRange,
    SicknessPeriod,
    WorkingPattern,
)
from tests.factories.base import DepartmentOwnedFactory

SAME_DEPARTMENT = factory.SelfAttribute("..department")


class OrganisationUnitFactory(DepartmentOwnedFactory):
    class Meta:
        model = OrganisationUnit

    code = factory.Sequence(lambda n: f"OU{n}")
    name = factory.Sequence(lambda n: f"Team {n}")
    path = factory.Sequence(lambda n: f"{900000 + n:06d}.")


class CostCentreFactory(DepartmentOwnedFactory):
    class Meta:
        model = CostCentre

    code = factory.Sequence(lambda n: f"CC{n}")
    name = factory.Sequence(lambda n: f"Cost centre {n}")
    path = factory.Sequence(lambda n: f"{900000 + n:06d}.")


class GradeFactory(DepartmentOwnedFactory):
    class Meta:
        model = Grade

    code = factory.Sequence(lambda n: f"G{n}")
    name = factory.Sequence(lambda n: f"Grade {n}")
    rank = factory.Sequence(lambda n: n)


class PayRangeFactory(DepartmentOwnedFactory):
    class Meta:
        model = PayRange

    grade = factory.SubFactory(GradeFactory, department=SAME_DEPARTMENT)
    minimum = Decimal("25000.00")
    maximum = Decimal("35000.00")


class EmployeeFactory(DepartmentOwnedFactory):
    class Meta:
        model = Employee

    payroll_number = factory.Sequence(lambda n: f"P{n:06d}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = datetime.date(1985, 5, 17)
    sex = Employee.Sex.FEMALE
    start_date = datetime.date(2020, 4, 1)


class EmploymentFactory(DepartmentOwnedFactory):
    class Meta:
        model = Employment

    employee = factory.SubFactory(EmployeeFactory, department=SAME_DEPARTMENT)
    valid_from = factory.SelfAttribute("employee.start_date")
    post_title = "Caseworker"
    organisation_unit = factory.SubFactory(OrganisationUnitFactory, department=SAME_DEPARTMENT)
    grade = factory.SubFactory(GradeFactory, department=SAME_DEPARTMENT)
    cost_centre = factory.SubFactory(CostCentreFactory, department=SAME_DEPARTMENT)
    annual_salary = Decimal("30000.00")


class LeaveTypeFactory(DepartmentOwnedFactory):
    class Meta:
        model = LeaveType

    code = factory.Sequence(lambda n: f"LT{n}")
    name = factory.Sequence(lambda n: f"Leave type {n}")
    kind = LeaveType.Kind.ANNUAL
    uses_balance = True


class LeavePolicyFactory(DepartmentOwnedFactory):
    class Meta:
        model = LeavePolicy

    leave_type = factory.SubFactory(LeaveTypeFactory, department=SAME_DEPARTMENT)
    hours_by_service = factory.LazyFunction(lambda: [[0, "187.50"]])


class LeaveRequestFactory(DepartmentOwnedFactory):
    class Meta:
        model = LeaveRequest

    employee = factory.SubFactory(EmployeeFactory, department=SAME_DEPARTMENT)
    leave_type = factory.SubFactory(LeaveTypeFactory, department=SAME_DEPARTMENT)
    start_date = datetime.date(2026, 6, 1)
    end_date = datetime.date(2026, 6, 5)
    hours = Decimal("37.50")


class LeaveBalanceEntryFactory(DepartmentOwnedFactory):
    class Meta:
        model = LeaveBalanceEntry

    employee = factory.SubFactory(EmployeeFactory, department=SAME_DEPARTMENT)
    leave_type = factory.SubFactory(LeaveTypeFactory, department=SAME_DEPARTMENT)
    request = factory.SubFactory(LeaveRequestFactory, department=SAME_DEPARTMENT)
    leave_year_start = datetime.date(2026, 4, 1)
    kind = LeaveBalanceEntry.Kind.ADJUSTMENT
    hours = Decimal("7.50")


class SicknessPeriodFactory(DepartmentOwnedFactory):
    class Meta:
        model = SicknessPeriod

    employee = factory.SubFactory(EmployeeFactory, department=SAME_DEPARTMENT)
    first_day = datetime.date(2026, 3, 2)
    last_day = datetime.date(2026, 3, 6)
    qualifying_days = factory.LazyFunction(lambda: [0, 1, 2, 3, 4])


class FamilyLeaveFactory(DepartmentOwnedFactory):
    class Meta:
        model = FamilyLeave

    employee = factory.SubFactory(EmployeeFactory, department=SAME_DEPARTMENT)
    kind = FamilyLeave.Kind.MATERNITY
    status = FamilyLeave.Status.CONFIRMED
    start_date = datetime.date(2026, 9, 6)
    end_date = datetime.date(2027, 9, 4)
    expected_date = datetime.date(2026, 9, 20)
    evidence_date = datetime.date(2026, 6, 1)
    evidence_received_on = datetime.date(2026, 6, 3)


class AbsencePaySchemeFactory(DepartmentOwnedFactory):
    class Meta:
        model = AbsencePayScheme
        django_get_or_create = ("department", "kind")

    kind = AbsencePayScheme.Kind.MATERNITY
    name = "Maternity pay"
    steps = factory.LazyFunction(lambda: [{"pay": "full", "weeks": 26}, {"pay": "statutory", "weeks": 13}])


class DetailChangeRequestFactory(DepartmentOwnedFactory):
    class Meta:
        model = DetailChangeRequest

    employee = factory.SubFactory(EmployeeFactory, department=SAME_DEPARTMENT)
    requested = factory.LazyFunction(lambda: {"last_name": "Okafor"})
    current = factory.LazyFunction(lambda: {"last_name": "Smith"})
    reason = "Married in October"


class BankDetailsChangeFactory(DepartmentOwnedFactory):
    class Meta:
        model = BankDetailsChange

    employee = factory.SubFactory(EmployeeFactory, department=SAME_DEPARTMENT)
    source = BankDetailsChange.Source.EMPLOYEE
    status = BankDetailsChange.Status.APPLIED
    sort_code = "200415"
    account_number = "38290008"
    previous_sort_code = "309493"
    previous_account_number = "12345678"
    effective_from = datetime.date(2026, 12, 1)


class ApprovalDelegationFactory(DepartmentOwnedFactory):
    class Meta:
        model = ApprovalDelegation

    manager = factory.SubFactory(EmployeeFactory, department=SAME_DEPARTMENT)
    deputy = factory.SubFactory(EmployeeFactory, department=SAME_DEPARTMENT)
    starts_on = datetime.date(2026, 12, 1)
    ends_on = datetime.date(2026, 12, 24)


class WorkingPatternFactory(DepartmentOwnedFactory):
    class Meta:
        model = WorkingPattern

    name = factory.Sequence(lambda n: f"Pattern {n}")
    monday_hours = Decimal("7.40")
    tuesday_hours = Decimal("7.40")
    wednesday_hours = Decimal("7.40")
    thursday_hours = Decimal("7.40")
    friday_hours = Decimal("7.40")
