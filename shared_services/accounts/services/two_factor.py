"""Second factors: enrol and confirm a TOTP app, check codes, recovery codes, passkeys, remove a factor.

Each refusal is a security event. A refusal raises ``ValidationError`` keyed by field after its event
is written outside the savepoint that the error rolls back, so the record survives the refusal.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from shared_services.accounts import two_factor
from shared_services.accounts.models import Passkey, SecurityEvent, User
from shared_services.accounts.services.security import security_event_record

__all__ = [
    "passkey_register",
    "passkey_use_record",
    "recovery_code_use",
    "recovery_codes_regenerate",
    "second_factor_failure_record",
    "second_factor_remove",
    "totp_enrolment_begin",
    "totp_enrolment_confirm",
    "totp_verify",
]

TOTP_FIELD = "code"
USED_RECOVERY_EVENT = "two_factor.recovery_code_used"
REUSED_TOTP = "This code has already been used. Wait for your app to show a new code, then enter it"
WRONG_TOTP = "The code is wrong or has expired. Enter the code your authenticator app shows now"


def second_factor_failure_record(*, acting_user: User, reason: str, ip_address: str | None = None,
                                 **detail: Any) -> None:
    security_event_record(event="two_factor.refused", user=acting_user, ip_address=ip_address,
                          detail={"reason": reason, **detail})


@transaction.atomic
def totp_enrolment_begin(*, acting_user: User) -> TOTPDevice:
    """An unconfirmed TOTP device for the person to scan; the one already waiting if they reload."""
    device = TOTPDevice.objects.filter(user=acting_user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=acting_user, name="Authenticator app", confirmed=False)
    return device


def _throttle_message(device: TOTPDevice) -> str | None:
    allowed, throttle = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (throttle or {}).get("locked_until")
    wait = max(1, int((locked_until - timezone.now()).total_seconds()) + 1) if locked_until else 1
    return f"Too many wrong codes. Wait {wait} seconds, then enter the code your app shows now"


def _check_totp(device: TOTPDevice, code: str) -> tuple[bool, str, str]:
    """(accepted, reason, message). A savepoint of its own: django-otp records the time step used (so it
    is refused again) or counts the failure for throttling, and either must stay written."""
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        compact = two_factor.normalise_code(code)
        throttled = _throttle_message(locked)
        if throttled:
            return False, "throttled", throttled
        if locked.verify_token(compact):
            return True, "", ""
        if two_factor.totp_code_was_used(locked, compact):
            return False, "reused", REUSED_TOTP
        return False, "wrong", WRONG_TOTP


def totp_enrolment_confirm(*, acting_user: User, code: str, ip_address: str | None = None) -> TOTPDevice:
    """Confirm the waiting device with a first code from the app: only then does it count as a factor."""
    device = TOTPDevice.objects.filter(user=acting_user, confirmed=False).order_by("-id").first()
    if device is None:
        raise ValidationError({TOTP_FIELD: "Start setting up your authenticator app again"})
    if not two_factor.looks_like_totp(code):
        raise ValidationError({TOTP_FIELD: "Enter the 6-digit code from your authenticator app"})
    ok, reason, message = _check_totp(device, code)
    if not ok:
        second_factor_failure_record(acting_user=acting_user, reason=reason, factor="totp", stage="enrol",
                                     ip_address=ip_address)
        raise ValidationError({TOTP_FIELD: message})
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.refresh_from_db()
        security_event_record(event="two_factor.enrolled", user=acting_user, ip_address=ip_address,
                              detail={"factor": "totp", "device_id": device.pk})
    return device


def totp_verify(*, acting_user: User, code: str, ip_address: str | None = None) -> TOTPDevice:
    """Check a code from any of the person's confirmed apps; a code is accepted once only."""
    devices = two_factor.totp_devices(acting_user)
    if not devices:
        raise ValidationError({TOTP_FIELD: "There is no authenticator app on your account: use a recovery code"})
    outcome = ("wrong", WRONG_TOTP)
    for device in devices:
        ok, reason, message = _check_totp(device, code)
        if ok:
            security_event_record(event="two_factor.verified", user=acting_user, ip_address=ip_address,
                                  detail={"factor": "totp", "device_id": device.pk})
            return device
        if reason != "wrong":
            outcome = (reason, message)
    second_factor_failure_record(acting_user=acting_user, reason=outcome[0], factor="totp", ip_address=ip_address)
    raise ValidationError({TOTP_FIELD: outcome[1]})


