"""Signing in: the e-mail address first, then the department's provider (single sign-on) or a password.

Every refusal of a single sign-on is recorded as a security event and changes nothing else.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from shared_services.accounts import oidc, services
from shared_services.accounts.forms import EmailStepForm, SignInForm
from shared_services.accounts.sign_in_flow import complete_sign_in
from shared_services.core.hooks import app_configs_with

PENDING_KEY = "sso_pending"
MAX_PENDING = 5  # sign-ins begun in other tabs; older ones are forgotten


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _safe_next(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _provider_for_email(email: str) -> oidc.SsoProvider | None:
    # Single sign-on settings belong to departments, which stand above accounts: asked through a hook.
    for _, method in app_configs_with("sso_provider_for_email"):
        provider = method(email=email)
        if provider is not None:
            return provider  # type: ignore[no-any-return]
    return None


def _provider_get(provider_id: int) -> oidc.SsoProvider | None:
    for _, method in app_configs_with("sso_provider_get"):
        provider = method(provider_id=provider_id)
        if provider is not None:
            return provider  # type: ignore[no-any-return]
    return None


def _refuse(request: HttpRequest, *, event: str, status: int, heading: str, message: str, email: str = "",
            **detail: Any) -> HttpResponse:
    services.security_event_record(event=event, email=email, detail=detail, ip_address=_client_ip(request))
    return render(request, "accounts/sso_refused.html", {"heading": heading, "message": message}, status=status)


def _unreachable(request: HttpRequest, provider: oidc.SsoProvider, error: Exception, email: str = "") -> HttpResponse:
    return _refuse(request, event="sso_provider_unreachable", status=503, email=email,
                   heading="We could not reach your organisation's sign-in service",
                   message=(f"{provider.department_name}'s sign-in service did not answer. Try again in a few "
                            "minutes. If it keeps happening, contact your IT service desk."),
                   department=provider.department_slug, issuer=provider.issuer, reason=str(error))


def _not_signed_in(request: HttpRequest, provider: oidc.SsoProvider | None, reason: str, *,
                   event: str = "sso_token_refused") -> HttpResponse:
    return _refuse(request, event=event, status=400, heading="You could not be signed in",
                   message=("Your organisation's sign-in could not be completed safely. Go back to the sign-in "
                            "page and start again."),
                   department=provider.department_slug if provider else "", reason=reason)


def _begin_sso(request: HttpRequest, provider: oidc.SsoProvider, *, email: str, next_url: str) -> HttpResponse:
    try:
        metadata = oidc.discover(provider.issuer)
    except oidc.ProviderUnreachable as error:
        return _unreachable(request, provider, error, email)
    except oidc.TokenRefused as error:
        return _refuse(request, event="sso_provider_refused", status=502, email=email,
                       heading="We could not reach your organisation's sign-in service",
                       message=("Your organisation's sign-in service answered in a way that cannot be trusted. "
                                "Contact your IT service desk."),
                       department=provider.department_slug, issuer=provider.issuer, reason=error.reason)
    redirect_uri = request.build_absolute_uri(reverse("accounts:sso-callback"))
    auth = oidc.authorisation_request(provider=provider, metadata=metadata, redirect_uri=redirect_uri,
                                      login_hint=email)
    pending = dict(request.session.get(PENDING_KEY, {}))
    pending[auth.state] = {"provider_id": provider.id, "nonce": auth.nonce, "code_verifier": auth.code_verifier,
                           "next": next_url, "started": int(time.time()), "email": email}
    request.session[PENDING_KEY] = dict(sorted(pending.items(), key=lambda item: item[1]["started"])[-MAX_PENDING:])
    return redirect(auth.url)


class SignInView(View):
    """Step one asks for the e-mail address; step two is the password, for departments without single sign-on."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[return-value]

    def _next(self) -> str:
        return _safe_next(self.request, self.request.POST.get("next") or self.request.GET.get("next", ""))

    def _page(self, template: str, form: Any) -> HttpResponse:
        return render(self.request, template, {"form": form, "next": self._next()})

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page("accounts/sign_in.html", EmailStepForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        if "password" in request.POST:
            return self._password_step(request)
        form = EmailStepForm(request.POST)
        if not form.is_valid():
            return self._page("accounts/sign_in.html", form)
        email = form.cleaned_data["username"]
        provider = _provider_for_email(email)
        if provider is not None:
            return _begin_sso(request, provider, email=email, next_url=self._next())
        return self._page("accounts/sign_in_password.html", SignInForm(request, initial={"username": email}))

    def _password_step(self, request: HttpRequest) -> HttpResponse:
        email = request.POST.get("username", "")
        provider = _provider_for_email(email) if "@" in email and "\x00" not in email else None
        if provider is not None:
            # A department with single sign-on signs its people in there, never with a password here.
            return _begin_sso(request, provider, email=email.strip(), next_url=self._next())
        form = SignInForm(request, data=request.POST)
        if not form.is_valid():
            return self._page("accounts/sign_in_password.html", form)
        return complete_sign_in(request, user=form.get_user(), method="password", next_url=self._next())


class SsoStartView(View):
    """``/accounts/sso/start/?email=…``: straight to the department's provider (a bookmarkable start)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = EmailStepForm({"username": request.GET.get("email", "")})
        email = form.cleaned_data["username"] if form.is_valid() else ""
        provider = _provider_for_email(email) if email else None
        if provider is None:
            return _refuse(request, event="sso_no_provider", status=404, email=email[:254],
                           heading="Your organisation does not sign in here with single sign-on",
                           message="Go to the sign-in page and sign in with your e-mail address and password.",
                           domain=email.rpartition("@")[2])
        return _begin_sso(request, provider, email=email,
                          next_url=_safe_next(request, request.GET.get("next", "")))


class SsoCallbackView(View):
    """Where the provider sends the person back: state (single use), code exchange, ID token, account."""

    def get(self, request: HttpRequest) -> HttpResponse:
        state = request.GET.get("state", "")
        pending = dict(request.session.get(PENDING_KEY, {}))
        flight = pending.pop(state, None) if state else None
        request.session[PENDING_KEY] = pending  # used once, whatever happens next
        if flight is None:
            return _not_signed_in(request, None, "unknown or already used state", event="sso_state_refused")
        provider = _provider_get(int(flight["provider_id"]))
        if provider is None:
            return _not_signed_in(request, None, "provider disabled or removed during sign-in")
        if time.time() - flight["started"] > settings.SSO_STATE_MAX_AGE_SECONDS:
            return _not_signed_in(request, provider, "state expired", event="sso_state_refused")
        if request.GET.get("error") or not request.GET.get("code"):
            return _not_signed_in(request, provider, f"provider answered {request.GET.get('error', 'no code')}")
        try:
            metadata = oidc.discover(provider.issuer)
            id_token = oidc.code_exchange(provider=provider, metadata=metadata, code=request.GET["code"],
                                          code_verifier=flight["code_verifier"],
                                          redirect_uri=request.build_absolute_uri(reverse("accounts:sso-callback")))
            claims = oidc.id_token_verify(id_token=id_token, jwks=oidc.jwks_fetch(metadata), issuer=provider.issuer,
                                          client_id=provider.client_id, nonce=flight["nonce"])
        except oidc.ProviderUnreachable as error:
            return _unreachable(request, provider, error, flight.get("email", ""))
        except oidc.TokenRefused as error:
            return _not_signed_in(request, provider, error.reason)
        user = services.external_identity_match(provider=provider, claims=claims, ip_address=_client_ip(request))
        if user is None:
            email = str(claims.get("email", ""))[:254]
            return _refuse(request, event="sso_no_access", status=403, email=email,
                           heading="You do not have access to this service",
                           message=(f"{provider.department_name} signed you in, but there is no account for you "
                                    "here. Ask your department's HR team to give you access."),
                           department=provider.department_slug, subject=str(claims.get("sub", "")))
        reported = claims.get("amr")
        amr = [method for method in reported if isinstance(method, str)] if isinstance(reported, list) else []
        return complete_sign_in(request, user=user, method="sso", next_url=flight["next"], amr=amr)
