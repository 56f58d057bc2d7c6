"""The last step of every sign-in (password or single sign-on): the second factor, then the session."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from shared_services.accounts import two_factor
from shared_services.accounts.models import User
from shared_services.core.hooks import app_configs_with

BACKEND = "django.contrib.auth.backends.ModelBackend"


def second_factor_required(user: User) -> bool:
    """Operators and platform administrators always; others when an app says their roles need it
    (``departments`` answers for payroll approvers, finance officers and HR admins)."""
    if user.platform_role in (User.PlatformRole.OPERATOR, User.PlatformRole.PLATFORM_ADMIN):
        return True
    return any(method(user) for _, method in app_configs_with("second_factor_required_for"))


def sign_in_now(request: HttpRequest, *, user: User, second_factor: str = "") -> None:
    """Start the signed-in session; ``second_factor`` names the one just given, if any."""
    two_factor.pending_sign_in_clear(request)
    login(request, user, backend=BACKEND)
    two_factor.session_started_mark(request)
    if second_factor:
        two_factor.second_factor_mark(request, how=second_factor)


def complete_sign_in(request: HttpRequest, *, user: User, method: str, next_url: str,
                     amr: Sequence[str] = ()) -> HttpResponse:
    """Sign ``user`` in after their first factor (``method`` is "password" or "sso"; ``amr`` is what the
    provider reported), and send them on to ``next_url`` (already checked to be safe).

    A provider's multi-factor sign-in counts as the second factor. Someone whose roles need one and who
    gave only a password is held, not signed in, until they give it (or set one up, if they have none).
    """
    if method == "sso" and two_factor.provider_reported_second_factor(amr):
        sign_in_now(request, user=user, second_factor="provider")
        return redirect(next_url)
    if method != "password" or not second_factor_required(user):
        sign_in_now(request, user=user)
        return redirect(next_url)
    two_factor.pending_sign_in_start(request, user=user, method=method, next_url=next_url)
    page = "accounts:two-factor-verify" if two_factor.has_second_factor(user) else "accounts:two-factor-enrol"
    return redirect(reverse(page))
