"""Money in integer pence: parsing the contract's decimal strings and formatting results."""

from __future__ import annotations

import re

_AMOUNT = re.compile(r"^(-?)([0-9]{1,10})(?:\.([0-9]{1,2}))?$")


class MoneyError(ValueError):
    pass


def parse_pence(field: str, raw: object, *, allow_negative: bool = False) -> int:
    """``"1234.56"`` → 123456. Floats are refused: they cannot hold pence exactly."""
    if isinstance(raw, bool) or isinstance(raw, float):
        raise MoneyError(f"{field}: must be a decimal string such as '1234.56', not {raw!r}")
    if isinstance(raw, int):
        raw = str(raw)
    if not isinstance(raw, str):
        raise MoneyError(f"{field}: must be a decimal string such as '1234.56'")
    match = _AMOUNT.match(raw.strip())
    if match is None:
        raise MoneyError(f"{field}: {raw!r} is not an amount of money in pounds with at most two decimal places")
    sign, pounds, fraction = match.groups()
    pence = int(pounds) * 100 + (int(fraction.ljust(2, "0")) if fraction else 0)
    if sign:
        if not allow_negative:
            raise MoneyError(f"{field}: {raw!r} must not be negative")
        pence = -pence
    return pence


def format_pence(pence: int) -> str:
    # Called some thirty times a payslip (the working shows every figure): kept to one f-string.
    if pence < 0:
        return "-" + format_pence(-pence)
    return f"{pence // 100}.{pence % 100:02d}"


def format_units(units: int) -> str:
    """Ten-thousandths of a pound (HMRC's four decimal places) as a string."""
    sign = "-" if units < 0 else ""
    pounds, remainder = divmod(abs(units), 10000)
    return f"{sign}{pounds}.{remainder:04d}"


def format_rate(points: int) -> str:
    """Basis points (ten-thousandths) as a percentage, e.g. 185 → '1.85%'."""
    whole, remainder = divmod(points, 100)
    return f"{whole}%" if remainder == 0 else f"{whole}.{remainder:02d}".rstrip("0") + "%"
