"""Who is acting and under which request id, for the audit log.

The web middleware opens it with a request id; the department access check adds the API token or
operator assignment the caller came through. Tasks and commands run without one, and their audit
rows record the acting user alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


@dataclasses.dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    api_token_id: int | None = None
    operator_assignment_id: int | None = None


_EMPTY = RequestContext()
_current: ContextVar[RequestContext | None] = ContextVar("request_context", default=None)


def current() -> RequestContext:
    return _current.get() or _EMPTY


@contextmanager
def request_context(*, request_id: str = "") -> Iterator[RequestContext]:
    context = RequestContext(request_id=request_id)
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def bind(*, api_token_id: int | None = None, operator_assignment_id: int | None = None) -> None:
    """Record how the caller reached the department (lives until the request's context ends)."""
    _current.set(
        dataclasses.replace(current(), api_token_id=api_token_id, operator_assignment_id=operator_assignment_id)
    )
