"""Session limits: idle and absolute timeouts, and "sign out everywhere".

Cheap by design: a request without a session cookie (API tokens, first visits) is passed straight on,
and last activity is written to the session at most once a minute, not on every request.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from shared_services.accounts import two_factor
from shared_services.accounts.models import User
from shared_services.accounts.services.sessions import session_ended_record
from shared_services.core.problems import problem_response

# Last activity is rounded to this: an idle timeout of 30 minutes does not need the second.
ACTIVITY_RESOLUTION_SECONDS = 60

ENDED_MESSAGES = {
    "idle": "You were signed out because you had not used the service for {minutes} minutes. Sign in again.",
    "absolute": "You were signed out because you had been signed in for {hours} hours. Sign in again.",
    "everywhere": "You were signed out because you chose to sign out everywhere. Sign in again.",
}


def _end_reason(user: User, started: float, last_seen: float, now: float) -> str | None:
    if now - started > settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS:
        return "absolute"
    # last_seen may lag by up to a minute; the idle limit allows for it rather than ending early.
    if now - last_seen > settings.SESSION_IDLE_TIMEOUT_SECONDS + ACTIVITY_RESOLUTION_SECONDS:
        return "idle"
    if user.sessions_valid_after is not None and started < user.sessions_valid_after.timestamp():
        return "everywhere"
    return None


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES or not request.user.is_authenticated:
            return self.get_response(request)
        user = request.user
        session = request.session
        now = time.time()
        started = session.get(two_factor.SESSION_STARTED_KEY)
        last_seen = session.get(two_factor.SESSION_SEEN_KEY)
        if not isinstance(started, int | float) or not isinstance(last_seen, int | float):
            # A session begun without the sign-in flow (e.g. an administrator's tool) is timed from now.
            two_factor.session_started_mark(request)
            return self.get_response(request)
        reason = _end_reason(user, float(started), float(last_seen), now)  # type: ignore[arg-type]
        if reason is not None:
            return self._ended(request, user, reason)  # type: ignore[arg-type]
        if now - last_seen >= ACTIVITY_RESOLUTION_SECONDS:
            session[two_factor.SESSION_SEEN_KEY] = now
        return self.get_response(request)

    def _ended(self, request: HttpRequest, user: User, reason: str) -> HttpResponse:
        session_ended_record(user=user, reason=reason, ip_address=request.META.get("REMOTE_ADDR"))
        logout(request)
        text = ENDED_MESSAGES[reason].format(minutes=settings.SESSION_IDLE_TIMEOUT_SECONDS // 60,
                                             hours=settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS // 3600)
        if request.path.startswith("/api/"):
            return problem_response(request, status=401, detail=text)
        # MessageMiddleware runs inside this one and is skipped by an early answer, so the message is
        # stored here, as it would have stored it.
        storage = default_storage(request)
        storage.add(messages.INFO, text)
        target = reverse("accounts:sign-in")
        if request.method == "GET":
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        response = redirect(target)
        storage.update(response)
        return response
