"""PAYE income tax by HMRC's exact-percentage method (RATES.md §2).

All amounts are integer pence, except HMRC's four-decimal intermediate values, which are integer
ten-thousandths of a pound ("units"); truncation is integer division of non-negative numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from payroll.engine.codes import TaxCode
from payroll.engine.money import format_pence, format_rate, format_units
from payroll.engine.rates import PERIODS_PER_YEAR, TaxYearRates, rates_for


@dataclass(frozen=True, slots=True)
class BandTable:
    """Per-period thresholds for one region, frequency and period number n."""

    thresholds: tuple[int, ...]  # c_i in units: cumulative band tops × n / P, truncated
    rounded_thresholds: tuple[int, ...]  # v_i in pence: c_i rounded up to the whole pound
    threshold_tax: tuple[int, ...]  # k_i in units: tax on complete bands 1..i
    rates: tuple[int, ...]


@cache
def band_table(tax_year: str, region_key: str, frequency: str, n: int) -> BandTable:
    region = rates_for(tax_year).regions[region_key]
    periods = PERIODS_PER_YEAR[frequency]
    thresholds, rounded, taxes = [], [], []
    cumulative_width = cumulative_tax = per_band_sum = 0
    for width, rate in zip(region.widths, region.rates, strict=False):
        cumulative_width += width
        c = cumulative_width * 10000 * n // periods
        thresholds.append(c)
        rounded.append(-(-c // 10000) * 100)
        cumulative_tax += width * rate  # pounds × basis points = units
        per_band_sum += width * rate * n // periods
        # The two readings differ by 1p on some rows; each reproduces HMRC's data for its region.
        taxes.append(cumulative_tax * n // periods if region.threshold_tax == "cumulative" else per_band_sum)
    return BandTable(tuple(thresholds), tuple(rounded), tuple(taxes), region.rates)


def period_one_adjustment(number: int, frequency: str, rates: TaxYearRates) -> int:
    """Tables A free pay (or K-code additional pay) for period 1, in pence (RATES.md §2.2)."""
    if number == 0:
        return 0
    blocks, remainder = divmod(number - 1, 500)
    remainder += 1
    periods = PERIODS_PER_YEAR[frequency]
    return -(-((10 * remainder + 9) * 100) // periods) + blocks * rates.tables_a_block[frequency]


def tax_due_to_date(
    code: TaxCode, taxable_to_date: int, frequency: str, n: int, rates: TaxYearRates, working: dict[str, Any] | None
) -> int:
    """L_n: tax due on taxable pay to date for tax period n, in pence."""
    if code.kind == "no_tax":
        return 0
    if code.kind == "single_rate":
        rate = rates.single_rate_codes[code.single_rate_code]
        whole_pounds = max(taxable_to_date, 0) // 100
        due = whole_pounds * rate // 100
        if working is not None:
            working["bands"] = [{"rate": format_rate(rate), "taxable": f"{whole_pounds}.00", "tax": format_pence(due)}]
        return due
    adjustment = period_one_adjustment(code.number, frequency, rates) * n
    after_allowance = taxable_to_date + adjustment if code.kind == "k" else taxable_to_date - adjustment
    if working is not None:
        working["additional_pay_to_date" if code.kind == "k" else "free_pay_to_date"] = format_pence(adjustment)
        working["taxable_after_allowance_to_date"] = format_pence(after_allowance)
    if after_allowance <= 0:
        if working is not None:
            working["bands"] = []
        return 0
    table = band_table(rates.tax_year, code.region, frequency, n)
    band = len(table.rounded_thresholds)
    for index, top in enumerate(table.rounded_thresholds):
        if after_allowance <= top:
            band = index
            break
    whole_pound_units = after_allowance // 100 * 10000
    below = table.thresholds[band - 1] if band else 0
    below_tax = table.threshold_tax[band - 1] if band else 0
    due_units = below_tax + (whole_pound_units - below) * table.rates[band] // 10000
    if working is not None:
        bands = []
        previous_c = previous_k = 0
        for index in range(band):
            bands.append({
                "rate": format_rate(table.rates[index]),
                "taxable": format_units(table.thresholds[index] - previous_c),
                "tax": format_units(table.threshold_tax[index] - previous_k),
            })
            previous_c, previous_k = table.thresholds[index], table.threshold_tax[index]
        bands.append({
            "rate": format_rate(table.rates[band]),
            "taxable": format_units(whole_pound_units - below),
            "tax": format_units(due_units - below_tax),
        })
        working["bands"] = bands
    return due_units // 100
