from __future__ import annotations

import datetime

import factory

from departments.models import (
    ApiToken,
    AuditEvent,
    Department,
    DepartmentMembership,
    MembershipRequest,
    Notification,
    NotificationPreference,
    OperatorAssignment,
    RoleConflict,
)
from departments.roles import Role
from shared_services.accounts.models import User
from tests.factories.base import DepartmentOwnedFactory

TEST_PASSWORD = "correct-horse-battery-staple"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"dept{n}")
    name = factory.LazyAttribute(lambda d: f"Department {d.slug.upper()}")
    employer_paye_reference = factory.Sequence(lambda n: f"120/AB{n:05d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password(TEST_PASSWORD)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DepartmentMembership

    user = factory.SubFactory(UserFactory)
    department = factory.SubFactory(DepartmentFactory)
    role = Role.HR_OFFICER


class OperatorAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OperatorAssignment

    user = factory.SubFactory(UserFactory)
    department = factory.SubFactory(DepartmentFactory)
    role = Role.PAYROLL_OFFICER


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """Tokens are made by the service in tests that need the secret; this one is for listings."""

    class Meta:
        model = ApiToken

    name = factory.Sequence(lambda n: f"Integration {n}")
    department = factory.SubFactory(DepartmentFactory)
    user = factory.SubFactory(UserFactory, kind=User.Kind.API_CLIENT)
    scopes = factory.LazyFunction(lambda: ["hr:read"])
    key_prefix = factory.Sequence(lambda n: f"{n:08x}")
    key_hash = "0" * 64


class AuditEventFactory(DepartmentOwnedFactory):
    class Meta:
        model = AuditEvent

    action = "test.event"
    object_repr = factory.Sequence(lambda n: f"Object {n}")


class RoleConflictFactory(DepartmentOwnedFactory):
    class Meta:
        model = RoleConflict

    role_a = Role.PAYROLL_APPROVER
    role_b = Role.PAYROLL_OFFICER


class MembershipRequestFactory(DepartmentOwnedFactory):
    class Meta:
        model = MembershipRequest

    # Saved even when the request is only built: people are global rows the contract test points at.
    user = factory.LazyFunction(lambda: UserFactory.create())
    role = Role.PAYROLL_APPROVER
    conflicts_with = Role.PAYROLL_OFFICER
    valid_from = factory.LazyFunction(lambda: datetime.date(2026, 4, 1))
    reason = "Covering approvals while the approver is on leave"
    requested_by = factory.LazyFunction(lambda: UserFactory.create())


class NotificationFactory(DepartmentOwnedFactory):
    class Meta:
        model = Notification

    user = factory.LazyFunction(lambda: UserFactory.create())
    to_address = factory.Sequence(lambda n: f"person{n}@home.example")
    kind = Notification.Kind.PAYSLIP_READY
    subject = "Your payslip is ready"
    body = "Your payslip for November 2026 is ready to view."


class NotificationPreferenceFactory(DepartmentOwnedFactory):
    class Meta:
        model = NotificationPreference

    user = factory.LazyFunction(lambda: UserFactory.create())
    daily_digest = True
