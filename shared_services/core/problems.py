"""RFC 9457 problem details for every API error.

A body names the problem (``title``, ``status``, ``detail``) and, for invalid input, lists each
field with its messages under ``errors`` so an integrator can map them back to their data.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

PROBLEM_CONTENT_TYPE = "application/problem+json"

_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
}


def problem_body(*, status: int, detail: str, instance: str = "", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def _flatten(errors: Any, prefix: str = "") -> list[dict[str, str]]:
    """Turn DRF's nested error structure into a flat list of ``{"field", "message", "code"}``."""
    flat: list[dict[str, str]] = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = "" if key == "non_field_errors" else str(key)
            flat.extend(_flatten(value, f"{prefix}.{name}" if prefix and name else prefix or name))
    elif isinstance(errors, list):
        for index, value in enumerate(errors):
            if isinstance(value, dict | list):
                flat.extend(_flatten(value, f"{prefix}[{index}]"))
            else:
                flat.extend(_flatten(value, prefix))
    else:
        flat.append({"field": prefix, "message": str(errors), "code": getattr(errors, "code", "invalid")})
    return flat


class NotFound(Http404):
    """A getter found nothing: a 404 to pages and the API alike, whose message is written for the
    reader (a plain ``Http404``'s may name a model, so the API answers those with a generic one)."""


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, NotFound):
        exc = exceptions.NotFound(str(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    instance = request.get_full_path() if request is not None else ""
    if isinstance(exc, exceptions.ValidationError):
        body = problem_body(
            status=response.status_code,
            detail="The request body has errors; each is listed under 'errors'.",
            instance=instance,
            errors=_flatten(exc.detail),
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        body = problem_body(status=response.status_code, detail=str(detail), instance=instance)
    set_rollback()
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_response(request: HttpRequest, *, status: int, detail: str) -> JsonResponse:
    """A problem body outside DRF (URL resolution errors under /api/)."""
    return JsonResponse(
        problem_body(status=status, detail=detail, instance=request.get_full_path()),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
