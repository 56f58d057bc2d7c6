from __future__ import annotations

import factory

from departments.models import ApiToken, AuditEvent, Department, DepartmentMembership, OperatorAssignment
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
