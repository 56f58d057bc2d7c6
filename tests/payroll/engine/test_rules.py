"""Hand-checked examples of RATES.md rules that the public cases do not cover.

Every expected figure is worked by hand from RATES.md in the comment above it. Free pay for code
N (Tables A, §2.2): q = ⌊(N−1)/500⌋, r = ((N−1) mod 500) + 1; period-1 free pay =
⌈(10r + 9)/P⌉ to the penny + q × £416.67 (monthly) or q × £96.16 (weekly). For 1257L:
q = 2, r = 257, ⌈2579/12⌉ = 214.92, + 833.34 = £1,048.26 a month; ⌈2579/52⌉ = 49.60, + 192.32 =
£241.92 a week.
"""

from __future__ import annotations

import pytest

from tests.payroll.engine.helpers import result_for, working_for

# --- Scottish bands, 2026-27 (§1.3) -------------------------------------------------------------


def test_2026_27_scottish_bands_tax_s1257l_month_1_on_4000():
    # given S1257L, month 1 of 2026-27, £4,000 gross, NI A
    # when it is calculated
    result = working_for(tax_year="2026-27", tax_code="S1257L", gross_pay="4000.00")
    # then, by hand (§1.3, §2.3, per-band threshold tax for Scotland, §2.6):
    #   U = 4,000 − 1,048.26 = 2,951.74; T = 2,951
    #   c = C/12 truncated: 3,967/12 = 330.5833 (v 331); 16,956/12 = 1,413.0000 (v 1,413);
    #       31,092/12 = 2,591.0000 (v 2,591); 62,430/12 = 5,202.5000 (v 5,203) → U is in the 42% band
    #   k₃ = 3,967×19%/12 = 62.8108 + 12,989×20%/12 = 216.4833 + 14,136×21%/12 = 247.3800 = 526.6741
    #   L = 526.6741 + (2,951 − 2,591) × 42% = 526.6741 + 151.2000 = 677.8741 → £677.87
    #   employee NI (4,000 − 1,048) × 8% = 236.16; employer (4,000 − 417) × 15% = 537.45
    #   net = 4,000 − 677.87 − 236.16 = 3,085.97
    assert (result["income_tax"], result["employee_ni"], result["employer_ni"], result["net_pay"]) == (
        "677.87", "236.16", "537.45", "3085.97",
    )
    assert result["working"]["paye"]["region"] == "Scotland"
    assert [(band["rate"], band["taxable"], band["tax"]) for band in result["working"]["paye"]["bands"]] == [
        ("19%", "330.5833", "62.8108"),
        ("20%", "1082.4167", "216.4833"),
        ("21%", "1178.0000", "247.3800"),
        ("42%", "360.0000", "151.2000"),
    ]


def test_the_same_scottish_pay_in_2025_26_uses_that_years_narrower_starter_and_basic_bands():
    # given the same S1257L month 1 £4,000, in 2025-26
    # when it is calculated
    result = result_for(tax_year="2025-26", tax_code="S1257L", gross_pay="4000.00")
    # then: c = 2,827/12 = 235.5833, 14,921/12 = 1,243.4166, 31,092/12 = 2,591.0000 → 42% band again
    #   k₃ = 2,827×19%/12 = 44.7608 + 12,094×20%/12 = 201.5666 + 16,171×21%/12 = 282.9925 = 529.3199
    #   L = 529.3199 + 360 × 42% = 680.5199 → £680.51
    assert result["income_tax"] == "680.51"


# --- 50% regulatory limit (§1.4, §2.4) -----------------------------------------------------------


def test_a_k_code_is_held_to_half_the_periods_pay_and_the_working_says_so():
    # given K1000, month 1 of 2025-26, £100 gross
    # when it is calculated
    result = working_for(tax_code="K1000", gross_pay="100.00")
    # then: additional pay: q = 1, r = 500, ⌈5,009/12⌉ = 417.42 + 416.67 = 834.09
    #   U = 100 + 834.09 = 934.09; T = 934 (20% band, v₁ = 3,142); L = 934 × 20% = 186.80
    #   limit = 50% × 100.00 = 50.00 < 186.80, so tax is £50.00
    paye = result["working"]["paye"]
    assert result["income_tax"] == "50.00"
    assert paye["additional_pay_to_date"] == "834.09"
    assert paye["tax_due_to_date"] == "186.80"
    assert paye["regulatory_limit"] == "50.00"
    assert paye["regulatory_limit_applied"] is True


