from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


class StaffClaimsValidator(OAuth2Validator):
    """Adds the directory's claims to the ID token: e-mail, name, staff number and ``amr``."""

    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "employee_number": "openid",
        "amr": "openid",
    }

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        person = getattr(request.user, "person", None)
        if person is None:
            return {"email": request.user.email, "email_verified": True, "amr": ["pwd"]}
        return {
            "email": person.email,
            "email_verified": True,
            "name": request.user.get_full_name() or person.email,
            "employee_number": person.employee_number,
            "amr": list(person.amr or ["pwd"]),
        }
