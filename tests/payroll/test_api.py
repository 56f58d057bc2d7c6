"""The pay-run API: a run from draft to finalised with the tokens of two API clients, replayed and
conflicting Idempotency-Keys, four eyes, problems named by field, wrong states, the department
wall, and the files a run gives out."""

from __future__ import annotations

import csv
import io
import threading

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from departments import services as department_services
from departments.models import AuditEvent
from payroll import services
from payroll.bacs import read_standard18
from payroll.models import PayInput, PayrollIdempotencyKey, PayRun
from tests.payroll.settling import settle_review

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def _url(department, path=""):
    return f"/api/v1/departments/{department.slug}/payroll/{path}"


def _client(department, scopes, *, name=None, created_by=None):
    _, raw = department_services.api_token_create(department=department.department, name=name or "+".join(scopes),
                                                  acting_user=created_by, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _error_fields(response):
    return {error["field"] for error in response.json()["errors"]}


@pytest.fixture
def submitter(moj):
    return _client(moj, ["payroll:read", "payroll:submit"], name="Payroll bureau")


@pytest.fixture
def approver(moj):
    return _client(moj, ["payroll:read", "payroll:approve"], name="Approvals workflow")


@pytest.fixture
def schedule(moj, finance_setting):
    return services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                        bank_sort_code="202959", bank_account_number="63748472",
                                        bank_account_name="MOJ PAYROLL")


@pytest.fixture
def draft_run(moj, schedule):
    return services.pay_run_create(schedule=schedule, period_containing=timezone.localdate(), acting_user=None)


def _calculated(moj, run, capture):
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    with capture(execute=True):
        from payroll.tasks import start_calculation
        start_calculation(run=run, acting_user=moj.payroll_officer)
    return run


def test_a_run_goes_from_draft_to_finalised_through_the_api_with_two_clients(
        moj, schedule, submitter, approver, in_department, django_capture_on_commit_callbacks):
    # given a payroll bureau's token creates this month's run
    created = submitter.post(_url(moj, "runs/"), {"schedule": schedule.pk,
                                                  "period_containing": timezone.localdate().isoformat()},
                             format="json")
    assert created.status_code == 201, created.content
    run_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    # when it opens and calculates the run (the chunks run when the request commits)
    assert submitter.post(_url(moj, f"runs/{run_id}/open/")).json()["status"] == "open"
    with django_capture_on_commit_callbacks(execute=True):
        started = submitter.post(_url(moj, f"runs/{run_id}/calculate/"))
    assert started.status_code == 202
    assert started.json()["status"] == "calculating"
    # then the run reports its progress as complete
    run = submitter.get(_url(moj, f"runs/{run_id}/")).json()
    assert run["status"] == "calculated"
    assert run["employees_total"] == run["employees_calculated"] + run["employees_failed"] > 0
    assert run["percent"] == 100
    # and approval is refused while its review is open
    refused = approver.post(_url(moj, f"runs/{run_id}/approve/"))
    assert refused.status_code == 400
    assert [(error["field"], error["message"][:43]) for error in refused.json()["errors"]] == [
        ("review", "Settle the run's review before approving it")]
    # when the bureau settles the review: advisory kinds acknowledged, blocking ones' pay held
    review = submitter.get(_url(moj, f"runs/{run_id}/review/")).json()
    advisory = [kind["code"] for kind in review["kinds"] if not kind["blocking"] and kind["open"]]
    if advisory:
        assert submitter.post(_url(moj, f"runs/{run_id}/review/acknowledgements/"),
                              {"codes": advisory, "note": "Checked"}, format="json").status_code == 200
    blocked = submitter.get(_url(moj, f"runs/{run_id}/exceptions/?state=open&kind=no_bank_details")).json()
    for row in blocked["results"]:
        held = submitter.put(_url(moj, f"runs/{run_id}/payment-routes/{row['employee_id']}/"),
                             {"route": "hold", "note": "Waiting for bank details"}, format="json")
        assert held.status_code == 200, held.content
    assert submitter.get(_url(moj, f"runs/{run_id}/review/")).json()["settled"] is True
    # and the approvals workflow's token approves and finalises it
    approved = approver.post(_url(moj, f"runs/{run_id}/approve/"))
    assert approved.status_code == 200, approved.content
    finalised = approver.post(_url(moj, f"runs/{run_id}/finalise/"))
    # then it is finalised with a journal and a Bacs file, and the audit log names both clients
    assert finalised.status_code == 200, finalised.content
    body = finalised.json()
    assert body["status"] == "finalised"
    assert body["journal"] is not None
    assert body["bacs_file_available"] is True
    with in_department(moj):
        events = {event.action: event for event in AuditEvent.objects.filter(object_id=str(run_id))}
        stored = PayRun.objects.get(pk=run_id)
    assert events["pay_run.open"].api_token.name == "Payroll bureau"
    assert events["pay_run.approve"].api_token.name == "Approvals workflow"
    assert stored.opened_by != stored.approved_by
    bacs = approver.get(_url(moj, f"runs/{run_id}/bacs"))
    assert bacs.status_code == 200
    assert len(read_standard18(b"".join(bacs.streaming_content).decode("ascii")).payments) == 2


