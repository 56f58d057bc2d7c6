"""Expense claims decided by a line manager's deputy while the delegation runs, never outside it
and never one's own; the manager and deputy hear of a submitted claim, the claimant of each
decision (the manager's or deputy's, then finance's)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from departments.models import AuditEvent, Notification
from finance import services
from finance.models import ExpenseClaim, ExpenseLine
from hr.models import Employee
from tests.factories.hr import ApprovalDelegationFactory
from tests.hr.test_delegation import Team, build_team

pytestmark = pytest.mark.django_db


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def team(moj, in_department) -> Team:
    team = build_team(moj, in_department)
    with in_department(moj):
        Employee.objects.filter(pk=team.report.pk).update(email="esme.home@example.test")
        team.report.refresh_from_db()
    return team


def _submitted(employee: Employee) -> ExpenseClaim:
    claim = services.expense_claim_create(employee=employee, purpose="Court visit in Leeds", acting_user=employee.user)
    services.expense_line_add(claim=claim, acting_user=employee.user, category=ExpenseLine.Category.TRAVEL,
                              incurred_on=days(-3), description="Train, return", amount=Decimal("84.20"))
    return services.expense_claim_submit(claim=claim, acting_user=employee.user)


def _deputy_from_today(moj, team: Team, **changes):
    arguments = {"department": moj.department, "manager": team.manager, "deputy": team.deputy,
                 "starts_on": days(0), "ends_on": days(5), **changes}
    return ApprovalDelegationFactory(**arguments)


def test_a_deputy_approves_a_claim_which_goes_on_to_finance_and_the_audit_says_for_whom(moj, team, in_department):
    # given
    _deputy_from_today(moj, team)
    claim = _submitted(team.report)
    # when
    decided = services.expense_claim_manager_decide(claim=claim, approve=True, acting_user=team.deputy.user)
    # then
    assert decided.status == ExpenseClaim.Status.MANAGER_APPROVED
    assert decided.manager_decided_by == team.deputy.user
    with in_department(moj):
        audit = AuditEvent.objects.get(action="expense_claim.manager_approve")
        told = Notification.objects.get(kind=Notification.Kind.REQUEST_DECIDED)
    assert audit.changes["as_deputy_for"]["after"] == str(team.manager)
    assert told.to_address == "esme.home@example.test"
    assert told.subject == f"Your expense claim {claim.reference} has been approved"
    assert "goes to finance" in told.body
    assert told.link == f"/departments/{moj.slug}/finance/expenses/{claim.pk}/"


def test_the_deputy_who_approved_cannot_also_approve_for_finance(moj, team, in_department):
    _deputy_from_today(moj, team)
    claim = services.expense_claim_manager_decide(claim=_submitted(team.report), approve=True,
                                                  acting_user=team.deputy.user)
    with pytest.raises(ValidationError, match="cannot also approve it"):
        services.expense_claim_finance_decide(claim=claim, approve=True, acting_user=team.deputy.user)


def test_a_manager_and_their_deputy_today_hear_of_a_submitted_claim(moj, team, in_department):
    # given
    _deputy_from_today(moj, team)
    # when
    claim = _submitted(team.report)
    # then
    with in_department(moj):
        told = {(row.to_address, row.link) for row in Notification.objects.filter(kind=Notification.Kind.ITEM_WAITING)}
        subjects = set(Notification.objects.filter(kind=Notification.Kind.ITEM_WAITING)
                       .values_list("subject", flat=True))
    inbox = f"/departments/{moj.slug}/approvals/"
    assert told == {(moj.manager.email, inbox), ("dee.deputy@moj.test", inbox)}
    assert subjects == {f"Expense claim from {team.report.display_name} waiting for your decision"}
    assert claim.reference


@pytest.mark.parametrize(("starts", "ends", "cancelled"), [(1, 5, False), (-5, -1, False), (0, 5, True)],
                         ids=["not-started", "ended", "cancelled"])
def test_a_deputy_outside_the_delegation_cannot_decide(moj, team, in_department, starts, ends, cancelled):
    _deputy_from_today(moj, team, starts_on=days(starts), ends_on=days(ends),
                       cancelled_at=timezone.now() if cancelled else None)
    claim = _submitted(team.report)
    with pytest.raises(ValidationError, match="line manager, or their deputy"):
        services.expense_claim_manager_decide(claim=claim, approve=True, acting_user=team.deputy.user)
    with in_department(moj):
        assert ExpenseClaim.objects.get(pk=claim.pk).status == ExpenseClaim.Status.SUBMITTED


def test_a_deputy_never_decides_their_own_claim(moj, team, in_department):
    # given one of the manager's reports named deputy (as recorded before the rule, say)
    _deputy_from_today(moj, team, deputy=team.colleague)
    own = _submitted(team.colleague)
    # when / then
    with pytest.raises(ValidationError, match="your own expense claim"):
        services.expense_claim_manager_decide(claim=own, approve=True, acting_user=team.colleague.user)
    # a colleague's they may decide
    other = _submitted(team.report)
    rejected = services.expense_claim_manager_decide(claim=other, approve=False, acting_user=team.colleague.user,
                                                     reason="No receipt")
    assert rejected.status == ExpenseClaim.Status.REJECTED


def test_a_rejection_by_finance_tells_the_claimant_the_reason(moj, team, in_department):
    claim = services.expense_claim_manager_decide(claim=_submitted(team.report), approve=True,
                                                  acting_user=moj.manager)
    services.expense_claim_finance_decide(claim=claim, approve=False, acting_user=moj.finance_officer,
                                          reason="Book through the travel contract")
    with in_department(moj):
        told = list(Notification.objects.filter(kind=Notification.Kind.REQUEST_DECIDED).order_by("created_at", "pk"))
    assert [row.subject for row in told] == [f"Your expense claim {claim.reference} has been approved",
                                             f"Your expense claim {claim.reference} has been rejected"]
    assert "Book through the travel contract" in told[1].body
    assert "by finance" in told[1].body