def test_tax_held_back_by_the_regulatory_limit_is_carried_forward_on_the_cumulative_basis():
    # given K1000 in month 2 after month 1 above (taxable £100, tax £50 to date), £100 gross
    # when it is calculated
    result = working_for(
        tax_code="K1000", period=2, gross_pay="100.00", ytd_taxable_pay_before="100.00", ytd_tax_paid_before="50.00"
    )
    # then: U = 200 + 2 × 834.09 = 1,868.18; T = 1,868; L = 373.60; due 373.60 − 50 = 323.60;
    #   still limited to 50% × 100 = £50.00
    assert result["working"]["paye"]["tax_due_to_date"] == "373.60"
    assert result["income_tax"] == "50.00"
    assert result["working"]["paye"]["regulatory_limit_applied"] is True


def test_the_regulatory_limit_is_not_reported_as_applied_when_tax_is_below_it():
    # given 1257L month 1 £3,000 (tax £390.20, limit £1,500)
    # when / then
    assert working_for()["working"]["paye"]["regulatory_limit_applied"] is False


# --- NT and week 1 / month 1 (§1.4, §2.4) -------------------------------------------------------


def test_nt_on_the_cumulative_basis_refunds_all_tax_paid_to_date():
    # given NT in month 10 after £27,000 taxable pay and £3,902.00 tax to date, £3,000 gross
    # when it is calculated
    result = result_for(
        tax_code="NT", period=10, ytd_taxable_pay_before="27000.00", ytd_tax_paid_before="3902.00"
    )
    # then tax to date becomes 0: tax = 0 − 3,902.00 = −3,902.00 (a refund; the limit caps only positive tax)
    #   net = 3,000 + 3,902.00 − NI 156.16 = 6,745.84
    assert result["income_tax"] == "-3902.00"
    assert result["net_pay"] == "6745.84"


def test_nt_on_week_1_month_1_is_nil_not_a_refund():
    # given NT on the month 1 basis, with tax paid to date
    # when it is calculated
    result = result_for(
        tax_code="NT", period=10, week1_month1=True, ytd_taxable_pay_before="27000.00",
        ytd_tax_paid_before="3902.00",
    )
    # then nothing is refunded
    assert result["income_tax"] == "0.00"


@pytest.mark.parametrize("gross_pay", ["0.00", "500.00", "1048.26"])
def test_week_1_month_1_tax_is_never_negative_however_much_tax_was_paid_before(gross_pay: str):
    # given 1257L month 1 basis, month 8, after £9,999.99 tax to date, pay at or below free pay
    # when it is calculated
    result = result_for(
        period=8, week1_month1=True, gross_pay=gross_pay, ytd_taxable_pay_before="20000.00",
        ytd_tax_paid_before="9999.99",
    )
    # then: U = pay − 1,048.26 ≤ 0, so L = 0, and no refund is made on this basis
    assert result["income_tax"] == "0.00"


def test_week_1_month_1_ignores_the_year_to_date_where_the_cumulative_basis_refunds():
    # given 1257L month 8 after £20,000 taxable and £9,999.99 tax to date, £500 gross
    common = {"period": 8, "gross_pay": "500.00", "ytd_taxable_pay_before": "20000.00",
              "ytd_tax_paid_before": "9999.99"}
    # when it is calculated on each basis
    month_1 = result_for(**common, week1_month1=True)
    cumulative = result_for(**common)
    # then month 1: nil. Cumulative: U = 20,500 − 8 × 1,048.26 = 12,113.92; T = 12,113;
    #   c₁ = 37,700 × 8/12 = 25,133.3333, so L = 12,113 × 20% = 2,422.60; tax = 2,422.60 − 9,999.99 = −7,577.39
    assert month_1["income_tax"] == "0.00"
    assert cumulative["income_tax"] == "-7577.39"


@pytest.mark.parametrize("code", ["1257L W1", "1257LW1", "1257L X", "1257l w1"])
def test_a_w1_or_x_suffix_in_the_code_string_works_as_week_1_month_1(code: str):
    # given week 30 after £30,000 taxable and £3,000 tax, £500 gross, the basis given only in the code
    common = {"tax_year": "2025-26", "frequency": "weekly", "period": 30, "gross_pay": "500.00",
              "ytd_taxable_pay_before": "30000.00", "ytd_tax_paid_before": "3000.00"}
    # when it is calculated with the flag off
    from_code = working_for(**common, tax_code=code, week1_month1=False)
    from_flag = result_for(**common, tax_code="1257L", week1_month1=True)
    # then it is week 1: U = 500 − 241.92 = 258.08; T = 258 (c₁ = 37,700/52 = 725.0000); 258 × 20% = 51.60
    assert from_code["income_tax"] == from_flag["income_tax"] == "51.60"
    assert from_code["working"]["paye"]["basis"] == "week 1 / month 1"
    assert from_code["working"]["paye"]["tax_period"] == 1


