"""E-mail notifications, sent to a real SMTP server (tests/smtp.py): written in the caller's
transaction and sent once it commits; held for a daily digest and sent in it once; retried with
backoff after SMTP errors and failed after the last attempt; never sent twice; nothing without an
address; and nothing sensitive in what is sent."""

from __future__ import annotations

import pytest
from django.db import transaction

from departments import notifications
from departments.models import Notification
from departments.notifications import OutgoingMessage, notification_preference_set, notify, notify_many
from departments.tasks_notifications import (
    notification_digests_task,
    notification_send_task,
    notifications_send_task,
)

pytest_plugins = ["tests.smtp"]  # the smtp_server fixture
pytestmark = pytest.mark.django_db


def _tell(moj, *, kind=Notification.Kind.REQUEST_DECIDED, user=None, to_address="esme@home.example",
          subject="Your leave request was approved", body="Your annual leave from 1 to 5 December 2026 was approved.",
          link="/departments/moj/hr/me/leave/"):
    return notify(department=moj.department, kind=kind, subject=subject, body=body, to_address=to_address,
                  user=user, link=link)


def _row(moj, in_department, notification):
    with in_department(moj):
        return Notification.objects.get(pk=notification.pk)


def test_a_notification_is_sent_once_the_callers_transaction_commits(moj, in_department, smtp_server, settings,
                                                                      django_capture_on_commit_callbacks):
    settings.PLATFORM_BASE_URL = "https://shared-services.example"
    # given a notification written in a transaction that has not committed yet
    with django_capture_on_commit_callbacks(execute=True):
        notification = _tell(moj, user=moj.employee)
        # then it is queued and nothing has gone
        assert _row(moj, in_department, notification).status == Notification.Status.QUEUED
        assert smtp_server.received == []
    # when it commits: one e-mail on the server, and the row says so
    (received,) = smtp_server.received
    row = _row(moj, in_department, notification)
    assert (row.status, row.attempts, row.last_error) == (Notification.Status.SENT, 1, "")
    assert row.sent_at is not None
    assert received.envelope_to == ["esme@home.example"]
    assert received.subject == "Your leave request was approved"
    assert received.message["From"] == "Ministry of Justice <no-reply@shared-services.example>"
    assert received.message["Auto-Submitted"] == "auto-generated"
    # in GOV.UK Notify's manner: a greeting by name, the one point, an absolute link to the service
    text = received.text()
    assert text.startswith("Dear MOJ employee,\n\nYour annual leave from 1 to 5 December 2026 was approved.")
    assert "https://shared-services.example/departments/moj/hr/me/leave/" in text
    assert "From Ministry of Justice" in text
    # and a simple HTML alternative with the link as a link
    assert '<a href="https://shared-services.example/departments/moj/hr/me/leave/"' in received.html()
    assert row.body == text


def test_nothing_is_sent_when_the_change_it_reports_rolls_back(moj, in_department, smtp_server,
                                                               django_capture_on_commit_callbacks):
    # given a change that fails after its notification was written
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            _tell(moj)
            raise RuntimeError("the change failed")
    # then there is no notification and no e-mail
    with in_department(moj):
        assert not Notification.objects.exists()
    assert smtp_server.received == []


