"""Platform operators create departments: a new tenant, its settings and its first HR admin."""

from __future__ import annotations

import pytest

from departments.models import AuditEvent, Department, DepartmentMembership
from departments.roles import Role
from shared_services.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_operator(db):
    return UserFactory(email="platform@centre.test", full_name="Platform Operator",
                       platform_role=User.PlatformRole.PLATFORM_ADMIN)


def _form(**overrides):
    data = {"name": "Department for Work and Pensions", "slug": "dwp", "employer_paye_reference": "123/AB45678",
            "accounts_office_reference": "123PA00012345", "bacs_service_user_number": "912345",
            "pay_frequency": "monthly", "leave_year_start_day": "1", "leave_year_start_month": "4",
            "hr_admin_email": "first.admin@dwp.example", "hr_admin_name": "First Admin"}
    data.update(overrides)
    return data


def test_an_operator_creates_an_empty_isolated_department_with_its_first_hr_admin(client, platform_operator,
                                                                                  in_department):
    client.force_login(platform_operator)
    response = client.post("/platform/departments/new/", _form())
    assert response.status_code == 302
    department = Department.objects.get(slug="dwp")
    assert department.accounts_office_reference == "123PA00012345"
    admin = DepartmentMembership.objects.get(department=department, role=Role.HR_ADMIN).user
    assert admin.email == "first.admin@dwp.example"
    assert not admin.has_usable_password()
    with in_department(department):
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        assert actions == {"department.create", "membership.grant", "role_conflict.add",
                           "leave_types.install_defaults", "working_patterns.install_defaults"}
        assert AuditEvent.objects.get(action="department.create").actor == platform_operator
    page = client.get("/platform/departments/").content.decode()
    assert "Department for Work and Pensions was created, with first.admin@dwp.example" in page
    # the new admin reaches the department, and nobody else's
    client.force_login(admin)
    assert client.get("/departments/dwp/").status_code == 200


def test_bad_settings_are_shown_in_the_error_summary_and_nothing_is_created(client, platform_operator):
    client.force_login(platform_operator)
    page = client.post("/platform/departments/new/", _form(employer_paye_reference="nonsense", slug="Not A Slug",
                                                           hr_admin_email="")).content.decode()
    assert "There is a problem" in page
    assert "Use lower-case letters, digits and hyphens only, like dwp" in page
    assert "Enter the first HR admin" in page
    assert not Department.objects.filter(name="Department for Work and Pensions").exists()


def test_a_slug_already_taken_is_refused(client, platform_operator, moj):
    client.force_login(platform_operator)
    page = client.post("/platform/departments/new/", _form(slug="moj")).content.decode()
    assert "A department with the address &#x27;moj&#x27; already exists." in page


def test_only_platform_administrators_reach_the_department_pages(client, moj, operator):
    client.force_login(moj.hr_admin)
    assert client.get("/platform/departments/new/").status_code == 403
    client.force_login(operator)
    assert client.get("/platform/departments/").status_code == 403
    # is_staff alone (the Django admin's flag) no longer opens them
    client.force_login(UserFactory(email="staff@centre.test", is_staff=True))
    assert client.get("/platform/departments/").status_code == 403
