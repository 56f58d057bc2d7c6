"""Step-up: an action that moves money or changes where it goes asks for a second factor given within
``STEP_UP_MAX_AGE_SECONDS``, even in a session that began with one. API tokens are machines and never
step up; this guards pages only."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from shared_services.accounts import two_factor


def safe_next(request: HttpRequest, candidate: str | None, default: str = "/") -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return default


def step_up_redirect(request: HttpRequest, *, next_url: str) -> HttpResponse:
    """To the page that asks for the second factor (or sets one up), then back to ``next_url``."""
    return redirect(f"{reverse('accounts:step-up')}?{urlencode({'next': next_url})}")


def step_up_is_fresh(request: HttpRequest) -> bool:
    return two_factor.second_factor_is_fresh(request)


class StepUpRequiredMixin:
    """Put after ``DepartmentPageMixin`` in a view's bases, so access is decided before the question is asked.

    ``step_up_next_url`` is where the person comes back to: this page, unless a form posted here."""

    request: HttpRequest

    def step_up_next_url(self) -> str:
        return self.request.get_full_path()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not step_up_is_fresh(request):
            return step_up_redirect(request, next_url=self.step_up_next_url())
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc, no-any-return]


def step_up_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The same for a function view."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not step_up_is_fresh(request):
            return step_up_redirect(request, next_url=request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped
