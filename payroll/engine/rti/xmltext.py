"""Values as HMRC's RTI XML writes them, and text escaped so that what is written is already in
canonical (C14N) form: the IRmark can then be hashed from the bytes as they are streamed out,
without reading the document back (see ``envelope.py``)."""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Decimal

_PENNY = Decimal("0.01")
# Characters XML 1.0 cannot carry at all; dropped rather than escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class RtiValueError(ValueError):
    """A value that cannot be written into an FPS or EPS; the message names the field."""


def text(value: str) -> str:
    """Element content escaped the way inclusive C14N writes it (``&``, ``<``, ``>``, CR)."""
    value = _NOT_XML.sub("", value)
    if "&" in value or "<" in value or ">" in value or "\r" in value:
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#xD;")
    return value


def plain(value: str) -> str:
    """Accents transliterated (HMRC's name and address character sets are ASCII plus a few
    symbols; RTI.md §3.2 "Transliterate accents")."""
    if value.isascii():
        return value
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")


def money(value: Decimal, field: str) -> str:
    """``-?(([1-9][0-9]*)|0)\\.[0-9]{2}``: exactly two places, no leading zeros, no ``-0.00``."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise RtiValueError(f"{field}: {value!r} is not an amount of money (a Decimal)")
    if value != value.quantize(_PENNY):
        raise RtiValueError(f"{field}: {value} has more than two decimal places")
    if value == 0:
        return "0.00"
    return f"{value:.2f}"


def whole_pounds(value: Decimal, field: str) -> str:
    """Items HMRC keeps in whole pounds (student loans, ``AtLELYTD``) end in ``.00``."""
    formatted = money(value, field)
    if not formatted.endswith(".00"):
        raise RtiValueError(f"{field}: {value} must be whole pounds")
    return formatted


def date(value: datetime.date) -> str:
    return value.isoformat()


def element(indent: str, name: str, content: str) -> str:
    """One line ``<name>content</name>``; ``content`` is already escaped."""
    return f"{indent}<{name}>{content}</{name}>\n"
