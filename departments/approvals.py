"""One approvals inbox: whatever waits for a person's decision, from whichever app it comes.

Each app with things for line managers to decide offers ``ApprovalSource`` objects through its
AppConfig's ``approval_sources`` hook (``shared_services.core.hooks``); the inbox lists, counts
and decides through them without importing those apps, which stand above ``departments``.

A source lists only what the person may decide (their reports' items, and while a dated
delegation runs, the items of the managers who made them deputy) and decides only what it lists:
anything else is ``NotFound``, so a page or API answers 404 alike for an item that does not
exist, belongs to someone else's team, or was decided already.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from departments.models import Department
from shared_services.accounts.models import User
from shared_services.core import hooks
from shared_services.core.problems import NotFound

MAX_NOTE_LENGTH = 300
MAX_BULK_ITEMS = 100
NOT_WAITING = "it is not waiting for your decision any more"


@dataclass(frozen=True)
class ApprovalItem:
    """One thing waiting for a decision, as the inbox shows it whatever its kind."""

    kind: str
    kind_label: str
    id: int
    title: str
    who: str  # the person who asked
    submitted_at: datetime.datetime | None
    summary: tuple[str, ...]  # short lines: dates and hours, amounts
    url: str  # the item's own page elsewhere in the service; "" when it has none the decider may open
    bulk_allowed: bool
    bulk_refused_reason: str = ""
    acting_as_deputy_for: str = ""  # the manager's name when the decider is their deputy

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


class ApprovalSource(Protocol):
    """One kind of item in the inbox (leave requests, expense claims, …)."""

    kind: str  # a slug, used in addresses: "leave"
    label: str  # plural, for headings: "Leave requests"

    def waiting(self, *, department: Department, user: User, day: datetime.date) -> list[ApprovalItem]:
        """What ``user`` may decide on ``day``, oldest first."""
        ...

    def count(self, *, department: Department, user: User, day: datetime.date) -> int:
        """How many items ``waiting`` would list, without building them."""
        ...

    def decide(self, *, department: Department, item_id: int, approve: bool, note: str, acting_user: User) -> None:
        """Approve or reject one item the acting user may decide today; ``NotFound`` for any other,
        ``ValidationError`` when the app's rules refuse (nothing is changed then)."""
        ...


@dataclass(frozen=True)
class BulkOutcome:
    """What became of one item asked to be approved in bulk."""

    APPROVED = "approved"
    NOT_WAITING = "not_waiting"
    REFUSED = "refused"

    kind: str
    id: int
    result: str
    problem: str = ""
    item: ApprovalItem | None = None

    @property
    def name(self) -> str:
        """The item as a person would name it in a message."""
        if self.item is None:
            return f"{self.kind} {self.id}"
        return f"{self.item.title} ({self.item.who})"


def approval_sources() -> dict[str, ApprovalSource]:
    """The kinds of item in the inbox, by kind, in the apps' order."""
    return {source.kind: source for source in hooks.approval_sources()}


def approval_source_get(*, kind: str) -> ApprovalSource:
    source = approval_sources().get(kind)
    if source is None:
        raise NotFound("There is nothing of that kind to approve.")
    return source


def _oldest_first(item: ApprovalItem) -> tuple[datetime.datetime, int]:
    return item.submitted_at or datetime.datetime.min.replace(tzinfo=datetime.UTC), item.id


def approvals_waiting(*, department: Department, user: User, day: datetime.date | None = None,
                      kind: str = "") -> list[ApprovalItem]:
    """Everything waiting for ``user``'s decision (of one ``kind`` when given), oldest first."""
    day = day or timezone.localdate()
    sources = [approval_source_get(kind=kind)] if kind else list(approval_sources().values())
    items = [item for source in sources for item in source.waiting(department=department, user=user, day=day)]
    return sorted(items, key=_oldest_first)


def approvals_counts(*, department: Department, user: User, day: datetime.date | None = None) -> dict[str, int]:
    """How many items of each kind wait for ``user``, every kind included (zero or not)."""
    day = day or timezone.localdate()
    return {kind: source.count(department=department, user=user, day=day)
            for kind, source in approval_sources().items()}


