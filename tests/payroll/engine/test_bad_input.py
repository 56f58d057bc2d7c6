"""Inputs that cannot be calculated give ``{"id", "error"}`` naming the field (CONTRACT.md "Bad input"),
and the rest of the batch is still calculated."""

from __future__ import annotations

from typing import Any

import pytest

from payroll.engine import CalculationInputError, calculate_batch, parse_input
from tests.payroll.engine.helpers import RESULT_MONEY_FIELDS, an_input

REMOVE = object()

BAD_FIELDS = [
    # (field, bad value) — REMOVE drops the field
    ("tax_year", "2024-25"),
    ("tax_year", "2025/26"),
    ("tax_year", 2025),
    ("tax_year", REMOVE),
    ("frequency", "fortnightly"),
    ("tax_code", "12X57"),
    ("tax_code", "K0"),
    ("tax_code", "D7"),
    ("tax_code", "SD4"),
    ("tax_code", "CD2"),
    ("tax_code", "SNT"),
    ("tax_code", "1257"),
    ("tax_code", ""),
    ("tax_code", 1257),
    ("ni_category", "Q"),
    ("ni_category", "a"),
    ("ni_category", REMOVE),
    ("period", 0),
    ("period", 13),
    ("period", -1),
    ("period", "1"),
    ("period", 1.0),
    ("period", True),
    ("week1_month1", "yes"),
    ("gross_pay", 1000.5),
    ("gross_pay", "12.345"),
    ("gross_pay", "-100.00"),
    ("gross_pay", "£100"),
    ("gross_pay", "1,000.00"),
    ("gross_pay", REMOVE),
    ("pensionable_pay", "abc"),
    ("salary_sacrifice", "1.001"),
    ("ytd_taxable_pay_before", 1.5),
    ("ytd_tax_paid_before", "NaN"),
    ("student_loans", "plan1"),
    ("student_loans", ["plan3"]),
    ("student_loans", ["PLAN1"]),
    ("student_loans", ["plan1", 2]),
    ("pension_scheme", "nuvos"),
]


def _with(field: str, value: Any, **overrides: Any) -> dict[str, Any]:
    raw = an_input(id="bad", **overrides)
    if value is REMOVE:
        del raw[field]
    else:
        raw[field] = value
    return raw


def _assert_calculated(result: dict[str, Any], id_: str) -> None:
    assert result["id"] == id_
    assert "error" not in result, result
    assert set(RESULT_MONEY_FIELDS) <= set(result)


def _describe(value: Any) -> str:
    return "missing" if value is REMOVE else repr(value)


@pytest.mark.parametrize(("field", "value"), BAD_FIELDS, ids=[f"{f}={_describe(v)}" for f, v in BAD_FIELDS])
def test_a_bad_field_gives_an_error_naming_it_and_the_rest_of_the_batch_is_calculated(field: str, value: Any):
    # given a batch with a good input either side of one with a bad field
    batch = [an_input(id="before"), _with(field, value), an_input(id="after")]
    # when the batch is calculated
    results = calculate_batch(batch)
    # then the bad input gives only its id and an error naming the field; the others are calculated
    assert len(results) == 3
    _assert_calculated(results[0], "before")
    assert set(results[1]) == {"id", "error"}
    assert results[1]["id"] == "bad"
    assert results[1]["error"].startswith(f"{field}: ")
    _assert_calculated(results[2], "after")


def test_week_54_is_out_of_range_for_weekly_pay():
    # given weekly pay in a week no tax year has (week 53 is paid on the week-1 basis)
    # when it is calculated
    (result,) = calculate_batch([an_input(frequency="weekly", period=54)])
    # then the period is refused
    assert result["error"].startswith("period: ")


def test_week_52_is_in_range_for_weekly_pay():
    # given weekly pay in week 52 / when it is calculated / then it is calculated
    (result,) = calculate_batch([an_input(frequency="weekly", period=52)])
    assert "error" not in result


