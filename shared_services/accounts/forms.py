from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest

from shared_services.accounts import services


class SignInForm(AuthenticationForm):
    """E-mail and password, refused for a while after repeated failures for the same address."""

    username = forms.EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false", "autofocus": True}),
        error_messages={
            "required": "Enter your e-mail address",
            "invalid": "Enter an e-mail address in the correct format, like name@example.gov.uk",
        },
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )

    error_messages = {
        "invalid_login": "Enter a correct e-mail address and password",
        "inactive": "This account has been switched off. Contact your department's HR admin.",
        "locked": (
            "Too many failed attempts to sign in with this e-mail address, or from this network. "
            "Wait %(minutes)s minutes, then try again, or reset your password."
        ),
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username")
        if not email or "password" not in self.cleaned_data:
            return self.cleaned_data  # the field errors say what is missing; nothing was tried
        ip_address = self._client_ip()
        if services.sign_in_is_locked(email=email, ip_address=ip_address):
            raise forms.ValidationError(
                self.error_messages["locked"], code="locked", params={"minutes": settings.SIGN_IN_LOCKOUT_MINUTES}
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError as error:
            if error.code == "invalid_login":
                services.sign_in_failure_record(email=email, ip_address=ip_address)
            raise
        if self.get_user() is not None:
            services.sign_in_failures_clear(email=email)
        return cleaned

    def _client_ip(self) -> str | None:
        return self.request.META.get("REMOTE_ADDR") if self.request is not None else None


class EmailStepForm(forms.Form):
    """The first step of signing in: the address decides between the department's provider and a password."""

    username = forms.EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false", "autofocus": True}),
        error_messages=SignInForm.base_fields["username"].error_messages,
    )
