"""Platform administrators assign operators to departments for a time-boxed period; break-glass
assignments need a second administrator; every assignment is listed, ended with a reason, audited,
and operators' actions in a department's audit log name the assignment they came through."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from departments import services
from departments.models import AuditEvent, OperatorAssignment
from departments.roles import Role
from shared_services.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def platform_admin(db):
    return UserFactory(email="priya@centre.test", full_name="Priya Admin",
                       platform_role=User.PlatformRole.PLATFORM_ADMIN)


@pytest.fixture
def second_platform_admin(db):
    return UserFactory(email="tom@centre.test", full_name="Tom Admin", platform_role=User.PlatformRole.PLATFORM_ADMIN)


@pytest.fixture
def centre_operator(db):
    return UserFactory(email="olu@centre.test", full_name="Olu Operator", platform_role=User.PlatformRole.OPERATOR)


def _assign(moj, operator, admin, **overrides):
    options = {"department": moj.department, "user": operator, "role": Role.PAYROLL_OFFICER, "acting_user": admin,
               "valid_to": TODAY() + datetime.timedelta(days=30), "reason": "Month-end support"}
    options.update(overrides)
    return services.operator_assign(**options)


def _form(moj, operator, **overrides):
    end = TODAY() + datetime.timedelta(days=30)
    data = {"operator": operator.pk, "department": moj.department.pk, "role": Role.PAYROLL_OFFICER,
            "kind": OperatorAssignment.Kind.STANDARD, "valid_to-day": end.day, "valid_to-month": end.month,
            "valid_to-year": end.year, "reason": "Month-end support"}
    data.update(overrides)
    return data


def test_a_platform_admin_assigns_an_operator_who_then_reaches_the_department(client, moj, platform_admin,
                                                                              centre_operator, in_department):
    client.force_login(platform_admin)
    # when
    response = client.post("/platform/assignments/new/", _form(moj, centre_operator))
    # then
    assert response.status_code == 302
    listing = client.get("/platform/assignments/").content.decode()
    assert "Olu Operator now serves Ministry of Justice." in listing
    assignment = OperatorAssignment.objects.get(user=centre_operator)
    assert assignment.valid_to == TODAY() + datetime.timedelta(days=30)
    with in_department(moj):
        event = AuditEvent.objects.get(action="operator_assignment.create")
    assert (event.actor, event.reason) == (platform_admin, "Month-end support")
    client.force_login(centre_operator)
    assert client.get(f"/departments/{moj.slug}/").status_code == 200


@override_settings(OPERATOR_ASSIGNMENT_MAX_DAYS=92)
@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"valid_to": None}, "valid_to", "Enter the last day of the assignment"),
    ({"valid_to": TODAY() + datetime.timedelta(days=93)}, "valid_to", "may last at most 92 days"),
    ({"kind": OperatorAssignment.Kind.BREAK_GLASS, "valid_to": TODAY() + datetime.timedelta(days=2)}, "valid_to",
     "A break-glass assignment may last at most 1 day"),
    ({"reason": " "}, "reason", "Say why"),
])
def test_assignments_without_an_end_too_long_or_without_a_reason_are_refused(moj, platform_admin, centre_operator,
                                                                             overrides, field, message):
    with pytest.raises(ValidationError) as refused:
        _assign(moj, centre_operator, platform_admin, **overrides)
    assert message in refused.value.message_dict[field][0]
    assert not OperatorAssignment.objects.exists()


def test_only_operators_can_be_assigned_and_only_by_a_platform_admin(moj, platform_admin, centre_operator):
    with pytest.raises(ValidationError) as not_operator:
        _assign(moj, moj.hr_admin, platform_admin)
    assert "is not a shared-services operator" in not_operator.value.message_dict["user"][0]
    with pytest.raises(ValidationError, match="Only a platform administrator"):
        _assign(moj, centre_operator, moj.hr_admin)
    assert not OperatorAssignment.objects.exists()


def test_the_assignment_form_shows_a_missing_last_day_in_the_error_summary(client, moj, platform_admin,
                                                                           centre_operator):
    client.force_login(platform_admin)
    page = client.post("/platform/assignments/new/", _form(moj, centre_operator, **{
        "valid_to-day": "", "valid_to-month": "", "valid_to-year": ""})).content.decode()
    assert "There is a problem" in page
    assert "Enter the last day of the assignment: assignments are time-boxed." in page
    assert not OperatorAssignment.objects.exists()


def test_break_glass_gives_access_only_after_a_second_admin_approves(client, moj, platform_admin,
                                                                     second_platform_admin, centre_operator,
                                                                     in_department):
    # given a break-glass assignment for today
    assignment = _assign(moj, centre_operator, platform_admin, kind=OperatorAssignment.Kind.BREAK_GLASS,
                         valid_to=TODAY(), reason="Payroll failure at night")
    client.force_login(centre_operator)
    assert client.get(f"/departments/{moj.slug}/").status_code == 404
    # its creator cannot approve it
    with pytest.raises(ValidationError, match="another platform administrator must approve it"):
        services.operator_assignment_approve(assignment=assignment, acting_user=platform_admin)
    client.force_login(platform_admin)
    assert "Another platform administrator must approve it" in client.get("/platform/assignments/").content.decode()
    # when a second administrator approves it
    client.force_login(second_platform_admin)
    response = client.post(f"/platform/assignments/{assignment.pk}/approve/")
    # then the operator reaches the department
    assert response.status_code == 302
    client.force_login(centre_operator)
    assert client.get(f"/departments/{moj.slug}/").status_code == 200
    with in_department(moj):
        assert AuditEvent.objects.get(action="operator_assignment.approve").actor == second_platform_admin


def test_an_ended_assignment_stops_access_and_is_listed_as_ended(client, moj, platform_admin, centre_operator,
                                                                  in_department):
    assignment = _assign(moj, centre_operator, platform_admin)
    client.force_login(platform_admin)
    missing = client.post(f"/platform/assignments/{assignment.pk}/end/", {"reason": ""}).content.decode()
    assert "There is a problem" in missing
    response = client.post(f"/platform/assignments/{assignment.pk}/end/", {"reason": "Month end done"})
    assert response.status_code == 302
    listing = client.get("/platform/assignments/").content.decode()
    ended_section = listing.split('data-testid="assignments-ended"')[1]
    assert "Month end done" in ended_section
    client.force_login(centre_operator)
    assert client.get(f"/departments/{moj.slug}/").status_code == 404
    with in_department(moj):
        assert AuditEvent.objects.get(action="operator_assignment.end").reason == "Month end done"


def test_operators_see_only_their_own_assignments_and_cannot_manage_them(client, moj, dft, platform_admin,
                                                                         centre_operator):
    other = UserFactory(email="other@centre.test", full_name="Other Operator",
                        platform_role=User.PlatformRole.OPERATOR)
    _assign(moj, centre_operator, platform_admin)
    _assign(dft, other, platform_admin)
    client.force_login(centre_operator)
    page = client.get("/platform/assignments/").content.decode()
    assert "Ministry of Justice" in page
    assert "Other Operator" not in page
    assert client.get("/platform/assignments/new/").status_code == 403
    assert client.get("/platform/departments/").status_code == 403
    client.force_login(moj.hr_admin)
    assert client.get("/platform/assignments/").status_code == 403


def test_the_audit_log_names_the_assignment_an_operators_change_came_through(client, moj, platform_admin,
                                                                             centre_operator):
    # given an operator serving as HR admin
    assignment = _assign(moj, centre_operator, platform_admin, role=Role.HR_ADMIN, reason="Onboarding help")
    client.force_login(centre_operator)
    # when they grant a role through the people page
    client.post(f"/departments/{moj.slug}/people/", {"email": moj.employee.email, "role": Role.AUDITOR,
                                                      "reason": "Audit cover"})
    # then the department's audit log names the assignment
    client.force_login(moj.hr_admin)
    page = client.get(f"/departments/{moj.slug}/audit-log/").content.decode()
    assert f"operator assignment {assignment.pk} (planned, HR admin" in page
    assert "Onboarding help" in page
