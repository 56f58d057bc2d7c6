"""Second factors: what the session remembers about them, TOTP codes and their QR code, recovery codes
(kept only as keyed digests), and passkey (WebAuthn) ceremonies whose challenge waits in the session.

Reads and pure helpers only; every write goes through ``shared_services.accounts.services``.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django_otp.oath import hotp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from shared_services.accounts.models import Passkey, User

# Session keys. A pending sign-in has passed its first factor but is not signed in yet.
PENDING_KEY = "two_factor_pending"
VERIFIED_AT_KEY = "two_factor_verified_at"
VERIFIED_HOW_KEY = "two_factor_verified_how"
SESSION_STARTED_KEY = "session_started_at"
SESSION_SEEN_KEY = "session_last_seen_at"
REGISTRATION_CHALLENGE_KEY = "passkey_registration_challenge"
AUTHENTICATION_CHALLENGE_KEY = "passkey_authentication_challenge"

# A person who has typed their password has this long to give their second factor.
PENDING_MAX_AGE_SECONDS = 10 * 60
RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "Recovery codes"
# No 0/o, 1/l/i: recovery codes are read off paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

# RFC 8176 methods that are a second factor when they stand beside another one.
SECOND_FACTOR_AMR = frozenset({"otp", "hwk", "swk", "sc", "fpt", "face", "iris", "retina", "vbm"})


def provider_reported_second_factor(amr: Sequence[str]) -> bool:
    """True when an identity provider's ``amr`` says the person gave more than one factor."""
    methods = {str(method).lower() for method in amr}
    return "mfa" in methods or bool(methods & SECOND_FACTOR_AMR and len(methods) >= 2)


# --- The session ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PendingSignIn:
    user: User
    method: str
    next_url: str


def pending_sign_in_start(request: HttpRequest, *, user: User, method: str, next_url: str) -> None:
    request.session[PENDING_KEY] = {"user_id": user.pk, "method": method, "next": next_url, "at": time.time()}


def pending_sign_in(request: HttpRequest) -> PendingSignIn | None:
    """The person waiting to give their second factor, if their password was recent enough."""
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict) or time.time() - float(data.get("at", 0)) > PENDING_MAX_AGE_SECONDS:
        return None
    user = User.objects.filter(pk=int(data.get("user_id") or 0), is_active=True).first()
    if user is None:
        return None
    return PendingSignIn(user=user, method=str(data.get("method", "")), next_url=str(data.get("next") or "/"))


