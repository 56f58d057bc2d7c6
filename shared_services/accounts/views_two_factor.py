"""Second-factor pages: give it at sign-in, step up before a sensitive action, set up an authenticator
app, recovery codes, passkeys, and "your sign-in and security". Thin: writes go through
``shared_services.accounts.services``, session bookkeeping through ``shared_services.accounts.two_factor``.
"""

from __future__ import annotations

import json
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from shared_services.accounts import services, two_factor
from shared_services.accounts.forms_two_factor import PasskeyNameForm, SecondFactorCodeForm, TotpEnrolForm
from shared_services.accounts.models import User
from shared_services.accounts.sign_in_flow import sign_in_now
from shared_services.accounts.step_up import safe_next, step_up_is_fresh, step_up_redirect
from shared_services.core.forms import add_service_errors

TEMPLATES = "accounts/two_factor/"


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _security_url() -> str:
    return reverse("accounts:security")


class PersonMixin:
    """Whose second factor this is: the signed-in person, or the one part-way through signing in."""

    request: HttpRequest

    def resolve_person(self) -> tuple[User | None, two_factor.PendingSignIn | None]:
        if self.request.user.is_authenticated:
            return cast(User, self.request.user), None
        pending = two_factor.pending_sign_in(self.request)
        return (pending.user, pending) if pending else (None, None)

    def sign_in_again(self) -> HttpResponse:
        messages.info(self.request, "Your sign-in timed out before it was finished. Sign in again.")
        return redirect("accounts:sign-in")

    def second_factor_given(self, *, user: User, pending: two_factor.PendingSignIn | None, how: str) -> str:
        """Finish the sign-in or mark the step-up; returns where to go next."""
        if pending is not None:
            sign_in_now(self.request, user=user, second_factor=how)
            return pending.next_url
        two_factor.second_factor_mark(self.request, how=how)
        return safe_next(self.request, self.request.GET.get("next") or self.request.POST.get("next"),
                         default=_security_url())


class SecondFactorView(PersonMixin, View):
    """At sign-in (``stage="sign-in"``, before the session is signed in) or as a step-up."""

    stage = "sign-in"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.user, self.pending = self.resolve_person()
        if self.stage == "sign-in":
            if self.pending is None or request.user.is_authenticated:
                return redirect("/") if request.user.is_authenticated else self.sign_in_again()
        elif not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:sign-in')}?next={request.get_full_path()}")
        assert self.user is not None
        if not two_factor.has_second_factor(self.user):
            if self.stage == "sign-in":
                return redirect("accounts:two-factor-enrol")
            return redirect(f"{reverse('accounts:two-factor-enrol')}?{request.GET.urlencode()}")
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, form: SecondFactorCodeForm) -> HttpResponse:
        assert self.user is not None
        return render(self.request, f"{TEMPLATES}verify.html", {
            "form": form, "stage": self.stage, "next": self.request.GET.get("next", ""),
            "has_totp": bool(two_factor.totp_devices(self.user)),
            "has_passkeys": bool(two_factor.passkeys(self.user)),
        })

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_page(SecondFactorCodeForm())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        assert self.user is not None
        form = SecondFactorCodeForm(request.POST)
        if not form.is_valid():
            return self.render_page(form)
        code = form.cleaned_data["code"]
        try:
            if two_factor.looks_like_totp(code) and two_factor.totp_devices(self.user):
                services.totp_verify(acting_user=self.user, code=code, ip_address=_ip(request))
                how = "totp"
            else:
                services.recovery_code_use(acting_user=self.user, code=code, ip_address=_ip(request))
                how = "recovery_code"
        except ValidationError as error:
            add_service_errors(form, error)
            return self.render_page(form)
        next_url = self.second_factor_given(user=self.user, pending=self.pending, how=how)
        if how == "recovery_code":
            left = two_factor.recovery_codes_left(self.user)
            messages.warning(request, f"You used a recovery code: {left} left. Make new ones on your "
                                      "sign-in and security page if you are running out.")
        return redirect(next_url)