def test_a_repeated_step_with_the_same_key_is_done_once_and_replayed(moj, draft_run, submitter, in_department):
    # when the same open is sent twice under one key
    first = submitter.post(_url(moj, f"runs/{draft_run.pk}/open/"), HTTP_IDEMPOTENCY_KEY="open-nov")
    again = submitter.post(_url(moj, f"runs/{draft_run.pk}/open/"), HTTP_IDEMPOTENCY_KEY="open-nov")
    # then the second gets the first answer, marked as a replay, and the run was opened once
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert again.json() == first.json()
    with in_department(moj):
        assert AuditEvent.objects.filter(action="pay_run.open", object_id=str(draft_run.pk)).count() == 1
    # while the same open without a key is refused: the run is open already
    plain = submitter.post(_url(moj, f"runs/{draft_run.pk}/open/"))
    assert plain.status_code == 409
    assert plain.json()["detail"] == "This run is open: inputs locked, so it cannot be opened."


@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_once_do_the_step_once(moj, draft_run, submitter, in_department):
    # given the same open sent twice at the same moment, as a client timing out and retrying might
    from django.db import connection

    from departments.models import ApiToken

    # (used a moment ago, so neither request records its last use, which would queue them on the token's row)
    ApiToken.objects.update(last_used_at=timezone.now())
    barrier = threading.Barrier(2)
    answers = []

    def send():
        try:
            barrier.wait()
            response = submitter.post(_url(moj, f"runs/{draft_run.pk}/open/"), HTTP_IDEMPOTENCY_KEY="race-1")
            answers.append((response.status_code, response.get("Idempotent-Replayed", "")))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    # when both run
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then one opened the run and the other got its answer back
    assert sorted(answers) == [(200, ""), (200, "true")]
    with in_department(moj):
        assert AuditEvent.objects.filter(action="pay_run.open", object_id=str(draft_run.pk)).count() == 1


