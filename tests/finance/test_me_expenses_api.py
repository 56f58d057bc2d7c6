"""The self-service API for expenses: the caller's own claims only, made with their expenses in one
go (all or nothing), then submitted to the line manager; another employee's claim answers 404."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from departments.models import Notification
from finance import services
from finance.models import ExpenseClaim, ExpenseLine

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def _day(days_ago: int = 3) -> str:
    return (timezone.localdate() - datetime.timedelta(days=days_ago)).isoformat()


def _url(department, path=""):
    return f"/api/v1/me/departments/{department.slug}/{path}"


TRAIN = {"category": "travel", "incurred_on": None, "description": "Train, return", "amount": "84.20", "vat": "0"}
MILES = {"category": "mileage", "incurred_on": None, "description": "Leeds and back", "vehicle": "car",
         "miles": "40"}


def _claim_body(*lines):
    return {"purpose": "Court visit in Leeds", "lines": [{**line, "incurred_on": _day()} for line in lines]}


def test_an_employee_makes_a_claim_with_its_expenses_sees_it_and_submits_it(api_client, moj, setting, in_department):
    # given
    api_client.force_login(moj.employee)
    # when
    created = api_client.post(_url(moj, "expenses/"), _claim_body(TRAIN, MILES), format="json")
    claim_id = created.json()["id"]
    listing = api_client.get(_url(moj, "expenses/"))
    detail = api_client.get(_url(moj, f"expenses/{claim_id}/"))
    submitted = api_client.post(_url(moj, f"expenses/{claim_id}/submit/"))
    # then
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "draft"
    assert [line["category"] for line in created.json()["lines"]] == ["travel", "mileage"]
    assert created.json()["lines"][1]["amount"] == "18.00"  # 40 miles at 45p
    assert created.json()["total"] == "102.20"
    assert listing.json()["count"] == 1
    assert listing.json()["results"][0]["total"] == "102.20"
    assert detail.json()["employee"] == "E0001"
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    with in_department(moj):
        waiting = Notification.objects.get(kind=Notification.Kind.ITEM_WAITING)
    assert waiting.user == moj.manager


def test_a_problem_with_any_expense_leaves_no_claim_behind(api_client, moj, setting, in_department):
    api_client.force_login(moj.employee)
    # when the second expense is dated in the future and the third has no amount
    body = _claim_body(TRAIN, TRAIN, {**TRAIN, "amount": None})
    body["lines"][1]["incurred_on"] = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = api_client.post(_url(moj, "expenses/"), body, format="json")
    # then each problem names its expense and field, and nothing is written
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert {error["field"] for error in response.json()["errors"]} == {"lines[1].incurred_on", "lines[2].amount"}
    with in_department(moj):
        assert not ExpenseClaim.objects.exists()
        assert not ExpenseLine.objects.exists()


def test_malformed_expenses_are_named_before_anything_is_written(api_client, moj, setting, in_department):
    api_client.force_login(moj.employee)
    response = api_client.post(_url(moj, "expenses/"), {
        "purpose": "", "lines": [{**TRAIN, "incurred_on": "yesterday", "category": "yacht"}]}, format="json")
    empty = api_client.post(_url(moj, "expenses/"), {"purpose": "Nothing", "lines": []}, format="json")
    assert response.status_code == empty.status_code == 400
    assert {error["field"] for error in response.json()["errors"]} == {"purpose"}
    assert [error["field"] for error in empty.json()["errors"]] == ["lines"]
    lines_only = api_client.post(_url(moj, "expenses/"), {
        "purpose": "Visit", "lines": [{**TRAIN, "incurred_on": "yesterday", "category": "yacht"}]}, format="json")
    assert {error["field"] for error in lines_only.json()["errors"]} == {"lines[0].incurred_on",
                                                                        "lines[0].category"}
    with in_department(moj):
        assert not ExpenseClaim.objects.exists()


def test_another_employees_claim_is_not_found(api_client, moj, setting, in_department):
    # given a colleague's draft claim
    theirs = services.expense_claim_create(employee=setting.colleague, purpose="Their trip", acting_user=None)
    services.expense_line_add(claim=theirs, acting_user=None, category="travel",
                              incurred_on=timezone.localdate(), description="Bus", amount=Decimal("3.00"))
    api_client.force_login(moj.employee)
    # when
    answers = [api_client.get(_url(moj, f"expenses/{theirs.pk}/")).status_code,
               api_client.post(_url(moj, f"expenses/{theirs.pk}/submit/")).status_code]
    # then
    assert answers == [404, 404]
    assert api_client.get(_url(moj, "expenses/")).json()["count"] == 0
    with in_department(moj):
        assert ExpenseClaim.objects.get(pk=theirs.pk).status == ExpenseClaim.Status.DRAFT


def test_submitting_twice_is_refused_as_a_problem(api_client, moj, setting):
    api_client.force_login(moj.employee)
    claim_id = api_client.post(_url(moj, "expenses/"), _claim_body(TRAIN), format="json").json()["id"]
    api_client.post(_url(moj, f"expenses/{claim_id}/submit/"))
    again = api_client.post(_url(moj, f"expenses/{claim_id}/submit/"))
    assert again.status_code == 400
    assert again["Content-Type"] == PROBLEM
    assert [error["field"] for error in again.json()["errors"]] == ["status"]


def test_a_caller_without_an_employee_record_or_in_another_department_is_not_found(api_client, moj, dft, setting):
    api_client.force_login(moj.payroll_officer)
    assert api_client.get(_url(moj, "expenses/")).status_code == 404
    api_client.force_login(moj.employee)
    assert api_client.get(_url(dft, "expenses/")).status_code == 404


def test_the_schema_documents_the_self_service_expense_operations(tmp_path):
    schema = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--file", str(schema))
    text = schema.read_text()
    for operation in ("me_expenses_list", "me_expenses_create", "me_expense_retrieve", "me_expense_submit"):
        assert f"operationId: {operation}" in text
