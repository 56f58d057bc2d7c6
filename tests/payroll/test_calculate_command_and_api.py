"""The calculation as integrators and operators reach it: the command and the stateless endpoint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from departments import services

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "id": "emp-1", "tax_year": "2026-27", "frequency": "monthly", "period": 1, "tax_code": "1257L",
    "week1_month1": False, "ni_category": "A", "student_loans": [], "pension_scheme": None,
    "gross_pay": "3000.00", "pensionable_pay": "0.00", "ytd_taxable_pay_before": "0.00",
    "ytd_tax_paid_before": "0.00",
}
EXPECTED = {
    "id": "emp-1", "pension_employee": "0.00", "taxable_pay": "3000.00", "income_tax": "390.20",
    "employee_ni": "156.16", "employer_ni": "387.45", "student_loan": "0.00", "postgraduate_loan": "0.00",
    "net_pay": "2453.64",
}


def _run(*arguments, stdin=""):
    return subprocess.run(
        [sys.executable, "manage.py", "payroll_calculate", *arguments],
        cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=120,
    )


def test_command_reads_a_file_and_prints_results_in_order(tmp_path, capsys):
    # given a file with a good input and a bad one
    path = tmp_path / "inputs.json"
    path.write_text(json.dumps([GOOD, {**GOOD, "id": "emp-2", "tax_code": "12X57"}]))
    # when
    call_command("payroll_calculate", str(path))
    results = json.loads(capsys.readouterr().out)
    # then
    assert results[0] == EXPECTED
    assert results[1]["id"] == "emp-2"
    assert results[1]["error"].startswith("tax_code:")


def test_command_reads_standard_input_with_a_working():
    result = _run("-", "--working", stdin=json.dumps([GOOD]))
    assert result.returncode == 0, result.stderr
    [calculated] = json.loads(result.stdout)
    assert calculated["working"]["paye"]["free_pay_to_date"] == "1048.26"


@pytest.mark.parametrize(("content", "message"), [
    ('{"id": "x"}', "must be a JSON list"),
    ("[1, 2", "not valid JSON"),
])
def test_command_fails_with_a_message_when_the_file_is_not_a_json_list(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    result = _run(str(path))
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_command_names_a_missing_file():
    with pytest.raises(CommandError, match="cannot read the file"):
        call_command("payroll_calculate", "/nonexistent/inputs.json")


@pytest.mark.django_db
def test_endpoint_calculates_a_list_for_any_token(api_client, moj):
    # given a token of any department (the calculation reads no department data)
    _, raw = services.api_token_create(department=moj.department, name="Calc", scopes=["payroll:read"],
                                       acting_user=None)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    # when
    response = api_client.post("/api/v1/payroll/calculations", [GOOD, {**GOOD, "id": "e2", "period": 13}],
                               format="json")
    # then
    assert response.status_code == 200
    first, second = response.json()
    assert {key: first[key] for key in EXPECTED} == EXPECTED
    assert first["working"]["ni"]["category"] == "A"
    assert second == {"id": "e2", "error": "period: 13 must be a whole number from 1 to 12 for monthly pay"}


@pytest.mark.django_db
@pytest.mark.parametrize("body", ['{"id": "not a list"}', "[{", '"text"'])
def test_endpoint_answers_400_problem_for_a_malformed_body(api_client, moj, body):
    api_client.force_login(moj.payroll_officer)
    response = api_client.post("/api/v1/payroll/calculations", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_endpoint_needs_a_signed_in_caller(api_client):
    response = api_client.post("/api/v1/payroll/calculations", [GOOD], format="json")
    assert response.status_code == 401


@pytest.mark.django_db
def test_endpoint_is_in_the_openapi_schema(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "post" in schema["paths"]["/api/v1/payroll/calculations"]


def test_command_names_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(b'[{"id": "caf\xe9"}]')
    result = _run(str(path))
    assert result.returncode != 0
    assert "not UTF-8" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
def test_endpoint_answers_400_for_json_nested_too_deeply(api_client, moj):
    api_client.force_login(moj.payroll_officer)
    response = api_client.post("/api/v1/payroll/calculations", data="[" * 50000, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