# --- 0T and single-rate codes (§1.3, §1.4) ------------------------------------------------------


def test_0t_has_no_free_pay_and_uses_the_normal_bands():
    # given 0T, month 1 of 2025-26, £4,000 gross
    # when it is calculated
    result = working_for(tax_code="0T", gross_pay="4000.00")
    # then: free pay 0; U = T = 4,000 > v₁ = 3,142 → 40% band:
    #   L = 628.3333 + (4,000 − 3,141.6666) × 40% = 628.3333 + 343.3333 (858.3334 × 0.4, truncated) = 971.6666
    #   → £971.66
    assert result["working"]["paye"]["free_pay_to_date"] == "0.00"
    assert result["income_tax"] == "971.66"


def test_0t_cumulative_spreads_the_bands_over_the_periods_to_date():
    # given 0T month 6 after £5,000 taxable and £1,000 tax, £1,000 gross
    # when it is calculated
    result = result_for(
        tax_code="0T", period=6, gross_pay="1000.00", ytd_taxable_pay_before="5000.00", ytd_tax_paid_before="1000.00"
    )
    # then: U = T = 6,000 ≤ c₁ = 37,700 × 6/12 = 18,850; L = 1,200.00; tax = 1,200.00 − 1,000.00 = 200.00
    assert result["income_tax"] == "200.00"


@pytest.mark.parametrize(
    ("tax_year", "code", "expected"),
    [
        # ⌊1,000.99⌋ = 1,000 whole pounds × the code's single rate
        ("2025-26", "D1", "450.00"),  # rUK D1 45%
        ("2025-26", "CD1", "450.00"),  # Wales D1 45%
        ("2025-26", "D0", "400.00"),  # rUK D0 40%
        ("2025-26", "SD3", "480.00"),  # Scotland SD3 48%
        ("2026-27", "SD3", "480.00"),
        ("2026-27", "SD0", "210.00"),  # Scotland SD0 21%
        ("2026-27", "SBR", "200.00"),  # Scotland BR 20%
    ],
)
def test_d_and_br_codes_tax_whole_pounds_at_one_rate(tax_year: str, code: str, expected: str):
    # given a single-rate code, month 1, £1,000.99 gross
    # when it is calculated
    result = working_for(tax_year=tax_year, tax_code=code, gross_pay="1000.99")
    # then tax is the whole pounds at that rate, with no free pay
    assert result["income_tax"] == expected
    assert "free_pay_to_date" not in result["working"]["paye"]


def test_d1_on_the_cumulative_basis_charges_whole_pounds_of_pay_to_date_less_tax_paid():
    # given D1, month 3 after £2,000.50 taxable and £900.00 tax, £1,000.99 gross
    # when it is calculated
    result = result_for(
        tax_code="D1", period=3, gross_pay="1000.99", ytd_taxable_pay_before="2000.50", ytd_tax_paid_before="900.00"
    )
    # then: ⌊2,000.50 + 1,000.99⌋ = ⌊3,001.49⌋ = 3,001 × 45% = 1,350.45; less 900.00 = 450.45
    assert result["income_tax"] == "450.45"


# --- Student and postgraduate loans (§4) ---------------------------------------------------------


def test_plan_5_is_deducted_in_2026_27():
    # given plan 5, monthly £3,000 in 2026-27
    # when it is calculated
    result = result_for(tax_year="2026-27", student_loans=["plan5"])
    # then (3,000 − 2,083.33) × 9% = 916.67 × 0.09 = 82.5003 → rounded down to £82
    assert result["student_loan"] == "82.00"


def test_plan_5_is_deducted_weekly_in_2026_27_on_the_weekly_threshold():
    # given plan 5, weekly £700 in 2026-27
    # when it is calculated
    result = result_for(tax_year="2026-27", frequency="weekly", gross_pay="700.00", student_loans=["plan5"])
    # then (700 − 480.76) × 9% = 219.24 × 0.09 = 19.7316 → £19
    assert result["student_loan"] == "19.00"


