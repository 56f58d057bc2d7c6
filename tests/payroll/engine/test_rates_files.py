"""The rates files: both years load, every figure names a listed source, and broken drafts are refused."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from payroll.engine import RatesError, available_tax_years, rates_for
from payroll.engine.rates import RATES_DIR, load_file

TAX_YEARS = ("2025-26", "2026-27")
# Keys that describe a table rather than state a figure.
DESCRIPTIVE_KEYS = {"name", "threshold_tax", "source"}


def _text(tax_year: str) -> str:
    return (RATES_DIR / f"{tax_year}.toml").read_text(encoding="utf-8")


def _figures(node: dict[str, Any], path: str = "", sourced: bool = False) -> Iterator[tuple[str, bool]]:
    """Every figure in the file as (dotted path, covered by a source on itself or an enclosing table)."""
    sourced = sourced or "source" in node
    for key, value in node.items():
        if key in DESCRIPTIVE_KEYS:
            continue
        field = f"{path}.{key}" if path else key
        if isinstance(value, dict):
            yield from _figures(value, field, sourced)
        else:
            yield field, sourced


def _sources_named(node: dict[str, Any], path: str = "") -> Iterator[tuple[str, str]]:
    """Every (dotted path, source tag) pair in the file."""
    for key, value in node.items():
        field = f"{path}.{key}" if path else key
        if key == "source":
            for tag in str(value).split():
                yield path, tag
        elif isinstance(value, dict):
            yield from _sources_named(value, field)


@pytest.mark.parametrize("tax_year", TAX_YEARS)
def test_each_years_rates_file_loads(tax_year: str):
    # given the installed rates file
    # when it is loaded, through the cache and directly
    rates = rates_for(tax_year)
    loaded = load_file(RATES_DIR / f"{tax_year}.toml")
    # then it is the year asked for, with every region
    assert rates.tax_year == loaded.tax_year == tax_year
    assert set(rates.regions) >= {"ruk", "wales", "scotland"}
    assert tax_year in available_tax_years()


@pytest.mark.parametrize("tax_year", TAX_YEARS)
def test_every_figure_in_a_rates_file_is_covered_by_a_source(tax_year: str):
    # given the parsed file, without its list of sources and its tax year
    data = tomllib.loads(_text(tax_year))
    body = {key: value for key, value in data.items() if key not in ("sources", "tax_year")}
    # when each figure is checked for a source on itself or an enclosing table
    unsourced = [field for field, sourced in _figures(body) if not sourced]
    # then every one has a source (RATES.md: "Every figure has a source tag")
    assert unsourced == []


@pytest.mark.parametrize("tax_year", TAX_YEARS)
def test_every_source_a_rates_file_names_is_listed_under_sources(tax_year: str):
    # given the parsed file
    data = tomllib.loads(_text(tax_year))
    body = {key: value for key, value in data.items() if key != "sources"}
    # when every source tag is collected
    named = list(_sources_named(body))
    # then there are some, and each is listed under [sources]
    assert named
    assert [(field, tag) for field, tag in named if tag not in data["sources"]] == []


@pytest.mark.parametrize("tax_year", TAX_YEARS)
def test_every_top_level_section_names_a_source(tax_year: str):
    # given the sections the engine reads
    data = tomllib.loads(_text(tax_year))
    sections = {
        "paye.personal_allowance": data["paye"]["personal_allowance"],
        "paye.tables_a_block": data["paye"]["tables_a_block"],
        "paye.regulatory_limit": data["paye"]["regulatory_limit"],
        "paye.single_rate_codes": data["paye"]["single_rate_codes"],
        "ni": data["ni"],
        "student_loans": data["student_loans"],
        "statutory": data["statutory"],
        **{f"paye.regions.{key}": region for key, region in data["paye"]["regions"].items()},
        **{f"pensions.{key}": scheme for key, scheme in data["pensions"].items()},
    }
    # when / then each names at least one source, all listed
    for field, section in sections.items():
        tags = str(section.get("source", "")).split()
        assert tags, f"{field} names no source"
        assert set(tags) <= set(data["sources"]), field


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


def _drop_line(text: str, pattern: str) -> str:
    changed, count = re.subn(pattern, "", text, count=1, flags=re.MULTILINE)
    assert count == 1, pattern
    return changed


BROKEN_2026_27 = [
    pytest.param(
        lambda t: _drop_line(t, r'^personal_allowance = .*\n'), r"paye\.personal_allowance: is missing",
        id="missing-personal-allowance",
    ),
    pytest.param(
        lambda t: _drop_line(t, r'^FUST = "2083"\n'), r"ni\.thresholds\.monthly\.FUST: is missing",
        id="missing-monthly-fust",
    ),
    pytest.param(
        lambda t: _replace_once(t, 'A = { employee_main = "0.08", ', "A = { "),
        r"ni\.categories\.A\.employee_main: is missing", id="missing-category-rate",
    ),
    pytest.param(
        lambda t: _replace_once(t, 'plan5 = { rate = "0.09", weekly = "480.76", monthly = "2083.33" }',
                                'plan5 = { rate = "0.09", weekly = "480.76" }'),
        r"student_loans\.plan5\.monthly: is missing", id="missing-loan-threshold",
    ),
    pytest.param(
        lambda t: _drop_line(t, r'^tax_year = .*\n'), r"tax_year: is missing", id="missing-tax-year",
    ),
    pytest.param(
        lambda t: _replace_once(t, 'regulatory_limit = { value = "0.50"', 'regulatory_limit = { value = "1.5"'),
        r"paye\.regulatory_limit: rate 1\.5 is above 100%", id="regulatory-limit-above-1",
    ),
    pytest.param(
        lambda t: _replace_once(t, 'plan1 = { rate = "0.09"', 'plan1 = { rate = "9"'),
        r"student_loans\.plan1\.rate: rate 9 is above 100%", id="loan-rate-above-1",
    ),
    pytest.param(
        lambda t: _replace_once(t, '"0.42", "0.45", "0.48"]', '"0.42", "0.45", "4.8"]'),
        r"paye\.regions\.scotland\.rates: rate 4\.8 is above 100%", id="band-rate-above-1",
    ),
    pytest.param(
        lambda t: _replace_once(t, 'PT = "1048"', 'PT = "-1048"'), r"ni\.thresholds\.monthly\.PT: .*non-negative",
        id="negative-primary-threshold",
    ),
    pytest.param(
        lambda t: _replace_once(t, 'monthly = "2241.66"', 'monthly = "-2241.66"'),
        r"student_loans\.plan1\.monthly: .*non-negative", id="negative-loan-threshold",
    ),
    pytest.param(
        lambda t: _replace_once(t, 'widths = ["3967"', 'widths = ["-3967"'),
        r"paye\.regions\.scotland\.widths: .*non-negative", id="negative-band-width",
    ),
    pytest.param(
        lambda t: _replace_once(t, 'rates = ["0.20", "0.40", "0.45"]', 'rates = ["0.20", "0.40"]'),
        r"paye\.regions\.ruk\.rates: needs one more rate than widths", id="ruk-bands-rates-mismatch",
    ),
    pytest.param(
        lambda t: _replace_once(t, 'widths = ["3967", "12989",', 'widths = ["3967", "12989", "1",'),
        r"paye\.regions\.scotland\.rates: needs one more rate than widths", id="scottish-bands-rates-mismatch",
    ),
    pytest.param(
        lambda t: _replace_once(t, '"0.0735", "0.0805"]', '"0.0735"]'),
        r"pensions\.alpha: needs ascending band bounds and one more member rate", id="alpha-tiers-rates-mismatch",
    ),
    pytest.param(
        lambda t: _replace_once(t, 'source = "S1 S15"', 'source = "S1 S99"'),
        r"paye\.personal_allowance: names source S99", id="unknown-source-on-a-figure",
    ),
    pytest.param(
        lambda t: _replace_once(t, 'source = "S16 S10"', 'source = "S16 S42"'),
        r"student_loans: names source S42", id="unknown-source-on-a-section",
    ),
    pytest.param(
        lambda t: _replace_once(t, 'source = "S13 S5 S7 S8"\n', ""), r"ni: names no source",
        id="section-without-source",
    ),
    pytest.param(
        lambda t: _replace_once(t, 'tax_year = "2026-27"', 'tax_year = "2025-26"'),
        r"tax_year: says '2025-26' but the file is 2026-27\.toml", id="tax-year-not-the-file-name",
    ),
    pytest.param(
        lambda t: _replace_once(t, 'regulatory_limit = { value = "0.50"', 'regulatory_limit = { value = 0.5'),
        r"paye\.regulatory_limit: must be a decimal string", id="float-not-string",
    ),
    pytest.param(
        lambda t: t + "\n[broken\n", r"not valid TOML", id="not-toml",
    ),
]


@pytest.mark.parametrize(("break_it", "message"), BROKEN_2026_27)
def test_a_broken_copy_of_the_rates_file_is_refused_naming_the_field(tmp_path: Path, break_it: Any, message: str):
    # given a copy of 2026-27.toml with one thing broken
    draft = tmp_path / "2026-27.toml"
    draft.write_text(break_it(_text("2026-27")), encoding="utf-8")
    # when it is loaded / then it is refused with a RatesError naming the file and the field
    with pytest.raises(RatesError, match=rf"^2026-27\.toml: .*{message}"):
        load_file(draft)


def test_an_unbroken_copy_loads_so_the_broken_ones_fail_for_their_break(tmp_path: Path):
    # given an exact copy of 2026-27.toml / when it is loaded / then it loads
    draft = tmp_path / "2026-27.toml"
    draft.write_text(_text("2026-27"), encoding="utf-8")
    assert load_file(draft).tax_year == "2026-27"


def test_a_rates_file_whose_tax_year_does_not_match_its_file_name_is_refused(tmp_path: Path):
    # given the 2026-27 rates saved as next year's file, unchanged
    draft = tmp_path / "2027-28.toml"
    draft.write_text(_text("2026-27"), encoding="utf-8")
    # when it is loaded / then the tax year is refused
    with pytest.raises(RatesError, match=r"^2027-28\.toml: tax_year: says '2026-27' but the file is 2027-28\.toml"):
        load_file(draft)


def test_a_missing_rates_file_is_refused(tmp_path: Path):
    with pytest.raises(RatesError, match=r"no rates file"):
        load_file(tmp_path / "2030-31.toml")


# --- Found by these tests and fixed; kept as regression tests ---------------------------------------------------

MISSING_LISTS = [
    pytest.param('widths = ["37700", "87440"]\nrates = ["0.20", "0.40", "0.45"]\nthreshold_tax = "cumulative"   #',
                 'rates = ["0.20", "0.40", "0.45"]\nthreshold_tax = "cumulative"   #',
                 r"paye\.regions\.ruk\.widths", id="region-widths"),
    pytest.param('rates = ["0.19", "0.20", "0.21", "0.42", "0.45", "0.48"]\n', "",
                 r"paye\.regions\.scotland\.rates", id="region-rates"),
    pytest.param('band_upper_bounds = ["36199", "56000", "150000"]\n', "",
                 r"pensions\.alpha\.band_upper_bounds", id="alpha-band-bounds"),
    pytest.param('member_rates = ["0.046", "0.0545", "0.0735", "0.0805"]\n', "",
                 r"pensions\.alpha\.member_rates", id="alpha-member-rates"),
]


@pytest.mark.parametrize(("old", "new", "field"), MISSING_LISTS)
def test_a_draft_missing_a_list_of_bands_or_rates_is_refused_naming_the_field(
    tmp_path: Path, old: str, new: str, field: str
):
    # given a copy of 2026-27.toml with one list of band widths or rates removed
    draft = tmp_path / "2026-27.toml"
    draft.write_text(_replace_once(_text("2026-27"), old, new), encoding="utf-8")
    # when it is loaded / then a RatesError names the field
    with pytest.raises(RatesError, match=field):
        load_file(draft)


def test_a_draft_figure_without_a_source_is_refused(tmp_path: Path):
    # given a copy of 2026-27.toml whose personal allowance names no source
    draft = tmp_path / "2026-27.toml"
    text = _replace_once(
        _text("2026-27"), 'personal_allowance = { value = "12570", source = "S1 S15" }', 'personal_allowance = "12570"'
    )
    draft.write_text(text, encoding="utf-8")
    # when it is loaded / then it is refused naming the field
    with pytest.raises(RatesError, match=r"paye\.personal_allowance"):
        load_file(draft)
