"""Class 1 National Insurance by the exact percentage method (RATES.md §3)."""

from __future__ import annotations

from typing import Any

from payroll.engine.money import format_pence, format_rate, format_units
from payroll.engine.rates import NiCategory


def round_ni(units: int) -> int:
    """Units (£0.0001) to pence by the third decimal only: 5 or less down, 6 or more up."""
    pence, rest = divmod(units, 100)
    return pence + 1 if rest // 10 >= 6 else pence


def _band(earnings: int, rate: int) -> int:
    """Earnings in a band (pence) × rate (basis points), truncated to four decimals of a pound."""
    return earnings * rate // 100


def national_insurance(
    nicable: int, category: NiCategory, thresholds: dict[str, int], working: dict[str, Any] | None
) -> tuple[int, int]:
    """(employee, employer) contributions in pence on one period's NICable pay."""
    primary, upper = thresholds["PT"], thresholds["UEL"]
    main = max(0, min(nicable, upper) - primary)
    above = max(0, nicable - upper)
    employee_units = [_band(main, category.employee_main), _band(above, category.employee_above_uel)]
    employee = round_ni(sum(employee_units))

    secondary = thresholds["ST"]
    relief_top = max(thresholds[category.relief_to], secondary) if category.relief_to else secondary
    liable = max(0, nicable - relief_top)
    employer_units = _band(liable, category.employer)
    employer = round_ni(employer_units)
    if working is not None:
        working.update(
            nicable_pay=format_pence(nicable),
            employee_bands=[
                {"from": "PT", "earnings": format_pence(main), "rate": format_rate(category.employee_main),
                 "ni": format_units(employee_units[0])},
                {"from": "UEL", "earnings": format_pence(above), "rate": format_rate(category.employee_above_uel),
                 "ni": format_units(employee_units[1])},
            ],
            employer_bands=[
                {"from": category.relief_to or "ST", "earnings": format_pence(liable),
                 "rate": format_rate(category.employer), "ni": format_units(employer_units)},
            ],
            thresholds={name: format_pence(value) for name, value in thresholds.items()},
        )
    return employee, employer
