"""E-mail notifications: written with the change they report, sent by Celery after commit.

Every app tells people things through ``notify``: it stores a ``Notification`` in the department's
context, in the caller's transaction, so a change that rolls back sends nothing.
"""

from __future__ import annotations

from departments.models import Department, Notification
from departments.tenancy import department_context
from shared_services.accounts.models import User

__all__ = ["notify"]


def notify(*, department: Department, kind: str, subject: str, body: str, to_address: str,
           user: User | None = None, link: str = "") -> Notification | None:
    """Queue an e-mail of ``kind`` (``Notification.Kind``) to ``to_address`` about something in
    ``department``; ``user`` is the person it is for, when they have a sign-in (their digest
    preference applies). Nothing is queued without an address (None)."""
    if not to_address:
        return None
    with department_context(department.id):
        return Notification.objects.create(user=user, to_address=to_address, kind=kind, subject=subject[:200],
                                           body=body, link=link[:500])
