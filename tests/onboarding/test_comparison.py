"""One employee's figures compared: what differs, by how much, and why (no database)."""

from __future__ import annotations

from decimal import Decimal

from onboarding.comparison import Side, compare_employee, same_tax_code

FIGURES = {"gross_pay": Decimal("2500.00"), "taxable_pay": Decimal("2375.00"), "income_tax": Decimal("265.60"),
           "employee_ni": Decimal("109.04"), "employer_ni": Decimal("273.30"), "student_loan": Decimal("38.00"),
           "postgraduate_loan": Decimal("0.00"), "pension_employee": Decimal("125.00"),
           "pension_employer": Decimal("722.50"), "net_pay": Decimal("1837.36")}


def _side(**changes: object) -> Side:
    figures = dict(FIGURES)
    figures.update({name: Decimal(str(value)) for name, value in changes.pop("figures", {}).items()})  # type: ignore[attr-defined]
    return Side(figures=figures, **{"tax_code": "1257L", "ni_category": "A", **changes})  # type: ignore[arg-type]


def test_identical_sides_have_no_difference():
    assert compare_employee(legacy=_side(), platform=_side()) == []


def test_a_differing_tax_code_explains_the_tax_and_net_pay():
    legacy = _side(tax_code="1157L", figures={"income_tax": "285.60", "net_pay": "1817.36"})
    differences = compare_employee(legacy=legacy, platform=_side())
    assert [(d.figure, d.classification, d.amount) for d in differences] == [
        ("income_tax", "tax_code", Decimal("-20.00")), ("net_pay", "tax_code", Decimal("20.00"))]


def test_a_differing_ni_letter_explains_ni():
    legacy = _side(ni_category="M", figures={"employer_ni": "0.00", "net_pay": "1837.36"})
    [difference] = compare_employee(legacy=legacy, platform=_side())
    assert (difference.figure, difference.classification) == ("employer_ni", "ni_letter")


def test_a_difference_of_a_few_pence_with_the_same_inputs_is_rounding_and_more_is_pay():
    assert [d.classification for d in compare_employee(
        legacy=_side(figures={"pension_employer": "722.53"}), platform=_side())] == ["rounding"]
    assert [d.classification for d in compare_employee(
        legacy=_side(figures={"pension_employer": "722.56"}), platform=_side())] == ["pay"]


def test_different_gross_pay_puts_every_differing_figure_down_to_pay():
    legacy = _side(figures={"gross_pay": "2600.00", "taxable_pay": "2475.00", "income_tax": "285.60"})
    assert {d.classification for d in compare_employee(legacy=legacy, platform=_side())} == {"pay"}


def test_a_year_to_date_given_by_both_sides_that_differs_explains_the_tax():
    # given the legacy started the period from £625 less taxable pay to date, so taxed more
    platform = _side(year_to_date={"taxable_pay": Decimal("19000.00"), "tax": Decimal("2124.80")})
    legacy = _side(year_to_date={"taxable_pay": Decimal("18375.00"), "tax": Decimal("2249.80")},
                   figures={"income_tax": "390.60", "net_pay": "1712.36"})
    # then tax and net pay differ because of the year to date
    differences = compare_employee(legacy=legacy, platform=platform)
    assert [(d.figure, d.classification) for d in differences] == [("income_tax", "year_to_date"),
                                                                   ("net_pay", "year_to_date")]


def test_a_year_to_date_that_moved_only_because_the_period_paid_differently_is_pay_not_year_to_date():
    # given both started from the same year to date, and the legacy paid £100 more this period
    platform = _side(year_to_date={"taxable_pay": Decimal("19000.00"), "tax": Decimal("2124.80")})
    legacy = _side(year_to_date={"taxable_pay": Decimal("19100.00"), "tax": Decimal("2144.80")},
                   figures={"gross_pay": "2600.00", "taxable_pay": "2475.00", "income_tax": "285.60"})
    # then it is put down to pay
    assert {d.classification for d in compare_employee(legacy=legacy, platform=platform)} == {"pay"}


def test_a_difference_in_the_year_to_date_alone_is_a_year_to_date_difference_of_its_own():
    # given the period's figures agree, and the legacy counted the month's taxable pay twice to date
    platform = _side(year_to_date={"taxable_pay": Decimal("19000.00"), "tax": Decimal("2124.80")})
    legacy = _side(year_to_date={"taxable_pay": Decimal("21375.00"), "tax": Decimal("2124.80")})
    # then that figure alone differs, as a year-to-date difference
    [difference] = compare_employee(legacy=legacy, platform=platform)
    assert (difference.figure, difference.classification, difference.legacy, difference.platform) == (
        "ytd_taxable_pay", "year_to_date", Decimal("21375.00"), Decimal("19000.00"))
    # and within the tolerance it matches
    assert compare_employee(legacy=legacy, platform=platform, tolerance=Decimal("2375.00")) == []


def test_without_a_year_to_date_on_the_legacy_side_the_year_to_date_is_not_judged():
    platform = _side(year_to_date={"taxable_pay": Decimal("19000.00"), "tax": Decimal("2124.80")})
    assert compare_employee(legacy=_side(), platform=platform) == []
    differences = compare_employee(legacy=_side(figures={"income_tax": "390.60"}), platform=platform)
    assert [d.classification for d in differences] == ["pay"]


def test_a_figure_no_differing_input_can_move_is_pay_not_the_first_cause():
    # given the legacy taxed on 1257L and the platform on BR, and employee pension £10 apart
    legacy = _side(figures={"income_tax": "265.60", "pension_employee": "135.00"})
    platform = _side(tax_code="BR", figures={"income_tax": "475.00"})
    # then the tax is the tax code's, and the pension is pay (a tax code does not move a pension)
    found = {d.figure: d.classification for d in compare_employee(legacy=legacy, platform=platform)}
    assert found == {"income_tax": "tax_code", "pension_employee": "pay"}


def test_a_tolerance_matches_differences_within_it():
    legacy = _side(figures={"net_pay": "1837.40"})
    assert compare_employee(legacy=legacy, platform=_side(), tolerance=Decimal("0.05")) == []
    assert len(compare_employee(legacy=legacy, platform=_side(), tolerance=Decimal("0.01"))) == 1


def test_a_figure_the_legacy_side_does_not_give_is_not_compared():
    legacy = Side(figures={name: amount for name, amount in FIGURES.items() if name != "student_loan"},
                  tax_code="1257L", ni_category="A")
    assert compare_employee(legacy=legacy, platform=_side(figures={"student_loan": "99.00"})) == []


def test_the_week_1_month_1_basis_is_part_of_the_code():
    assert same_tax_code(Side(figures={}, tax_code="1257L M1"), Side(figures={}, tax_code="1257L",
                                                                      non_cumulative=True))
    assert not same_tax_code(Side(figures={}, tax_code="1257L M1"), Side(figures={}, tax_code="1257L"))
    assert same_tax_code(Side(figures={}, tax_code=""), Side(figures={}, tax_code="K475"))
