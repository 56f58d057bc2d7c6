"""Properties of the engine that hold for every input, checked with hypothesis (RATES.md §§1–4)."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from payroll.engine import calculate_one
from tests.payroll.engine.helpers import an_input, money, pence, result_for

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, database=None)

TAX_YEARS = ("2025-26", "2026-27")
PREFIXES = ("", "S", "C")
SINGLE_RATE_CODES = ("BR", "D0", "D1", "SBR", "SD0", "SD1", "SD2", "SD3", "CBR", "CD0", "CD1")
# RATES.md §3.2: every category letter with rates.
NI_CATEGORIES = tuple("ABCDEFHIJKLMNSVXZ")
LOAN_PLANS = ("plan1", "plan2", "plan4", "plan5", "pgl")
# RATES.md §3.1: the primary threshold, the same in both years.
PRIMARY_THRESHOLD = {"weekly": 24200, "monthly": 104800}
MAX_PERIOD_PAY = 2_000_000  # £20,000 a period, in pence

tax_years = st.sampled_from(TAX_YEARS)
frequency_and_period = st.one_of(
    st.tuples(st.just("weekly"), st.integers(1, 52)),
    st.tuples(st.just("monthly"), st.integers(1, 12)),
)
suffix_codes = st.builds(
    lambda prefix, number, suffix: f"{prefix}{number}{suffix}",
    st.sampled_from(PREFIXES), st.integers(0, 2000), st.sampled_from("LMNT"),
)
k_codes = st.builds(lambda prefix, number: f"{prefix}K{number}", st.sampled_from(PREFIXES), st.integers(1, 2000))
tax_codes = st.one_of(suffix_codes, k_codes, st.sampled_from(SINGLE_RATE_CODES), st.just("NT"))
pay = st.integers(0, MAX_PERIOD_PAY)


@st.composite
def year_to_date(draw: st.DrawFn, period: int) -> tuple[int, int]:
    """Taxable pay and tax paid before this period: anything plausible, including over- and under-payment."""
    taxable = draw(st.integers(0, MAX_PERIOD_PAY * (period - 1)))
    tax = draw(st.integers(0, taxable // 2)) if taxable else 0
    return taxable, tax


@st.composite
def any_input(draw: st.DrawFn) -> dict[str, Any]:
    frequency, period = draw(frequency_and_period)
    gross = draw(pay)
    ytd_taxable, ytd_tax = draw(year_to_date(period))
    return an_input(
        tax_year=draw(tax_years),
        frequency=frequency,
        period=period,
        tax_code=draw(tax_codes),
        week1_month1=draw(st.booleans()),
        ni_category=draw(st.sampled_from(NI_CATEGORIES)),
        student_loans=draw(st.lists(st.sampled_from(LOAN_PLANS), unique=True, max_size=3)),
        pension_scheme=draw(st.sampled_from([None, "alpha"])),
        gross_pay=money(gross),
        pensionable_pay=money(draw(st.integers(0, gross))),
        # at most half the pay, so the pension contribution (at most 8.05% of gross) always fits
        salary_sacrifice=money(draw(st.integers(0, gross // 2))),
        ytd_taxable_pay_before=money(ytd_taxable),
        ytd_tax_paid_before=money(ytd_tax),
    )


def _calculated(raw: dict[str, Any]) -> dict[str, Any]:
    result = calculate_one(raw)
    assert "error" not in result, (raw, result)
    return result


@PROPERTY_SETTINGS
@given(raw=any_input())
def test_net_pay_is_gross_less_sacrifice_pension_tax_ni_and_loans(raw: dict[str, Any]):
    # given any valid input
    # when it is calculated
    result = _calculated(raw)
    # then net pay is exactly gross pay less every deduction
    deductions = ("pension_employee", "income_tax", "employee_ni", "student_loan", "postgraduate_loan")
    expected = pence(raw["gross_pay"]) - pence(raw["salary_sacrifice"]) - sum(pence(result[f]) for f in deductions)
    assert pence(result["net_pay"]) == expected


@PROPERTY_SETTINGS
@given(raw=any_input(), huge_ytd_pay=st.integers(0, 50_000_000))
def test_positive_tax_never_exceeds_half_the_periods_taxable_pay(raw: dict[str, Any], huge_ytd_pay: int):
    # given any input, with year-to-date pay that may far exceed tax paid (so a lot of tax is due)
    if raw["period"] > 1:
        raw["ytd_taxable_pay_before"] = money(huge_ytd_pay)
    # when it is calculated
    result = _calculated(raw)
    # then tax this period, when positive, is at most 50% of this period's taxable pay, truncated to the penny
    tax, taxable = pence(result["income_tax"]), pence(result["taxable_pay"])
    if tax > 0:
        assert tax <= max(taxable, 0) * 50 // 100


@PROPERTY_SETTINGS
@given(
    tax_year=tax_years, when=frequency_and_period, code=tax_codes, week1_month1=st.booleans(),
    pays=st.tuples(pay, pay).map(sorted), data=st.data(),
)
def test_income_tax_never_falls_when_gross_pay_rises(
    tax_year: str, when: tuple[str, int], code: str, week1_month1: bool, pays: list[int], data: st.DataObject
):
    # given a fixed code, basis, period and year to date, and two gross pays, lower first
    frequency, period = when
    ytd_taxable, ytd_tax = data.draw(year_to_date(period))
    common = {
        "tax_year": tax_year, "frequency": frequency, "period": period, "tax_code": code,
        "week1_month1": week1_month1, "ytd_taxable_pay_before": money(ytd_taxable),
        "ytd_tax_paid_before": money(ytd_tax),
    }
    # when both are calculated
    lower = result_for(**common, gross_pay=money(pays[0]))
    higher = result_for(**common, gross_pay=money(pays[1]))
    # then the higher pay bears at least as much tax
    assert pence(lower["income_tax"]) <= pence(higher["income_tax"])


# Annual bands (taxable pay after the allowance, whole pounds) and whole-percent rates, RATES.md §1.2–1.3.
RUK_BANDS = ((37700, 87440), (20, 40, 45))
ANNUAL_BANDS = {
    ("2025-26", ""): RUK_BANDS,
    ("2025-26", "C"): RUK_BANDS,
    ("2025-26", "S"): ((2827, 12094, 16171, 31338, 62710), (19, 20, 21, 42, 45, 48)),
    ("2026-27", ""): RUK_BANDS,
    ("2026-27", "C"): RUK_BANDS,
    ("2026-27", "S"): ((3967, 12989, 14136, 31338, 62710), (19, 20, 21, 42, 45, 48)),
}


def annual_liability_pence(tax_year: str, prefix: str, code_number: int, annual_pay: int) -> int:
    """Tax on a year's pay, by the annual bands, independent of the engine.

    Allowance = N×10 + 9: the code number is the allowance with its last digit dropped, so code N
    stands for allowances £10N to £10N+9, and Tables A (RATES.md §2.2 step 3, 10·r + 9) give the
    top of that range. Code 0 (0T) has no allowance at all (§2.2 step 1). Taxable pay is whole
    pounds, as in the spec (Tₙ) and in an annual computation.
    """
    allowance = (code_number * 10 + 9) * 100 if code_number else 0
    remaining = max(annual_pay - allowance, 0) // 100  # whole pounds
    widths, rates = ANNUAL_BANDS[(tax_year, prefix)]
    tax = 0
    for width, rate in zip((*widths, None), rates, strict=True):
        in_band = remaining if width is None else min(remaining, width)
        tax += in_band * rate  # pounds × whole percent = pence, exactly
        remaining -= in_band
        if remaining <= 0:
            break
    return tax


def _tax_for_a_year_of_constant_monthly_pay(tax_year: str, code: str, monthly_pay: int) -> int:
    ytd_taxable = ytd_tax = 0
    for period in range(1, 13):
        result = result_for(
            tax_year=tax_year, frequency="monthly", period=period, tax_code=code, gross_pay=money(monthly_pay),
            ytd_taxable_pay_before=money(ytd_taxable), ytd_tax_paid_before=money(ytd_tax),
        )
        # each period's results feed the next period's year to date
        ytd_taxable += pence(result["taxable_pay"])
        ytd_tax += pence(result["income_tax"])
    return ytd_tax


@PROPERTY_SETTINGS
@given(
    tax_year=tax_years, prefix=st.sampled_from(PREFIXES), code_number=st.integers(0, 1500),
    suffix=st.sampled_from("LMNT"), monthly_pay=st.integers(10_000, MAX_PERIOD_PAY),
)
@example(tax_year="2025-26", prefix="", code_number=1257, suffix="L", monthly_pay=300_020)
@example(tax_year="2026-27", prefix="S", code_number=1257, suffix="L", monthly_pay=450_099)
@example(tax_year="2026-27", prefix="", code_number=500, suffix="L", monthly_pay=1_234_567)
@example(tax_year="2025-26", prefix="", code_number=0, suffix="T", monthly_pay=250_050)
def test_twelve_cumulative_months_of_constant_pay_land_within_pennies_of_the_annual_liability(
    tax_year: str, prefix: str, code_number: int, suffix: str, monthly_pay: int
):
    # Why the bound holds (and is 12p):
    # * In month 12, n = P, so the spec's thresholds c_i = C_i·12/12 and threshold taxes k_i are exact: the
    #   year-end tax to date is the annual band computation on T = ⌊12·pay − F⌋, F = 12 × month-1 free pay.
    # * Tables A rounds each month's free pay UP to the penny, so F = (10N + 9) + e, where
    #   e = 12·⌈(10r + 9)/12⌉ − (10r + 9) ≤ 11p, plus 4p per full 500 of the code (12 × £416.67 =
    #   £5,000.04): e ≤ 19p for N ≤ 1500 (1257L: e = 12p). Were T not floored, e costs at most
    #   19p × 48% ≈ 9.1p, plus 1p of truncation: within 12p.
    # * T is floored to the pound, so when the year's pay has fewer pennies than e, e pulls T a whole
    #   £1 lower and the year ends £1 × the marginal rate (19p–48p) short. That is Tables A, not an
    #   error (see the next test); such pays are excluded: 12·pay must end in at least 20p.
    # * The 50% limit holds nothing back: a month's tax is at most 48% × (pay + £1) + 1p < 50% × pay
    #   for pay ≥ £100, so the months' taxes telescope to the year-end tax to date.
    assume(monthly_pay * 12 % 100 >= 20)
    # given a suffix code and the same pay every month
    code = f"{prefix}{code_number}{suffix}"
    # when twelve cumulative months are calculated, each feeding the next
    paid = _tax_for_a_year_of_constant_monthly_pay(tax_year, code, monthly_pay)
    # then the year's tax is within 12p of the annual liability computed from the annual bands
    expected = annual_liability_pence(tax_year, prefix, code_number, monthly_pay * 12)
    assert abs(paid - expected) <= 12, (code, paid, expected)


def test_whole_pound_annual_pay_on_1257l_ends_a_pound_of_taxable_pay_lower_because_tables_a_rounds_up():
    # given 1257L and £2,000.00 every month in 2025-26 (£24,000 a year, a whole number of pounds)
    # when twelve cumulative months are calculated
    paid = _tax_for_a_year_of_constant_monthly_pay("2025-26", "1257L", 200_000)
    # then: annual: (24,000 − 12,579) × 20% = £2,284.20; but twelve months of Tables A free pay are
    # 12 × £1,048.26 = £12,579.12, so T = ⌊24,000 − 12,579.12⌋ = 11,420 and the year's tax is £2,284.00
    assert annual_liability_pence("2025-26", "", 1257, 2_400_000) == 228_420
    assert paid == 228_400


@PROPERTY_SETTINGS
@given(
    tax_year=tax_years, when=frequency_and_period, category=st.sampled_from(NI_CATEGORIES), gross=pay,
    sacrifice=st.integers(0, 100_000),
)
def test_employee_ni_is_never_negative_and_nil_up_to_the_primary_threshold(
    tax_year: str, when: tuple[str, int], category: str, gross: int, sacrifice: int
):
    # given any category and pay (with or without a salary sacrifice, never more than the pay)
    assume(sacrifice <= gross)
    frequency, period = when
    # when it is calculated
    result = result_for(
        tax_year=tax_year, frequency=frequency, period=period, ni_category=category, gross_pay=money(gross),
        salary_sacrifice=money(sacrifice),
    )
    # then employee NI is never negative, and is nil while NICable pay is at or below the primary threshold
    employee_ni = pence(result["employee_ni"])
    assert employee_ni >= 0
    if gross - sacrifice <= PRIMARY_THRESHOLD[frequency]:
        assert employee_ni == 0


@PROPERTY_SETTINGS
@given(
    tax_year=tax_years, when=frequency_and_period, plans=st.lists(st.sampled_from(LOAN_PLANS), unique=True),
    gross=pay, pension_scheme=st.sampled_from([None, "alpha"]),
)
def test_student_and_postgraduate_loan_deductions_are_whole_pounds(
    tax_year: str, when: tuple[str, int], plans: list[str], gross: int, pension_scheme: str | None
):
    # given any combination of loan plans and pay
    frequency, period = when
    # when it is calculated
    result = result_for(
        tax_year=tax_year, frequency=frequency, period=period, student_loans=plans, gross_pay=money(gross),
        pension_scheme=pension_scheme, pensionable_pay=money(gross),
    )
    # then each loan deduction is a whole, non-negative number of pounds (RATES.md §4: rounded down to the £)
    for field in ("student_loan", "postgraduate_loan"):
        amount = pence(result[field])
        assert amount >= 0
        assert amount % 100 == 0
