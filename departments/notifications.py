"""E-mail notifications: written with the change they report, sent by Celery after commit.

Every app tells people things through ``notify`` (one person) or ``notify_many`` (a pay run's
worth): the ``Notification`` is stored in the department's context, in the caller's transaction,
so a change that rolls back sends nothing. A task sends each queued one once the transaction
commits (``departments.tasks_notifications``); items waiting for a decision are held instead for
people who chose a daily digest, which a beat task sends each morning.

Messages follow GOV.UK Notify's style: a short subject, a greeting by name, one point, a link to
the service, and nothing sensitive. Callers write the point without account numbers, NI numbers
or amounts of pay; as a second line of defence, NI numbers and long runs of digits (account
numbers, sort codes) are removed from every subject and point before they are stored.
"""

from __future__ import annotations

import datetime
import re
import smtplib
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, QuerySet
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone

from departments.bulk import AnyOf, bulk_insert
from departments.models import Department, Notification, NotificationPreference
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from shared_services.accounts.models import User

__all__ = [
    "Delivery",
    "OutgoingMessage",
    "notification_deliver",
    "notification_digest_deliver",
    "notification_digest_user_ids",
    "notification_preference_daily_digest",
    "notification_preference_set",
    "notifications_of",
    "notify",
    "notify_many",
]

WRITE_CHUNK_SIZE = 2_000  # notifications written per statement by notify_many
SEND_CHUNK_SIZE = 200  # notifications one task sends over one SMTP connection
# Redis gives an unacknowledged message to another worker after CELERY_VISIBILITY_TIMEOUT (30 min):
# a retry delayed longer could run twice, so the wait between attempts stays well under it.
LONGEST_RETRY_SECONDS = 15 * 60

# Any two letters, not only the prefixes HMRC issues: test and made-up numbers are removed too.
_NI_NUMBER = re.compile(r"\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", re.IGNORECASE)
_SORT_CODE = re.compile(r"\b\d{2}-\d{2}-\d{2}\b")
_LONG_NUMBER = re.compile(r"\b\d{6,}\b")
_SPARE_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class OutgoingMessage:
    """One person's message for ``notify_many``: ``point`` is the text after the greeting."""

    to_address: str
    subject: str
    point: str
    name: str = ""
    user_id: int | None = None
    link: str = ""


@dataclass(frozen=True)
class Delivery:
    """What a sending attempt came to: the status it left, ``retry_in`` seconds when it should be
    tried again; ``attempted`` is False when there was nothing to send (sent already, for one)."""

    status: str
    retry_in: int | None = None
    attempted: bool = True


def _redacted(text: str) -> str:
    text = _NI_NUMBER.sub("[NI number removed]", text)
    text = _SORT_CODE.sub("[number removed]", text)
    return _LONG_NUMBER.sub("[number removed]", text)


def absolute_url(link: str) -> str:
    """A link on the service as an address that works from an e-mail (``PLATFORM_BASE_URL``)."""
    if not link or link.startswith(("https://", "http://")):
        return link
    return f"{settings.PLATFORM_BASE_URL}/{link.lstrip('/')}"


def _preferences_url(department: Department) -> str:
    return absolute_url(reverse("departments:notification-preferences", kwargs={"department_slug": department.slug}))


def _text(template: str, context: dict[str, Any]) -> str:
    rendered = get_template(template).render(context)
    return _SPARE_BLANK_LINES.sub("\n\n", rendered).strip() + "\n"


def _message_body(*, department: Department, kind: str, name: str, point: str, url: str) -> str:
    return _text("departments/email/message.txt", {
        "name": name.strip(), "point": _redacted(point).strip(), "url": url, "department_name": department.name,
        "preferences_url": _preferences_url(department) if kind == Notification.Kind.ITEM_WAITING else "",
    })


# Stand-ins for the name and address in a body rendered once for many people. PostgreSQL text cannot
# hold NUL, so no stored name or link contains them.
_NAME_MARK, _URL_MARK = "\x00name\x00", "\x00url\x00"


