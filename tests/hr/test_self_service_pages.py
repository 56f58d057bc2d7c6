"""Employees book and withdraw their own leave; line managers see their team without sensitive data."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hr import services
from hr.models import LeaveRequest, LeaveType
from tests.factories import EmploymentFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def team(moj, in_department):
    """moj's manager persona manages the employee persona; both linked to their records."""
    services.leave_types_install_defaults(department=moj.department, acting_user=None)
    manager = EmploymentFactory(department=moj.department, employee__start_date=D(2020, 4, 1)).employee
    member = EmploymentFactory(department=moj.department, line_manager=manager, post_title="Case officer",
                               employee__start_date=D(2020, 4, 1), employee__last_name="Quarshie",
                               employee__ni_number="JM123456C",
                               annual_salary=Decimal("31234.56")).employee
    manager.user, member.user = moj.manager, moj.employee
    with in_department(moj):
        manager.save(update_fields=["user"])
        member.save(update_fields=["user"])
        annual = LeaveType.objects.get(code="ANNUAL")
    return {"manager": manager, "member": member, "annual": annual}


def _future(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _date_fields(prefix: str, day: datetime.date) -> dict[str, str]:
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


def test_an_employee_requests_leave_and_sees_it_waiting_against_their_balance(client, moj, team, in_department):
    # given
    client.force_login(moj.employee)
    start, end = _future(30), _future(31)
    # when
    response = client.post(f"/departments/{moj.slug}/hr/me/leave/new/", {
        "leave_type": "ANNUAL", **_date_fields("start_date", start), **_date_fields("end_date", end),
        "hours": "14.8", "reason": "Family visit"}, follow=True)
    # then
    body = response.content.decode()
    assert "is waiting for your line manager" in body
    assert "14.80 hours" in body  # waiting for a decision
    with in_department(moj):
        request = LeaveRequest.objects.get(employee=team["member"])
    assert (request.start_date, request.hours, request.status, request.reason) == (start, Decimal("14.8"),
                                                                                  "pending", "Family visit")


def test_bad_leave_request_shows_an_error_summary_naming_each_field(client, moj, team, in_department):
    # given
    client.force_login(moj.employee)
    # when the last day is before the first and the hours are not a number
    response = client.post(f"/departments/{moj.slug}/hr/me/leave/new/", {
        "leave_type": "ANNUAL", **_date_fields("start_date", _future(10)), **_date_fields("end_date", _future(5)),
        "hours": "lots"})
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body
    assert "The last day of leave must be on or after the first day" in body
    assert "Enter the hours of leave as a number" in body
    assert 'href="#id_hours"' in body
    with in_department(moj):
        assert not LeaveRequest.objects.exists()


def test_more_hours_than_are_left_is_refused_by_the_balance(client, moj, team, in_department):
    client.force_login(moj.employee)
    response = client.post(f"/departments/{moj.slug}/hr/me/leave/new/", {
        "leave_type": "ANNUAL", **_date_fields("start_date", _future(10)), **_date_fields("end_date", _future(60)),
        "hours": "1500"})
    assert "are left this leave year" in response.content.decode()
    with in_department(moj):
        assert not LeaveRequest.objects.exists()


def test_an_employee_cancels_their_own_future_request_but_not_one_that_started(client, moj, team, in_department):
    # given one request in the future and one approved that has started
    member, annual = team["member"], team["annual"]
    future = services.leave_request_create(employee=member, leave_type=annual, start_date=_future(20),
                                           end_date=_future(20), hours=Decimal("7.4"), acting_user=None)
    started = services.leave_request_create(employee=member, leave_type=annual, start_date=_future(0),
                                            end_date=_future(2), hours=Decimal("7.4"), acting_user=None)
    services.leave_request_decide(request=started, approve=True, acting_user=moj.manager)
    client.force_login(moj.employee)
    url = f"/departments/{moj.slug}/hr/me/leave/"
    # when
    page = client.get(url).content.decode()
    cancelled = client.post(url, {"request": future.pk}, follow=True).content.decode()
    refused = client.post(url, {"request": started.pk}, follow=True).content.decode()
    # then only the future request offers a cancel button, and only it is cancelled
    assert page.count('name="request"') == 1
    assert "Cancelled: Annual leave" in cancelled
    assert "This leave has started, so ask HR to change it." in refused
    with in_department(moj):
        assert LeaveRequest.objects.get(pk=future.pk).status == "cancelled"
        assert LeaveRequest.objects.get(pk=started.pk).status == "approved"


def test_an_employee_cannot_cancel_someone_elses_request(client, moj, team, in_department):
    manager_request = services.leave_request_create(employee=team["manager"], leave_type=team["annual"],
                                                    start_date=_future(40), end_date=_future(40),
                                                    hours=Decimal("7.4"), acting_user=None)
    client.force_login(moj.employee)
    response = client.post(f"/departments/{moj.slug}/hr/me/leave/", {"request": manager_request.pk}, follow=True)
    assert "not found among yours" in response.content.decode()
    with in_department(moj):
        assert LeaveRequest.objects.get(pk=manager_request.pk).status == "pending"


def test_an_account_without_an_employee_record_is_told_what_to_do(client, moj):
    client.force_login(moj.employee)
    page = client.get(f"/departments/{moj.slug}/hr/me/leave/")
    form = client.get(f"/departments/{moj.slug}/hr/me/leave/new/")
    assert page.status_code == 200
    assert "not linked to an employee record" in page.content.decode()
    assert form.status_code == 302


def test_the_manager_sees_their_team_without_sensitive_fields(client, moj, team, in_department):
    # given the member is off sick (with a health reason) and has leave booked
    member = team["member"]
    services.sickness_record(employee=member, first_day=_future(-1), last_day=None, reason="Migraine",
                             acting_user=None)
    services.leave_request_create(employee=member, leave_type=team["annual"], start_date=_future(50),
                                  end_date=_future(51), hours=Decimal("14.8"), acting_user=None)
    client.force_login(moj.manager)
    # when
    body = client.get(f"/departments/{moj.slug}/hr/team/").content.decode()
    # then
    assert "Quarshie" in body
    assert "Case officer" in body
    assert "Off sick" in body
    assert "(waiting)" in body
    assert "Migraine" not in body
    assert "31,234" not in body
    assert "31234" not in body
    assert "JM123456C" not in body
    assert "JM 12 34 56 C" not in body
    assert member.date_of_birth.strftime("%-d %B %Y") not in body


def test_the_team_page_needs_the_team_scope_and_self_service_needs_membership(client, moj, dft):
    client.force_login(moj.employee)
    assert client.get(f"/departments/{moj.slug}/hr/team/").status_code == 403
    assert client.get(f"/departments/{dft.slug}/hr/me/leave/").status_code == 404


def test_the_home_page_points_employees_and_managers_to_their_pages(client, moj, team):
    client.force_login(moj.manager)
    manager_home = client.get(f"/departments/{moj.slug}/").content.decode()
    client.force_login(moj.employee)
    employee_home = client.get(f"/departments/{moj.slug}/").content.decode()
    assert f"/departments/{moj.slug}/hr/team/" in manager_home
    assert f"/departments/{moj.slug}/hr/me/leave/" in employee_home
    assert f"/departments/{moj.slug}/hr/team/" not in employee_home


def test_the_team_page_query_count_does_not_grow_with_the_team(client, moj, team, in_department):
    # given a team of one, each member with leave booked
    def add_members(count):
        for _ in range(count):
            member = EmploymentFactory(department=moj.department, line_manager=team["manager"],
                                       employee__start_date=D(2020, 4, 1)).employee
            services.leave_request_create(employee=member, leave_type=team["annual"], start_date=_future(30),
                                          end_date=_future(30), hours=Decimal("7.4"), acting_user=None)

    client.force_login(moj.manager)
    url = f"/departments/{moj.slug}/hr/team/"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    add_members(8)
    # when
    with CaptureQueriesContext(connection) as large:
        body = client.get(url).content.decode()
    # then
    assert "People who report to you (9)" in body
    assert len(large.captured_queries) == len(small.captured_queries)
