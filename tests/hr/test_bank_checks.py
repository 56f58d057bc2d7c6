"""A second HR officer checks HR's proposed bank details changes: never the proposer nor the
employee; confirming applies or schedules the change as the employee's own would be and tells the
employee; rejecting needs a reason and changes nothing; the evidence is served only through the
checks. And the reads payroll's report of recent changes uses."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from departments.models import AuditEvent, Notification
from departments.roles import Role
from hr.models import BankDetailsChange, Employee
from hr.selectors_bank import bank_changes_between, contact_changes_before, employees_sharing_accounts
from hr.services.bank_details import (
    bank_details_change_confirm,
    bank_details_change_propose,
    bank_details_change_reject,
)
from tests.factories import AuditEventFactory, EmployeeFactory, MembershipFactory, UserFactory
from tests.factories.hr import BankDetailsChangeFactory
from tests.hr.test_bank_self_service import open_run  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%a letter from the bank\n"


@pytest.fixture
def second_officer(moj):
    user = UserFactory(email="hr.officer.two@moj.test", full_name="MOJ second HR officer")
    MembershipFactory(user=user, department=moj.department, role=Role.HR_OFFICER)
    return user


@pytest.fixture
def proposal(moj, in_department):
    """moj's hr officer proposes a new account for an employee, on a letter from the bank."""
    with in_department(moj):
        employee = EmployeeFactory(department=moj.department, bank_sort_code="089999", bank_account_number="66374958",
                                   email="personal@example.test", work_email="worker@moj.test")
    return bank_details_change_propose(employee=employee, sort_code="30-99-50", account_number="12345678",
                                       reason="The employee's letter of 3 December",
                                       evidence=SimpleUploadedFile("letter.pdf", PDF), evidence_name="letter.pdf",
                                       acting_user=moj.hr_officer)


def _check_url(moj, change, suffix=""):
    return f"/departments/{moj.slug}/hr/bank-details-checks/{change.pk}/{suffix}"


def test_the_queue_lists_the_proposals_waiting_and_says_which_are_the_viewers_own(client, moj, proposal,
                                                                                  second_officer):
    url = f"/departments/{moj.slug}/hr/bank-details-checks/"
    client.force_login(moj.hr_officer)
    own = client.get(url).content.decode()
    assert proposal.employee.display_name in own
    assert "You proposed it" in own
    client.force_login(second_officer)
    theirs = client.get(url).content.decode()
    assert _check_url(moj, proposal) in theirs


def test_a_second_officer_confirms_the_change_and_it_counts_now_and_the_employee_is_told(
        client, moj, proposal, second_officer, in_department, stepped_up):
    client.force_login(second_officer)
    assert client.get(_check_url(moj, proposal)).url.startswith("/accounts/confirm-its-you/")
    stepped_up()
    # given the check page shows the new account whole, to compare with the evidence
    page = client.get(_check_url(moj, proposal)).content.decode()
    assert "12345678" in page
    assert "30-99-50" in page
    assert "letter.pdf" in page
    # when they confirm it
    response = client.post(_check_url(moj, proposal), {"decision": "confirm", "note": "Letter matches"})
    # then the record uses it from today's period, and the employee is told at both addresses
    assert response.url == f"/departments/{moj.slug}/hr/bank-details-checks/"
    with in_department(moj):
        change = BankDetailsChange.objects.get(pk=proposal.pk)
        saved = Employee.objects.get(pk=proposal.employee_id)
        told = sorted(Notification.objects.values_list("to_address", flat=True))
        body = Notification.objects.first().body
        applied = AuditEvent.objects.get(action="employee.bank_details_change")
    assert (change.status, change.checked_by, change.check_note) == (
        BankDetailsChange.Status.APPLIED, second_officer, "Letter matches")
    assert change.effective_from == timezone.localdate()
    assert (saved.bank_sort_code, saved.bank_account_number) == ("309950", "12345678")
    assert told == ["personal@example.test", "worker@moj.test"]
    assert "HR changed, after a second person checked the evidence," in body
    assert "12345678" not in body
    assert applied.actor == second_officer


