"""The operators' platform home: the departments a person with a platform role serves, with their
role and its end date, and what needs attention in each as their assignment lets them see it;
platform administrators see every department and can create one."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from departments.roles import Role
from payroll.models import PayRun
from shared_services.accounts.models import User
from tests.factories import DepartmentFactory, OperatorAssignmentFactory, UserFactory
from tests.factories.hr import FamilyLeaveFactory
from tests.factories.payroll import PayRunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def olu(moj, dft):
    """An operator serving moj as its payroll officer until the end of March, and dft as its HR admin."""
    user = UserFactory(email="olu@centre.test", full_name="Olu Operator", platform_role=User.PlatformRole.OPERATOR)
    OperatorAssignmentFactory(user=user, department=moj.department, role=Role.PAYROLL_OFFICER,
                              valid_to=datetime.date(2027, 3, 31))
    OperatorAssignmentFactory(user=user, department=dft.department, role=Role.HR_ADMIN)
    return user


@pytest.fixture
def admin(db):
    return UserFactory(email="tom@centre.test", full_name="Tom Admin", platform_role=User.PlatformRole.PLATFORM_ADMIN)


@pytest.fixture
def work(moj, dft, in_department):
    """A run to calculate in moj, family leave for HR to confirm in dft."""
    with in_department(moj):
        PayRunFactory(department=moj.department, status=PayRun.Status.OPEN)
    with in_department(dft):
        start = timezone.localdate() + datetime.timedelta(days=20)
        FamilyLeaveFactory(department=dft.department, status="requested", start_date=start,
                           end_date=start + datetime.timedelta(days=90))


def _served(response) -> dict[str, object]:
    return {served.department.slug: served for served in response.context["served"]}


def test_an_operator_sees_the_departments_they_serve_with_what_their_role_there_needs(client, olu, work, moj, dft):
    # given
    client.force_login(olu)
    # when
    response = client.get("/platform/")
    # then both departments, each with the work the assignment's role does there
    assert response.status_code == 200
    served = _served(response)
    assert list(served) == ["dft", "moj"]
    assert [item.label for item in served["moj"].attention] == ["Pay runs to calculate"]
    assert [item.label for item in served["dft"].attention] == ["Family leave to confirm"]
    html = response.content.decode()
    assert "Payroll officer, until 31 March 2027" in html
    assert "HR admin, no end date" in html
    assert f'href="/departments/{moj.slug}/payroll/runs/' in html
    assert "Create a department" not in html


def test_an_operator_follows_each_link_into_the_department_and_it_opens(client, olu, work):
    client.force_login(olu)
    for served in client.get("/platform/").context["served"]:
        assert client.get(f"/departments/{served.department.slug}/").status_code == 200
        for item in served.attention:
            assert client.get(item.url).status_code == 200, item.label


def test_an_ended_assignment_leaves_the_platform_home(client, olu, moj):
    # given the moj assignment ends
    olu.operator_assignments.filter(department=moj.department).update(ended_at=timezone.now())
    client.force_login(olu)
    # when / then
    assert list(_served(client.get("/platform/"))) == ["dft"]


def test_a_platform_admin_sees_every_active_department_and_creates_one(client, admin, moj, dft, work):
    # given an inactive department, and an assignment to dft only
    DepartmentFactory(slug="closed", name="Closed Office", is_active=False)
    OperatorAssignmentFactory(user=admin, department=dft.department, role=Role.HR_ADMIN)
    client.force_login(admin)
    # when
    response = client.get("/platform/")
    # then every active department, with what needs attention only where the assignment lets them see
    served = _served(response)
    assert list(served) == ["dft", "moj"]
    assert [item.label for item in served["dft"].attention] == ["Family leave to confirm"]
    assert served["moj"].access is None
    assert served["moj"].attention == ()
    html = response.content.decode()
    assert "You are not assigned to this department, so what needs attention in it is not shown." in html
    assert 'href="/platform/departments/new/"' in html
    # and creating a department needs the platform role alone, not staff status
    assert not admin.is_staff
    assert client.get("/platform/departments/new/").status_code == 200
    # and the platform's other pages lead back to its home
    assert 'href="/platform/">Platform home</a>' in client.get("/platform/departments/").content.decode()


def test_the_platform_home_is_closed_to_people_without_a_platform_role(client, moj):
    client.force_login(moj.hr_admin)
    assert client.get("/platform/").status_code == 403
    client.logout()
    assert client.get("/platform/")["Location"].startswith("/accounts/sign-in/")


def test_people_with_a_platform_role_start_at_the_platform_home(client, olu, moj):
    client.force_login(olu)
    assert client.get("/")["Location"] == "/platform/"
    assert client.get("/departments/")["Location"] == "/platform/"
    # and the department switcher still takes them into a department
    assert client.get("/departments/", {"department": moj.slug})["Location"] == f"/departments/{moj.slug}/"


def test_the_platform_item_of_the_navigation_leads_to_the_platform_home_and_is_marked_there(client, olu, moj):
    client.force_login(olu)
    in_department = client.get(f"/departments/{moj.slug}/").content.decode()
    on_platform = client.get("/platform/").content.decode()
    assert 'data-section="platform">\n              <a class="govuk-service-navigation__link" href="/platform/">' \
        in in_department
    assert ('href="/platform/" aria-current="page"><strong class="govuk-service-navigation__active-fallback">'
            'Platform</strong></a>') in on_platform


def test_members_still_start_at_their_department(client, moj):
    client.force_login(moj.employee)
    assert client.get("/")["Location"] == "/departments/"
