"""Statutory rates per tax year, read from ``<tax year>.toml`` beside this file.

Each file is loaded once and validated on load; adding a tax year means adding a file. A file for a
year whose figures are not all published yet lists them under ``[unconfirmed]`` (each with why), and
a pay run in such a year is refused with that reason (``unconfirmed_reason``). Money is
held as integer pence and rates as integer ten-thousandths (basis points), so the calculation
never touches floating point and HMRC's truncation rules are exact integer divisions.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

RATES_DIR = Path(__file__).resolve().parent
TAX_YEAR_PATTERN = re.compile(r"^\d{4}-\d{2}$")
FREQUENCIES = ("weekly", "monthly")
PERIODS_PER_YEAR = {"weekly": 52, "monthly": 12}
NI_THRESHOLD_NAMES = ("LEL", "PT", "ST", "FUST", "UST", "AUST", "VUST", "UEL")


class RatesError(ValueError):
    """A rates file is missing, malformed or inconsistent; the message names the file and field."""


@dataclass(frozen=True, slots=True)
class Region:
    name: str
    widths: tuple[int, ...]  # whole pounds per band, the last band open-ended
    rates: tuple[int, ...]  # basis points, one more than widths
    threshold_tax: str  # "cumulative" or "per_band" (see RATES.md §2.6)


@dataclass(frozen=True, slots=True)
class NiCategory:
    employee_main: int
    employee_above_uel: int
    employer: int
    relief_to: str | None


@dataclass(frozen=True, slots=True)
class LoanPlan:
    rate: int
    threshold: dict[str, int]  # pence per period, by frequency


@dataclass(frozen=True, slots=True)
class PensionScheme:
    name: str
    band_upper_bounds: tuple[int, ...]  # pence per year
    member_rates: tuple[int, ...]
    employer_rate: int


@dataclass(frozen=True, slots=True)
class StatutoryPayRates:
    ssp_weekly_rate: Decimal
    ssp_lower_earnings_limit: Decimal
    ssp_waiting_days: int
    ssp_awe_percentage: Decimal
    ssp_max_weeks: int
    family_pay_weekly_rate: Decimal
    family_pay_earnings_threshold: Decimal
    smp_higher_rate_weeks: int
    smp_total_weeks: int
    smp_percentage: Decimal
    sap_higher_rate_weeks: int
    sap_total_weeks: int
    spp_max_weeks: int
    shpp_max_weeks: int
    spbp_max_weeks: int
    sncp_max_weeks: int
    family_pay_service_weeks: int  # continuous employment ending with the qualifying week
    relevant_period_weeks: int  # the earnings test looks back at least this far
    statutory_recovery_rate: Decimal  # share of statutory family pay recovered from HMRC
    small_employers_relief_rate: Decimal  # instead, for a small employer (above 1: it adds compensation)
    small_employers_threshold: Decimal  # Class 1 NICs in the previous tax year, at or below which relief applies


@dataclass(frozen=True, slots=True)
class TaxYearRates:
    tax_year: str
    personal_allowance: int  # pence per year
    tables_a_block: dict[str, int]  # pence, by frequency
    regulatory_limit: int  # basis points of the period's taxable pay
    regions: dict[str, Region]
    single_rate_codes: dict[str, int]
    ni_thresholds: dict[str, dict[str, int]]  # frequency → name → pence
    ni_categories: dict[str, NiCategory]
    student_loans: dict[str, LoanPlan]
    pensions: dict[str, PensionScheme]
    statutory: StatutoryPayRates
    sources: dict[str, str]
    unconfirmed: dict[str, str] = field(default_factory=dict)  # field → why it is not confirmed yet


class _Reader:
    """Reads typed values from the parsed file, naming the field in every error."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data

    def fail(self, field: str, problem: str) -> RatesError:
        return RatesError(f"{self.path.name}: {field}: {problem}")

    def get(self, field: str) -> Any:
        node: Any = self.data
        for part in field.split("."):
            if not isinstance(node, dict) or part not in node:
                raise self.fail(field, "is missing")
            node = node[part]
        if isinstance(node, dict) and "value" in node and "source" in node:
            self._check_source(field, node["source"])
            return node["value"]
        return node

    def _check_source(self, field: str, source: Any) -> None:
        sources = self.data.get("sources", {})
        for tag in str(source).split():
            if tag not in sources:
                raise self.fail(field, f"names source {tag}, which [sources] does not list")

    def figure(self, field: str) -> Any:
        """A single figure, which must be written as ``{ value = …, source = "Sx" }``."""
        node: Any = self.data
        for part in field.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            raise self.fail(field, "is missing")
        if not isinstance(node, dict) or "source" not in node:
            raise self.fail(field, "must be written as { value = …, source = \"Sx\" } so it names its source")
        return self.get(field)

    def count(self, field: str) -> int:
        value = self.get(field)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(field, f"must be a whole number of zero or more, not {value!r}")
        return value

    def section_source(self, field: str) -> None:
        section = self.get(field)
        if not isinstance(section, dict) or "source" not in section:
            raise self.fail(field, "names no source")
        self._check_source(field, section["source"])

    def decimal(self, field: str, value: Any = None) -> Decimal:
        raw = self.get(field) if value is None else value
        if not isinstance(raw, str):
            raise self.fail(field, f"must be a decimal string, not {raw!r}")
        try:
            number = Decimal(raw)
        except InvalidOperation:
            raise self.fail(field, f"{raw!r} is not a decimal number") from None
        if not number.is_finite() or number < 0:
            raise self.fail(field, f"{raw!r} must be a finite, non-negative number")
        return number

    def pence(self, field: str, value: Any = None) -> int:
        amount = self.decimal(field, value) * 100
        if amount != amount.to_integral_value():
            raise self.fail(field, "must be whole pence")
        return int(amount)

    def pounds(self, field: str, value: Any = None) -> int:
        amount = self.decimal(field, value)
        if amount != amount.to_integral_value():
            raise self.fail(field, "must be whole pounds")
        return int(amount)

    def rate(self, field: str, value: Any = None) -> int:
        fraction = self.decimal(field, value)
        if fraction > 1:
            raise self.fail(field, f"rate {fraction} is above 100%")
        points = fraction * 10000
        if points != points.to_integral_value():
            raise self.fail(field, "rates are held to four decimal places of a fraction (0.0185 = 1.85%)")
        return int(points)


