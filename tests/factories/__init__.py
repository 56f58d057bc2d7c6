"""factory_boy factories. Department-owned factories subclass ``DepartmentOwnedFactory`` and are
registered in ``DEPARTMENT_OWNED_FACTORIES`` (found by walking the subclasses), which the isolation contract test
reads. Import each app's factory module here so it is found."""

from tests.factories.base import DepartmentOwnedFactory, department_owned_factories
from tests.factories.departments import (
    ApiTokenFactory,
    AuditEventFactory,
    DepartmentFactory,
    MembershipFactory,
    MembershipRequestFactory,
    OperatorAssignmentFactory,
    RoleConflictFactory,
    UserFactory,
)
from tests.factories.finance import (
    AccountFactory,
    AccountingPeriodFactory,
    BudgetFactory,
    ExpenseClaimFactory,
    ExpenseLineFactory,
    JournalFactory,
    JournalLineFactory,
)
from tests.factories.hr import (
    CostCentreFactory,
    EmployeeFactory,
    EmploymentFactory,
    GradeFactory,
    LeaveBalanceEntryFactory,
    LeavePolicyFactory,
    LeaveRequestFactory,
    LeaveTypeFactory,
    OrganisationUnitFactory,
    PayRangeFactory,
    SicknessPeriodFactory,
)
from tests.factories.onboarding import (
    ImportJobFactory,
    ImportMappingFactory,
    ImportRowErrorFactory,
    OpeningBalanceFactory,
)
from tests.factories.payroll import (
    DocumentBatchFactory,
    PayInputFactory,
    PayrollIdempotencyKeyFactory,
    PayRunExceptionFactory,
    PayRunFactory,
    PayScheduleFactory,
    PayslipFactory,
    PayslipLineFactory,
    RtiSubmissionFactory,
    TaxCodeNoticeFactory,
)
from tests.factories.tenancy_fixture import FolderFactory, NoteFactory

DEPARTMENT_OWNED_FACTORIES = department_owned_factories()

__all__ = [
    "DEPARTMENT_OWNED_FACTORIES",
    "AccountFactory",
    "AccountingPeriodFactory",
    "BudgetFactory",
    "ExpenseClaimFactory",
    "ExpenseLineFactory",
    "JournalFactory",
    "JournalLineFactory",
    "ApiTokenFactory",
    "AuditEventFactory",
    "CostCentreFactory",
    "EmployeeFactory",
    "EmploymentFactory",
    "GradeFactory",
    "ImportJobFactory",
    "ImportMappingFactory",
    "ImportRowErrorFactory",
    "LeaveBalanceEntryFactory",
    "LeavePolicyFactory",
    "LeaveRequestFactory",
    "DocumentBatchFactory",
    "LeaveTypeFactory",
    "MembershipRequestFactory",
    "RoleConflictFactory",
    "RtiSubmissionFactory",
    "TaxCodeNoticeFactory",
    "OrganisationUnitFactory",
    "PayInputFactory",
    "PayRangeFactory",
    "PayrollIdempotencyKeyFactory",
    "PayRunExceptionFactory",
    "PayRunFactory",
    "PayScheduleFactory",
    "PayslipFactory",
    "PayslipLineFactory",
    "SicknessPeriodFactory",
    "DepartmentFactory",
    "DepartmentOwnedFactory",
    "FolderFactory",
    "MembershipFactory",
    "NoteFactory",
    "OpeningBalanceFactory",
    "OperatorAssignmentFactory",
    "UserFactory",
]
