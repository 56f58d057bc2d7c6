"""The payroll calculation engine: plain Python, no Django (an architecture test holds this).

    from payroll.engine import calculate_batch
    calculate_batch([{"id": "1", "tax_year": "2026-27", ...}])  # the contract's result objects
"""

from payroll.engine.calculator import (
    RESULT_FIELDS,
    CalculationInput,
    CalculationInputError,
    calculate,
    calculate_batch,
    calculate_one,
    parse_input,
)
from payroll.engine.rates import RatesError, available_tax_years, rates_for

__all__ = [
    "RESULT_FIELDS",
    "CalculationInput",
    "CalculationInputError",
    "RatesError",
    "available_tax_years",
    "calculate",
    "calculate_batch",
    "calculate_one",
    "parse_input",
    "rates_for",
]
