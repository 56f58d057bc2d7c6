"""The form an HR admin fills in to set up the department's single sign-on."""

from __future__ import annotations

from typing import Any

from django import forms


class IdentityProviderForm(forms.Form):
    issuer = forms.CharField(label="Issuer address", max_length=300,
                             error_messages={"required": "Enter the issuer address"})
    client_id = forms.CharField(label="Client ID", max_length=200, error_messages={"required": "Enter the client ID"})
    # Write-only: never rendered back, and blank keeps the stored secret.
    client_secret = forms.CharField(label="Client secret", max_length=500, required=False, strip=True,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False))
    domains = forms.CharField(label="E-mail domains", max_length=2000,
                              error_messages={"required": "Enter at least one e-mail domain, like justice.gov.uk"})
    staff_number_claim = forms.CharField(label="Staff number claim", max_length=100, initial="employee_number",
                                         error_messages={"required": "Enter the claim's name, like employee_number"})
    is_enabled = forms.BooleanField(label="Sign the department's people in through this provider", required=False,
                                    initial=True)

    def domain_list(self) -> list[str]:
        raw: str = self.cleaned_data["domains"]
        return [part for part in raw.replace("\n", ",").replace(" ", ",").split(",") if part.strip()]

    @classmethod
    def initial_from(cls, provider: Any) -> dict[str, Any]:
        if provider is None:
            return {}
        return {"issuer": provider.issuer, "client_id": provider.client_id,
                "domains": ", ".join(domain.domain for domain in provider.domains.all()),
                "staff_number_claim": provider.staff_number_claim, "is_enabled": provider.is_enabled}