def test_a_key_reused_for_another_step_or_body_is_a_conflict(moj, approved_run, submitter, in_department):
    # given a run reopened under a key
    run = approved_run()
    first = submitter.post(_url(moj, f"runs/{run.pk}/reopen/"), {"reason": "Late promotion"}, format="json",
                           HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 200, first.content
    # when the key is sent again for another step, and for the same step with another body
    other_step = submitter.post(_url(moj, f"runs/{run.pk}/cancel/"), {"reason": "Late promotion"}, format="json",
                                HTTP_IDEMPOTENCY_KEY="k-1")
    other_body = submitter.post(_url(moj, f"runs/{run.pk}/reopen/"), {"reason": "Something else"}, format="json",
                                HTTP_IDEMPOTENCY_KEY="k-1")
    # then both are conflicts naming the key, and nothing was cancelled
    for response in (other_step, other_body):
        assert response.status_code == 409
        assert response["Content-Type"] == PROBLEM
        assert "'k-1' was used for a different request" in response.json()["detail"]
    with in_department(moj):
        assert PayRun.objects.get(pk=run.pk).status == PayRun.Status.OPEN


def test_keys_belong_to_their_caller_and_a_refusal_does_not_use_one_up(moj, schedule, draft_run, submitter,
                                                                        in_department):
    # given a refused request under a key (a bad body)
    refused = submitter.post(_url(moj, "runs/"), {"schedule": schedule.pk}, format="json",
                             HTTP_IDEMPOTENCY_KEY="run-dec")
    assert refused.status_code == 400
    # when the fixed request is sent under the same key
    fixed = submitter.post(_url(moj, "runs/"), {"schedule": schedule.pk, "period_containing": "2027-01-10"},
                           format="json", HTTP_IDEMPOTENCY_KEY="run-dec")
    # then it is carried out, not a conflict
    assert fixed.status_code == 201, fixed.content
    # and another client's same key is its own
    other = _client(moj, ["payroll:read", "payroll:submit"], name="Other bureau")
    theirs = other.post(_url(moj, f"runs/{draft_run.pk}/open/"), HTTP_IDEMPOTENCY_KEY="run-dec")
    assert theirs.status_code == 200
    with in_department(moj):
        assert PayrollIdempotencyKey.objects.filter(key="run-dec").count() == 2


def test_four_eyes_hold_through_the_api(moj, draft_run, approver, django_capture_on_commit_callbacks):
    # given one client allowed both to submit and to approve opens and calculates the run
    both = _client(moj, ["payroll:read", "payroll:submit", "payroll:approve"], name="Does everything")
    both.post(_url(moj, f"runs/{draft_run.pk}/open/"))
    with django_capture_on_commit_callbacks(execute=True):
        both.post(_url(moj, f"runs/{draft_run.pk}/calculate/"))
    # when it approves the run itself
    response = both.post(_url(moj, f"runs/{draft_run.pk}/approve/"))
    # then four eyes refuse it
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "You opened or calculated this run, so someone else must approve it."
    # while another client may, once the review is settled
    settle_review(draft_run)
    assert approver.post(_url(moj, f"runs/{draft_run.pk}/approve/")).status_code == 200


@pytest.fixture
def hr_admin_tokens(moj):
    """Two tokens made by one person, one to submit and one to approve."""
    submitting = _client(moj, ["payroll:read", "payroll:submit"], name="Admin submits", created_by=moj.hr_admin)
    approving = _client(moj, ["payroll:read", "payroll:approve"], name="Admin approves", created_by=moj.hr_admin)
    return submitting, approving


def test_two_tokens_of_one_person_are_not_four_eyes(moj, draft_run, hr_admin_tokens,
                                                      django_capture_on_commit_callbacks):
    # given one person's submitting token opens and calculates the run
    submitting, approving = hr_admin_tokens
    submitting.post(_url(moj, f"runs/{draft_run.pk}/open/"))
    with django_capture_on_commit_callbacks(execute=True):
        assert submitting.post(_url(moj, f"runs/{draft_run.pk}/calculate/")).status_code == 202
    # when the same person's approving token approves it
    response = approving.post(_url(moj, f"runs/{draft_run.pk}/approve/"))
    # then it is refused
    assert response.status_code == 403
    assert "someone else must approve" in response.json()["detail"]


def test_bad_input_is_a_400_naming_each_field(moj, schedule, draft_run, submitter, in_department):
    bad_run = submitter.post(_url(moj, "runs/"), {"schedule": 999999, "period_containing": "last month",
                                                  "kind": "bonus"}, format="json")
    assert bad_run.status_code == 400
    assert bad_run["Content-Type"] == PROBLEM
    assert _error_fields(bad_run) == {"schedule", "period_containing", "kind"}
    bad_input = submitter.post(_url(moj, "inputs/"), {"employee": "NOPE", "schedule": schedule.pk,
                                                      "period_containing": "2026-11-05", "code": "OT",
                                                      "kind": "gift", "amount": "-3"}, format="json")
    assert _error_fields(bad_input) == {"employee", "kind", "amount"}
    no_reason = submitter.post(_url(moj, f"runs/{draft_run.pk}/cancel/"), {}, format="json")
    assert no_reason.status_code == 400
    assert _error_fields(no_reason) == {"reason"}
    bad_filter = submitter.get(_url(moj, "runs/?status=finished"))
    assert _error_fields(bad_filter) == {"status"}
    duplicate = submitter.post(_url(moj, "runs/"), {"schedule": schedule.pk,
                                                    "period_containing": draft_run.period_start.isoformat()},
                               format="json")
    assert _error_fields(duplicate) == {"period_containing"}
    too_long = submitter.post(_url(moj, f"runs/{draft_run.pk}/open/"), HTTP_IDEMPOTENCY_KEY="k" * 101)
    assert _error_fields(too_long) == {"Idempotency-Key"}


def test_an_input_for_tax_week_53_is_accepted(moj, submitter, finance_setting):
    # given a weekly schedule paying on Mondays, whose pay day of 5 April 2027 falls in tax week 53
    weekly = services.pay_schedule_create(department=moj.department, acting_user=None, name="Weekly",
                                          frequency="weekly", pay_weekday=0)
    # when an input is entered for that week
    response = submitter.post(_url(moj, "inputs/"), {
        "employee": finance_setting.claimant.payroll_number, "schedule": weekly.pk,
        "period_containing": "2027-04-05", "code": "OT", "kind": "taxable_payment", "amount": "10.00"},
        format="json")
    # then it is taken for week 53, which is paid on the week-1 basis
    assert response.status_code == 201, response.json()


def test_a_step_in_the_wrong_state_is_a_409_with_the_reason(moj, draft_run, submitter, approver):
    approve = approver.post(_url(moj, f"runs/{draft_run.pk}/approve/"))
    assert approve.status_code == 409
    assert approve["Content-Type"] == PROBLEM
    assert approve.json()["detail"] == "This run is draft, so it cannot be approved."
    reopen = submitter.post(_url(moj, f"runs/{draft_run.pk}/reopen/"), {"reason": "x"}, format="json")
    assert reopen.status_code == 409
    assert reopen.json()["detail"] == "This run is draft, so it cannot be reopened."
    assert approver.get(_url(moj, f"runs/{draft_run.pk}/bacs")).status_code == 404


def test_scopes_decide_who_may_do_what(moj, draft_run, submitter):
    reader = _client(moj, ["payroll:read"], name="Reporting")
    assert reader.get(_url(moj, f"runs/{draft_run.pk}/")).status_code == 200
    assert reader.post(_url(moj, f"runs/{draft_run.pk}/open/")).status_code == 403
    assert submitter.post(_url(moj, f"runs/{draft_run.pk}/approve/")).status_code == 403
    hr_only = _client(moj, ["hr:read"], name="HR feed")
    assert hr_only.get(_url(moj, "runs/")).status_code == 403


def test_another_departments_runs_are_not_found(moj, dft, draft_run, submitter):
    theirs = _client(dft, ["payroll:read", "payroll:submit"], name="DfT bureau")
    # their token on moj's address, and on their own address with moj's run id
    assert theirs.get(_url(moj, f"runs/{draft_run.pk}/")).status_code == 404
    assert theirs.get(_url(dft, f"runs/{draft_run.pk}/")).status_code == 404
    opened = theirs.post(_url(dft, f"runs/{draft_run.pk}/open/"))
    assert opened.status_code == 404
    assert opened.json()["detail"] == "This department has no pay run with that id."
    assert theirs.get(_url(dft, "runs/")).json()["count"] == 0
    assert submitter.get(_url(moj, "runs/")).json()["count"] == 1


def test_schedules_and_inputs_are_listed_and_added(moj, schedule, draft_run, submitter, in_department,
                                                   finance_setting):
    # when a schedule and an input are added
    weekly = submitter.post(_url(moj, "schedules/"), {"name": "Weekly", "frequency": "weekly", "pay_weekday": 3},
                            format="json")
    assert weekly.status_code == 201, weekly.content
    assert {row["name"] for row in submitter.get(_url(moj, "schedules/")).json()} == {"Monthly", "Weekly"}
    duplicate = submitter.post(_url(moj, "schedules/"), {"name": "Weekly"}, format="json")
    assert _error_fields(duplicate) == {"name"}
    payroll_number = finance_setting.claimant.payroll_number
    body = {"employee": payroll_number, "schedule": schedule.pk,
            "period_containing": draft_run.period_start.isoformat(), "code": "ot", "description": "Overtime",
            "kind": "taxable_payment", "amount": "120.50"}
    added = submitter.post(_url(moj, "inputs/"), body, format="json", HTTP_IDEMPOTENCY_KEY="ot-1")
    replayed = submitter.post(_url(moj, "inputs/"), body, format="json", HTTP_IDEMPOTENCY_KEY="ot-1")
    # then the input is recorded once
    assert added.status_code == 201, added.content
    assert replayed.json() == added.json()
    assert (added.json()["code"], added.json()["amount"], added.json()["employee"]) == ("OT", "120.50",
                                                                                       payroll_number)
    listed = submitter.get(_url(moj, f"inputs/?schedule={schedule.pk}&period_start={draft_run.period_start}"))
    assert [row["id"] for row in listed.json()["results"]] == [added.json()["id"]]
    with in_department(moj):
        assert PayInput.objects.count() == 1
    # and once the run is open, its period's inputs are locked
    submitter.post(_url(moj, f"runs/{draft_run.pk}/open/"))
    locked = submitter.post(_url(moj, "inputs/"), body, format="json")
    assert locked.status_code == 400
    assert _error_fields(locked) == {"period_containing"}


def test_payslips_exceptions_and_files_of_a_run(moj, draft_run, submitter, django_capture_on_commit_callbacks):
    # given a calculated run
    _calculated(moj, draft_run, django_capture_on_commit_callbacks)
    # when its payslips are read a page at a time
    first_page = submitter.get(_url(moj, f"runs/{draft_run.pk}/payslips/?limit=1"))
    # then
    page = first_page.json()
    assert page["count"] >= 2
    assert len(page["results"]) == 1
    assert page["next"]
    slip = page["results"][0]
    detail = submitter.get(_url(moj, f"runs/{draft_run.pk}/payslips/{slip['id']}/")).json()
    assert detail["lines"][0]["code"] == "BASIC"
    assert detail["net_pay"] == slip["net_pay"]
    assert "taxable_pay" in detail["year_to_date"]
    pdf = submitter.get(_url(moj, f"runs/{draft_run.pk}/payslips/{slip['id']}/pdf"))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    exceptions = submitter.get(_url(moj, f"runs/{draft_run.pk}/exceptions/")).json()
    assert "no_bank_details" in {row["code"] for row in exceptions["results"]}
    register = submitter.get(_url(moj, f"runs/{draft_run.pk}/register.csv"))
    rows = list(csv.reader(io.StringIO(b"".join(register.streaming_content).decode()
                                       if register.streaming else register.content.decode())))
    assert rows[0][:3] == ["payroll_number", "surname", "first_name"]
    assert len(rows) == page["count"] + 1
    xlsx = submitter.get(_url(moj, f"runs/{draft_run.pk}/register.xlsx"))
    assert xlsx.content[:2] == b"PK"
    assert submitter.get(_url(moj, f"runs/{draft_run.pk}/register.pdf")).status_code == 404
    bacs = submitter.get(_url(moj, f"runs/{draft_run.pk}/bacs"))
    assert bacs.status_code == 404
    assert "written when the run is finalised" in bacs.json()["detail"]


def test_a_stalled_calculation_is_resumed_through_the_api(moj, draft_run, submitter,
                                                          django_capture_on_commit_callbacks):
    # given a calculation whose chunks never ran (its worker died before it took them)
    services.pay_run_open(run=draft_run, acting_user=moj.payroll_officer)
    services.pay_run_calculate(run=draft_run, acting_user=moj.payroll_officer)
    stalled = submitter.get(_url(moj, f"runs/{draft_run.pk}/")).json()
    assert (stalled["status"], stalled["percent"]) == ("calculating", 0)
    # when it is resumed
    with django_capture_on_commit_callbacks(execute=True):
        resumed = submitter.post(_url(moj, f"runs/{draft_run.pk}/resume/"))
    # then the employees left are calculated
    assert resumed.status_code == 202
    after = submitter.get(_url(moj, f"runs/{draft_run.pk}/")).json()
    assert (after["status"], after["percent"]) == ("calculated", 100)
    # and a run that is not calculating cannot be resumed
    assert submitter.post(_url(moj, f"runs/{draft_run.pk}/resume/")).status_code == 409


def test_the_schema_documents_every_pay_run_operation_without_warnings(tmp_path):
    schema = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--file", str(schema))
    text = schema.read_text()
    for operation in ("payroll_schedules_list", "payroll_schedules_create", "payroll_runs_list",
                      "payroll_runs_create", "payroll_run_retrieve", "payroll_run_open", "payroll_run_calculate",
                      "payroll_run_resume", "payroll_run_approve", "payroll_run_finalise", "payroll_run_cancel",
                      "payroll_run_reopen",
                      "payroll_inputs_list", "payroll_inputs_create", "payroll_run_exceptions_list",
                      "payroll_payslips_list", "payroll_payslip_retrieve", "payroll_payslip_pdf",
                      "payroll_run_register", "payroll_run_bacs_file"):
        assert f"operationId: {operation}" in text
