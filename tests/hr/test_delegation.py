"""Approval deputies: a line manager names one for dated days, within the rules (never themselves,
someone who can sign in and has not left, not one of their reports, no past days, a year at most,
no overlap), the deputy is told, and the deputies page shows and cancels them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.urls import get_resolver
from django.utils import timezone
from django.utils.html import escape

from departments.models import AuditEvent, Notification
from departments.roles import Role
from hr import selectors, selectors_delegation, services
from hr.models import ApprovalDelegation, Employee, OrganisationUnit
from tests.factories import MembershipFactory, UserFactory
from tests.factories.hr import ApprovalDelegationFactory
from tests.finance.conftest import FinanceSetting, build_finance_setting, hire

pytestmark = pytest.mark.django_db

# The URLconf is imported here, at collection, with no department context. Services that link to
# pages (and notifications) would otherwise import it first inside a test's department context,
# which scopes the API modules' import-time querysets to that department for the rest of the run.
# This module is imported by the other deputy tests, so they all load it this way.
URL_PATTERNS = get_resolver().url_patterns


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@dataclass
class Team:
    """moj's manager (the ``manager`` persona) with two reports (``employee`` and ``hr_officer``),
    a deputy outside the team who can sign in, and a person who cannot."""

    setting: FinanceSetting
    manager: Employee
    report: Employee
    colleague: Employee
    deputy: Employee
    no_sign_in: Employee


def build_team(people, in_department) -> Team:
    setting = build_finance_setting(people, in_department)
    department = people.department
    with in_department(people):
        unit = OrganisationUnit.objects.get(code="OPS")
        grade = selectors.grades().get(code="EO")
    deputy_user = UserFactory(email=f"dee.deputy@{people.slug}.test", full_name="Dee Deputy")
    MembershipFactory(user=deputy_user, department=department, role=Role.EMPLOYEE)
    deputy = hire(department, payroll_number="D0001", first_name="Dee", user=deputy_user, team=unit, grade=grade,
                  centre=setting.centre)
    no_sign_in = hire(department, payroll_number="N0001", first_name="Nia", user=None, team=unit, grade=grade,
                      centre=setting.centre)
    return Team(setting, setting.manager, setting.claimant, setting.colleague, deputy, no_sign_in)


@pytest.fixture
def team(moj, in_department) -> Team:
    return build_team(moj, in_department)


def _name(team: Team, moj, **changes):
    arguments = {"manager": team.manager, "deputy": team.deputy, "starts_on": days(1), "ends_on": days(10),
                 "note": "", "acting_user": moj.manager, **changes}
    return services.approval_delegation_create(**arguments)


# --- The service ----------------------------------------------------------------------------------


def test_a_manager_names_a_deputy_who_is_told_and_the_change_is_audited(moj, team, in_department):
    # when
    delegation = _name(team, moj, note="Covering my leave")
    # then
    with in_department(moj):
        audit = AuditEvent.objects.get(action="approval_delegation.create")
        message = Notification.objects.get(kind=Notification.Kind.ITEM_WAITING)
    assert (delegation.manager, delegation.deputy, delegation.created_by) == (team.manager, team.deputy, moj.manager)
    assert audit.changes["deputy"]["after"] == "D0001"
    assert message.to_address == "dee.deputy@moj.test"
    assert message.user == team.deputy.user
    assert message.subject.startswith(f"You are deputy for {team.manager.display_name}")
    assert "Covering my leave" in message.body
    assert message.link == f"/departments/{moj.slug}/approvals/"


@pytest.mark.parametrize(("changes", "field", "message"), [
    (lambda team: {"deputy": team.manager}, "deputy", "other than yourself"),
    (lambda team: {"deputy": team.no_sign_in}, "deputy", "cannot sign in"),
    (lambda team: {"deputy": team.report}, "deputy", "reports to you"),
    (lambda team: {"starts_on": days(-1)}, "starts_on", "today or in the future"),
    (lambda team: {"starts_on": days(5), "ends_on": days(4)}, "ends_on", "same as or after the first day"),
    (lambda team: {"starts_on": days(1), "ends_on": days(1 + 366)}, "ends_on", "a year at most"),
    (lambda team: {"note": "x" * 301}, "note", "300 characters"),
    (lambda team: {"manager": team.deputy, "deputy": team.manager}, "manager", "people reporting to them"),
], ids=["self", "no-sign-in", "own-report", "past", "backwards", "over-a-year", "long-note", "not-a-manager"])
def test_a_delegation_against_the_rules_is_refused_by_field_and_nothing_is_written(moj, team, in_department,
                                                                                    changes, field, message):
    # when
    with pytest.raises(ValidationError) as refused:
        _name(team, moj, **changes(team))
    # then
    assert field in refused.value.message_dict
    assert message in " ".join(refused.value.message_dict[field])
    with in_department(moj):
        assert not ApprovalDelegation.objects.exists()
        assert not Notification.objects.exists()


def test_a_deputy_who_leaves_before_the_end_is_refused(moj, team, in_department):
    services.employee_leave(employee=team.deputy, leave_date=days(5), reason="resignation", acting_user=None)
    with in_department(moj):
        deputy = Employee.objects.get(pk=team.deputy.pk)
    with pytest.raises(ValidationError, match="leaves on"):
        _name(team, moj, deputy=deputy, ends_on=days(10))


def test_a_deputy_who_has_left_is_refused(moj, team, in_department):
    with in_department(moj):
        Employee.objects.filter(pk=team.deputy.pk).update(leave_date=days(-2), leave_reason="resignation")
        deputy = Employee.objects.get(pk=team.deputy.pk)
    with pytest.raises(ValidationError, match="has left"):
        _name(team, moj, deputy=deputy)


def test_a_year_to_the_day_before_the_anniversary_is_allowed(moj, team):
    start = days(1)
    last = start.replace(year=start.year + 1) - datetime.timedelta(days=1)
    assert _name(team, moj, starts_on=start, ends_on=last).ends_on == last


def test_overlapping_delegations_of_one_manager_are_refused_until_the_first_is_cancelled(moj, team, in_department):
    # given a deputy for days 1 to 10
    first = _name(team, moj)
    # when another is named for days 10 to 12
    with pytest.raises(ValidationError) as refused:
        _name(team, moj, starts_on=days(10), ends_on=days(12))
    # then it names the clash
    assert "overlap your delegation to" in refused.value.message_dict["starts_on"][0]
    # when the first is cancelled, the same days are free
    services.approval_delegation_cancel(delegation=first, acting_user=moj.manager)
    second = _name(team, moj, starts_on=days(10), ends_on=days(12))
    with in_department(moj):
        assert ApprovalDelegation.objects.filter(cancelled_at__isnull=True).get() == second


def test_days_next_to_each_other_do_not_overlap(moj, team):
    _name(team, moj, starts_on=days(1), ends_on=days(10))
    assert _name(team, moj, starts_on=days(11), ends_on=days(12)).starts_on == days(11)


def test_cancelling_is_audited_once_and_an_ended_delegation_stays_as_it_was(moj, team, in_department):
    # given a running delegation and one that ended
    running = _name(team, moj, starts_on=days(0))
    ended = ApprovalDelegationFactory(department=moj.department, manager=team.manager, deputy=team.deputy,
                                      starts_on=days(-30), ends_on=days(-20))
    # when
    cancelled = services.approval_delegation_cancel(delegation=running, acting_user=moj.manager)
    # then
    assert cancelled.cancelled_at is not None
    assert cancelled.cancelled_by == moj.manager
    with pytest.raises(ValidationError, match="cancelled already"):
        services.approval_delegation_cancel(delegation=running, acting_user=moj.manager)
    with pytest.raises(ValidationError, match="ended already"):
        services.approval_delegation_cancel(delegation=ended, acting_user=moj.manager)
    with in_department(moj):
        assert AuditEvent.objects.filter(action="approval_delegation.cancel").count() == 1
        assert ApprovalDelegation.objects.get(pk=ended.pk).cancelled_at is None


# --- The selectors --------------------------------------------------------------------------------


def test_whom_a_user_deputises_for_follows_the_dates_and_cancellation(moj, team, in_department):
    # given a delegation from tomorrow for ten days
    delegation = _name(team, moj)
    deputy_user = team.deputy.user
    with in_department(moj):
        # then it is not running today, runs from tomorrow to its last day, and not after
        assert selectors_delegation.managers_deputised_by(user=deputy_user, day=days(0)) == []
        assert selectors_delegation.managers_deputised_by(user=deputy_user, day=days(1)) == [team.manager]
        assert selectors_delegation.managers_deputised_by(user=deputy_user, day=days(10)) == [team.manager]
        assert selectors_delegation.managers_deputised_by(user=deputy_user, day=days(11)) == []
        assert selectors_delegation.managers_deputised_by(user=moj.manager, day=days(1)) == []
        assert list(selectors_delegation.delegations_of(manager=team.manager)) == [delegation]
    # and a cancelled one names nobody
    services.approval_delegation_cancel(delegation=delegation, acting_user=moj.manager)
    with in_department(moj):
        assert selectors_delegation.managers_deputised_by(user=deputy_user, day=days(1)) == []


def test_another_managers_delegation_is_not_found_through_the_getter(moj, team, in_department):
    delegation = ApprovalDelegationFactory(department=moj.department, deputy=team.deputy,
                                           starts_on=days(1), ends_on=days(2))
    with in_department(moj):
        assert selectors_delegation.delegation_get(delegation_id=delegation.pk) == delegation
        with pytest.raises(Exception, match="no delegation with that id"):
            selectors_delegation.delegation_get(delegation_id=delegation.pk, manager=team.manager)


def test_candidates_are_people_who_can_sign_in_other_than_the_manager(moj, team, in_department):
    with in_department(moj):
        found = selectors_delegation.deputy_candidates(search="Tester", manager=team.manager, day=days(0))
        by_number = selectors_delegation.deputy_candidates(search="d0001", manager=team.manager, day=days(0))
    assert team.deputy in found
    assert team.no_sign_in not in found
    assert team.manager not in found
    assert by_number == [team.deputy]


# --- The page -------------------------------------------------------------------------------------


def _page(moj) -> str:
    return f"/departments/{moj.slug}/hr/me/deputies/"


def test_a_manager_finds_a_deputy_by_name_and_names_them_for_dates(client, moj, team, in_department):
    # given
    client.force_login(moj.manager)
    start, end = days(3), days(7)
    # when they search, then choose from the people found
    found = client.get(_page(moj), {"q": "Dee"})
    response = client.post(_page(moj), {
        "q": "Dee", "deputy": "D0001", "note": "Annual leave",
        "starts_on-day": start.day, "starts_on-month": start.month, "starts_on-year": start.year,
        "ends_on-day": end.day, "ends_on-month": end.month, "ends_on-year": end.year,
    }, follow=True)
    # then
    assert found.status_code == 200
    assert 'type="radio" value="D0001"' in found.content.decode()
    assert "N0001" not in found.content.decode()
    page = response.content.decode()
    assert f"{escape(team.deputy.display_name)} is your deputy from" in page
    assert 'data-testid="delegations-given"' in page
    with in_department(moj):
        assert ApprovalDelegation.objects.get().deputy == team.deputy


def test_a_refused_delegation_shows_an_error_summary_and_nothing_is_saved(client, moj, team, in_department):
    # given an existing delegation over the same days
    _name(team, moj, starts_on=days(2), ends_on=days(6))
    client.force_login(moj.manager)
    start, end = days(4), days(8)
    # when
    response = client.post(_page(moj), {
        "deputy": "D0001",
        "starts_on-day": start.day, "starts_on-month": start.month, "starts_on-year": start.year,
        "ends_on-day": end.day, "ends_on-month": end.month, "ends_on-year": end.year,
    })
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert 'href="#id_starts_on"' in page
    assert "overlap your delegation" in page
    with in_department(moj):
        assert ApprovalDelegation.objects.count() == 1


def test_missing_and_unknown_input_is_named_on_the_page(client, moj, team, in_department):
    client.force_login(moj.manager)
    response = client.post(_page(moj), {"deputy": "ZZZ999", "starts_on-day": "31", "starts_on-month": "2",
                                        "starts_on-year": "2027"})
    page = response.content.decode()
    assert "There is no one in this department with that payroll number" in page
    assert "First day must be a real date" in page
    assert "Enter the last day" in page
    with in_department(moj):
        assert not ApprovalDelegation.objects.exists()


def test_the_deputy_sees_whom_they_deputise_for_and_cannot_cancel_it(client, moj, team, in_department):
    # given
    delegation = _name(team, moj)
    client.force_login(team.deputy.user)
    # when
    page = client.get(_page(moj)).content.decode()
    cancel = client.post(f"{_page(moj)}{delegation.pk}/cancel/")
    # then
    assert 'data-testid="delegations-held"' in page
    assert escape(team.manager.display_name) in page
    assert "Name a deputy" not in page  # Dee manages nobody
    assert cancel.status_code == 404
    with in_department(moj):
        assert ApprovalDelegation.objects.get().cancelled_at is None


def test_a_manager_cancels_their_own_delegation_from_the_page(client, moj, team, in_department):
    delegation = _name(team, moj)
    client.force_login(moj.manager)
    response = client.post(f"{_page(moj)}{delegation.pk}/cancel/", follow=True)
    assert "is no longer your deputy" in response.content.decode()
    with in_department(moj):
        assert ApprovalDelegation.objects.get().cancelled_at is not None


def test_a_delegation_of_another_department_is_not_found(client, moj, dft, team, in_department):
    # given dft's manager with a delegation, and moj's manager signed in to moj
    other = ApprovalDelegationFactory(department=dft.department, starts_on=days(1), ends_on=days(2))
    client.force_login(moj.manager)
    # when moj's manager posts dft's id to moj's address
    response = client.post(f"{_page(moj)}{other.pk}/cancel/")
    # then
    assert response.status_code == 404
    with in_department(dft):
        assert ApprovalDelegation.objects.get().cancelled_at is None


def test_an_account_without_an_employee_record_is_told_so(client, moj):
    client.force_login(moj.payroll_officer)
    response = client.get(_page(moj))
    assert response.status_code == 200
    assert "not linked to an employee record" in response.content.decode()


def test_the_page_needs_self_service(client, moj):
    client.force_login(moj.auditor)
    assert client.get(_page(moj)).status_code == 403