def test_plan_5_is_not_deducted_in_2025_26_and_the_input_is_still_calculated():
    # given plan 5, monthly £3,000 in 2025-26 (repayments start April 2026)
    # when it is calculated
    result = working_for(tax_year="2025-26", student_loans=["plan5"])
    # then nothing is deducted, and the working says why
    assert result["student_loan"] == "0.00"
    assert result["net_pay"] == "2453.64"
    assert result["working"]["loans"] == [{"plan": "plan5", "deduction": "0.00", "note": "not collected in 2025-26"}]


def test_plan_1_and_plan_2_together_deduct_once_on_the_lower_threshold():
    # given plans 1 and 2, monthly £3,000 in 2026-27
    # when it is calculated
    result = result_for(tax_year="2026-27", student_loans=["plan2", "plan1"])
    # then one deduction at 9% above the plan 1 threshold: (3,000 − 2,241.66) × 9% = 68.2506 → £68
    #   (not plan 1 + plan 2 = 68 + ⌊551.25 × 9% = 49.6125⌋ = 117)
    assert result["student_loan"] == "68.00"


def test_a_postgraduate_loan_is_deducted_beside_an_undergraduate_plan():
    # given plan 2 and a postgraduate loan, monthly £3,000 in 2026-27
    # when it is calculated
    result = result_for(tax_year="2026-27", student_loans=["plan2", "pgl"])
    # then plan 2: (3,000 − 2,448.75) × 9% = 49.6125 → £49; PGL: (3,000 − 1,750) × 6% = 75.00 → £75
    assert (result["student_loan"], result["postgraduate_loan"]) == ("49.00", "75.00")


# --- Civil Service alpha (§5) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tax_year", "pensionable_pay", "tier", "rate", "contribution"),
    [
        # 3,016.58 × 12 = 36,198.96 ≤ 36,199 → 4.60%: 3,016.58 × 0.046 = 138.76268 → 138.76
        ("2026-27", "3016.58", 1, "4.6%", "138.76"),
        # 3,016.59 × 12 = 36,199.08 > 36,199 → 5.45%: 3,016.59 × 0.0545 = 164.404155 → 164.40
        ("2026-27", "3016.59", 2, "5.45%", "164.40"),
        # 2025-26's first band ends at £34,799: 36,198.96 → 5.45%: 3,016.58 × 0.0545 = 164.40361 → 164.40
        ("2025-26", "3016.58", 2, "5.45%", "164.40"),
        # 2,899.91 × 12 = 34,798.92 ≤ 34,799 → 4.60%: 2,899.91 × 0.046 = 133.39586 → 133.40
        ("2025-26", "2899.91", 1, "4.6%", "133.40"),
    ],
)
def test_alpha_member_rate_follows_the_annualised_pay_tiers_of_the_year(
    tax_year: str, pensionable_pay: str, tier: int, rate: str, contribution: str
):
    # given alpha, monthly, pensionable pay equal to gross
    # when it is calculated
    result = working_for(
        tax_year=tax_year, pension_scheme="alpha", gross_pay=pensionable_pay, pensionable_pay=pensionable_pay
    )
    # then the tier and rate come from the annualised pay, and the contribution is rounded to the penny
    pension = result["working"]["pension"]
    assert (pension["tier"], pension["member_rate"], result["pension_employee"]) == (tier, rate, contribution)


def test_alpha_is_deducted_before_tax_but_not_before_ni_or_loans():
    # given alpha on £3,016.58 in 2026-27 with plan 1, against the same pay without a pension
    common = {"tax_year": "2026-27", "gross_pay": "3016.58", "student_loans": ["plan1"]}
    # when both are calculated
    with_pension = result_for(**common, pension_scheme="alpha", pensionable_pay="3016.58")
    without = result_for(**common)
    # then taxable pay = 3,016.58 − 138.76 = 2,877.82; U = 1,829.56 → T = 1,829 × 20% = 365.80;
    #   NI (1,968.58 × 8% = 157.4864 → 157.49) and plan 1 ((3,016.58 − 2,241.66) × 9% = 69.74 → £69) unchanged
    assert (with_pension["taxable_pay"], with_pension["income_tax"]) == ("2877.82", "365.80")
    assert with_pension["employee_ni"] == without["employee_ni"] == "157.49"
    assert with_pension["student_loan"] == without["student_loan"] == "69.00"


# --- Salary sacrifice --------------------------------------------------------------------------


