from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from departments import services
from departments.models import ApiToken


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer ssp_…``: a department-bound token; request.auth is the ApiToken."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, raw = header.partition(" ")
        if keyword.lower() not in ("bearer", "token"):
            return None
        parsed = services.api_token_parse(raw)
        if parsed is None:
            raise exceptions.AuthenticationFailed("The token is not in the expected form 'ssp_<prefix>_<secret>'.")
        prefix, whole = parsed
        api_token = ApiToken.objects.select_related("department", "user").filter(key_prefix=prefix).first()
        if api_token is None or not services.api_token_matches(api_token, whole):
            raise exceptions.AuthenticationFailed("The token is not recognised.")
        if not api_token.is_active:
            raise exceptions.AuthenticationFailed("The token has been revoked.")
        services.api_token_touch(api_token=api_token)
        return api_token.user, api_token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "departments.authentication.ApiTokenAuthentication"
    name = "departmentToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token bound to one department, created with `manage.py create_api_client`.",
        }
