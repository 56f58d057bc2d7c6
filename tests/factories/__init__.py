"""factory_boy factories. Department-owned factories subclass ``DepartmentOwnedFactory`` and are
registered in ``DEPARTMENT_OWNED_FACTORIES``, which the isolation contract test reads."""

from tests.factories.base import DEPARTMENT_OWNED_FACTORIES, DepartmentOwnedFactory
from tests.factories.departments import (
    ApiTokenFactory,
    AuditEventFactory,
    DepartmentFactory,
    MembershipFactory,
    OperatorAssignmentFactory,
    UserFactory,
)
from tests.factories.tenancy_fixture import FolderFactory, NoteFactory

__all__ = [
    "DEPARTMENT_OWNED_FACTORIES",
    "ApiTokenFactory",
    "AuditEventFactory",
    "DepartmentFactory",
    "DepartmentOwnedFactory",
    "FolderFactory",
    "MembershipFactory",
    "NoteFactory",
    "OperatorAssignmentFactory",
    "UserFactory",
]
