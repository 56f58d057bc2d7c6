"""Formats of UK personal and bank identifiers, each with a message a person can act on."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

_NI_NUMBER = re.compile(r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]$")
_POSTCODE = re.compile(r"^(GIR 0AA|[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][ABD-HJLNP-UW-Z]{2})$")
_SORT_CODE = re.compile(r"^[0-9]{6}$")
_ACCOUNT_NUMBER = re.compile(r"^[0-9]{8}$")


def normalise_ni_number(value: str) -> str:
    return "".join(value.split()).upper()


def validate_ni_number(value: str) -> None:
    if not _NI_NUMBER.match(normalise_ni_number(value)):
        raise ValidationError(
            "Enter a National Insurance number in the correct format, like QQ 12 34 56 C", code="invalid_ni_number"
        )


def normalise_postcode(value: str) -> str:
    compact = "".join(value.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def validate_postcode(value: str) -> None:
    if not _POSTCODE.match(normalise_postcode(value)):
        raise ValidationError("Enter a real UK postcode, like SW1A 2AA", code="invalid_postcode")


def normalise_sort_code(value: str) -> str:
    return re.sub(r"[\s-]", "", value)


def validate_sort_code(value: str) -> None:
    if not _SORT_CODE.match(normalise_sort_code(value)):
        raise ValidationError("Enter a sort code of 6 digits, like 30-99-50", code="invalid_sort_code")


def validate_account_number(value: str) -> None:
    if not _ACCOUNT_NUMBER.match(value.replace(" ", "")):
        raise ValidationError("Enter an account number of 8 digits", code="invalid_account_number")
