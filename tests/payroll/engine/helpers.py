"""Small helpers shared by the engine tests: a valid contract input to vary, and pence arithmetic."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from payroll.engine import calculate_one
from payroll.engine.money import format_pence

RESULT_MONEY_FIELDS = (
    "pension_employee", "taxable_pay", "income_tax", "employee_ni", "employer_ni",
    "student_loan", "postgraduate_loan", "net_pay",
)


def an_input(**overrides: Any) -> dict[str, Any]:
    """A valid contract input (2025-26, monthly, period 1, 1257L, NI A, £3,000), with overrides."""
    raw: dict[str, Any] = {
        "id": "employee-1",
        "tax_year": "2025-26",
        "frequency": "monthly",
        "period": 1,
        "tax_code": "1257L",
        "week1_month1": False,
        "ni_category": "A",
        "student_loans": [],
        "pension_scheme": None,
        "gross_pay": "3000.00",
        "pensionable_pay": "0.00",
        "ytd_taxable_pay_before": "0.00",
        "ytd_tax_paid_before": "0.00",
    }
    raw.update(overrides)
    return raw


def result_for(**overrides: Any) -> dict[str, Any]:
    """The result of one calculation (no working); fails loudly if the input was refused."""
    result = calculate_one(an_input(**overrides))
    assert "error" not in result, result
    return result


def working_for(**overrides: Any) -> dict[str, Any]:
    """The result of one calculation with its working."""
    result = calculate_one(an_input(**overrides), with_working=True)
    assert "error" not in result, result
    return result


def money(pence: int) -> str:
    """Integer pence as the contract's decimal string: 123456 → '1234.56', -5 → '-0.05'."""
    return format_pence(pence)


def pence(amount: str) -> int:
    """The contract's decimal string as integer pence, refusing anything but exactly two places."""
    assert re.fullmatch(r"-?\d+\.\d{2}", amount), amount
    return int(Decimal(amount) * 100)