class TotpEnrolView(PersonMixin, View):
    """Set up an authenticator app: scan the QR code (or type the key), then confirm with a first code."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.user, self.pending = self.resolve_person()
        if self.user is None:
            return self.sign_in_again()
        if two_factor.has_second_factor(self.user):
            if self.pending is not None:
                # A password alone may not add a factor to an account that has one.
                return redirect("accounts:two-factor-verify")
            if not step_up_is_fresh(request):
                return step_up_redirect(request, next_url=request.get_full_path())
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, form: TotpEnrolForm) -> HttpResponse:
        assert self.user is not None
        device = services.totp_enrolment_begin(acting_user=self.user)
        return render(self.request, f"{TEMPLATES}enrol_totp.html", {
            "form": form, "qr_svg": two_factor.totp_qr_svg(device),
            "secret": two_factor.totp_secret_for_typing(device), "signing_in": self.pending is not None,
            "next": self.request.GET.get("next", ""),
        })

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_page(TotpEnrolForm())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        assert self.user is not None
        form = TotpEnrolForm(request.POST)
        if form.is_valid():
            try:
                services.totp_enrolment_confirm(acting_user=self.user, code=form.cleaned_data["code"],
                                                ip_address=_ip(request))
            except ValidationError as error:
                add_service_errors(form, error)
        if not form.is_valid():
            return self.render_page(form)
        next_url = self.second_factor_given(user=self.user, pending=self.pending, how="totp")
        if two_factor.recovery_codes_left(self.user):
            messages.success(request, "Your authenticator app is set up.")
            return redirect(next_url)
        codes = services.recovery_codes_regenerate(acting_user=self.user, ip_address=_ip(request))
        return render(request, f"{TEMPLATES}recovery_codes.html",
                      {"codes": codes, "next_url": next_url, "just_enrolled": True})


class SecurityView(LoginRequiredMixin, View):
    """Your sign-in and security: second factors, recovery codes, passkeys, sign out everywhere."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = cast(User, request.user)
        return render(request, f"{TEMPLATES}security.html", {
            "totp_devices": two_factor.totp_devices(user), "passkeys": two_factor.passkeys(user),
            "recovery_codes_left": two_factor.recovery_codes_left(user),
            "has_second_factor": two_factor.has_second_factor(user),
            "step_up_fresh": step_up_is_fresh(request), "passkey_form": PasskeyNameForm(),
        })


class RecoveryCodesRegenerateView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = cast(User, request.user)
        if not two_factor.has_second_factor(user):
            messages.error(request, "Set up an authenticator app or a passkey before making recovery codes.")
            return redirect("accounts:security")
        if not step_up_is_fresh(request):
            return step_up_redirect(request, next_url=_security_url())
        codes = services.recovery_codes_regenerate(acting_user=user, ip_address=_ip(request))
        return render(request, f"{TEMPLATES}recovery_codes.html",
                      {"codes": codes, "next_url": _security_url(), "just_enrolled": False})


class FactorRemoveView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not step_up_is_fresh(request):
            return step_up_redirect(request, next_url=_security_url())
        try:
            services.second_factor_remove(acting_user=cast(User, request.user), factor=kwargs["factor"],
                                          factor_id=kwargs["factor_id"], ip_address=_ip(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The second factor is removed.")
        return redirect("accounts:security")


class SignOutEverywhereView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.sessions_end_everywhere(acting_user=cast(User, request.user), ip_address=_ip(request))
        logout(request)
        messages.success(request, "You are signed out on every device, this one included.")
        return redirect("accounts:sign-in")


# --- Passkeys: JSON for passkeys.js ---------------------------------------------------------------------

def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _refusal(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


class PasskeyRegisterOptionsView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = cast(User, request.user)
        if two_factor.has_second_factor(user) and not step_up_is_fresh(request):
            return _refusal("Confirm it is you with your second factor before adding a passkey.", status=403)
        return HttpResponse(two_factor.passkey_registration_options(request, user=user),
                            content_type="application/json")


class PasskeyRegisterView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = cast(User, request.user)
        body = _json_body(request)
        try:
            registered = two_factor.passkey_registration_verify(request, credential=body.get("credential") or {})
            services.passkey_register(acting_user=user, name=str(body.get("name", "")), registered=registered,
                                      ip_address=_ip(request))
        except ValidationError as error:
            services.second_factor_failure_record(acting_user=user, reason="passkey_registration",
                                                  ip_address=_ip(request))
            return _refusal(" ".join(error.messages))
        messages.success(request, "Your passkey is added.")
        return JsonResponse({"redirect": _security_url()})


class PasskeyAuthenticateOptionsView(PersonMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user, _ = self.resolve_person()
        if user is None:
            return _refusal("Sign in again: your sign-in timed out.", status=401)
        return HttpResponse(two_factor.passkey_authentication_options(request, user=user),
                            content_type="application/json")


class PasskeyAuthenticateView(PersonMixin, View):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user, pending = self.resolve_person()
        if user is None:
            return _refusal("Sign in again: your sign-in timed out.", status=401)
        body = _json_body(request)
        try:
            assertion = two_factor.passkey_authentication_verify(request, user=user,
                                                                 credential=body.get("credential") or {})
        except ValidationError as error:
            services.second_factor_failure_record(acting_user=user, reason="passkey", ip_address=_ip(request))
            return _refusal(" ".join(error.messages))
        services.passkey_use_record(acting_user=user, assertion=assertion, ip_address=_ip(request))
        if pending is None:
            two_factor.second_factor_mark(request, how="passkey")
            return JsonResponse({"redirect": safe_next(request, str(body.get("next") or ""),
                                                       default=_security_url())})
        return JsonResponse({"redirect": self.second_factor_given(user=user, pending=pending, how="passkey")})
