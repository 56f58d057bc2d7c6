"""Department pages: home with real figures, people, audit log; 404 for unreachable departments."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from departments import services
from tests.factories import OperatorAssignmentFactory

pytestmark = pytest.mark.django_db


def test_member_sees_their_department_home_with_real_figures(client, moj, dft):
    # given
    client.force_login(moj.hr_admin)
    # when
    response = client.get(f"/departments/{moj.slug}/")
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1 class=\"govuk-heading-xl\">Ministry of Justice</h1>" in page
    figures = {figure.label: figure.value for figure in response.context["figures"]}
    assert figures["People with access"] == 8
    assert figures["Shared-services operators"] == 0


def test_single_department_member_lands_on_its_home(client, moj):
    client.force_login(moj.employee)
    response = client.get("/departments/")
    assert response.status_code == 302
    assert response["Location"] == f"/departments/{moj.slug}/"


def test_another_departments_page_is_a_404(client, moj, dft):
    client.force_login(moj.hr_admin)
    for path in (f"/departments/{dft.slug}/", f"/departments/{dft.slug}/people/", "/departments/nope/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in response.content.decode()


def test_signed_out_visitor_is_sent_to_sign_in(client, moj):
    response = client.get(f"/departments/{moj.slug}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/?next=")


def test_operator_chooses_and_switches_between_assigned_departments(client, operator, moj, dft):
    # given
    client.force_login(operator)
    # when
    choose = client.get("/departments/")
    switched = client.get("/departments/", {"department": dft.slug})
    home = client.get(f"/departments/{dft.slug}/")
    # then
    assert choose.status_code == 200
    assert [d.slug for d in choose.context["departments"]] == ["dft", "moj"]
    assert switched["Location"] == f"/departments/{dft.slug}/"
    assert "shared-services operator" in home.content.decode()
    assert 'id="switch-department"' in home.content.decode()


def test_switching_to_an_unreachable_department_does_not_go_there(client, moj, dft, operator):
    client.force_login(moj.hr_admin)
    response = client.get("/departments/", {"department": dft.slug})
    assert response.status_code == 302
    assert response["Location"] == f"/departments/{moj.slug}/"


def test_expired_operator_assignment_gives_no_access(client, moj):
    # given an assignment that ended yesterday
    assignment = OperatorAssignmentFactory(
        department=moj.department,
        valid_from=timezone.localdate() - datetime.timedelta(days=30),
        valid_to=timezone.localdate() - datetime.timedelta(days=1),
    )
    client.force_login(assignment.user)
    # then
    assert client.get(f"/departments/{moj.slug}/").status_code == 404


def test_employee_is_refused_the_people_page_with_a_403(client, moj):
    client.force_login(moj.employee)
    response = client.get(f"/departments/{moj.slug}/people/")
    assert response.status_code == 403
    assert "You do not have permission" in response.content.decode()


def test_people_page_lists_members_and_operators(client, moj, operator):
    client.force_login(moj.hr_admin)
    page = client.get(f"/departments/{moj.slug}/people/").content.decode()
    assert "hr.admin@moj.test" in page
    assert "Centre Operator" in page


def test_audit_log_page_shows_the_departments_changes_only(client, moj, dft):
    # given a change in each department
    services.api_token_create(department=moj.department, name="MoJ feed", scopes=["hr:read"], acting_user=None)
    services.api_token_create(department=dft.department, name="DfT feed", scopes=["hr:read"], acting_user=None)
    client.force_login(moj.hr_admin)
    # when
    page = client.get(f"/departments/{moj.slug}/audit-log/").content.decode()
    # then
    assert "MoJ feed" in page
    assert "DfT feed" not in page


def test_home_shows_the_audit_figure_only_to_those_who_may_read_the_log(client, moj):
    client.force_login(moj.employee)
    labels = [figure.label for figure in client.get(f"/departments/{moj.slug}/").context["figures"]]
    assert "Audited changes in the last 30 days" not in labels
    client.force_login(moj.auditor)
    labels = [figure.label for figure in client.get(f"/departments/{moj.slug}/").context["figures"]]
    assert "Audited changes in the last 30 days" in labels


def test_root_sends_visitors_to_sign_in(client):
    response = client.get("/")
    assert response["Location"] == "/accounts/sign-in/"


def test_ending_a_membership_removes_access_at_once(client, moj):
    # given
    client.force_login(moj.hr_officer)
    membership = moj.hr_officer.memberships.get()
    # when
    services.membership_end(membership=membership, acting_user=moj.hr_admin)
    # then
    assert client.get(f"/departments/{moj.slug}/").status_code == 404


def test_granting_an_unknown_role_names_the_field(moj):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.membership_grant(department=moj.department, user=moj.employee, role="boss", acting_user=None)
    assert "role" in error.value.message_dict