def pending_sign_in_clear(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


def second_factor_mark(request: HttpRequest, *, how: str) -> None:
    """Record that this session has just given a second factor (sign-in or step-up)."""
    request.session[VERIFIED_AT_KEY] = time.time()
    request.session[VERIFIED_HOW_KEY] = how


def second_factor_is_fresh(request: HttpRequest) -> bool:
    verified_at = request.session.get(VERIFIED_AT_KEY)
    if not isinstance(verified_at, int | float):
        return False
    return time.time() - verified_at <= settings.STEP_UP_MAX_AGE_SECONDS


def session_started_mark(request: HttpRequest) -> None:
    now = time.time()
    request.session[SESSION_STARTED_KEY] = now
    request.session[SESSION_SEEN_KEY] = now


def _session_started_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # Every login starts the session clock, whichever view logged in (admin, tests' force_login), so
    # SessionLimitsMiddleware never has to write an unmarked session on its first request.
    if request is not None and hasattr(request, "session"):
        session_started_mark(request)


user_logged_in.connect(_session_started_on_login, dispatch_uid="accounts.session_started_on_login")


# --- Which factors a person has ------------------------------------------------------------------------

def totp_devices(user: User) -> list[TOTPDevice]:
    return list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id"))


def passkeys(user: User) -> list[Passkey]:
    return list(Passkey.objects.filter(user=user).order_by("created_at", "id"))


def recovery_device(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True).first()


def recovery_codes_left(user: User) -> int:
    device = recovery_device(user)
    return device.token_set.count() if device is not None else 0


def has_second_factor(user: User) -> bool:
    """A TOTP app or a passkey; recovery codes alone are a way back in, not a factor to enrol."""
    return (TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            or Passkey.objects.filter(user=user).exists())


# --- TOTP -------------------------------------------------------------------------------------------------

def totp_secret_for_typing(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, as authenticator apps ask for it when typed."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[index:index + 4] for index in range(0, len(secret), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The ``otpauth://`` address as an inline SVG QR code (no image request, nothing stored)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg: str = image.to_string(encoding="unicode")
    return svg.replace("<svg ", '<svg role="img" aria-label="QR code for your authenticator app" ', 1)


def totp_code_was_used(device: TOTPDevice, code: str) -> bool:
    """True when ``code`` is one already accepted (at or before the device's last time step), so the
    refusal can say "already used" rather than "wrong"."""
    if device.last_t < 0 or not code.isdigit():
        return False
    earliest = device.last_t - device.tolerance
    return any(hotp(device.bin_key, step, device.digits) == int(code)
               for step in range(max(earliest, 0), device.last_t + 1))


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def looks_like_totp(code: str) -> bool:
    compact = normalise_code(code)
    return compact.isdigit() and len(compact) in (6, 8)


# --- Recovery codes -------------------------------------------------------------------------------------

def recovery_code_generate() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def recovery_code_digest(*, user_id: int, code: str) -> str:
    """A keyed digest of a recovery code, 16 characters to fit django-otp's static token column: the
    code itself is never stored, and a copy of the database alone cannot test guesses against it."""
    digest = salted_hmac("accounts.recovery-code", f"{user_id}:{normalise_code(code)}", algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


# --- Passkeys (WebAuthn) --------------------------------------------------------------------------------

def _expected_origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _descriptors(keys: Iterable[Passkey]) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=base64url_to_bytes(key.credential_id)) for key in keys]


def passkey_registration_options(request: HttpRequest, *, user: User) -> str:
    """Options for ``navigator.credentials.create``; the challenge waits in the session."""
    options = generate_registration_options(
        rp_id=settings.WEBAUTHN_RP_ID,
        rp_name=settings.WEBAUTHN_RP_NAME,
        user_id=str(user.pk).encode(),
        user_name=user.email,
        user_display_name=user.get_full_name(),
        exclude_credentials=_descriptors(passkeys(user)),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.PREFERRED),
    )
    request.session[REGISTRATION_CHALLENGE_KEY] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


@dataclass(frozen=True)
class RegisteredPasskey:
    credential_id: str
    public_key: bytes
    sign_count: int
    transports: list[str]


def passkey_registration_verify(request: HttpRequest, *, credential: dict[str, Any]) -> RegisteredPasskey:
    """Check the browser's answer against the challenge in the session (used once, whatever the outcome)."""
    challenge = request.session.pop(REGISTRATION_CHALLENGE_KEY, None)
    if not challenge:
        raise ValidationError({"passkey": "Start adding the passkey again: the request had expired."})
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=settings.WEBAUTHN_RP_ID, expected_origin=_expected_origin(request))
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise ValidationError({"passkey": f"The passkey could not be checked: {error}"}) from None
    transports = credential.get("response", {}).get("transports") or []
    return RegisteredPasskey(credential_id=bytes_to_base64url(verified.credential_id),
                             public_key=verified.credential_public_key, sign_count=verified.sign_count,
                             transports=[str(item) for item in transports][:10])


def passkey_authentication_options(request: HttpRequest, *, user: User) -> str:
    options = generate_authentication_options(
        rp_id=settings.WEBAUTHN_RP_ID, allow_credentials=_descriptors(passkeys(user)),
        user_verification=UserVerificationRequirement.PREFERRED)
    request.session[AUTHENTICATION_CHALLENGE_KEY] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


@dataclass(frozen=True)
class PasskeyAssertion:
    passkey: Passkey
    new_sign_count: int


def passkey_authentication_verify(request: HttpRequest, *, user: User, credential: dict[str, Any]) -> PasskeyAssertion:
    """Check a signed challenge from one of ``user``'s own passkeys."""
    challenge = request.session.pop(AUTHENTICATION_CHALLENGE_KEY, None)
    if not challenge:
        raise ValidationError({"passkey": "Try your passkey again: the request had expired."})
    key = Passkey.objects.filter(user=user, credential_id=str(credential.get("id", ""))).first()
    if key is None:
        raise ValidationError({"passkey": "This passkey is not registered to your account."})
    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=settings.WEBAUTHN_RP_ID, expected_origin=_expected_origin(request),
            credential_public_key=bytes(key.public_key), credential_current_sign_count=key.sign_count)
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise ValidationError({"passkey": f"The passkey could not be checked: {error}"}) from None
    return PasskeyAssertion(passkey=key, new_sign_count=verified.new_sign_count)
