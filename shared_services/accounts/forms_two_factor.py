"""Forms of the second-factor pages: a code from an authenticator app or a recovery code, a passkey's name."""

from __future__ import annotations

from django import forms


class SecondFactorCodeForm(forms.Form):
    code = forms.CharField(
        label="Security code",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
        error_messages={"required": "Enter the code from your authenticator app, or a recovery code"},
    )


class TotpEnrolForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )


class PasskeyNameForm(forms.Form):
    name = forms.CharField(label="Name this passkey", max_length=100, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
