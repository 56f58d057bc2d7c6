"""HR admins grant, change and end roles on the people page and from the command line: for a dated
period, with a reason, audited, and only for people already in the department."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from departments.models import AuditEvent, DepartmentMembership
from departments.roles import Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _grant(client, slug, **overrides):
    start, end = TODAY(), TODAY() + datetime.timedelta(days=90)
    data = {"email": "employee@moj.test", "role": Role.AUDITOR, "valid_from-day": start.day,
            "valid_from-month": start.month, "valid_from-year": start.year, "valid_to-day": end.day,
            "valid_to-month": end.month, "valid_to-year": end.year, "reason": "Covering the annual audit"}
    data.update(overrides)
    return client.post(f"/departments/{slug}/people/", data)


def test_an_hr_admin_grants_a_dated_role_with_a_reason_and_it_is_listed_and_audited(client, moj, in_department):
    # given
    client.force_login(moj.hr_admin)
    # when
    response = _grant(client, moj.slug)
    # then
    assert response.status_code == 302
    membership = DepartmentMembership.objects.get(user=moj.employee, role=Role.AUDITOR)
    assert (membership.valid_from, membership.valid_to) == (TODAY(), TODAY() + datetime.timedelta(days=90))
    assert (membership.reason, membership.granted_by) == ("Covering the annual audit", moj.hr_admin)
    page = client.get(f"/departments/{moj.slug}/people/").content.decode()
    assert "MOJ employee now has the Auditor role." in page
    assert (TODAY() + datetime.timedelta(days=90)).strftime("%-d %B %Y") in page
    assert "Covering the annual audit" in page
    with in_department(moj):
        event = AuditEvent.objects.get(action="membership.grant", object_id=str(membership.pk))
    assert (event.actor, event.reason) == (moj.hr_admin, "Covering the annual audit")


def test_a_person_outside_the_department_cannot_be_granted_a_role(client, moj, dft):
    client.force_login(moj.hr_admin)
    # someone in another department, and an address with no account
    outsider = _grant(client, moj.slug, email="employee@dft.test").content.decode()
    stranger = _grant(client, moj.slug, email="nobody@moj.test").content.decode()
    assert "There is a problem" in outsider
    assert "DFT employee is not in Ministry of Justice" in outsider
    assert 'href="#id_email"' in outsider
    assert "Nobody has an account with the address nobody@moj.test" in stranger
    assert not DepartmentMembership.objects.filter(department=moj.department, user=dft.employee).exists()


def test_missing_reason_and_backwards_dates_are_shown_in_the_error_summary(client, moj):
    client.force_login(moj.hr_admin)
    page = _grant(client, moj.slug, reason="").content.decode()
    assert "Say why the role is being granted" in page
    page = _grant(client, moj.slug, **{"valid_to-year": TODAY().year - 1}).content.decode()
    assert "The last day must be on or after the first day." in page
    assert not DepartmentMembership.objects.filter(user=moj.employee, role=Role.AUDITOR).exists()


def test_people_who_may_only_read_members_see_the_page_but_cannot_grant(client, moj):
    client.force_login(moj.hr_officer)
    page = client.get(f"/departments/{moj.slug}/people/").content.decode()
    assert "MOJ employee" in page
    assert "Grant a role" not in page
    assert _grant(client, moj.slug).status_code == 403
    assert not DepartmentMembership.objects.filter(user=moj.employee, role=Role.AUDITOR).exists()


def test_an_hr_admin_ends_a_role_with_a_reason_and_the_person_loses_its_access(client, moj, in_department):
    membership = DepartmentMembership.objects.get(user=moj.auditor, role=Role.AUDITOR)
    client.force_login(moj.hr_admin)
    # a reason is needed
    page = client.post(f"/departments/{moj.slug}/people/{membership.pk}/end/", {"reason": ""}).content.decode()
    assert "Give a reason" in page
    # when
    response = client.post(f"/departments/{moj.slug}/people/{membership.pk}/end/", {"reason": "Audit finished"})
    # then
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.ended_by, membership.end_reason) == (moj.hr_admin, "Audit finished")
    client.force_login(moj.auditor)
    assert client.get(f"/departments/{moj.slug}/").status_code == 404
    with in_department(moj):
        assert AuditEvent.objects.get(action="membership.end").reason == "Audit finished"


def test_a_role_that_follows_the_hr_record_is_shown_but_cannot_be_ended_here(client, moj):
    hr_role = MembershipFactory(user=UserFactory(email="starter@moj.test", full_name="New Starter"),
                                department=moj.department, role=Role.EMPLOYEE,
                                source=DepartmentMembership.Source.HR_RECORD)
    client.force_login(moj.hr_admin)
    listing = client.get(f"/departments/{moj.slug}/people/").content.decode()
    assert "Follows the HR record" in listing
    page = client.post(f"/departments/{moj.slug}/people/{hr_role.pk}/end/", {"reason": "Trying"}).content.decode()
    assert "follows New Starter&#x27;s HR record" in page
    hr_role.refresh_from_db()
    assert hr_role.ended_at is None


def test_the_departments_only_hr_admin_cannot_be_ended(client, moj):
    own = DepartmentMembership.objects.get(user=moj.hr_admin, role=Role.HR_ADMIN)
    client.force_login(moj.hr_admin)
    page = client.post(f"/departments/{moj.slug}/people/{own.pk}/end/", {"reason": "Leaving"}).content.decode()
    assert "the department&#x27;s only HR admin" in page
    own.refresh_from_db()
    assert own.ended_at is None


def test_an_hr_admin_changes_a_roles_dates_with_a_reason(client, moj, in_department):
    membership = DepartmentMembership.objects.get(user=moj.auditor, role=Role.AUDITOR)
    end = TODAY() + datetime.timedelta(days=30)
    client.force_login(moj.hr_admin)
    response = client.post(f"/departments/{moj.slug}/people/{membership.pk}/change/", {
        "valid_from-day": membership.valid_from.day, "valid_from-month": membership.valid_from.month,
        "valid_from-year": membership.valid_from.year, "valid_to-day": end.day, "valid_to-month": end.month,
        "valid_to-year": end.year, "reason": "Contract ends"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.valid_to == end
    with in_department(moj):
        event = AuditEvent.objects.get(action="membership.change")
    assert (event.reason, event.changes["valid_to"]["after"]) == ("Contract ends", end.isoformat())


def test_another_departments_role_cannot_be_ended_through_this_one(client, moj, dft):
    theirs = DepartmentMembership.objects.get(user=dft.auditor)
    client.force_login(moj.hr_admin)
    assert client.post(f"/departments/{moj.slug}/people/{theirs.pk}/end/", {"reason": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.ended_at is None


def test_grant_role_command_grants_a_dated_role(moj, capsys):
    call_command("grant_role", "--department", "moj", "--email", "manager@moj.test", "--role", "auditor",
                 "--from", "2026-04-01", "--to", "2027-03-31", "--reason", "Year-end audit")
    membership = DepartmentMembership.objects.get(user=moj.manager, role=Role.AUDITOR)
    assert (membership.valid_from, membership.valid_to) == (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31))
    assert "manager@moj.test has the Auditor role in moj from 1 April 2026 until 31 March 2027." in (
        capsys.readouterr().out)


@pytest.mark.parametrize(("arguments", "message"), [
    (["--email", "employee@dft.test", "--role", "auditor"], "--email: DFT employee is not in Ministry of Justice"),
    (["--email", "manager@moj.test", "--role", "boss"], "--role: 'boss' is not a role"),
    (["--email", "manager@moj.test", "--role", "auditor", "--from", "1st April"], "--from: '1st April' is not a date"),
    (["--email", "manager@moj.test", "--role", "auditor", "--reason", " "], "--reason: Say why"),
    (["--email", "payroll.officer@moj.test", "--role", "payroll_approver"], "needs a second HR admin's approval"),
])
def test_grant_role_command_refuses_bad_input_with_a_clear_message(moj, dft, arguments, message):
    options = ["--department", "moj", "--reason", "Audit", *arguments]
    with pytest.raises(CommandError, match=message):
        call_command("grant_role", *options)
    assert not DepartmentMembership.objects.filter(user=moj.manager, role=Role.AUDITOR).exists()
