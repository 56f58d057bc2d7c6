"""A run that pays into a flagged bank details change waits for an approver to acknowledge it: the
service refuses approval until then (so the page and the API refuse too), the run page takes the
acknowledgement and shows who gave it, and a flag raised afterwards needs another look."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from departments import services as department_services
from departments.models import AuditEvent
from hr.models import Employee
from payroll import services
from payroll.models import BankChangeAcknowledgement, PayRun
from payroll.selectors_bank_changes import AFTER_CONTACT_CHANGE, SHARED_ACCOUNT, pay_run_bank_changes
from payroll.tasks import start_calculation
from tests.factories.hr import BankDetailsChangeFactory
from tests.payroll.settling import settle_review

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def calculated_run(moj, finance_setting, django_capture_on_commit_callbacks):
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                            bank_sort_code="202959", bank_account_number="63748472",
                                            bank_account_name="MOJ PAYROLL")
    run = services.pay_run_create(schedule=schedule, period_containing=timezone.localdate(), acting_user=None)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    with django_capture_on_commit_callbacks(execute=True):
        start_calculation(run=run, acting_user=moj.payroll_officer)
    # Its exceptions settled, so that only what each test sets up holds approval back.
    return settle_review(run, moj.payroll_officer)


def _days_before_pay_day(run, days):
    """A time far enough from pay day that only the flags a test means to raise are raised."""
    return timezone.make_aware(datetime.datetime.combine(run.pay_date - datetime.timedelta(days=days),
                                                         datetime.time(10)))


@pytest.fixture
def flagged_change(moj, calculated_run, in_department):
    """Esme moves her pay, twenty days before pay day, to the account Cal is paid into."""
    with in_department(moj):
        Employee.objects.filter(payroll_number="E0002").update(bank_sort_code="200415",
                                                               bank_account_number="38290008")
        esme = Employee.objects.get(payroll_number="E0001")
    return BankDetailsChangeFactory(department=moj.department, employee=esme, sort_code="200415",
                                    account_number="38290008", requested_by=moj.employee,
                                    requested_at=_days_before_pay_day(calculated_run, 20),
                                    effective_from=calculated_run.period_start)


def _status(moj, run, in_department):
    with in_department(moj):
        return PayRun.objects.get(pk=run.pk).status


def _acknowledgements(moj, in_department):
    with in_department(moj):
        return list(BankChangeAcknowledgement.objects.all())


def _refusal(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


# --- The service ---------------------------------------------------------------------------------


def test_approval_waits_for_the_flagged_change_to_be_acknowledged_then_goes_ahead(
        moj, calculated_run, flagged_change, in_department):
    # when the approver approves the run before acknowledging Esme's change
    with pytest.raises(ValidationError) as refused:
        services.pay_run_approve(run=calculated_run, acting_user=moj.payroll_approver)
    # then approval is refused, naming the change, and the run is still waiting
    message = " ".join(_refusal(refused.value)["bank_changes"])
    assert f"Esme Tester (E0001), change {flagged_change.pk}: account shared with another employee" in message
    assert refused.value.error_dict["bank_changes"][0].code == "bank_changes_unacknowledged"
    assert _status(moj, calculated_run, in_department) == PayRun.Status.CALCULATED
    # when the approver acknowledges it with a note
    written = services.pay_run_bank_changes_acknowledge(
        run=calculated_run, change_ids=[flagged_change.pk], note="  Phoned Esme on her number from 2019  ",
        acting_user=moj.payroll_approver)
    # then the acknowledgement records the flags seen, the note, who and when, and is audited
    (acknowledgement,) = written
    assert acknowledgement.flags == [SHARED_ACCOUNT]
    assert acknowledgement.note == "Phoned Esme on her number from 2019"
    assert acknowledgement.acknowledged_by == moj.payroll_approver
    with in_department(moj):
        event = AuditEvent.objects.get(action="pay_run.bank_change_acknowledge")
    assert event.object_id == str(calculated_run.pk)
    assert event.reason == "Phoned Esme on her number from 2019"
    assert event.changes["bank_change"]["after"] == flagged_change.pk
    # and the run can now be approved
    approved = services.pay_run_approve(run=calculated_run, acting_user=moj.payroll_approver)
    assert approved.status == PayRun.Status.APPROVED


def test_a_change_without_flags_does_not_hold_approval(moj, calculated_run, finance_setting, in_department):
    # given Esme moved her pay to an account of her own, twenty days before pay day
    with in_department(moj):
        esme = Employee.objects.get(payroll_number="E0001")
    BankDetailsChangeFactory(department=moj.department, employee=esme, sort_code="200415",
                             account_number="11112222", requested_at=_days_before_pay_day(calculated_run, 20),
                             effective_from=calculated_run.period_start)
    # then the run lists it unflagged, and approval goes ahead
    with in_department(moj):
        report = pay_run_bank_changes(run=calculated_run)
    assert len(report.changes) == 1
    assert report.flagged == []
    assert services.pay_run_approve(run=calculated_run, acting_user=moj.payroll_approver).status == "approved"


def test_a_missing_note_or_an_id_that_is_not_a_flagged_change_of_the_run_is_refused_and_nothing_written(
        moj, calculated_run, flagged_change, finance_setting, in_department):
    with in_department(moj):
        esme = Employee.objects.get(payroll_number="E0001")
    unflagged_elsewhere = BankDetailsChangeFactory(
        department=moj.department, employee=esme, account_number="55556666",
        requested_at=timezone.now() - datetime.timedelta(days=90), effective_from=datetime.date(2026, 9, 1))
    # when the note is blank
    with pytest.raises(ValidationError) as no_note:
        services.pay_run_bank_changes_acknowledge(run=calculated_run, change_ids=[flagged_change.pk], note="  ",
                                                  acting_user=moj.payroll_approver)
    assert "Enter what you checked" in _refusal(no_note.value)["note"][0]
    # when one id is unknown and another is not in this run's report, beside a good one
    with pytest.raises(ValidationError) as unknown:
        services.pay_run_bank_changes_acknowledge(
            run=calculated_run, change_ids=[flagged_change.pk, 999_999, unflagged_elsewhere.pk], note="Checked",
            acting_user=moj.payroll_approver)
    assert (f"no flagged bank details change with id 999999, {unflagged_elsewhere.pk}"
            in _refusal(unknown.value)["changes"][0])
    # when nothing is chosen
    with pytest.raises(ValidationError) as nothing:
        services.pay_run_bank_changes_acknowledge(run=calculated_run, change_ids=[], note="Checked",
                                                  acting_user=moj.payroll_approver)
    assert "Select the flagged changes" in _refusal(nothing.value)["changes"][0]
    # then nothing was acknowledged
    assert _acknowledgements(moj, in_department) == []


def test_only_an_approver_who_neither_made_nor_checked_the_change_may_acknowledge_it(
        moj, calculated_run, flagged_change, finance_setting, in_department):
    # when a payroll officer acknowledges
    with pytest.raises(ValidationError) as officer:
        services.pay_run_bank_changes_acknowledge(run=calculated_run, change_ids=[flagged_change.pk], note="Fine",
                                                  acting_user=moj.payroll_officer)
    assert officer.value.error_dict["__all__"][0].code == "four_eyes"
    # when an approver acknowledges a change they checked themselves (as HR's second person)
    with in_department(moj):
        manon = Employee.objects.get(payroll_number="M0001")
    checked = BankDetailsChangeFactory(department=moj.department, employee=manon, source="hr",
                                       sort_code="200415", account_number="38290008", requested_by=moj.hr_officer,
                                       checked_by=moj.payroll_approver,
                                       requested_at=_days_before_pay_day(calculated_run, 19),
                                       effective_from=calculated_run.period_start)
    with pytest.raises(ValidationError) as own:
        services.pay_run_bank_changes_acknowledge(run=calculated_run, change_ids=[checked.pk], note="Fine",
                                                  acting_user=moj.payroll_approver)
    assert "You made or checked the change for Manon Tester (M0001" in _refusal(own.value)["changes"][0]
    assert _acknowledgements(moj, in_department) == []


def test_a_flag_raised_after_the_acknowledgement_needs_another_look(moj, calculated_run, flagged_change,
                                                                    in_department):
    # given the approver acknowledged Esme's change as sharing Cal's account
    services.pay_run_bank_changes_acknowledge(run=calculated_run, change_ids=[flagged_change.pk],
                                              note="Cal and Esme are married", acting_user=moj.payroll_approver)
    # when the audit log turns out to show her phone changed the day before the bank details
    with in_department(moj):
        AuditEvent.objects.create(department=moj.department, action="employee.personal_details_change",
                                  occurred_at=flagged_change.requested_at - datetime.timedelta(days=1),
                                  object_type="hr.employee", object_id=str(flagged_change.employee_id),
                                  changes={"phone": {"before": "07700 900001", "after": "07700 900999"}})
        waiting = pay_run_bank_changes(run=calculated_run).waiting
    # then the change waits again, and approval is refused
    assert [item.id for item in waiting] == [flagged_change.pk]
    with pytest.raises(ValidationError):
        services.pay_run_approve(run=calculated_run, acting_user=moj.payroll_approver)
    # when it is acknowledged again
    services.pay_run_bank_changes_acknowledge(run=calculated_run, change_ids=[flagged_change.pk],
                                              note="Esme confirmed the new phone in person",
                                              acting_user=moj.payroll_approver)
    # then the one acknowledgement holds both flags and the newer note, and approval goes ahead
    (acknowledgement,) = _acknowledgements(moj, in_department)
    assert set(acknowledgement.flags) == {SHARED_ACCOUNT, AFTER_CONTACT_CHANGE}
    assert acknowledgement.note == "Esme confirmed the new phone in person"
    assert services.pay_run_approve(run=calculated_run, acting_user=moj.payroll_approver).status == "approved"


def test_acknowledging_twice_or_after_approval_is_refused(moj, calculated_run, flagged_change, in_department):
    services.pay_run_bank_changes_acknowledge(run=calculated_run, change_ids=[flagged_change.pk], note="Checked",
                                              acting_user=moj.payroll_approver)
    with pytest.raises(ValidationError) as again:
        services.pay_run_bank_changes_acknowledge(run=calculated_run, change_ids=[flagged_change.pk],
                                                  note="Checked again", acting_user=moj.payroll_approver)
    assert "already acknowledged" in _refusal(again.value)["changes"][0]
    services.pay_run_approve(run=calculated_run, acting_user=moj.payroll_approver)
    with pytest.raises(ValidationError) as approved:
        services.pay_run_bank_changes_acknowledge(run=calculated_run, change_ids=[flagged_change.pk],
                                                  note="Late", acting_user=moj.payroll_approver)
    assert "approved" in _refusal(approved.value)["status"][0]


# --- The run page --------------------------------------------------------------------------------


def test_the_approver_acknowledges_on_the_run_page_and_then_approves(moj, calculated_run, flagged_change,
                                                                     in_department, sign_in, stepped_up):
    run_url = f"/departments/{moj.slug}/payroll/runs/{calculated_run.pk}/"
    client = sign_in(moj.payroll_approver)
    stepped_up()
    # when the approver presses Approve first
    refused = client.post(f"{run_url}steps/approve/", follow=True)
    # then the page says which change waits, and the run is not approved
    page = refused.content.decode()
    assert "Acknowledge the flagged bank details change this run pays into before approving it" in page
    assert 'data-testid="approve-waits-for-bank-changes"' in page
    assert _status(moj, calculated_run, in_department) == PayRun.Status.CALCULATED
    # when they submit the acknowledgement without a note
    no_note = client.post(run_url, {"changes": [flagged_change.pk], "shown": [flagged_change.pk],
                                     "acknowledge": "chosen", "note": ""})
    # then the page shows a GOV.UK error summary linking to the note, and nothing is written
    assert no_note.status_code == 200
    page = no_note.content.decode()
    assert "<title>Error: " in page
    assert "There is a problem" in page
    assert '<a href="#bank-change-note">Enter what you checked' in page
    assert _acknowledgements(moj, in_department) == []
    # when they tick nothing
    nothing = client.post(run_url, {"shown": [flagged_change.pk], "acknowledge": "chosen", "note": "Checked"})
    assert '<a href="#bank-change-changes">Select the flagged changes you have checked, or acknowledge all shown' \
        in nothing.content.decode()
    # when they acknowledge all shown, with a note (an id no longer on the list is passed over)
    done = client.post(run_url, {"shown": [flagged_change.pk, 999_999, "x"], "acknowledge": "all",
                                 "note": "Phoned Esme: Cal is her husband"})
    assert done.status_code == 302
    assert done["Location"].endswith("#bank-changes")
    # then the run page shows who acknowledged it, with the note, and no longer offers the form
    page = client.get(run_url).content.decode()
    assert "1 bank details change is acknowledged for this run" in page
    assert "By MOJ payroll_approver on" in page
    assert "Phoned Esme: Cal is her husband" in page
    assert 'data-testid="bank-changes-acknowledge"' not in page
    assert 'data-testid="approve-waits-for-bank-changes"' not in page
    # and approving now goes ahead
    client.post(f"{run_url}steps/approve/")
    assert _status(moj, calculated_run, in_department) == PayRun.Status.APPROVED


def test_only_an_approver_may_post_an_acknowledgement_on_the_page(moj, calculated_run, flagged_change, sign_in,
                                                                   in_department):
    run_url = f"/departments/{moj.slug}/payroll/runs/{calculated_run.pk}/"
    response = sign_in(moj.payroll_officer).post(run_url, {"changes": [flagged_change.pk], "note": "Fine"})
    assert response.status_code == 403
    assert _acknowledgements(moj, in_department) == []


def test_the_report_page_takes_acknowledgements_too(moj, calculated_run, flagged_change, sign_in, in_department):
    report_url = f"/departments/{moj.slug}/payroll/runs/{calculated_run.pk}/bank-changes/"
    client = sign_in(moj.payroll_approver)
    page = client.get(report_url).content.decode()
    assert 'data-testid="bank-changes-acknowledge"' in page
    done = client.post(report_url, {"changes": [flagged_change.pk], "shown": [flagged_change.pk],
                                    "acknowledge": "chosen", "note": "Checked with HR"})
    assert done.status_code == 302
    assert done["Location"].startswith(report_url)
    assert [ack.note for ack in _acknowledgements(moj, in_department)] == ["Checked with HR"]


# --- The API -------------------------------------------------------------------------------------


def _client(moj, scopes):
    _, raw = department_services.api_token_create(department=moj.department, name="+".join(scopes),
                                                  acting_user=None, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _fields(response):
    return {error["field"] for error in response.json()["errors"]}


def test_through_the_api_approval_waits_for_the_acknowledgement_and_bad_input_is_a_problem(
        moj, calculated_run, flagged_change, in_department):
    base = f"/api/v1/departments/{moj.slug}/payroll/runs/{calculated_run.pk}/"
    approver = _client(moj, ["payroll:read", "payroll:approve"])
    # when the approvals workflow approves before acknowledging
    refused = approver.post(base + "approve/")
    # then it is a 400 problem naming bank_changes, and the run is still waiting
    assert refused.status_code == 400, refused.content
    assert refused["Content-Type"] == PROBLEM
    assert _fields(refused) == {"bank_changes"}
    assert _status(moj, calculated_run, in_department) == PayRun.Status.CALCULATED
    # when it acknowledges an unknown change, or leaves the note out
    unknown = approver.post(base + "bank-changes/acknowledgements/", {"changes": [999_999], "note": "Checked"},
                            format="json")
    no_note = approver.post(base + "bank-changes/acknowledgements/", {"changes": [flagged_change.pk]}, format="json")
    # then each is a 400 problem naming the field, and nothing is written
    assert unknown.status_code == 400
    assert unknown["Content-Type"] == PROBLEM
    assert _fields(unknown) == {"changes"}
    assert no_note.status_code == 400
    assert no_note["Content-Type"] == PROBLEM
    assert _fields(no_note) == {"note"}
    assert _acknowledgements(moj, in_department) == []
    # and a token that may only read cannot acknowledge
    reader = _client(moj, ["payroll:read"])
    assert reader.post(base + "bank-changes/acknowledgements/", {"changes": [flagged_change.pk], "note": "Fine"},
                       format="json").status_code == 403
    # when it acknowledges properly
    done = approver.post(base + "bank-changes/acknowledgements/",
                         {"changes": [flagged_change.pk], "note": "Confirmed by HR case 4411"}, format="json")
    # then the answer shows the acknowledgement, the list agrees, and approval goes ahead
    assert done.status_code == 201, done.content
    (acknowledged,) = done.json()
    assert acknowledged["id"] == flagged_change.pk
    assert acknowledged["needs_acknowledgement"] is False
    assert acknowledged["acknowledgement"]["note"] == "Confirmed by HR case 4411"
    assert acknowledged["acknowledgement"]["flags"] == [SHARED_ACCOUNT]
    listed = approver.get(base + "bank-changes/").json()["results"]
    assert listed[0]["acknowledgement"]["note"] == "Confirmed by HR case 4411"
    assert approver.post(base + "approve/").status_code == 200


def test_acknowledging_a_run_that_is_not_waiting_for_approval_is_a_conflict(moj, calculated_run, flagged_change):
    base = f"/api/v1/departments/{moj.slug}/payroll/runs/{calculated_run.pk}/"
    approver = _client(moj, ["payroll:read", "payroll:approve"])
    approver.post(base + "bank-changes/acknowledgements/", {"changes": [flagged_change.pk], "note": "Checked"},
                  format="json")
    assert approver.post(base + "approve/").status_code == 200
    late = approver.post(base + "bank-changes/acknowledgements/", {"changes": [flagged_change.pk], "note": "Again"},
                         format="json")
    assert late.status_code == 409
    assert late["Content-Type"] == PROBLEM