def _regions(read: _Reader) -> dict[str, Region]:
    """PAYE's bands per region: the rest of the UK, Wales and Scotland at least."""
    regions: dict[str, Region] = {}
    for key, region in read.get("paye.regions").items():
        field = f"paye.regions.{key}"
        read.section_source(field)
        widths = tuple(read.pounds(f"{field}.widths", width) for width in read.get(f"{field}.widths"))
        rates = tuple(read.rate(f"{field}.rates", rate) for rate in read.get(f"{field}.rates"))
        if len(rates) != len(widths) + 1:
            raise read.fail(f"{field}.rates", "needs one more rate than widths (the last band is open-ended)")
        if any(width <= 0 for width in widths):
            raise read.fail(f"{field}.widths", "every band must be wider than zero")
        if read.get(f"{field}.threshold_tax") not in ("cumulative", "per_band"):
            raise read.fail(f"{field}.threshold_tax", "must be 'cumulative' or 'per_band'")
        regions[key] = Region(str(region.get("name", key)), widths, rates, region["threshold_tax"])
    for required in ("ruk", "wales", "scotland"):
        if required not in regions:
            raise read.fail(f"paye.regions.{required}", "is missing")
    return regions


def _ni(read: _Reader) -> tuple[dict[str, dict[str, int]], dict[str, NiCategory]]:
    """National Insurance thresholds per pay frequency, and the rates of each category letter."""
    read.section_source("ni")
    ni_thresholds: dict[str, dict[str, int]] = {}
    for frequency in FREQUENCIES:
        values = {
            name: read.pence(f"ni.thresholds.{frequency}.{name}") for name in NI_THRESHOLD_NAMES
        }
        if not values["LEL"] <= values["PT"] <= values["UEL"] or values["ST"] > values["UEL"]:
            raise read.fail(f"ni.thresholds.{frequency}", "thresholds out of order (LEL ≤ PT ≤ UEL, ST ≤ UEL)")
        ni_thresholds[frequency] = values
    ni_categories: dict[str, NiCategory] = {}
    for letter, category in read.get("ni.categories").items():
        field = f"ni.categories.{letter}"
        relief_to = category.get("relief_to")
        if relief_to is not None and relief_to not in NI_THRESHOLD_NAMES:
            raise read.fail(f"{field}.relief_to", f"{relief_to!r} is not a threshold name")
        ni_categories[letter] = NiCategory(
            employee_main=read.rate(f"{field}.employee_main", category.get("employee_main")),
            employee_above_uel=read.rate(f"{field}.employee_above_uel", category.get("employee_above_uel")),
            employer=read.rate(f"{field}.employer", category.get("employer")),
            relief_to=relief_to,
        )
    return ni_thresholds, ni_categories


