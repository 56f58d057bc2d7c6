"""One employee's figures from the legacy payroll beside the platform's, and why they differ (pure:
no database, no Django).

A figure differs when the two amounts are further apart than the tolerance the department set
(exact by default). Each differing figure gets one class, from what differs in the inputs:

- ``tax_code``: the two sides taxed on different codes (income tax and net pay follow the code);
- ``ni_letter``: different NI category letters (employee and employer NI, and net pay);
- ``year_to_date``: the year to date each side started from differs (only when the legacy
  results give year-to-date figures), which moves cumulative tax and net pay. Both sides give
  the year to date *after* the period, as a payslip shows it; the year to date started from is
  that less the period's own figure, so a period paid differently is not put down to the year to
  date as well;
- ``pay``: gross or taxable pay differs by more than the rounding limit, which moves every
  figure; also any other difference the inputs do not explain;
- ``rounding``: at most ``ROUNDING_LIMIT`` (5p) apart with nothing in the inputs to explain it,
  as a legacy payroll that truncates or rounds at another step leaves.

The first matching class in that order wins, so a figure that a differing tax code explains is
not also put down to rounding. When this period's figures all agree but the year to date after it
does not, each differing year-to-date figure is a difference of its own (``ytd_taxable_pay``,
``ytd_tax``), classed ``year_to_date``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = ["CLASSES", "COMPARED_FIGURES", "ROUNDING_LIMIT", "YEAR_TO_DATE_FIGURES", "FigureDifference", "Side",
           "compare_employee", "same_tax_code"]

# The figures compared, in report order (the payslip's names; RESULT_FIGURES of the legacy results).
COMPARED_FIGURES = ("gross_pay", "taxable_pay", "income_tax", "employee_ni", "employer_ni", "student_loan",
                    "postgraduate_loan", "pension_employee", "pension_employer", "net_pay")
# The largest difference put down to rounding: a penny or two per element over a few elements.
ROUNDING_LIMIT = Decimal("0.05")
# Classes of difference in the order they are tried, with the figures each one can move.
CLASSES: dict[str, frozenset[str]] = {
    "tax_code": frozenset({"income_tax", "net_pay"}),
    "ni_letter": frozenset({"employee_ni", "employer_ni", "net_pay"}),
    "year_to_date": frozenset({"income_tax", "net_pay"}),
    "pay": frozenset(COMPARED_FIGURES),
}
PAY_FIGURES = ("gross_pay", "taxable_pay")
# The year-to-date figures a side may give (after the period), each with the period's figure that
# went into it; a difference in one of them alone is recorded under the name "ytd_<name>".
YEAR_TO_DATE_FIGURES = {"taxable_pay": "taxable_pay", "tax": "income_tax"}
_NON_CUMULATIVE = re.compile(r"(W1|M1|X)$")


@dataclass(frozen=True)
class Side:
    """What one payroll paid an employee, and the inputs it paid on."""

    figures: Mapping[str, Decimal]
    tax_code: str = ""
    ni_category: str = ""
    # The year to date after the period (YEAR_TO_DATE_FIGURES names); None when this side does not
    # say (a legacy results file without year-to-date figures).
    year_to_date: Mapping[str, Decimal] | None = None
    non_cumulative: bool = False


@dataclass(frozen=True)
class FigureDifference:
    figure: str
    legacy: Decimal
    platform: Decimal
    classification: str
    causes: tuple[str, ...] = field(default=())

    @property
    def amount(self) -> Decimal:
        return self.platform - self.legacy


def _code(tax_code: str, non_cumulative: bool) -> tuple[str, bool]:
    text = re.sub(r"\s+", "", tax_code.upper())
    stripped = _NON_CUMULATIVE.sub("", text)
    return stripped, non_cumulative or stripped != text


def same_tax_code(legacy: Side, platform: Side) -> bool:
    """Whether both sides used one code on one basis ("1257L M1" and 1257L week 1/month 1 agree);
    a side that does not say agrees with anything."""
    if not legacy.tax_code.strip() or not platform.tax_code.strip():
        return True
    return _code(legacy.tax_code, legacy.non_cumulative) == _code(platform.tax_code, platform.non_cumulative)


def _causes(legacy: Side, platform: Side, tolerance: Decimal) -> list[str]:
    causes = []
    if not same_tax_code(legacy, platform):
        causes.append("tax_code")
    if legacy.ni_category.strip() and platform.ni_category.strip() and (
            legacy.ni_category.strip().upper() != platform.ni_category.strip().upper()):
        causes.append("ni_letter")
    if any(abs(platform_before - legacy_before) > tolerance
           for _, legacy_before, platform_before in _years_to_date_before(legacy, platform)):
        causes.append("year_to_date")
    pay_limit = max(tolerance, ROUNDING_LIMIT)
    if any(name in legacy.figures and name in platform.figures
           and abs(platform.figures[name] - legacy.figures[name]) > pay_limit for name in PAY_FIGURES):
        causes.append("pay")
    return causes


def _years_to_date_before(legacy: Side, platform: Side) -> Iterator[tuple[str, Decimal, Decimal]]:
    """Each year-to-date figure both sides give, as the year to date each started from."""
    if legacy.year_to_date is None or platform.year_to_date is None:
        return
    for name, figure in YEAR_TO_DATE_FIGURES.items():
        if name in legacy.year_to_date and name in platform.year_to_date \
                and figure in legacy.figures and figure in platform.figures:
            yield (name, legacy.year_to_date[name] - legacy.figures[figure],
                   platform.year_to_date[name] - platform.figures[figure])


def _year_to_date_differences(legacy: Side, platform: Side, tolerance: Decimal) -> list[FigureDifference]:
    if legacy.year_to_date is None or platform.year_to_date is None:
        return []
    return [FigureDifference(figure=f"ytd_{name}", legacy=legacy.year_to_date[name],
                             platform=platform.year_to_date[name], classification="year_to_date",
                             causes=("year_to_date",))
            for name in YEAR_TO_DATE_FIGURES if name in legacy.year_to_date and name in platform.year_to_date
            and abs(platform.year_to_date[name] - legacy.year_to_date[name]) > tolerance]


def compare_employee(*, legacy: Side, platform: Side, tolerance: Decimal = Decimal("0")) -> list[FigureDifference]:
    """The figures that differ by more than ``tolerance``, each classified; empty when they match.

    A figure the legacy side does not give is not compared. When every figure of the period
    matches, the year to date after it (when both sides give it) is compared instead.
    """
    differing = [name for name in COMPARED_FIGURES if name in legacy.figures and name in platform.figures
                 and abs(platform.figures[name] - legacy.figures[name]) > tolerance]
    if not differing:
        return _year_to_date_differences(legacy, platform, tolerance)
    causes = _causes(legacy, platform, tolerance)
    differences = []
    for name in differing:
        before, after = legacy.figures[name], platform.figures[name]
        classification = next((cause for cause in causes if name in CLASSES[cause]), None)
        if classification is None:
            # A cause that cannot move this figure does not explain it (a differing tax code
            # says nothing of a pension ten pounds apart): that is pay.
            classification = "rounding" if abs(after - before) <= ROUNDING_LIMIT else "pay"
        differences.append(FigureDifference(figure=name, legacy=before, platform=after,
                                            classification=classification, causes=tuple(causes)))
    return differences