class _MessageWriter:
    """Subjects and bodies for many messages of one kind: the template is rendered once for each
    distinct point (a pay run's are all alike) and the name and link put in, since rendering each
    of 75,000 would cost seconds; a subject is checked for sensitive numbers once."""

    def __init__(self, department: Department, kind: str) -> None:
        self.department, self.kind = department, kind
        self.rendered: dict[tuple[str, bool, bool], str] = {}
        self.subjects: dict[str, str] = {}

    def subject(self, subject: str) -> str:
        if subject not in self.subjects:
            self.subjects[subject] = _redacted(subject)[:200]
        return self.subjects[subject]

    def body(self, *, name: str, point: str, link: str) -> str:
        name = name.strip()
        key = (point, bool(name), bool(link))
        if key not in self.rendered:
            self.rendered[key] = _message_body(department=self.department, kind=self.kind,
                                               name=_NAME_MARK if name else "", point=point,
                                               url=_URL_MARK if link else "")
        return self.rendered[key].replace(_NAME_MARK, name).replace(_URL_MARK, absolute_url(link))


def _checked_kind(kind: str) -> str:
    if kind not in Notification.Kind.values:
        raise ValueError(f"{kind!r} is not a kind of notification ({', '.join(Notification.Kind.values)}).")
    return kind


def _send_on_commit(department_id: int, notification_ids: Sequence[int]) -> None:
    """Queue the sending once the caller's transaction commits: one task for one message, chunks of
    ``SEND_CHUNK_SIZE`` over one SMTP connection each for many."""
    ids = list(notification_ids)
    if not ids:
        return

    def enqueue() -> None:
        from departments.tasks_notifications import notification_send_task, notifications_send_task

        if len(ids) == 1:
            notification_send_task.delay(department_id, ids[0])
            return
        for start in range(0, len(ids), SEND_CHUNK_SIZE):
            notifications_send_task.delay(department_id, ids[start:start + SEND_CHUNK_SIZE])

    transaction.on_commit(enqueue)


def notify(*, department: Department, kind: str, subject: str, body: str, to_address: str,
           user: User | None = None, link: str = "", name: str = "") -> Notification | None:
    """Queue an e-mail of ``kind`` (``Notification.Kind``) to ``to_address`` about something in
    ``department``; ``body`` is its one point, ``link`` the page on the service it is about (a path).
    ``user`` is the person it is for, when they have a sign-in: their name greets them (unless
    ``name`` is given) and their digest preference applies. Nothing is queued without an address
    (None). Sent after the caller's transaction commits; held for the daily digest when it is an
    item waiting for the decision of someone who chose one."""
    _checked_kind(kind)
    if not to_address:
        return None
    with department_context(department.id):
        held = (kind == Notification.Kind.ITEM_WAITING and user is not None
                and notification_preference_daily_digest(user=user))
        notification = Notification.objects.create(
            user=user, to_address=to_address, kind=kind, subject=_redacted(subject)[:200],
            body=_message_body(department=department, kind=kind, name=name or (user.full_name if user else ""),
                               point=body, url=absolute_url(link)),
            link=link[:500], status=Notification.Status.HELD_FOR_DIGEST if held else Notification.Status.QUEUED)
        if not held:
            _send_on_commit(department.id, [notification.pk])
        return notification


def notify_many(*, department: Department, kind: str, messages: Iterable[OutgoingMessage]) -> list[int]:
    """``notify`` for many people at once (a pay run's payslips): written with a few statements of
    ``WRITE_CHUNK_SIZE`` rows, and sent in chunks after the caller's transaction commits. Messages
    without an address are left out. Returns the ids of the notifications queued to send."""
    _checked_kind(kind)
    queued: list[int] = []
    with department_context(department.id):
        batch: list[OutgoingMessage] = []
        for message in messages:
            if message.to_address:
                batch.append(message)
            if len(batch) >= WRITE_CHUNK_SIZE:
                queued += _write(department, kind, batch)
                batch = []
        queued += _write(department, kind, batch)
        _send_on_commit(department.id, queued)
    return queued