def test_salary_sacrifice_lowers_tax_ni_and_loans():
    # given 1257L month 1, £3,000 gross, £200 salary sacrifice, plan 2, 2025-26
    # when it is calculated, and without the sacrifice
    sacrificed = result_for(salary_sacrifice="200.00", student_loans=["plan2"])
    full = result_for(student_loans=["plan2"])
    # then pay for tax, NI and loans is £2,800:
    #   tax: U = 2,800 − 1,048.26 = 1,751.74 → 1,751 × 20% = 350.20 (390.20 without)
    #   employee NI: (2,800 − 1,048) × 8% = 140.16 (156.16 without)
    #   employer NI: (2,800 − 417) × 15% = 357.45 (387.45 without)
    #   plan 2: (2,800 − 2,372.50) × 9% = 38.475 → £38 (56.475 → £56 without)
    #   net = 2,800 − 350.20 − 140.16 − 38 = 2,271.64
    assert sacrificed == {
        "id": "employee-1", "pension_employee": "0.00", "taxable_pay": "2800.00", "income_tax": "350.20",
        "employee_ni": "140.16", "employer_ni": "357.45", "student_loan": "38.00", "postgraduate_loan": "0.00",
        "net_pay": "2271.64",
    }
    assert (full["income_tax"], full["employee_ni"], full["student_loan"]) == ("390.20", "156.16", "56.00")


# --- Freeport employer relief (§3.1, §3.2) -----------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "gross_pay", "category", "employer_ni"),
    [
        ("monthly", "3000.00", "F", "137.55"),  # (3,000 − FUST 2,083) × 15% = 917 × 0.15
        ("monthly", "3000.00", "A", "387.45"),  # (3,000 − ST 417) × 15% = 2,583 × 0.15
        ("monthly", "2000.00", "F", "0.00"),  # below FUST: no employer NI
        ("monthly", "2083.00", "F", "0.00"),  # at FUST
        ("weekly", "600.00", "F", "17.85"),  # (600 − 481) × 15% = 119 × 0.15
    ],
)
def test_freeport_category_f_relieves_employer_ni_up_to_the_freeport_upper_secondary_threshold(
    frequency: str, gross_pay: str, category: str, employer_ni: str
):
    # given a Freeport (F) or standard (A) employee in 2025-26
    # when it is calculated
    result = result_for(frequency=frequency, gross_pay=gross_pay, ni_category=category)
    # then the employer pays 15% only above FUST for F, above ST for A
    assert result["employer_ni"] == employer_ni


def test_freeport_category_f_employee_pays_as_category_a():
    # given £3,000 monthly in each category
    # when / then: the employee's NI is the same, (3,000 − 1,048) × 8% = 156.16
    assert result_for(ni_category="F")["employee_ni"] == result_for(ni_category="A")["employee_ni"] == "156.16"


# --- The working (§2.2, §2.3) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "period", "code", "field", "amount"),
    [
        ("monthly", 1, "1257L", "free_pay_to_date", "1048.26"),
        ("weekly", 1, "1257L", "free_pay_to_date", "241.92"),
        ("monthly", 3, "1257L", "free_pay_to_date", "3144.78"),  # 3 × 1,048.26
        # K585: q = 1, r = 85, ⌈859/12⌉ = 71.59 + 416.67 = 488.26 (RATES.md §2.2's example)
        ("monthly", 1, "K585", "additional_pay_to_date", "488.26"),
    ],
)
def test_the_working_shows_tables_a_free_or_additional_pay_to_date(
    frequency: str, period: int, code: str, field: str, amount: str
):
    # given a code, frequency and period
    # when it is calculated with the working
    result = working_for(frequency=frequency, period=period, tax_code=code)
    # then the Tables A adjustment to date is shown
    assert result["working"]["paye"][field] == amount


def test_the_working_shows_each_band_with_four_decimal_taxable_pay_and_tax():
    # given 1257L month 1, £5,000, 2025-26
    # when it is calculated with the working
    result = working_for(gross_pay="5000.00")
    # then: U = 5,000 − 1,048.26 = 3,951.74 > v₁ = 3,142 → 40% band:
    #   20%: c₁ = 3,141.6666, k₁ = 7,540/12 = 628.3333
    #   40%: 3,951 − 3,141.6666 = 809.3334 × 0.4 = 323.73336 → 323.7333
    #   L = 952.0666 → £952.06
    paye = result["working"]["paye"]
    assert paye["free_pay_to_date"] == "1048.26"
    assert paye["taxable_after_allowance_to_date"] == "3951.74"
    assert paye["bands"] == [
        {"rate": "20%", "taxable": "3141.6666", "tax": "628.3333"},
        {"rate": "40%", "taxable": "809.3334", "tax": "323.7333"},
    ]
    assert paye["tax_due_to_date"] == result["income_tax"] == "952.06"