def test_a_change_confirmed_while_the_run_is_open_is_scheduled_for_the_next_period(
        moj, proposal, second_officer, in_department, open_run):  # noqa: F811
    run = open_run()
    change = bank_details_change_confirm(change=proposal, acting_user=second_officer)
    assert change.status == BankDetailsChange.Status.SCHEDULED
    assert change.effective_from == run.period_end + datetime.timedelta(days=1)
    with in_department(moj):
        assert Employee.objects.get(pk=proposal.employee_id).bank_account_number == "66374958"


def test_the_proposer_cannot_check_their_own_proposal(client, moj, proposal, in_department, stepped_up):
    client.force_login(moj.hr_officer)
    stepped_up()
    # the page says why there is no form
    page = client.get(_check_url(moj, proposal)).content.decode()
    assert "You proposed this change, so another HR officer must check it" in page
    assert "Save the decision" not in page
    # and posting anyway is refused, with nothing changed
    refused = client.post(_check_url(moj, proposal), {"decision": "confirm"}).content.decode()
    assert "There is a problem" in refused
    assert "another HR officer must check it" in refused
    with pytest.raises(ValidationError) as error:
        bank_details_change_confirm(change=proposal, acting_user=moj.hr_officer)
    assert error.value.error_dict["__all__"][0].code == "four_eyes"
    with in_department(moj):
        assert BankDetailsChange.objects.get(pk=proposal.pk).status == BankDetailsChange.Status.AWAITING_CHECK


def test_an_officer_cannot_check_a_change_to_their_own_bank_details(moj, second_officer, in_department):
    with in_department(moj):
        theirs = EmployeeFactory(department=moj.department, user=second_officer, bank_sort_code="089999",
                                 bank_account_number="66374958")
        change = BankDetailsChangeFactory(department=moj.department, employee=theirs,
                                          source=BankDetailsChange.Source.HR, requested_by=moj.hr_officer,
                                          status=BankDetailsChange.Status.AWAITING_CHECK)
    with pytest.raises(ValidationError, match="your own bank details"):
        bank_details_change_confirm(change=change, acting_user=second_officer)


def test_rejecting_needs_a_reason_and_leaves_the_record_alone(client, moj, proposal, second_officer,
                                                               in_department, stepped_up):
    client.force_login(second_officer)
    stepped_up()
    # without a reason
    page = client.post(_check_url(moj, proposal), {"decision": "reject", "note": ""}).content.decode()
    assert "Enter why the change is rejected" in page
    # with one
    client.post(_check_url(moj, proposal), {"decision": "reject", "note": "The letter is not from the bank"})
    with in_department(moj):
        change = BankDetailsChange.objects.get(pk=proposal.pk)
        assert Employee.objects.get(pk=proposal.employee_id).bank_account_number == "66374958"
        assert not Notification.objects.exists()
    assert (change.status, change.checked_by, change.check_note) == (
        BankDetailsChange.Status.REJECTED, second_officer, "The letter is not from the bank")
    # and a decided change cannot be decided again
    with pytest.raises(ValidationError, match="checked already"):
        bank_details_change_confirm(change=change, acting_user=second_officer)


def test_no_decision_chosen_is_named_in_the_error_summary(client, moj, proposal, second_officer, stepped_up):
    client.force_login(second_officer)
    stepped_up()
    page = client.post(_check_url(moj, proposal), {}).content.decode()
    assert "There is a problem" in page
    assert "Choose whether to confirm or reject the change" in page


def test_the_evidence_is_served_only_through_the_checks(client, moj, dft, proposal, second_officer, stepped_up):
    url = _check_url(moj, proposal, "evidence/")
    client.force_login(second_officer)
    assert client.get(url).url.startswith("/accounts/confirm-its-you/")
    stepped_up()
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert 'filename="letter.pdf"' in response["Content-Disposition"]
    for person in (moj.employee, moj.manager, moj.payroll_officer):
        client.force_login(person)
        stepped_up()
        assert client.get(url).status_code == 403
    client.force_login(dft.hr_officer)
    stepped_up()
    assert client.get(url).status_code == 404
    assert client.get(_check_url(moj, proposal)).status_code == 404


