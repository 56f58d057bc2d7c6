from __future__ import annotations

from functools import cache
from typing import Any

from django.db.models import Model
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from departments import services
from departments.joined_rows import fetch_rows, instance_from, select_list
from departments.models import ApiToken, Department
from shared_services.accounts.models import User

# Every API request with a token looks it up with its department and its service user: composed by
# the ORM (select_related), that one statement costs about 0.6 ms of CPU per request, more than a
# third of the cheapest API read, so it is composed once per process (departments.joined_rows). All
# three tables are global (TENANCY.md §1), so no department scope is bypassed.
_JOINED: tuple[tuple[str, type[Model], str], ...] = (("department", Department, "d"), ("user", User, "u"))


@cache
def _token_lookup_sql() -> str:
    selected = select_list(ApiToken, "t", "")
    for relation, model, alias in _JOINED:
        selected += select_list(model, alias, f"{relation}__")
    return (f'SELECT {", ".join(selected)} FROM "{ApiToken._meta.db_table}" t '
            f'JOIN "{Department._meta.db_table}" d ON d.id = t.department_id '
            f'JOIN "{User._meta.db_table}" u ON u.id = t.user_id WHERE t.key_prefix = %s')


def api_token_with_department_and_user(prefix: str) -> ApiToken | None:
    """The token with this prefix, its department and its user loaded (one statement), or None."""
    rows = fetch_rows(_token_lookup_sql(), [prefix])
    api_token = instance_from(ApiToken, rows[0], "") if rows else None
    if api_token is None:
        return None
    for relation, model, _alias in _JOINED:
        setattr(api_token, relation, instance_from(model, rows[0], f"{relation}__"))
    return api_token


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
        api_token = api_token_with_department_and_user(prefix)
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
