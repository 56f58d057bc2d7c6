"""The relying party of single sign-on: OpenID Connect's authorisation code flow with PKCE.

Every protocol step goes through Authlib (the OAuth 2 client for the authorisation URL and the code
exchange; its JOSE and OIDC claims classes for the ID token), never hand-written token checks. The
callback and the tests call the same ``id_token_verify``.
"""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from joserfc.errors import JoseError as JoserfcError

with warnings.catch_warnings():
    # Authlib announces a move of its JOSE module to joserfc; the API used here stays until Authlib 2.
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.jose import JsonWebKey, JsonWebToken
    from authlib.jose.errors import JoseError
    from authlib.oidc.core import CodeIDToken

SCOPE = "openid email profile"
ID_TOKEN_ALGORITHMS = ["RS256"]  # never "none" or a shared-secret algorithm
CLOCK_LEEWAY_SECONDS = 60


class ProviderUnreachable(Exception):
    """The provider did not answer (down, refused, timed out, or answered nonsense)."""


class TokenRefused(Exception):
    """The provider's answer cannot be trusted; ``reason`` names the check that failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SsoProvider:
    """A department's provider as the sign-in flow needs it (read through the departments hook)."""

    id: int
    department_id: int
    department_slug: str
    department_name: str
    issuer: str
    client_id: str
    client_secret: str
    staff_number_claim: str


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True)
class AuthorisationRequest:
    url: str
    state: str
    nonce: str
    code_verifier: str


def issuer_problem(issuer: str) -> str | None:
    """Why ``issuer`` may not be used, or None: https only, except the hosts allowed plain http."""
    parts = urlsplit(issuer.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Enter the issuer as a full address, like https://login.example.gov.uk"
    if parts.query or parts.fragment:
        return "The issuer address cannot have a query (?) or a fragment (#)"
    if parts.scheme == "http" and parts.hostname not in settings.SSO_INSECURE_ISSUER_HOSTS:
        return "The issuer address must start with https://"
    return None


def _get_json(url: str) -> dict[str, Any]:
    if issuer_problem(url) is not None:
        raise ProviderUnreachable(f"refused address {url}")
    try:
        response = requests.get(url, timeout=settings.SSO_HTTP_TIMEOUT_SECONDS)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnreachable(f"{url}: {error.__class__.__name__}") from error
    if not isinstance(document, dict):
        raise ProviderUnreachable(f"{url}: not a JSON object")
    return document


def discover(issuer: str) -> ProviderMetadata:
    """The provider's discovery document, which must name the configured issuer exactly."""
    issuer = issuer.rstrip("/")
    document = _get_json(f"{issuer}/.well-known/openid-configuration")
    try:
        metadata = ProviderMetadata(
            issuer=str(document["issuer"]), authorization_endpoint=str(document["authorization_endpoint"]),
            token_endpoint=str(document["token_endpoint"]), jwks_uri=str(document["jwks_uri"]),
        )
    except KeyError as error:
        raise ProviderUnreachable(f"discovery document lacks {error}") from error
    if metadata.issuer.rstrip("/") != issuer:
        raise TokenRefused("discovery document names another issuer")
    for endpoint in (metadata.authorization_endpoint, metadata.token_endpoint, metadata.jwks_uri):
        if issuer_problem(endpoint) is not None:
            raise TokenRefused("discovery document names an endpoint that is not https")
    return metadata


def _client(provider: SsoProvider, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        client_id=provider.client_id, client_secret=provider.client_secret, scope=SCOPE,
        redirect_uri=redirect_uri, code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 (a method name, not a secret)
    )


def authorisation_request(*, provider: SsoProvider, metadata: ProviderMetadata, redirect_uri: str,
                          login_hint: str = "") -> AuthorisationRequest:
    """Where to send the person: fresh state, nonce and PKCE verifier (S256), kept by the caller."""
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    code_verifier = secrets.token_urlsafe(64)
    extra = {"login_hint": login_hint} if login_hint else {}
    url, _ = _client(provider, redirect_uri).create_authorization_url(
        metadata.authorization_endpoint, state=state, code_verifier=code_verifier, nonce=nonce, **extra
    )
    return AuthorisationRequest(url=url, state=state, nonce=nonce, code_verifier=code_verifier)


def code_exchange(*, provider: SsoProvider, metadata: ProviderMetadata, code: str, code_verifier: str,
                  redirect_uri: str) -> str:
    """Trade the authorisation code for tokens at the token endpoint; returns the raw ID token."""
    try:
        token = _client(provider, redirect_uri).fetch_token(
            metadata.token_endpoint, grant_type="authorization_code", code=code, code_verifier=code_verifier,
            timeout=settings.SSO_HTTP_TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        raise ProviderUnreachable(f"token endpoint: {error.__class__.__name__}") from error
    except (OAuthError, ValueError) as error:
        raise TokenRefused(f"token endpoint refused the code: {error}") from error
    id_token = token.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise TokenRefused("the token response has no ID token")
    return id_token


def jwks_fetch(metadata: ProviderMetadata) -> dict[str, Any]:
    return _get_json(metadata.jwks_uri)


def id_token_verify(*, id_token: str, jwks: Mapping[str, Any], issuer: str, client_id: str, nonce: str,
                    now: int | None = None) -> dict[str, Any]:
    """The ID token's claims, once its signature (against the provider's keys), issuer, audience,
    expiry and nonce have been checked; otherwise ``TokenRefused`` naming the failed check."""
    claims_options = {
        "iss": {"essential": True, "value": issuer.rstrip("/")},
        "aud": {"essential": True, "value": client_id},
        "sub": {"essential": True},
        "nonce": {"essential": True},
    }
    try:
        keys = JsonWebKey.import_key_set(dict(jwks))
        claims = JsonWebToken(ID_TOKEN_ALGORITHMS).decode(
            id_token, key=keys, claims_cls=CodeIDToken, claims_options=claims_options,
            claims_params={"nonce": nonce, "client_id": client_id},
        )
        claims.validate(now=now, leeway=CLOCK_LEEWAY_SECONDS)
    except (JoseError, JoserfcError) as error:
        # Authlib's JOSE runs on joserfc, whose errors may surface as they are.
        raise TokenRefused(f"{error.error}: {error.description or ''}".strip()) from error
    except ValueError as error:  # a malformed token or key set
        raise TokenRefused(f"malformed: {error}") from error
    return dict(claims)
