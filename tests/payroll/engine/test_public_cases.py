"""Every case in the shared ``cases-public.json`` matches to the penny (CONTRACT.md "Cases").

The file lives beside the repository, at ``../shared/payroll/cases-public.json``; CI has it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from payroll.engine import calculate_batch

CASES_PATH = Path(__file__).resolve().parents[3].parent / "shared" / "payroll" / "cases-public.json"
EXPECTED_CASE_COUNT = 682
INPUT_FIELDS = (
    "id", "tax_year", "frequency", "period", "tax_code", "week1_month1", "ni_category", "student_loans",
    "pension_scheme", "gross_pay", "pensionable_pay", "ytd_taxable_pay_before", "ytd_tax_paid_before",
    "salary_sacrifice",
)
MISSING = f"the public cases file {CASES_PATH} does not exist: check out ../shared/ beside the repository root"


def _load_cases() -> list[dict[str, Any]]:
    if not CASES_PATH.is_file():
        return []
    return json.loads(CASES_PATH.read_text(encoding="utf-8"))


CASES = _load_cases()


def _input_of(case: dict[str, Any]) -> dict[str, Any]:
    """The contract input object of a case: everything except ``expected`` and ``source``."""
    return {field: case[field] for field in INPUT_FIELDS if field in case}


def _params() -> list[Any]:
    if not CASES:
        # One failing placeholder, so a missing file is a clear failure rather than zero tests.
        return [pytest.param(None, id="cases-public.json-is-missing")]
    return [pytest.param(case, id=case["id"]) for case in CASES]


def test_the_public_cases_file_is_present_and_holds_every_case_with_a_unique_id():
    # given the shared cases file
    if not CASES_PATH.is_file():
        pytest.fail(MISSING)
    # when its ids are collected
    ids = [case["id"] for case in CASES]
    # then there are 682 cases, each with its own id
    assert len(ids) == EXPECTED_CASE_COUNT
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", _params())
def test_public_case_matches_every_expected_field_to_the_penny(case: dict[str, Any] | None):
    if case is None:
        pytest.fail(MISSING)
    # given one public case
    expected = case["expected"]
    # when it is calculated on its own
    (result,) = calculate_batch([_input_of(case)])
    # then every expected field is equal, as a two-place decimal string
    assert "error" not in result, result
    assert result["id"] == case["id"]
    assert {field: result[field] for field in expected} == expected, case.get("source")


def test_all_public_cases_in_one_batch_come_back_in_order_with_ids_echoed_and_matching():
    # given every public case in a single batch
    if not CASES:
        pytest.fail(MISSING)
    inputs = [_input_of(case) for case in CASES]
    # when the batch is calculated
    results = calculate_batch(inputs)
    # then there is one result per input, in the same order, echoing each id, each matching
    assert len(results) == len(CASES)
    assert [result["id"] for result in results] == [case["id"] for case in CASES]
    mismatched = [
        case["id"] for case, result in zip(CASES, results, strict=True)
        if any(result.get(field) != value for field, value in case["expected"].items())
    ]
    assert mismatched == []