def _load(path: Path) -> TaxYearRates:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RatesError(f"{path.name}: no rates file for this tax year") from None
    except tomllib.TOMLDecodeError as error:
        raise RatesError(f"{path.name}: not valid TOML: {error}") from None
    read = _Reader(path, data)
    tax_year = read.get("tax_year")
    if tax_year != path.stem:
        raise read.fail("tax_year", f"says {tax_year!r} but the file is {path.name}")

    regions = _regions(read)

    read.section_source("paye.tables_a_block")
    read.section_source("paye.single_rate_codes")
    single_rate_codes = {
        code: read.rate(f"paye.single_rate_codes.{code}", rate)
        for code, rate in read.get("paye.single_rate_codes").items()
        if code != "source"
    }
    for required in ("BR", "D0", "D1", "SBR", "SD0", "SD1", "SD2", "SD3", "CBR", "CD0", "CD1"):
        if required not in single_rate_codes:
            raise read.fail(f"paye.single_rate_codes.{required}", "is missing")

    ni_thresholds, ni_categories = _ni(read)

    read.section_source("student_loans")
    student_loans = {
        plan: LoanPlan(
            rate=read.rate(f"student_loans.{plan}.rate", spec.get("rate")),
            threshold={f: read.pence(f"student_loans.{plan}.{f}", spec.get(f)) for f in FREQUENCIES},
        )
        for plan, spec in read.get("student_loans").items()
        if plan != "source"
    }

    pensions = {}
    for key, scheme in read.get("pensions").items():
        field = f"pensions.{key}"
        read.section_source(field)
        bounds = tuple(
            read.pence(f"{field}.band_upper_bounds", bound) for bound in read.get(f"{field}.band_upper_bounds")
        )
        member_rates = tuple(read.rate(f"{field}.member_rates", rate) for rate in read.get(f"{field}.member_rates"))
        if len(member_rates) != len(bounds) + 1 or list(bounds) != sorted(bounds):
            raise read.fail(field, "needs ascending band bounds and one more member rate than bounds")
        pensions[key] = PensionScheme(
            str(scheme.get("name", key)), bounds, member_rates, read.rate(f"{field}.employer_rate")
        )

    read.section_source("statutory")
    statutory = StatutoryPayRates(
        ssp_weekly_rate=read.decimal("statutory.ssp_weekly_rate"),
        ssp_lower_earnings_limit=read.decimal("statutory.ssp_lower_earnings_limit"),
        ssp_waiting_days=read.count("statutory.ssp_waiting_days"),
        ssp_awe_percentage=read.decimal("statutory.ssp_awe_percentage"),
        ssp_max_weeks=read.count("statutory.ssp_max_weeks"),
        family_pay_weekly_rate=read.decimal("statutory.family_pay_weekly_rate"),
        family_pay_earnings_threshold=read.decimal("statutory.family_pay_earnings_threshold"),
        smp_higher_rate_weeks=read.count("statutory.smp_higher_rate_weeks"),
        smp_total_weeks=read.count("statutory.smp_total_weeks"),
        smp_percentage=read.decimal("statutory.smp_percentage"),
        sap_higher_rate_weeks=read.count("statutory.sap_higher_rate_weeks"),
        sap_total_weeks=read.count("statutory.sap_total_weeks"),
        spp_max_weeks=read.count("statutory.spp_max_weeks"),
        shpp_max_weeks=read.count("statutory.shpp_max_weeks"),
        spbp_max_weeks=read.count("statutory.spbp_max_weeks"),
        sncp_max_weeks=read.count("statutory.sncp_max_weeks"),
        family_pay_service_weeks=read.count("statutory.family_pay_service_weeks"),
        relevant_period_weeks=read.count("statutory.relevant_period_weeks"),
        statutory_recovery_rate=read.decimal("statutory.statutory_recovery_rate"),
        small_employers_relief_rate=read.decimal("statutory.small_employers_relief_rate"),
        small_employers_threshold=read.decimal("statutory.small_employers_threshold"),
    )
    if statutory.statutory_recovery_rate > 1:
        raise read.fail("statutory.statutory_recovery_rate", "is above 100%")
    for higher, total in (("smp_higher_rate_weeks", "smp_total_weeks"), ("sap_higher_rate_weeks", "sap_total_weeks")):
        if getattr(statutory, higher) > getattr(statutory, total):
            raise read.fail(f"statutory.{higher}", f"is more than {total}")

    unconfirmed = data.get("unconfirmed", {})
    if not isinstance(unconfirmed, dict):
        raise read.fail("unconfirmed", "must be a table of field = \"why it is not confirmed\"")
    for name, why in unconfirmed.items():
        read.get(name)  # a field that does not exist is a typo, not a caveat
        if not isinstance(why, str) or not why.strip():
            raise read.fail(f"unconfirmed.{name}", "must say why the figure is not confirmed")

    return TaxYearRates(
        unconfirmed={str(name): str(why) for name, why in unconfirmed.items()},
        tax_year=tax_year,
        personal_allowance=read.pounds("paye.personal_allowance", read.figure("paye.personal_allowance")) * 100,
        tables_a_block={f: read.pence(f"paye.tables_a_block.{f}") for f in FREQUENCIES},
        regulatory_limit=read.rate("paye.regulatory_limit", read.figure("paye.regulatory_limit")),
        regions=regions,
        single_rate_codes=single_rate_codes,
        ni_thresholds=ni_thresholds,
        ni_categories=ni_categories,
        student_loans=student_loans,
        pensions=pensions,
        statutory=statutory,
        sources=dict(data["sources"]),
    )


