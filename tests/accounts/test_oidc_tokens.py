"""ID token checks, with tokens signed here (a well-behaved provider never mints these bad ones).

The callback calls the same ``id_token_verify``; each refusal names the check that failed.
"""

from __future__ import annotations

import time
import warnings

import pytest

from shared_services.accounts.oidc import TokenRefused, id_token_verify, issuer_problem

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.jose import JsonWebKey, jwt

ISSUER, CLIENT_ID, NONCE = "https://login.justice.example", "platform", "nonce-123"


@pytest.fixture(scope="module")
def provider_key():
    return JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "provider"})


@pytest.fixture(scope="module")
def jwks(provider_key):
    return {"keys": [provider_key.as_dict(is_private=False)]}


def _token(key, **overrides):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": CLIENT_ID, "sub": "person-1", "nonce": NONCE, "iat": now, "exp": now + 300,
              "email": "a@justice.example", "amr": ["pwd", "otp"]}
    claims.update(overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode({"alg": "RS256", "kid": "provider"}, claims, key).decode()


def _verify(token, jwks):
    return id_token_verify(id_token=token, jwks=jwks, issuer=ISSUER, client_id=CLIENT_ID, nonce=NONCE)


def test_a_token_signed_by_the_provider_for_this_client_is_accepted(provider_key, jwks):
    claims = _verify(_token(provider_key), jwks)
    assert claims["sub"] == "person-1"
    assert claims["amr"] == ["pwd", "otp"]


@pytest.mark.parametrize(("overrides", "failed_check"), [
    ({"iss": "https://login.other.example"}, "iss"),
    ({"aud": "another-client"}, "aud"),
    ({"nonce": "a-different-nonce"}, "nonce"),
    ({"nonce": None}, "nonce"),
    ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "expired"),
])
def test_a_token_with_a_wrong_claim_is_refused_naming_it(provider_key, jwks, overrides, failed_check):
    with pytest.raises(TokenRefused) as refused:
        _verify(_token(provider_key, **overrides), jwks)
    assert failed_check in refused.value.reason


def test_a_token_signed_by_another_key_is_refused(jwks):
    impostor = JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "provider"})
    with pytest.raises(TokenRefused) as refused:
        _verify(_token(impostor), jwks)
    assert "signature" in refused.value.reason


def test_an_unsigned_token_is_refused(jwks):
    header = "eyJhbGciOiJub25lIn0"  # {"alg":"none"}
    payload = _token(JsonWebKey.generate_key("RSA", 2048, is_private=True)).split(".")[1]
    with pytest.raises(TokenRefused):
        _verify(f"{header}.{payload}.", jwks)


def test_garbage_is_refused_not_a_crash(jwks):
    with pytest.raises(TokenRefused):
        _verify("not-a-token", jwks)


@pytest.mark.parametrize(("issuer", "allowed"), [
    ("https://login.justice.gov.uk", True),
    ("http://127.0.0.1:8100/o", True),
    ("http://login.justice.gov.uk", False),
    ("ftp://login.justice.gov.uk", False),
    ("https://login.justice.gov.uk/?x=1", False),
])
def test_issuers_must_be_https_except_for_the_local_provider(issuer, allowed):
    assert (issuer_problem(issuer) is None) is allowed