def _write(department: Department, kind: str, messages: list[OutgoingMessage]) -> list[int]:
    """One statement of notifications; the ids of those queued (not held for a digest)."""
    if not messages:
        return []
    digest_users: set[int] = set()
    if kind == Notification.Kind.ITEM_WAITING:
        user_ids = sorted({message.user_id for message in messages if message.user_id})
        digest_users = set(NotificationPreference.objects.filter(AnyOf(F("user_id"), user_ids), daily_digest=True)
                           .values_list("user_id", flat=True)) if user_ids else set()
    writer = _MessageWriter(department, kind)
    rows = [(message.user_id, message.to_address, writer.subject(message.subject),
             writer.body(name=message.name, point=message.point, link=message.link), message.link[:500],
             Notification.Status.HELD_FOR_DIGEST if message.user_id in digest_users else Notification.Status.QUEUED)
            for message in messages]
    written = bulk_insert(Notification, ("user", "to_address", "subject", "body", "link", "status"), rows,
                          returning=("id", "status"),
                          constants={"kind": kind, "created_at": timezone.now(), "attempts": 0, "last_error": ""})
    return [pk for pk, status in written if status == Notification.Status.QUEUED]


# --- Sending ---------------------------------------------------------------------------------

def _from_address(department: Department) -> str:
    """The department's name over the platform's sending address, so people see who wrote."""
    return formataddr((department.name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))


def _email(*, department: Department, to_address: str, subject: str, text: str,
           connection: BaseEmailBackend | None) -> EmailMultiAlternatives:
    paragraphs = [paragraph.strip() for paragraph in text.split("\n\n") if paragraph.strip()]
    html = get_template("departments/email/message.html").render(
        {"subject": subject, "paragraphs": paragraphs, "department_name": department.name})
    # Auto-Submitted stops out-of-office replies coming back to an address nobody reads (RFC 3834).
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=_from_address(department),
                                     to=[to_address], connection=connection,
                                     headers={"Auto-Submitted": "auto-generated"})
    message.attach_alternative(html, "text/html")
    return message


