"""A line manager decides leave and expense claims from one inbox: grouped with counts, one at a
time or in bulk where policy allows, a deputy's items marked, and nobody else's within reach."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.html import escape

from departments.approvals import approvals_waiting
from finance import services as finance_services
from finance.models import ExpenseClaim
from hr import services as hr_services
from hr.models import Employee, LeaveRequest, LeaveType
from tests.factories.hr import ApprovalDelegationFactory
from tests.finance.conftest import FinanceSetting, build_finance_setting, hire

pytestmark = pytest.mark.django_db
D = datetime.date


@dataclass
class Inbox:
    setting: FinanceSetting
    leave: LeaveRequest  # the claimant's, sent first
    second_leave: LeaveRequest  # the colleague's, sent after it
    small_claim: ExpenseClaim  # £42.10: may be approved in bulk
    large_claim: ExpenseClaim  # £400: may not

    @property
    def url(self) -> str:
        return f"/departments/{self.setting.manager.department.slug}/approvals/"

    def item_url(self, kind: str, item_id: int) -> str:
        return f"{self.url}{kind}/{item_id}/"


def ask_for_leave(employee: Employee, start: datetime.date, in_department) -> LeaveRequest:
    with in_department(employee.department):
        annual = LeaveType.objects.get(code="ANNUAL")
    return hr_services.leave_request_create(employee=employee, leave_type=annual, start_date=start,
                                            end_date=start + datetime.timedelta(days=1), hours=Decimal("15"),
                                            acting_user=None)


def submitted_claim(employee: Employee, amount: str, purpose: str) -> ExpenseClaim:
    claim = finance_services.expense_claim_create(employee=employee, purpose=purpose, acting_user=employee.user)
    finance_services.expense_line_add(claim=claim, acting_user=employee.user, category="travel",
                                      incurred_on=timezone.localdate() - datetime.timedelta(days=2),
                                      description="Train fare", amount=Decimal(amount))
    return finance_services.expense_claim_submit(claim=claim, acting_user=employee.user)


@pytest.fixture
def inbox(moj, in_department) -> Inbox:
    setting = build_finance_setting(moj, in_department)
    hr_services.leave_types_install_defaults(department=moj.department, acting_user=None)
    start = timezone.localdate() + datetime.timedelta(days=30)
    leave = ask_for_leave(setting.claimant, start, in_department)
    second_leave = ask_for_leave(setting.colleague, start + datetime.timedelta(days=7), in_department)
    small = submitted_claim(setting.claimant, "42.10", "Bradford hearing")
    large = submitted_claim(setting.colleague, "400.00", "Conference in Leeds")
    return Inbox(setting, leave, second_leave, small, large)


def status_of(model, pk, moj, in_department) -> str:
    with in_department(moj):
        return model.objects.get(pk=pk).status


def test_the_manager_sees_leave_and_expenses_grouped_with_counts_oldest_first(client, moj, inbox):
    # given
    client.force_login(moj.manager)
    # when
    page = client.get(inbox.url)
    body = page.content.decode()
    # then both kinds are there, with their counts and each item's own page
    assert page.status_code == 200
    assert "Leave requests (2)" in body
    assert "Expense claims (2)" in body
    assert "Everything (4)" in body
    assert body.index(escape(inbox.setting.claimant.display_name)) < body.index("Conference in Leeds")
    assert f"{inbox.url}leave/{inbox.leave.pk}/" in body
    assert f"/finance/expenses/{inbox.small_claim.pk}/" in body  # the claim's own page
    # and the large claim says why it is not for bulk approval, and has no checkbox
    assert "Over £250.00 in total" in body
    assert f'value="expense:{inbox.large_claim.pk}"' not in body
    assert f'action="{inbox.item_url("expense", inbox.large_claim.pk)}"' not in body  # no quick approval
    assert f'action="{inbox.item_url("expense", inbox.small_claim.pk)}"' in body
    assert f'value="expense:{inbox.small_claim.pk}"' in body


def test_the_items_are_listed_oldest_first_within_a_kind(moj, inbox, in_department):
    with in_department(moj):
        items = approvals_waiting(department=moj.department, user=moj.manager, kind="leave")
    assert [item.id for item in items] == [inbox.leave.pk, inbox.second_leave.pk]


def test_filtering_by_kind_shows_only_that_kind(client, moj, inbox):
    client.force_login(moj.manager)
    body = client.get(f"{inbox.url}?kind=expense").content.decode()
    assert "Bradford hearing" in body
    assert 'data-testid="approvals-leave"' not in body
    assert '<strong aria-current="page">Expense claims (2)</strong>' in body


def test_an_unknown_kind_in_the_filter_shows_everything(client, moj, inbox):
    client.force_login(moj.manager)
    body = client.get(f"{inbox.url}?kind=nonsense").content.decode()
    assert 'data-testid="approvals-leave"' in body
    assert 'data-testid="approvals-expense"' in body


def test_the_home_page_leads_with_the_count_waiting(client, moj, inbox):
    # given
    client.force_login(moj.manager)
    # when
    page = client.get(f"/departments/{moj.slug}/")
    # then what needs doing leads with the inbox's count, all four items, and a link to it
    first = page.context["attention"][0]
    assert first.label == "Waiting for your approval"
    assert first.count == 4
    assert first.url == inbox.url
    assert first.hint == "Leave requests: 2, Expense claims: 2"


def test_a_line_manager_with_nothing_waiting_still_finds_the_inbox_but_an_employee_does_not(client, moj):
    client.force_login(moj.manager)
    figures = client.get(f"/departments/{moj.slug}/").context["figures"]
    assert [figure.value for figure in figures if figure.label == "Waiting for your approval"] == [0]
    assert figures[0].label != "Waiting for your approval"
    client.force_login(moj.employee)
    figures = client.get(f"/departments/{moj.slug}/").context["figures"]
    assert not [figure for figure in figures if figure.label == "Waiting for your approval"]


def test_approving_one_leave_request_from_the_inbox(client, moj, inbox, in_department):
    # given
    client.force_login(moj.manager)
    # when the row's Approve button is pressed
    response = client.post(inbox.item_url("leave", inbox.leave.pk), {"decision": "approve", "back": ""},
                           follow=True)
    # then
    assert response.redirect_chain[-1][0] == inbox.url
    assert "Approved: Annual leave from " in response.content.decode()
    assert status_of(LeaveRequest, inbox.leave.pk, moj, in_department) == "approved"
    assert "Leave requests (1)" in response.content.decode()


def test_rejecting_needs_a_reason_and_changes_nothing_without_one(client, moj, inbox, in_department):
    # given
    client.force_login(moj.manager)
    url = inbox.item_url("expense", inbox.small_claim.pk)
    # when
    page = client.get(f"{url}?decision=reject")
    refused = client.post(url, {"decision": "reject", "note": "  "})
    # then the page shows the claim and an error summary naming the reason
    assert "Train fare" in page.content.decode()
    body = refused.content.decode()
    assert refused.status_code == 200
    assert "govuk-error-summary" in body
    assert 'href="#id_note">Give the reason for rejecting it' in body
    assert status_of(ExpenseClaim, inbox.small_claim.pk, moj, in_department) == "submitted"
    # and with a reason it is rejected, the reason kept
    client.post(url, {"decision": "reject", "note": "Book through the travel contract"})
    with in_department(moj):
        claim = ExpenseClaim.objects.get(pk=inbox.small_claim.pk)
    assert (claim.status, claim.rejection_reason) == ("rejected", "Book through the travel contract")


def test_rejecting_leave_passes_the_reason_on(client, moj, inbox, in_department):
    client.force_login(moj.manager)
    client.post(inbox.item_url("leave", inbox.leave.pk), {"decision": "reject", "note": "Court week"})
    with in_department(moj):
        leave = LeaveRequest.objects.get(pk=inbox.leave.pk)
    assert (leave.status, leave.decision_note) == ("rejected", "Court week")


def test_bulk_approving_leave_and_a_small_claim(client, moj, inbox, in_department):
    # given
    client.force_login(moj.manager)
    items = [f"leave:{inbox.leave.pk}", f"leave:{inbox.second_leave.pk}", f"expense:{inbox.small_claim.pk}"]
    # when
    response = client.post(inbox.url, {"items": items}, follow=True)
    # then
    assert "3 approved." in response.content.decode()
    assert status_of(LeaveRequest, inbox.leave.pk, moj, in_department) == "approved"
    assert status_of(LeaveRequest, inbox.second_leave.pk, moj, in_department) == "approved"
    assert status_of(ExpenseClaim, inbox.small_claim.pk, moj, in_department) == "manager_approved"


def test_bulk_names_each_item_it_could_not_approve_and_leaves_it_as_it_was(client, moj, dft, inbox,
                                                                          in_department):
    # given a large claim (not for bulk) and a request already decided, beside one that can be approved
    client.force_login(moj.manager)
    client.post(inbox.item_url("leave", inbox.second_leave.pk), {"decision": "approve"})
    items = [f"leave:{inbox.leave.pk}", f"expense:{inbox.large_claim.pk}", f"leave:{inbox.second_leave.pk}"]
    # when
    response = client.post(inbox.url, {"items": items}, follow=True)
    # then
    body = response.content.decode()
    assert "1 approved; 2 could not be:" in body
    assert "EX" in body
    assert "Conference in Leeds" in body
    assert "Over £250.00 in total" in body
    assert "not waiting for your decision any more" in body
    assert status_of(LeaveRequest, inbox.leave.pk, moj, in_department) == "approved"
    assert status_of(ExpenseClaim, inbox.large_claim.pk, moj, in_department) == "submitted"


def test_approve_selected_with_nothing_selected_shows_an_error_summary(client, moj, inbox, in_department):
    client.force_login(moj.manager)
    response = client.post(inbox.url, {"kind": "leave"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body
    assert '<a href="#items">Select at least one item to approve</a>' in body
    assert 'id="items" name="items"' in body  # the first checkbox carries the id the summary links to
    assert body.startswith("<!DOCTYPE html>")
    assert "<title>Error: " in body
    assert status_of(LeaveRequest, inbox.leave.pk, moj, in_department) == "pending"


def test_a_made_up_item_in_bulk_is_reported_not_approved(client, moj, inbox):
    client.force_login(moj.manager)
    response = client.post(inbox.url, {"items": ["leave:999999", "payroll:1"]}, follow=True)
    assert "0 approved; 2 could not be:" in response.content.decode()


def test_items_of_other_teams_answer_404_and_stay_undecided(client, moj, inbox, in_department):
    # given a manager of nobody in this team, and the employee who asked
    for person in (moj.finance_officer, moj.employee):
        client.force_login(person)
        # when they open or decide the manager's items
        for kind, pk in (("leave", inbox.second_leave.pk), ("expense", inbox.large_claim.pk)):
            assert client.get(inbox.item_url(kind, pk)).status_code == 404
            assert client.post(inbox.item_url(kind, pk), {"decision": "approve"}).status_code == 404
        # then their inbox is empty of them
        body = client.get(inbox.url).content.decode()
        assert "Conference in Leeds" not in body
    assert status_of(LeaveRequest, inbox.second_leave.pk, moj, in_department) == "pending"
    assert status_of(ExpenseClaim, inbox.large_claim.pk, moj, in_department) == "submitted"


def test_an_unknown_kind_answers_404(client, moj, inbox):
    client.force_login(moj.manager)
    assert client.get(inbox.item_url("payroll", inbox.leave.pk)).status_code == 404


def test_another_department_cannot_reach_the_inbox(client, moj, dft, inbox):
    client.force_login(dft.manager)
    assert client.get(inbox.url).status_code == 404
    assert client.get(inbox.item_url("leave", inbox.leave.pk)).status_code == 404


def test_the_inbox_needs_a_sign_in(client, inbox):
    response = client.get(inbox.url)
    assert response.status_code == 302
    assert "sign-in" in response["Location"]


@pytest.fixture
def deputy(moj, inbox, in_department) -> Employee:
    """A fellow manager (moj's finance officer) deputising for the team's manager this week."""
    setting = inbox.setting
    with in_department(moj):
        team = setting.manager.employments.first().organisation_unit
        grade = setting.manager.employments.first().grade
    person = hire(moj.department, payroll_number="M0002", first_name="Dara", user=moj.finance_officer, team=team,
                  grade=grade, centre=setting.centre)
    today = timezone.localdate()
    ApprovalDelegationFactory(department=moj.department, manager=setting.manager, deputy=person,
                              starts_on=today - datetime.timedelta(days=1), ends_on=today + datetime.timedelta(days=6))
    return person


def test_a_deputy_sees_the_managers_items_marked_for_them_and_decides_them(client, moj, inbox, deputy,
                                                                          in_department):
    # given
    client.force_login(moj.finance_officer)
    # when
    body = client.get(inbox.url).content.decode()
    # then every item is there, marked as decided for the manager
    manager = escape(inbox.setting.manager.display_name)
    assert body.count(f"for {manager}") == 4
    assert f"/finance/expenses/{inbox.small_claim.pk}/" not in body  # the claim's page does not admit deputies
    # and the deputy's decision stands
    response = client.post(inbox.url, {"items": [f"leave:{inbox.leave.pk}", f"expense:{inbox.small_claim.pk}"]},
                           follow=True)
    assert "2 approved." in response.content.decode()
    assert status_of(LeaveRequest, inbox.leave.pk, moj, in_department) == "approved"
    assert status_of(ExpenseClaim, inbox.small_claim.pk, moj, in_department) == "manager_approved"


def test_a_deputy_sees_nothing_once_the_delegation_is_over(client, moj, inbox, deputy, in_department):
    # given the delegation has ended
    with in_department(moj):
        deputy.delegations_held.update(ends_on=timezone.localdate() - datetime.timedelta(days=1),
                                       starts_on=timezone.localdate() - datetime.timedelta(days=3))
    client.force_login(moj.finance_officer)
    # when / then
    assert "Nothing is waiting for your decision" in client.get(inbox.url).content.decode()
    assert client.get(inbox.item_url("leave", inbox.leave.pk)).status_code == 404


def test_a_deputy_never_sees_their_own_request(client, moj, inbox, deputy, in_department):
    # given the deputy has also asked for leave, in the deputised manager's team
    own = ask_for_leave(deputy, timezone.localdate() + datetime.timedelta(days=40), in_department)
    with in_department(moj):
        deputy.employments.update(line_manager=inbox.setting.manager)
    client.force_login(moj.finance_officer)
    # when / then
    assert client.get(inbox.item_url("leave", own.pk)).status_code == 404
    assert f"leave/{own.pk}/" not in client.get(inbox.url).content.decode()
