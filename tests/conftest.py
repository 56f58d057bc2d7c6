"""Shared fixtures: two departments with personas (moj and dft), an operator serving both, and
helpers to act inside a department or as the application's database role."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connection
from django.urls import get_resolver
from rest_framework.test import APIClient

from departments.models import Department, OperatorAssignment
from departments.roles import Role
from departments.tenancy import department_context
from shared_services.accounts import two_factor  # also times sessions from login, force_login included
from shared_services.accounts.models import User
from tests.factories import DepartmentFactory, MembershipFactory, OperatorAssignmentFactory, UserFactory
from tests.factories.departments import TEST_PASSWORD

PERSONA_ROLES = {
    "hr_admin": Role.HR_ADMIN,
    "hr_officer": Role.HR_OFFICER,
    "payroll_officer": Role.PAYROLL_OFFICER,
    "payroll_approver": Role.PAYROLL_APPROVER,
    "finance_officer": Role.FINANCE_OFFICER,
    "manager": Role.MANAGER,
    "employee": Role.EMPLOYEE,
    "auditor": Role.AUDITOR,
}


@dataclass
class DepartmentWithPeople:
    department: Department
    people: dict[str, User]

    def __getattr__(self, persona: str) -> User:
        try:
            return self.__dict__["people"][persona]
        except KeyError:
            raise AttributeError(persona) from None

    @property
    def slug(self) -> str:
        return self.department.slug

    @property
    def id(self) -> int:
        return self.department.id


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: object) -> None:
    """Refuse to test as a role that row-level security does not bind (TENANCY.md §2)."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            user, is_superuser, bypasses_rls = cursor.fetchone()
    if is_superuser or bypasses_rls:
        pytest.exit(
            f"Tests must run as a role that is subject to RLS; '{user}' is "
            f"{'a superuser' if is_superuser else 'BYPASSRLS'}. Use the hr_owner role (see README).",
            returncode=3,
        )


def _department_with_people(slug: str, name: str) -> DepartmentWithPeople:
    department = DepartmentFactory(slug=slug, name=name)
    people = {}
    for persona, role in PERSONA_ROLES.items():
        user = UserFactory(email=f"{persona.replace('_', '.')}@{slug}.test", full_name=f"{slug.upper()} {persona}")
        MembershipFactory(user=user, department=department, role=role)
        people[persona] = user
    return DepartmentWithPeople(department=department, people=people)


@pytest.fixture
def moj(db: None) -> DepartmentWithPeople:
    return _department_with_people("moj", "Ministry of Justice")


@pytest.fixture
def dft(db: None) -> DepartmentWithPeople:
    return _department_with_people("dft", "Department for Transport")


@pytest.fixture
def operator(moj: DepartmentWithPeople, dft: DepartmentWithPeople) -> User:
    """A shared-services centre payroll operator assigned to both departments."""
    user = UserFactory(email="operator@centre.test", full_name="Centre Operator")
    for department in (moj.department, dft.department):
        OperatorAssignmentFactory(user=user, department=department, role=Role.PAYROLL_OFFICER)
    return user


@pytest.fixture(scope="session", autouse=True)
def _url_configuration_loaded_outside_any_department() -> None:
    """Load the URL configuration before any test, as a web process does on its first request:
    loaded first inside a department's context (a service that builds a link with ``reverse``),
    the API modules' class-level querysets would be built in that department's scope."""
    get_resolver().url_patterns  # noqa: B018 - reading it loads the configuration


@pytest.fixture
def in_department() -> Callable[[Department | DepartmentWithPeople], AbstractContextManager[int]]:
    def enter(department: Department | DepartmentWithPeople) -> AbstractContextManager[int]:
        return department_context(department.id)

    return enter


@contextmanager
def database_role(role: str) -> Iterator[None]:
    """Run statements as ``role`` (the owner is a member of the app and reporting roles)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(role)}")
    # On an error the caller's savepoint rollback undoes the SET LOCAL; only a clean exit resets.
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


@pytest.fixture
def as_app_role() -> Callable[[], AbstractContextManager[None]]:
    return lambda: database_role(settings.DB_APP_ROLE)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def sign_in(client: object) -> Callable[[User], object]:
    def sign_in_as(user: User) -> object:
        client.force_login(user)  # type: ignore[attr-defined]
        return client

    return sign_in_as


@pytest.fixture
def stepped_up(client: object) -> Callable[[], None]:
    """Mark the test client's session as having given a second factor just now (approving and
    finalising pay, and changing bank details, ask for one)."""

    def mark() -> None:
        session = client.session  # type: ignore[attr-defined]
        session[two_factor.VERIFIED_AT_KEY] = time.time()
        session.save()

    return mark


__all__ = ["TEST_PASSWORD", "DepartmentWithPeople", "OperatorAssignment", "database_role"]