def _permanent(error: Exception) -> bool:
    """A 5xx answer will not change on a second try (no such mailbox, message refused)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and 500 <= error.smtp_code < 600


def _sent(message: EmailMultiAlternatives, connection: BaseEmailBackend | None) -> Exception | None:
    """Send; the SMTP or network error instead of raising it (None when sent)."""
    try:
        if connection is not None:
            connection.open()  # kept open across a chunk's messages; opened again after an error
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        if connection is not None:
            with suppress(smtplib.SMTPException, OSError):
                connection.close()
        return error
    return None


def _retry_in(attempts: int) -> int:
    return int(min(settings.NOTIFICATION_RETRY_SECONDS * 2 ** max(attempts - 1, 0), LONGEST_RETRY_SECONDS))


def _after_attempt(error: Exception | None, attempts: int) -> tuple[dict[str, Any], Delivery]:
    """The fields to record after an attempt, and what it came to: sent; tried again later; or
    failed, after ``NOTIFICATION_SEND_ATTEMPTS`` or at once for a permanent refusal."""
    if error is None:
        return ({"status": Notification.Status.SENT, "sent_at": timezone.now(), "attempts": attempts,
                 "last_error": ""}, Delivery(Notification.Status.SENT))
    fields: dict[str, Any] = {"attempts": attempts, "last_error": f"{type(error).__name__}: {error}"[:500]}
    if _permanent(error) or attempts >= settings.NOTIFICATION_SEND_ATTEMPTS:
        return {**fields, "status": Notification.Status.FAILED}, Delivery(Notification.Status.FAILED)
    return fields, Delivery(Notification.Status.QUEUED, retry_in=_retry_in(attempts))


def notification_deliver(*, department_id: int, notification_id: int,
                         connection: BaseEmailBackend | None = None) -> Delivery:
    """Send one queued notification, in its own transaction, and record the attempt.

    Never sends twice: the row is locked and only a queued one is sent, so a task delivered twice
    (a retry racing a redelivery) finds it sent and does nothing. Sent, held and failed ones are
    left as they are. An SMTP error is recorded (``attempts``, ``last_error``) and the result asks
    for a retry with backoff; the last attempt marks it failed.
    """
    with department_context(department_id):
        row = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if row is None or row.status != Notification.Status.QUEUED:
            return Delivery(row.status if row is not None else "missing", attempted=False)
        department = Department.objects.get(pk=department_id)
        error = _sent(_email(department=department, to_address=row.to_address, subject=row.subject, text=row.body,
                             connection=connection), connection)
        fields, delivery = _after_attempt(error, row.attempts + 1)
        Notification.objects.filter(pk=row.pk).update(**fields)
        return delivery


# --- The daily digest -----------------------------------------------------------------------

def notification_digest_user_ids() -> list[int]:
    """The people in the department in context with items held for their digest."""
    return list(Notification.objects.filter(status=Notification.Status.HELD_FOR_DIGEST, user__isnull=False)
                .order_by("user_id").values_list("user_id", flat=True).distinct())


def notification_digest_deliver(*, department_id: int, user_id: int,
                                connection: BaseEmailBackend | None = None) -> Delivery:
    """Send one person their held items in one e-mail and mark every one of them sent; as
    ``notification_deliver``, locked so that two runs send one digest, and each attempt recorded
    on every item. Sent to the address of the newest item (the person's address as it is now)."""
    with department_context(department_id):
        held = list(Notification.objects.select_for_update()
                    .filter(user_id=user_id, status=Notification.Status.HELD_FOR_DIGEST).order_by("created_at", "pk"))
        if not held:
            return Delivery("nothing held", attempted=False)
        department = Department.objects.get(pk=department_id)
        user = User.objects.get(pk=user_id)
        links = {item.link for item in held}
        link = links.pop() if len(links) == 1 else reverse("departments:home",
                                                            kwargs={"department_slug": department.slug})
        count = len(held)
        subject = f"{count} item{'s' if count != 1 else ''} waiting for your decision"
        text = _text("departments/email/digest.txt", {
            "name": user.full_name, "subjects": [item.subject for item in held], "count": count,
            "url": absolute_url(link), "department_name": department.name,
            "preferences_url": _preferences_url(department)})
        error = _sent(_email(department=department, to_address=held[-1].to_address, subject=subject, text=text,
                             connection=connection), connection)
        fields, delivery = _after_attempt(error, max(item.attempts for item in held) + 1)
        if delivery.status == Notification.Status.QUEUED:
            fields["status"] = Notification.Status.HELD_FOR_DIGEST  # still waiting for the next attempt
        Notification.objects.filter(pk__in=[item.pk for item in held]).update(**fields)
        return delivery


# --- Preferences and what a person was sent -------------------------------------------------

def notification_preference_daily_digest(*, user: User) -> bool:
    """Whether ``user`` chose a daily digest of items waiting, in the department in context."""
    return NotificationPreference.objects.filter(user=user, daily_digest=True).exists()


@transaction.atomic
def notification_preference_set(*, department: Department, user: User, daily_digest: bool,
                                acting_user: User) -> NotificationPreference:
    """Save how ``user`` hears about items waiting for their decision in ``department``: one e-mail
    each, or one daily digest. Items already held stay for the next digest. Audited when it changes."""
    with department_context(department.id):
        preference, created = NotificationPreference.objects.select_for_update().get_or_create(
            user=user, defaults={"daily_digest": daily_digest})
        before = None if created else preference.daily_digest
        if not created and preference.daily_digest == daily_digest:
            return preference
        preference.daily_digest, preference.updated_at = daily_digest, timezone.now()
        preference.save(update_fields=["daily_digest", "updated_at"])
        audit_record(department=department, action="notification_preference.set", acting_user=acting_user,
                     target=preference, changes=audit_changes({"daily_digest": before},
                                                              {"daily_digest": daily_digest}))
        return preference


def notifications_of(*, user: User, since: datetime.datetime | None = None) -> QuerySet[Notification]:
    """The notifications written for ``user`` in the department in context, newest first."""
    rows = Notification.objects.filter(user=user)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    return rows.order_by("-created_at", "-pk")