@transaction.atomic
def recovery_codes_regenerate(*, acting_user: User, ip_address: str | None = None) -> list[str]:
    """A fresh set of recovery codes, replacing any left; returned once to be shown, stored only as digests."""
    device, _ = StaticDevice.objects.get_or_create(user=acting_user, name=two_factor.RECOVERY_DEVICE_NAME,
                                                   defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [two_factor.recovery_code_generate() for _ in range(two_factor.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=two_factor.recovery_code_digest(user_id=acting_user.pk, code=code))
        for code in codes
    )
    security_event_record(event="two_factor.recovery_codes_issued", user=acting_user, ip_address=ip_address,
                          detail={"count": len(codes)})
    return codes


def recovery_code_use(*, acting_user: User, code: str, ip_address: str | None = None) -> None:
    """Accept one recovery code and strike it off; a code works once."""
    digest = two_factor.recovery_code_digest(user_id=acting_user.pk, code=code)
    with transaction.atomic():
        used = StaticToken.objects.select_for_update().filter(
            device__user=acting_user, device__name=two_factor.RECOVERY_DEVICE_NAME, token=digest).first()
        if used is not None:
            used.delete()
            # The digest is kept with the event so a second use can be told apart from a wrong code.
            security_event_record(event=USED_RECOVERY_EVENT, user=acting_user, ip_address=ip_address,
                                  detail={"digest": digest, "left": two_factor.recovery_codes_left(acting_user)})
            return
    if SecurityEvent.objects.filter(user=acting_user, event=USED_RECOVERY_EVENT, detail__digest=digest).exists():
        reason, message = "recovery_reused", "This recovery code has already been used. Each code works once"
    else:
        reason, message = "recovery_wrong", "This recovery code is wrong. Check it against your saved codes"
    second_factor_failure_record(acting_user=acting_user, reason=reason, factor="recovery_code", ip_address=ip_address)
    raise ValidationError({TOTP_FIELD: message})


@transaction.atomic
def passkey_register(*, acting_user: User, name: str, registered: two_factor.RegisteredPasskey,
                     ip_address: str | None = None) -> Passkey:
    name = name.strip()[:100] or f"Passkey added {timezone.localdate():%-d %B %Y}"
    if Passkey.objects.filter(credential_id=registered.credential_id).exists():
        raise ValidationError({"passkey": "This passkey is already registered"})
    passkey = Passkey.objects.create(user=acting_user, name=name, credential_id=registered.credential_id,
                                     public_key=registered.public_key, sign_count=registered.sign_count,
                                     transports=registered.transports)
    security_event_record(event="two_factor.enrolled", user=acting_user, ip_address=ip_address,
                          detail={"factor": "passkey", "passkey_id": passkey.pk, "name": name})
    return passkey


@transaction.atomic
def passkey_use_record(*, acting_user: User, assertion: two_factor.PasskeyAssertion,
                       ip_address: str | None = None) -> Passkey:
    """Keep the authenticator's signature counter, so a cloned key (an older count) is noticed."""
    Passkey.objects.filter(pk=assertion.passkey.pk).update(sign_count=assertion.new_sign_count,
                                                          last_used_at=timezone.now())
    security_event_record(event="two_factor.verified", user=acting_user, ip_address=ip_address,
                          detail={"factor": "passkey", "passkey_id": assertion.passkey.pk})
    return assertion.passkey


@transaction.atomic
def second_factor_remove(*, acting_user: User, factor: str, factor_id: int, ip_address: str | None = None) -> None:
    """Remove one of the person's own apps or passkeys. Recovery codes go with the last factor."""
    if factor == "totp":
        removed, _ = TOTPDevice.objects.filter(user=acting_user, pk=factor_id).delete()
    elif factor == "passkey":
        removed, _ = Passkey.objects.filter(user=acting_user, pk=factor_id).delete()
    else:
        removed = 0
    if not removed:
        raise ValidationError({"factor": "There is no such second factor on your account"})
    if not two_factor.has_second_factor(acting_user):
        StaticDevice.objects.filter(user=acting_user, name=two_factor.RECOVERY_DEVICE_NAME).delete()
    security_event_record(event="two_factor.removed", user=acting_user, ip_address=ip_address,
                          detail={"factor": factor, "factor_id": factor_id})