def test_a_change_id_that_is_not_there_answers_404(client, moj, second_officer, stepped_up):
    client.force_login(second_officer)
    stepped_up()
    assert client.get(f"/departments/{moj.slug}/hr/bank-details-checks/999999/").status_code == 404


def test_rejecting_directly_refuses_an_overlong_reason(moj, proposal, second_officer):
    with pytest.raises(ValidationError, match="500 characters or fewer"):
        bank_details_change_reject(change=proposal, acting_user=second_officer, reason="x" * 501)


# --- What payroll's report reads ------------------------------------------------------------------

def test_changes_between_two_moments_that_move_pay(moj, in_department):
    now = timezone.now()
    with in_department(moj):
        inside = BankDetailsChangeFactory(department=moj.department, requested_at=now - datetime.timedelta(days=2))
        BankDetailsChangeFactory(department=moj.department, requested_at=now - datetime.timedelta(days=40))
        BankDetailsChangeFactory(department=moj.department, requested_at=now - datetime.timedelta(days=1),
                                 status=BankDetailsChange.Status.REJECTED)
        found = bank_changes_between(start=now - datetime.timedelta(days=30), end=now)
        assert found == [inside]
        assert found[0].employee.payroll_number  # read with the change


def test_accounts_are_shared_only_by_current_employees_and_by_roll_number_at_building_societies(moj, in_department):
    today = timezone.localdate()
    with in_department(moj):
        one = EmployeeFactory(department=moj.department, bank_sort_code="200415", bank_account_number="38290008")
        two = EmployeeFactory(department=moj.department, bank_sort_code="200415", bank_account_number="38290008")
        EmployeeFactory(department=moj.department, bank_sort_code="200415", bank_account_number="38290008",
                        leave_date=today - datetime.timedelta(days=10))  # a leaver no longer counts
        moving = EmployeeFactory(department=moj.department, bank_sort_code="111111", bank_account_number="11111111")
        BankDetailsChangeFactory(department=moj.department, employee=moving, status=BankDetailsChange.Status.SCHEDULED,
                                 sort_code="200415", account_number="38290008")
        # two members of one building society, told apart by their roll numbers, and a third with the same roll
        society = [EmployeeFactory(department=moj.department, bank_sort_code="070093", bank_account_number="33333334",
                                   building_society_roll_number=roll) for roll in ("A1", "B2", "a1")]
        shared = employees_sharing_accounts(accounts=[("200415", "38290008"), ("070093", "33333334", "A1"),
                                                      ("999999", "99999999")])
    assert shared == {("200415", "38290008"): sorted([one.pk, two.pk, moving.pk]),
                      ("070093", "33333334", "A1"): sorted([society[0].pk, society[2].pk])}


def test_the_latest_contact_change_shortly_before_a_bank_change_is_found(moj, in_department):
    bank_change_at = timezone.now()
    with in_department(moj):
        first, second, third = (EmployeeFactory(department=moj.department) for _ in range(3))

        def event(employee, days, action="employee.personal_details_change", changes=None):
            AuditEventFactory(department=moj.department, action=action, object_type="hr.employee",
                              object_id=str(employee.pk), occurred_at=bank_change_at - datetime.timedelta(days=days),
                              changes=changes or {"email": {"before": "a@example.test", "after": "b@example.test"}})

        event(first, 10)
        event(first, 3, changes={"phone": {"before": "1", "after": "2"}, "emergency_contact_name": {}})
        event(second, 40)  # too long before
        event(second, 2, changes={"emergency_contact_name": {"before": "A", "after": "B"}})  # not their contact
        event(third, 1, action="employee.hire")  # set for the first time, not changed
        found = contact_changes_before(employee_ids=[first.pk, second.pk, third.pk], within_days=14,
                                       before={first.pk: bank_change_at, second.pk: bank_change_at,
                                               third.pk: bank_change_at})
    assert set(found) == {first.pk}
    assert found[first.pk].fields == ("phone",)
    assert found[first.pk].action == "employee.personal_details_change"
    assert found[first.pk].occurred_at == bank_change_at - datetime.timedelta(days=3)