def test_no_address_means_nothing_is_written_or_sent(moj, in_department, smtp_server,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert _tell(moj, to_address="") is None
        queued = notify_many(department=moj.department, kind=Notification.Kind.PAYSLIP_READY, messages=[
            OutgoingMessage(to_address="", subject="Your payslip is ready", point="Your payslip is ready.")])
    assert queued == []
    with in_department(moj):
        assert not Notification.objects.exists()
    assert smtp_server.received == []


def test_an_unknown_kind_is_refused(moj):
    with pytest.raises(ValueError, match="not a kind of notification"):
        _tell(moj, kind="gossip")


def test_items_waiting_are_held_for_a_daily_digest_and_sent_in_one_email_once(
        moj, dft, in_department, smtp_server, django_capture_on_commit_callbacks):
    # given a manager who chose the daily digest in moj
    notification_preference_set(department=moj.department, user=moj.manager, daily_digest=True,
                                acting_user=moj.manager)
    with django_capture_on_commit_callbacks(execute=True):
        # when two items wait for their decision and one request of theirs is decided
        for who in ("Esme Tester", "Cal Tester"):
            _tell(moj, kind=Notification.Kind.ITEM_WAITING, user=moj.manager, to_address="manon@work.example",
                  subject=f"Leave request from {who} waiting for your decision",
                  body=f"{who} has asked for annual leave.", link="/departments/moj/approvals/")
        _tell(moj, user=moj.manager, to_address="manon@work.example")
        # and someone who did not choose the digest has an item waiting too
        _tell(moj, kind=Notification.Kind.ITEM_WAITING, user=moj.hr_officer, to_address="cal@work.example",
              subject="Expense claim from Esme Tester waiting for your decision", body="Esme has sent a claim.")
    # then the items waiting for the manager are held; the rest went at once
    with in_department(moj):
        held = Notification.objects.filter(status=Notification.Status.HELD_FOR_DIGEST)
        assert held.count() == 2
        assert set(held.values_list("user_id", flat=True)) == {moj.manager.pk}
    assert sorted(item.subject for item in smtp_server.received) == [
        "Expense claim from Esme Tester waiting for your decision", "Your leave request was approved"]
    # when the morning's digest runs, twice
    notification_digests_task()
    notification_digests_task()
    # then the manager has one e-mail listing both items, and they are marked sent
    digests = [item for item in smtp_server.to("manon@work.example") if "waiting" in item.subject]
    assert len(digests) == 1
    assert digests[0].subject == "2 items waiting for your decision"
    text = digests[0].text()
    assert "* Leave request from Esme Tester waiting for your decision" in text
    assert "* Leave request from Cal Tester waiting for your decision" in text
    assert "/departments/moj/approvals/" in text
    assert "/departments/moj/notifications/" in text
    with in_department(moj):
        assert not Notification.objects.filter(status=Notification.Status.HELD_FOR_DIGEST).exists()
        assert Notification.objects.filter(status=Notification.Status.SENT).count() == 4


def test_a_digest_lists_only_its_own_departments_items(moj, dft, in_department, smtp_server):
    # given one person with items held in two departments
    for people in (moj, dft):
        notification_preference_set(department=people.department, user=moj.manager, daily_digest=True,
                                    acting_user=moj.manager)
        notify(department=people.department, kind=Notification.Kind.ITEM_WAITING, user=moj.manager,
               to_address="manon@work.example", subject=f"A claim waiting in {people.slug}", body="A claim.")
    # when the digests run
    notification_digests_task()
    # then each department sends its own, listing its own item only
    texts = sorted(item.text() for item in smtp_server.received)
    assert len(texts) == 2
    assert "A claim waiting in dft" in texts[0]
    assert "A claim waiting in moj" not in texts[0]
    assert "A claim waiting in moj" in texts[1]
    assert "A claim waiting in dft" not in texts[1]


def test_an_smtp_error_is_retried_with_backoff_and_the_attempts_recorded(
        moj, in_department, smtp_server, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_RETRY_SECONDS = 60
    # given a relay that refuses the next two messages for now
    smtp_server.refuse_next = 2
    delays = []
    send = notification_send_task.apply_async

    def recorded(args, kwargs=None, countdown=None, **options):
        if countdown is not None:
            delays.append(countdown)
        return send(args, kwargs, countdown=countdown, **options)

    monkeypatch.setattr(notification_send_task, "apply_async", recorded)
    # when a notification is sent
    with django_capture_on_commit_callbacks(execute=True):
        notification = _tell(moj)
    # then it went on the third attempt, once, after waiting longer each time
    row = _row(moj, in_department, notification)
    assert (row.status, row.attempts, row.last_error) == (Notification.Status.SENT, 3, "")
    assert smtp_server.refused == 2
    assert len(smtp_server.received) == 1
    assert delays == [60, 120]


def test_a_notification_fails_after_the_last_attempt(moj, in_department, smtp_server, settings,
                                                     django_capture_on_commit_callbacks):
    settings.NOTIFICATION_SEND_ATTEMPTS = 3
    # given a relay that keeps refusing
    smtp_server.refuse_next = 100
    # when a notification is sent
    with django_capture_on_commit_callbacks(execute=True):
        notification = _tell(moj)
    # then it was tried three times and is failed, with the relay's answer
    row = _row(moj, in_department, notification)
    assert (row.status, row.attempts) == (Notification.Status.FAILED, 3)
    assert "451" in row.last_error
    assert smtp_server.refused == 3
    assert smtp_server.received == []
    # and a later task for it sends nothing
    smtp_server.refuse_next = 0
    notification_send_task(moj.id, notification.pk)
    assert smtp_server.received == []


def test_a_permanent_refusal_fails_at_once(moj, in_department, smtp_server, django_capture_on_commit_callbacks):
    smtp_server.refuse_next, smtp_server.refusal = 1, "550 5.1.1 No such mailbox here"
    with django_capture_on_commit_callbacks(execute=True):
        notification = _tell(moj)
    row = _row(moj, in_department, notification)
    assert (row.status, row.attempts) == (Notification.Status.FAILED, 1)
    assert "No such mailbox" in row.last_error


def test_a_relay_that_cannot_be_reached_is_retried_then_failed(moj, in_department, settings,
                                                               django_capture_on_commit_callbacks):
    # given a relay address where nothing listens
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    settings.NOTIFICATION_SEND_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=True):
        notification = _tell(moj)
    row = _row(moj, in_department, notification)
    assert (row.status, row.attempts) == (Notification.Status.FAILED, 2)
    assert "ConnectionRefusedError" in row.last_error


def test_a_sent_notification_is_never_sent_twice(moj, in_department, smtp_server,
                                                django_capture_on_commit_callbacks):
    # given a notification that was sent
    with django_capture_on_commit_callbacks(execute=True):
        notification = _tell(moj)
    assert len(smtp_server.received) == 1
    # when its task is delivered again, alone and in a chunk
    assert notification_send_task(moj.id, notification.pk) == Notification.Status.SENT
    assert notifications_send_task(moj.id, [notification.pk]) == 0
    # then nothing more was sent
    assert len(smtp_server.received) == 1
    assert _row(moj, in_department, notification).attempts == 1


def test_many_are_written_in_chunks_and_sent_in_chunks(moj, in_department, smtp_server, monkeypatch,
                                                       django_capture_on_commit_callbacks):
    monkeypatch.setattr(notifications, "WRITE_CHUNK_SIZE", 2)
    monkeypatch.setattr(notifications, "SEND_CHUNK_SIZE", 2)
    messages = [OutgoingMessage(to_address=f"person{number}@home.example", name=f"Person {number}",
                                subject="Your payslip is ready", point="Your payslip for November 2026 is ready.",
                                link=f"/departments/moj/payroll/runs/1/payslips/{number}/")
                for number in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        queued = notify_many(department=moj.department, kind=Notification.Kind.PAYSLIP_READY, messages=messages)
    assert len(queued) == 5
    assert sorted(address for item in smtp_server.received for address in item.envelope_to) == [
        f"person{number}@home.example" for number in range(5)]
    assert smtp_server.to("person3@home.example")[0].text().startswith("Dear Person 3,")
    with in_department(moj):
        assert set(Notification.objects.values_list("status", flat=True)) == {Notification.Status.SENT}


def test_many_items_waiting_are_held_only_for_those_who_chose_a_digest(moj, in_department, smtp_server,
                                                                        django_capture_on_commit_callbacks):
    # given a manager who chose the digest and one who did not
    notification_preference_set(department=moj.department, user=moj.manager, daily_digest=True,
                                acting_user=moj.manager)
    messages = [OutgoingMessage(to_address=user.email, user_id=user.pk, subject="A claim waiting for your decision",
                                point="A claim is waiting.") for user in (moj.manager, moj.hr_officer)]
    # when both are told at once
    with django_capture_on_commit_callbacks(execute=True):
        queued = notify_many(department=moj.department, kind=Notification.Kind.ITEM_WAITING, messages=messages)
    # then the one who chose the digest waits for it; the other has their e-mail
    with in_department(moj):
        assert dict(Notification.objects.values_list("user_id", "status")) == {
            moj.manager.pk: Notification.Status.HELD_FOR_DIGEST, moj.hr_officer.pk: Notification.Status.SENT}
        assert queued == list(Notification.objects.filter(user=moj.hr_officer).values_list("pk", flat=True))
    assert [item.envelope_to for item in smtp_server.received] == [[moj.hr_officer.email]]


def test_a_message_refused_in_a_chunk_is_retried_alone_and_the_rest_go(moj, in_department, smtp_server, monkeypatch,
                                                                       django_capture_on_commit_callbacks):
    # given a relay that refuses the first message it is given
    monkeypatch.setattr(notifications, "SEND_CHUNK_SIZE", 3)
    smtp_server.refuse_next = 1
    messages = [OutgoingMessage(to_address=f"person{number}@home.example", subject="Your payslip is ready",
                                point="Your payslip is ready.") for number in range(3)]
    # when a chunk of three is sent
    with django_capture_on_commit_callbacks(execute=True):
        notify_many(department=moj.department, kind=Notification.Kind.PAYSLIP_READY, messages=messages)
    # then each went once, the refused one on its second attempt
    assert sorted(address for item in smtp_server.received for address in item.envelope_to) == [
        f"person{number}@home.example" for number in range(3)]
    with in_department(moj):
        assert sorted(Notification.objects.values_list("status", "attempts")) == [
            (Notification.Status.SENT, 1), (Notification.Status.SENT, 1), (Notification.Status.SENT, 2)]


def test_a_refused_digest_is_retried_and_sent_once(moj, in_department, smtp_server):
    # given an item held for a digest, and a relay that refuses the next message
    notification_preference_set(department=moj.department, user=moj.manager, daily_digest=True,
                                acting_user=moj.manager)
    _tell(moj, kind=Notification.Kind.ITEM_WAITING, user=moj.manager, subject="A claim waiting for your decision")
    smtp_server.refuse_next = 1
    # when the digest runs
    notification_digests_task()
    # then it went on the second attempt, once, and the item is sent
    assert len(smtp_server.received) == 1
    assert smtp_server.received[0].subject == "1 item waiting for your decision"
    with in_department(moj):
        assert list(Notification.objects.values_list("status", "attempts")) == [(Notification.Status.SENT, 2)]


def test_what_is_sent_carries_no_account_or_ni_number(moj, in_department, smtp_server,
                                                      django_capture_on_commit_callbacks):
    # given a careless message naming an NI number, a sort code and an account number
    with django_capture_on_commit_callbacks(execute=True):
        notification = _tell(moj, kind=Notification.Kind.BANK_DETAILS_CHANGED, subject="Bank account 66374958",
                             body="NI number QQ 12 34 56 C: pay goes to 20-29-59 66374958 from 2026-12-01.")
    # then none of them is stored or sent; the date and the reference-like text stay
    (received,) = smtp_server.received
    for text in (received.text(), received.html(), received.subject, _row(moj, in_department, notification).body):
        for secret in ("QQ 12 34 56 C", "20-29-59", "66374958"):
            assert secret not in text
    assert "2026-12-01" in received.text()


def test_the_daily_digest_runs_at_seven_in_the_morning_london_time(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["departments-notification-digests"]
    assert entry["task"] == notification_digests_task.name
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({7}, {0})
    assert settings.CELERY_TIMEZONE == "Europe/London"
