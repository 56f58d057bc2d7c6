"""Shared by the finance services: amounts in pounds, checked and shown to the penny."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from finance.models import ZERO

PENNY = Decimal("0.01")
# Larger than any real journal line or expense; it stops typing slips (and fits NUMERIC(14, 2)).
MAX_LINE_AMOUNT = Decimal("999999999999.99")


def _pounds(value: Decimal) -> str:
    return f"£{value:,.2f}"


def _amount(value: Any, errors: dict[str, str], key: str, label: str) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value or "0"))
    except (InvalidOperation, ValueError):
        errors[key] = f"{label}: enter the amount as a number of pounds, like 125.50."
        return ZERO
    if not amount.is_finite():
        errors[key] = f"{label}: enter the amount as a number of pounds, like 125.50."
    elif amount < 0:
        errors[key] = f"{label}: the amount cannot be negative; put it on the other side."
    elif amount != amount.quantize(PENNY):
        errors[key] = f"{label}: amounts are to the penny (two decimal places at most)."
    elif amount > MAX_LINE_AMOUNT:
        errors[key] = f"{label}: {_pounds(amount)} is larger than any journal line can be."
    else:
        return amount.quantize(PENNY)
    return ZERO
