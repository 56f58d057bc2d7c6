"""``Idempotency-Key`` for department API writes: a retried request gets the first answer again.

An app keeps the keys in its own department-owned table, a concrete subclass of
``IdempotencyRecord`` (row-level security and the isolation contract cover it like any other),
and wraps a write in ``idempotent``:

    return idempotent(request, records=PayrollIdempotencyKey, perform=lambda: ...)

- No header: the write simply runs.
- A new key: the write runs; a successful answer (2xx) is stored with the key, the operation
  (method and path) and a hash of the body, in the request's own transaction.
- The same key, operation and body again: the stored answer, with ``Idempotent-Replayed: true``.
- The same key with another operation or body: 409, so a client bug never passes for a retry.

A refused request (4xx) rolls the request's transaction back, key included, so it can be fixed
and sent again under the same key. Keys belong to the caller (person or API client) within a
department: two integrations cannot replay each other's answers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from departments.models import DepartmentOwnedModel

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 100


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with what is already recorded."
    default_code = "conflict"


class IdempotencyRecord(DepartmentOwnedModel):
    """One key a caller used in a department, and the answer it got."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=MAX_KEY_LENGTH)
    operation = models.CharField(max_length=300, help_text="Method and path the key was first used for")
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of the request body, keys sorted")
    response_status = models.PositiveSmallIntegerField(default=0)
    response_body = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.key} ({self.operation})"


def body_hash(data: Any) -> str:
    """The same JSON body hashes the same whatever the order of its keys."""
    if hasattr(data, "lists"):  # a QueryDict: form or empty body
        data = {name: values for name, values in data.lists()}
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyRecord, operation: str, request_hash: str, key: str) -> Response:
    if not record.response_status:  # only a committed, finished request leaves its key behind
        raise Conflict(f"The request with the {HEADER} '{key}' has not finished; try again shortly.")
    if record.operation != operation or record.request_hash != request_hash:
        raise Conflict(f"The {HEADER} '{key}' was used for a different request ({record.operation}); "
                       "use a new key for a new request.")
    response = Response(record.response_body, status=record.response_status)
    response[REPLAYED_HEADER] = "true"
    return response


def idempotent(request: Request, *, records: type[IdempotencyRecord], perform: Callable[[], Response]) -> Response:
    """Run ``perform`` once per key (see the module docstring). Runs in the department context
    the API view entered, inside the request's transaction."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return perform()
    if len(key) > MAX_KEY_LENGTH:
        raise exceptions.ValidationError({HEADER: [f"The key must be {MAX_KEY_LENGTH} characters or fewer."]})
    operation = f"{request.method} {request.path}"[:300]
    request_hash = body_hash(request.data)
    existing = records.objects.filter(user=request.user, key=key).first()
    if existing is not None:
        return _replay(existing, operation, request_hash, key)
    # One savepoint around the key and the write: if the write is refused (an exception), the key
    # goes with it, whether or not the request runs in a transaction of its own.
    with transaction.atomic():
        try:
            # A concurrent request with the same key waits here on the unique index until the
            # first commits, then replays its answer rather than running the write a second time.
            with transaction.atomic():
                record = records.objects.create(user=request.user, key=key, operation=operation,
                                                request_hash=request_hash)
        except IntegrityError:
            return _replay(records.objects.get(user=request.user, key=key), operation, request_hash, key)
        response = perform()
        if status.is_success(response.status_code):
            record.response_status, record.response_body = response.status_code, response.data
            record.save(update_fields=["response_status", "response_body"])
        else:
            record.delete()
        return response