def available_tax_years() -> list[str]:
    return sorted(path.stem for path in RATES_DIR.glob("*.toml") if TAX_YEAR_PATTERN.match(path.stem))


@cache
def rates_for(tax_year: str) -> TaxYearRates:
    """The validated rates of ``tax_year`` (e.g. "2026-27"), loaded once per process."""
    if not isinstance(tax_year, str) or not TAX_YEAR_PATTERN.match(tax_year):
        raise RatesError(f"tax_year: {tax_year!r} is not a tax year like '2026-27'")
    if tax_year not in available_tax_years():
        raise RatesError(f"tax_year: no rates for {tax_year}; known: {', '.join(available_tax_years())}")
    return _load(RATES_DIR / f"{tax_year}.toml")


def load_file(path: Path) -> TaxYearRates:
    """Validate a rates file that is not (yet) installed, e.g. a draft of next year's."""
    return _load(path)


def unconfirmed_reason(tax_year: str) -> str | None:
    """Why ``tax_year``'s rates cannot be paid on yet (figures not published), or None when every
    figure is confirmed. Raises RatesError when there is no valid file for the year."""
    pending = rates_for(tax_year).unconfirmed
    if not pending:
        return None
    shown = "; ".join(f"{name} ({why})" for name, why in list(pending.items())[:3])
    more = f"; and {len(pending) - 3} more" if len(pending) > 3 else ""
    return f"the {tax_year} rates are not all confirmed yet: {shown}{more}"
