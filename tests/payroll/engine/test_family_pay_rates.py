"""The family pay figures of each year's rates file: weeks, tests and recovery rates (RATES.md §6)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from payroll.engine.rates import RATES_DIR, RatesError, load_file, rates_for, unconfirmed_reason


@pytest.mark.parametrize("tax_year", ["2025-26", "2026-27", "2027-28"])
def test_each_year_carries_the_family_pay_weeks_and_tests(tax_year: str) -> None:
    statutory = rates_for(tax_year).statutory
    assert (statutory.sap_higher_rate_weeks, statutory.sap_total_weeks) == (6, 39)
    assert (statutory.spp_max_weeks, statutory.spbp_max_weeks, statutory.sncp_max_weeks) == (2, 2, 12)
    assert statutory.shpp_max_weeks == 37
    assert (statutory.family_pay_service_weeks, statutory.relevant_period_weeks) == (26, 8)
    assert statutory.statutory_recovery_rate == Decimal("0.92")
    assert statutory.small_employers_threshold == Decimal("45000")


@pytest.mark.parametrize(("tax_year", "relief"), [("2025-26", "1.085"), ("2026-27", "1.09"), ("2027-28", "1.09")])
def test_small_employers_relief_per_year(tax_year: str, relief: str) -> None:
    assert rates_for(tax_year).statutory.small_employers_relief_rate == Decimal(relief)


def test_the_secondary_source_relief_figure_does_not_stop_2026_27_pay_runs() -> None:
    assert unconfirmed_reason("2026-27") is None


def _draft(tmp_path: Path, old: str, new: str) -> Path:
    text = (RATES_DIR / "2026-27.toml").read_text(encoding="utf-8")
    assert len(re.findall(re.escape(old), text)) == 1
    draft = tmp_path / "2026-27.toml"
    draft.write_text(text.replace(old, new), encoding="utf-8")
    return draft


@pytest.mark.parametrize(("old", "new", "message"), [
    ('statutory_recovery_rate = { value = "0.92"', 'statutory_recovery_rate = { value = "1.92"',
     "statutory.statutory_recovery_rate: is above 100%"),
    ("sap_higher_rate_weeks = { value = 6,", "sap_higher_rate_weeks = { value = 40,",
     "statutory.sap_higher_rate_weeks: is more than sap_total_weeks"),
    ("spp_max_weeks = { value = 2,", "spp_max_weeks = { value = -2,",
     "statutory.spp_max_weeks: must be a whole number"),
    ('sncp_max_weeks = { value = 12, source = "S24" }', 'sncp_max_weeks = { value = 12, source = "S99" }',
     "statutory.sncp_max_weeks: names source S99"),
    ('small_employers_relief_rate = { value = "1.09", source = "S25" }\n', "",
     "statutory.small_employers_relief_rate: is missing"),
])
def test_a_broken_family_pay_figure_is_refused_naming_it(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(RatesError, match=re.escape(message)):
        load_file(_draft(tmp_path, old, new))
