from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from shared_services.core.problems import problem_response

logger = logging.getLogger(__name__)
# Refusals go where Django logs them, as one line: a 403 is an answer, not a fault to trace.
request_logger = logging.getLogger("django.request")


def _database_reachable() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "unreachable"
        return False, exc.__class__.__name__
    return True, "ok"


def _broker_reachable() -> tuple[bool, str]:
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            connect_timeout=2,
        ) as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
            if broker.transport_cls == "filesystem":
                settings.BROKER_DIR.joinpath("queue").mkdir(parents=True, exist_ok=True)
    except Exception as exc:  # noqa: BLE001
        return False, exc.__class__.__name__
    return True, "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker reachability, for load balancers and docker-compose."""
    database_ok, database_detail = _database_reachable()
    broker_ok, broker_detail = _broker_reachable()
    healthy = database_ok and broker_ok
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "checks": {
                "database": {"ok": database_ok, "detail": database_detail},
                "broker": {"ok": broker_ok, "detail": broker_detail},
            },
        },
        status=200 if healthy else 503,
    )


def _wants_problem_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_problem_json(request):
        return problem_response(request, status=400, detail="The request could not be understood.")
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    response: HttpResponse
    if _wants_problem_json(request):
        response = problem_response(request, status=403, detail="You do not have permission to do this.")
    else:
        response = render(request, "errors/403.html", status=403)
    _log_refusal(request, response, exception)
    return response


def _log_refusal(request: HttpRequest, response: HttpResponse, exception: Exception | None) -> None:
    """One WARNING line (method, path, user, reason); Django would log the refusal again with its
    traceback unless the response says it has been logged."""
    user = getattr(request, "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else "anonymous"
    reason = str(exception or "") or "no reason given"
    # The path is the caller's to choose: escaped, as Django escapes it, so it cannot forge a line.
    path = request.path.encode("unicode_escape").decode("ascii")
    request_logger.warning("Forbidden: %s %s (user %s): %s", request.method, path, user_id,
                           reason.encode("unicode_escape").decode("ascii"),
                           extra={"status_code": 403, "request": request})
    response._has_been_logged = True  # type: ignore[attr-defined]


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent with an expired or missing security token: say what to do, in GOV.UK style."""
    if _wants_problem_json(request):
        return problem_response(request, status=403, detail=f"CSRF check failed: {reason}")
    return render(request, "errors/csrf.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_problem_json(request):
        return problem_response(request, status=404, detail="There is nothing at this address.")
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_problem_json(request):
        return problem_response(request, status=500, detail="Something went wrong on our side.")
    # Rendered without the request's context processors: they read the database, which may be down.
    body = loader.render_to_string("errors/500.html", {"service_name": settings.SERVICE_NAME})
    return HttpResponse(body, status=500)