def approval_item_get(*, department: Department, user: User, kind: str, item_id: int,
                      day: datetime.date | None = None) -> ApprovalItem:
    """One item waiting for ``user``'s decision, or ``NotFound``."""
    source = approval_source_get(kind=kind)
    day = day or timezone.localdate()
    for item in source.waiting(department=department, user=user, day=day):
        if item.id == item_id:
            return item
    raise NotFound("Nothing with that id is waiting for your decision.")


def _note_checked(*, approve: bool, note: str) -> str:
    note = note.strip()
    if not approve and not note:
        raise ValidationError({"note": "Give the reason for rejecting it."})
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationError({"note": f"The reason must be {MAX_NOTE_LENGTH} characters or fewer."})
    return note


@transaction.atomic
def approval_decide(*, department: Department, kind: str, item_id: int, approve: bool, note: str,
                    acting_user: User) -> ApprovalItem:
    """Approve or reject one item waiting for ``acting_user``; a rejection needs a reason.

    ``NotFound`` when the item is not waiting for them (checked before the reason, so a caller
    learns nothing about other people's items from the answer). The app's own service records
    the decision, its audit entry and the requester's notification.
    """
    item = approval_item_get(department=department, user=acting_user, kind=kind, item_id=item_id)
    note = _note_checked(approve=approve, note=note)
    approval_source_get(kind=kind).decide(department=department, item_id=item_id, approve=approve, note=note,
                                          acting_user=acting_user)
    return item


@transaction.atomic
def approvals_bulk_approve(*, department: Department, items: Sequence[tuple[str, int]],
                           acting_user: User) -> list[BulkOutcome]:
    """Approve each of ``items`` (kind and id) on its own, in the order given.

    One that cannot be approved (no longer waiting, not allowed in bulk, or refused by its app's
    rules) is left exactly as it was, in its own savepoint, and reported; it never stops the others.
    """
    if not items:
        raise ValidationError({"items": "Select at least one item to approve."})
    if len(items) > MAX_BULK_ITEMS:
        raise ValidationError({"items": f"Approve at most {MAX_BULK_ITEMS} items at once."})
    sources, day = approval_sources(), timezone.localdate()
    waiting: dict[str, dict[int, ApprovalItem]] = {}
    outcomes: list[BulkOutcome] = []
    for kind, item_id in dict.fromkeys(items):  # each item once, first mention first
        source = sources.get(kind)
        if source is not None and kind not in waiting:
            waiting[kind] = {item.id: item for item in source.waiting(department=department, user=acting_user,
                                                                       day=day)}
        item = waiting.get(kind, {}).get(item_id)
        if source is None or item is None:
            outcomes.append(BulkOutcome(kind, item_id, BulkOutcome.NOT_WAITING, NOT_WAITING))
            continue
        if not item.bulk_allowed:
            outcomes.append(BulkOutcome(kind, item_id, BulkOutcome.REFUSED, item.bulk_refused_reason, item))
            continue
        try:
            with transaction.atomic():
                source.decide(department=department, item_id=item_id, approve=True, note="",
                              acting_user=acting_user)
        except Http404:  # decided by someone else since it was listed
            outcomes.append(BulkOutcome(kind, item_id, BulkOutcome.NOT_WAITING, NOT_WAITING, item))
        except ValidationError as error:
            outcomes.append(BulkOutcome(kind, item_id, BulkOutcome.REFUSED, " ".join(error.messages), item))
        else:
            outcomes.append(BulkOutcome(kind, item_id, BulkOutcome.APPROVED, item=item))
    return outcomes


def bulk_outcomes_message(outcomes: Sequence[BulkOutcome]) -> str:
    """"3 approved; 1 could not be: …", naming each item that was not approved and why."""
    approved = sum(outcome.result == BulkOutcome.APPROVED for outcome in outcomes)
    failed = [outcome for outcome in outcomes if outcome.result != BulkOutcome.APPROVED]
    message = f"{approved} approved"
    if failed:
        reasons = "; ".join(f"{outcome.name}: {outcome.problem}" for outcome in failed)
        message += f"; {len(failed)} could not be: {reasons}"
    return message + "."