def test_plan_5_in_2025_26_is_not_an_error():
    # given plan 5 in the year before its repayments start / when / then it is calculated, with nothing deducted
    (result,) = calculate_batch([an_input(student_loans=["plan5"])])
    assert result["student_loan"] == "0.00"


@pytest.mark.parametrize("raw", ["not an object", 42, None, ["a", "list"], 3.5])
def test_an_input_that_is_not_an_object_gives_an_error_and_the_rest_are_calculated(raw: Any):
    # given a batch where one entry is not a JSON object
    batch = [an_input(id="before"), raw, an_input(id="after")]
    # when the batch is calculated
    results = calculate_batch(batch)
    # then that entry has an error naming the input and no id; the others are calculated
    assert results[1] == {"id": None, "error": results[1]["error"]}
    assert results[1]["error"].startswith("input: ")
    _assert_calculated(results[0], "before")
    _assert_calculated(results[2], "after")


def test_parse_input_raises_calculation_input_error_naming_the_field():
    # given a malformed code / when it is parsed / then CalculationInputError names tax_code
    with pytest.raises(CalculationInputError, match=r"^tax_code: "):
        parse_input(an_input(tax_code="12X57"))


def test_several_bad_inputs_each_get_their_own_error_in_place():
    # given bad inputs interleaved with good ones
    batch = [
        an_input(id="1", tax_year="1999-00"), an_input(id="2"), an_input(id="3", ni_category="Q"),
        an_input(id="4", gross_pay="1.234"), an_input(id="5"),
    ]
    # when the batch is calculated
    results = calculate_batch(batch)
    # then the ids come back in order, with each error naming its own field
    assert [result["id"] for result in results] == ["1", "2", "3", "4", "5"]
    assert [result.get("error", "").split(":")[0] for result in results] == [
        "tax_year", "", "ni_category", "gross_pay", "",
    ]


# --- Found by these tests and fixed; kept as regression tests ---------------------------------------------------

UNHASHABLE = [
    ("tax_year", ["2025-26"]),
    ("frequency", ["monthly"]),
    ("ni_category", ["A"]),
    ("pension_scheme", {"name": "alpha"}),
]


@pytest.mark.parametrize(("field", "value"), UNHASHABLE, ids=[f for f, _ in UNHASHABLE])
def test_a_field_given_as_a_json_array_or_object_is_an_error_not_a_crash(field: str, value: Any):
    # given a batch with an input whose field is a JSON array or object
    batch = [an_input(id="before"), _with(field, value), an_input(id="after")]
    # when the batch is calculated
    results = calculate_batch(batch)
    # then that input gets an error naming the field and the others are calculated
    assert results[1]["error"].startswith(f"{field}: ")
    _assert_calculated(results[0], "before")
    _assert_calculated(results[2], "after")


FALSY_NON_LISTS = [{}, "", 0, False]


@pytest.mark.parametrize("value", FALSY_NON_LISTS, ids=[repr(v) for v in FALSY_NON_LISTS])
def test_student_loans_that_is_not_a_list_is_refused_even_when_empty(value: Any):
    # given student_loans as an empty object, empty string, zero or false
    # when it is calculated
    (result,) = calculate_batch([_with("student_loans", value)])
    # then it is refused, naming the field
    assert result.get("error", "").startswith("student_loans: ")


def test_a_salary_sacrifice_above_gross_pay_is_refused():
    # given a sacrifice of more than the pay it comes out of
    (result,) = calculate_batch([an_input(gross_pay="1000.00", salary_sacrifice="1000.01")])
    # then
    assert result["error"] == "salary_sacrifice: must not be more than gross_pay"


def test_a_pension_contribution_larger_than_the_pay_is_refused():
    # given £5,000 pensionable pay against £100 gross: 7.35% is £367.50, more than the pay
    (result,) = calculate_batch([an_input(gross_pay="100.00", pensionable_pay="5000.00", pension_scheme="alpha")])
    # then
    assert result["error"].startswith("pensionable_pay: ")


def test_an_id_that_is_not_a_string_is_refused():
    (result,) = calculate_batch([an_input(id=7)])
    assert result == {"id": 7, "error": "id: must be a string, not 7"}
