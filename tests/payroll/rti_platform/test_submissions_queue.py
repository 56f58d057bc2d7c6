"""Submissions on their way to HMRC, through the GovTalk protocol against a local stand-in for the
gateway (``tests/payroll/govtalk_server.py``): accepted; rejected with HMRC's messages kept and
built again as a replacement; a timeout tried again later; never sent twice."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from payroll import services
from payroll.models import RtiSubmission
from payroll.selectors_rti import rti_submissions_due
from payroll.tasks_rti import rti_submissions_due_in_department_task
from tests.payroll.govtalk_server import BUSINESS_ERRORS, running_gateway

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway_settings(settings):
    def use(gateway, *, timeout=5.0):
        settings.RTI_GATEWAY_URL = gateway.url + "/submission"
        settings.RTI_SENDER_ID = "MOJPAYROLL"
        settings.RTI_SENDER_PASSWORD = "s3cret&pass"
        settings.RTI_GATEWAY_TIMEOUT_SECONDS = timeout
    return use


@pytest.fixture
def validated(moj, hmrc_ready, approved_run, in_department):
    """A finalised run whose FPS is validated and waiting to be sent."""
    def build():
        run = services.pay_run_finalise(run=approved_run(), acting_user=moj.payroll_approver)
        with in_department(moj):
            submission = services.fps_submission_build(run=run, acting_user=moj.payroll_approver)
        assert submission.status == RtiSubmission.Status.VALIDATED, submission.validation_errors
        return submission
    return build


def test_a_submission_is_sent_acknowledged_polled_and_accepted(moj, validated, gateway_settings, in_department):
    with running_gateway("accept") as gateway:
        gateway_settings(gateway)
        submission = validated()
        # when it is sent
        with in_department(moj):
            sent = services.rti_submission_send(submission=submission)
        # then the gateway has it once, with the real credentials, and it waits for HMRC's answer
        assert sent.status == RtiSubmission.Status.SUBMITTED
        assert sent.correlation_id
        assert sent.poll_url == gateway.url + "/poll"
        assert sent.next_attempt_at > timezone.now() + datetime.timedelta(seconds=3)
        (received,) = gateway.submissions()
        assert (received.sender_id, received.password) == ("MOJPAYROLL", "s3cret&pass")
        assert received.message_class == "HMRC-PAYE-RTI-FPS"
        # when it is polled
        with in_department(moj):
            answered = services.rti_submission_poll(submission=sent)
    # then HMRC accepted it, and the gateway was told to drop its copy
    assert answered.status == RtiSubmission.Status.ACCEPTED
    assert answered.hmrc_errors == []
    assert answered.answered_at is not None
    assert [seen.function for seen in gateway.requests] == ["submit", "submit", "delete"]


def test_a_business_rule_error_rejects_it_with_hmrcs_messages_and_a_correction_replaces_it(
        moj, validated, gateway_settings, in_department):
    with running_gateway("business_error") as gateway:
        gateway_settings(gateway)
        submission = validated()
        with in_department(moj):
            sent = services.rti_submission_send(submission=submission)
            # when HMRC's answer is a business-rule error
            rejected = services.rti_submission_poll(submission=sent)
        # then the submission is rejected and keeps each of HMRC's messages
        assert rejected.status == RtiSubmission.Status.REJECTED
        assert [(error["number"], error["text"]) for error in rejected.hmrc_errors] == [
            (number, text) for number, text, _ in BUSINESS_ERRORS]
        # when it is built again after the records are corrected
        with in_department(moj):
            again = services.rti_submission_resubmit(submission=rejected, acting_user=moj.payroll_officer)
    # then a new submission replaces it, and the rejected one is kept as it was
    assert again.pk != rejected.pk
    assert again.replaces_id == rejected.pk
    assert again.status == RtiSubmission.Status.VALIDATED
    with in_department(moj):
        assert RtiSubmission.objects.get(pk=rejected.pk).status == RtiSubmission.Status.REJECTED


def test_a_gateway_that_does_not_answer_in_time_is_tried_again_later(moj, validated, gateway_settings,
                                                                     in_department):
    with running_gateway("timeout") as gateway:
        gateway_settings(gateway, timeout=0.5)
        submission = validated()
        # when the gateway holds the request past the timeout
        with in_department(moj):
            waiting = services.rti_submission_send(submission=submission)
        # then it is still waiting to be sent, with the reason and a later try
        assert waiting.status == RtiSubmission.Status.VALIDATED
        assert waiting.attempts == 1
        assert "did not answer" in waiting.last_error
        assert waiting.next_attempt_at > timezone.now() + datetime.timedelta(seconds=30)
        with in_department(moj):
            assert waiting.pk not in set(rti_submissions_due().values_list("pk", flat=True))
        # and a second timeout waits longer
        with in_department(moj):
            RtiSubmission.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now())
            assert waiting.pk in set(rti_submissions_due().values_list("pk", flat=True))
            again = services.rti_submission_send(submission=waiting)
        assert again.attempts == 2
        assert again.next_attempt_at - timezone.now() > datetime.timedelta(seconds=100)
        # when the gateway answers again and the periodic task finds the try due
        gateway.behaviour = "accept"
        with in_department(moj):
            RtiSubmission.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now())
        rti_submissions_due_in_department_task(moj.id)
        # then it is sent and acknowledged; every try carried the same document
        with in_department(moj):
            assert RtiSubmission.objects.get(pk=waiting.pk).status == RtiSubmission.Status.SUBMITTED
        tries = gateway.submissions()
        assert len(tries) == 3
        assert len({seen.body for seen in tries}) == 1


def test_a_submission_is_never_sent_twice(moj, validated, gateway_settings, in_department):
    with running_gateway("accept") as gateway:
        gateway_settings(gateway)
        submission = validated()
        with in_department(moj):
            # when the send task runs twice for it (a redelivered task), and again after the answer
            services.rti_submission_send(submission=submission)
            services.rti_submission_send(submission=submission)
            services.rti_submission_poll(submission=submission)
            services.rti_submission_send(submission=submission)
            # and the run's FPS is asked for again
            same = services.fps_submission_build(run=submission.run, acting_user=moj.payroll_approver)
    # then the gateway received it once, and the run still has the one submission
    assert len(gateway.submissions()) == 1
    assert same.pk == submission.pk
    with in_department(moj):
        assert RtiSubmission.objects.filter(run=submission.run).count() == 1


def test_without_a_gateway_a_valid_submission_stops_at_file_only(moj, hmrc_ready, approved_run, in_department):
    run = services.pay_run_finalise(run=approved_run(), acting_user=moj.payroll_approver)
    with in_department(moj):
        submission = services.fps_submission_build(run=run, acting_user=moj.payroll_approver)
        sent = services.rti_submission_send(submission=submission)
    assert sent.status == RtiSubmission.Status.FILE_ONLY
    assert sent.attempts == 0


def test_finalising_with_a_gateway_sends_the_fps_and_keeps_hmrcs_answer(moj, hmrc_ready, approved_run,
                                                                       gateway_settings, in_department,
                                                                       django_capture_on_commit_callbacks):
    with running_gateway("accept") as gateway:
        gateway_settings(gateway)
        run = approved_run()
        # when the run is finalised and the queued tasks run
        with django_capture_on_commit_callbacks(execute=True):
            services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
    # then its FPS went to the gateway once and HMRC's acceptance is recorded
    with in_department(moj):
        submission = RtiSubmission.objects.get(run=run)
    assert submission.status == RtiSubmission.Status.ACCEPTED
    assert len(gateway.submissions()) == 1
