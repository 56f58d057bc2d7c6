"""Leave decided by a line manager's deputy on the days the delegation runs, never outside them and
never on one's own request; the manager and deputy hear of a new request, the employee of the
decision."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from departments.models import AuditEvent, Notification
from hr import services
from hr.models import Employee, LeaveRequest, LeaveType
from tests.factories.hr import ApprovalDelegationFactory
from tests.hr.test_delegation import Team, build_team

pytestmark = pytest.mark.django_db


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def team(moj, in_department) -> Team:
    team = build_team(moj, in_department)
    services.leave_types_install_defaults(department=moj.department, acting_user=None)
    with in_department(moj):
        # The report's own address for what concerns them; the manager signs in with a work address.
        Employee.objects.filter(pk=team.report.pk).update(email="esme.home@example.test")
        Employee.objects.filter(pk=team.manager.pk).update(work_email="manon.manager@moj.test")
        team.report.refresh_from_db()
        team.manager.refresh_from_db()
    return team


def _annual(moj, in_department) -> LeaveType:
    with in_department(moj):
        return LeaveType.objects.get(code="ANNUAL")


def _request(moj, in_department, employee: Employee, start: int = 20) -> LeaveRequest:
    return services.leave_request_create(employee=employee, leave_type=_annual(moj, in_department),
                                         start_date=days(start), end_date=days(start + 1), hours=Decimal("15"),
                                         acting_user=employee.user)


def _deputy_from_today(moj, team: Team, **changes):
    arguments = {"department": moj.department, "manager": team.manager, "deputy": team.deputy,
                 "starts_on": days(0), "ends_on": days(5), **changes}
    return ApprovalDelegationFactory(**arguments)


def test_a_deputy_approves_leave_while_the_delegation_runs_and_the_audit_says_for_whom(moj, team, in_department):
    # given a running delegation and a waiting request from one of the manager's reports
    _deputy_from_today(moj, team)
    leave = _request(moj, in_department, team.report)
    # when the deputy approves it
    decided = services.leave_request_decide(request=leave, approve=True, acting_user=team.deputy.user)
    # then
    assert decided.status == LeaveRequest.Status.APPROVED
    assert decided.decided_by == team.deputy.user
    with in_department(moj):
        audit = AuditEvent.objects.get(action="leave_request.approve")
    assert audit.actor == team.deputy.user
    assert audit.changes["as_deputy_for"]["after"] == str(team.manager)


def test_the_employee_hears_of_the_decision_at_their_personal_address(moj, team, in_department):
    # given
    _deputy_from_today(moj, team)
    leave = _request(moj, in_department, team.report)
    # when
    services.leave_request_decide(request=leave, approve=False, acting_user=team.deputy.user, note="Team too short")
    # then
    with in_department(moj):
        told = Notification.objects.get(kind=Notification.Kind.REQUEST_DECIDED)
    assert told.to_address == "esme.home@example.test"
    assert told.user == team.report.user
    assert told.subject == "Your leave request has been rejected"
    assert "Team too short" in told.body
    assert told.link == f"/departments/{moj.slug}/hr/me/leave/"


def test_a_manager_and_their_deputy_today_hear_of_a_new_request(moj, team, in_department):
    # given a running delegation, and a cancelled one to someone else
    _deputy_from_today(moj, team)
    _deputy_from_today(moj, team, deputy=team.no_sign_in, starts_on=days(-3), ends_on=days(-1))
    # when the report asks for leave
    _request(moj, in_department, team.report)
    # then the manager (at their work address) and the deputy are told, nobody else
    with in_department(moj):
        waiting = Notification.objects.filter(kind=Notification.Kind.ITEM_WAITING).order_by("to_address")
        told = {(row.to_address, row.user_id, row.link) for row in waiting}
        subjects = {row.subject for row in waiting}
    inbox = f"/departments/{moj.slug}/approvals/"
    assert told == {("manon.manager@moj.test", moj.manager.pk, inbox),
                    ("dee.deputy@moj.test", team.deputy.user.pk, inbox)}
    assert subjects == {f"Leave request from {team.report.display_name} waiting for your decision"}


@pytest.mark.parametrize(("starts", "ends", "cancelled"), [(1, 5, False), (-5, -1, False), (0, 5, True)],
                         ids=["not-started", "ended", "cancelled"])
def test_a_deputy_outside_the_delegations_days_cannot_decide(moj, team, in_department, starts, ends, cancelled):
    # given
    _deputy_from_today(moj, team, starts_on=days(starts), ends_on=days(ends),
                       cancelled_at=timezone.now() if cancelled else None)
    leave = _request(moj, in_department, team.report)
    # when / then
    with pytest.raises(ValidationError, match="line manager, their deputy, or HR"):
        services.leave_request_decide(request=leave, approve=True, acting_user=team.deputy.user)
    with in_department(moj):
        assert LeaveRequest.objects.get(pk=leave.pk).status == LeaveRequest.Status.PENDING
        assert not Notification.objects.filter(kind=Notification.Kind.REQUEST_DECIDED).exists()


def test_a_deputy_of_another_manager_cannot_decide(moj, team, in_department):
    # given Dee deputises for Esme (who manages nobody here), not for Esme's manager
    _deputy_from_today(moj, team, manager=team.report)
    leave = _request(moj, in_department, team.colleague)
    # when / then
    with pytest.raises(ValidationError, match="line manager, their deputy, or HR"):
        services.leave_request_decide(request=leave, approve=True, acting_user=team.deputy.user)


def test_a_deputy_never_decides_their_own_request(moj, team, in_department):
    # given one of the manager's reports deputising for them (as recorded before the rule, say)
    _deputy_from_today(moj, team, deputy=team.colleague)
    own = _request(moj, in_department, team.colleague)
    # when / then
    with pytest.raises(ValidationError, match="your own leave request"):
        services.leave_request_decide(request=own, approve=True, acting_user=team.colleague.user)
    # while a colleague's request they may decide
    other = _request(moj, in_department, team.report, start=40)
    assert services.leave_request_decide(request=other, approve=True,
                                         acting_user=team.colleague.user).status == LeaveRequest.Status.APPROVED


def test_the_manager_still_decides_while_a_deputy_is_named(moj, team, in_department):
    _deputy_from_today(moj, team)
    leave = _request(moj, in_department, team.report)
    decided = services.leave_request_decide(request=leave, approve=True, acting_user=moj.manager)
    assert decided.status == LeaveRequest.Status.APPROVED
    with in_department(moj):
        assert "as_deputy_for" not in AuditEvent.objects.get(action="leave_request.approve").changes


def test_hrs_decision_tells_the_employee_too(moj, team, in_department):
    leave = _request(moj, in_department, team.report)
    services.leave_request_decide(request=leave, approve=True, acting_user=moj.hr_admin, acting_as_hr=True)
    with in_department(moj):
        told = Notification.objects.get(kind=Notification.Kind.REQUEST_DECIDED)
    assert (told.to_address, told.subject) == ("esme.home@example.test", "Your leave request has been approved")


def test_a_refused_request_tells_nobody(moj, team, in_department):
    with pytest.raises(ValidationError):
        services.leave_request_create(employee=team.report, leave_type=_annual(moj, in_department),
                                      start_date=days(20), end_date=days(19), hours=Decimal("15"), acting_user=None)
    with in_department(moj):
        assert not Notification.objects.exists()
