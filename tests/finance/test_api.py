"""The finance API: accounts, journals (posted once per Idempotency-Key), the trial balance and
exports, expense claims, budgets; problems named by field, and the department wall."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from departments import services as department_services
from finance import services
from finance.models import ExpenseClaim, Journal
from finance.services import JournalLineInput as Line

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
DAY = datetime.date(2026, 5, 14)


def _url(department, path=""):
    return f"/api/v1/departments/{department.slug}/finance/{path}"


def _error_fields(response):
    return {error["field"] for error in response.json()["errors"]}


def _journal_body(amount="250.00", centre="C100"):
    return {"posted_on": "2026-05-14", "description": "Accrued consultancy", "lines": [
        {"account": "5400", "debit": amount, "cost_centre": centre, "description": "Review"},
        {"account": "2400", "credit": amount}]}


@pytest.fixture
def finance_client(api_client, moj, setting):
    _, raw = department_services.api_token_create(department=moj.department, name="ERP", acting_user=None,
                                                  scopes=["finance:read", "finance:write"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api_client


def test_a_journal_posted_twice_with_the_same_key_is_posted_once(finance_client, moj, in_department):
    # when
    first = finance_client.post(_url(moj, "journals/"), _journal_body(), format="json",
                                HTTP_IDEMPOTENCY_KEY="erp-0001")
    again = finance_client.post(_url(moj, "journals/"), _journal_body(), format="json",
                                HTTP_IDEMPOTENCY_KEY="erp-0001")
    # then
    assert first.status_code == 201, first.content
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    body = first.json()
    assert body["total"] == "250.00"
    assert [(line["account"], line["debit"], line["credit"], line["cost_centre"]) for line in body["lines"]] == [
        ("5400", "250.00", "0.00", "C100"), ("2400", "0.00", "250.00", None)]
    with in_department(moj):
        assert Journal.objects.get().source_reference == "erp-0001"


def test_a_key_reused_for_a_different_journal_is_a_conflict(finance_client, moj, in_department):
    finance_client.post(_url(moj, "journals/"), _journal_body(), format="json", HTTP_IDEMPOTENCY_KEY="erp-0002")
    response = finance_client.post(_url(moj, "journals/"), _journal_body("300.00"), format="json",
                                   HTTP_IDEMPOTENCY_KEY="erp-0002")
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert "erp-0002" in response.json()["detail"]
    with in_department(moj):
        assert Journal.objects.count() == 1


def test_posting_without_an_idempotency_key_is_refused(finance_client, moj):
    response = finance_client.post(_url(moj, "journals/"), _journal_body(), format="json")
    assert response.status_code == 400
    assert _error_fields(response) == {"Idempotency-Key"}


@pytest.mark.parametrize(("change", "field", "message"), [
    (lambda body: body["lines"][1].update(credit="249.99"), "lines", "does not balance"),
    (lambda body: body.update(lines=[]), "lines", "at least two lines"),
    (lambda body: body["lines"][0].update(account="7777"), "lines[0].account", "no account with the code '7777'"),
    (lambda body: body["lines"][0].update(cost_centre=None), "lines[0].cost_centre", "choose its cost centre"),
    (lambda body: body["lines"][0].update(debit="-5"), "lines[0].debit", "greater than or equal to 0"),
    (lambda body: body["lines"][0].update(debit="not money"), "lines[0].debit", "valid number"),
    (lambda body: body.update(posted_on="14/05/2026"), "posted_on", "Date has wrong format"),
])
def test_bad_journals_are_a_400_naming_the_field_and_nothing_is_written(finance_client, moj, in_department, change,
                                                                         field, message):
    body = _journal_body()
    change(body)
    response = finance_client.post(_url(moj, "journals/"), body, format="json", HTTP_IDEMPOTENCY_KEY="erp-bad")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    errors = {error["field"]: error["message"] for error in response.json()["errors"]}
    assert field in errors, errors
    assert message in errors[field]
    with in_department(moj):
        assert not Journal.objects.exists()


def test_posting_into_a_closed_period_is_refused_naming_the_date(finance_client, moj):
    closed = finance_client.post(_url(moj, "periods/2026/2/status/"), {"status": "closed"}, format="json")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    response = finance_client.post(_url(moj, "journals/"), _journal_body(), format="json",
                                   HTTP_IDEMPOTENCY_KEY="erp-late")
    assert response.status_code == 400
    assert _error_fields(response) == {"posted_on"}


def test_a_journal_is_read_and_reversed(finance_client, moj):
    posted = finance_client.post(_url(moj, "journals/"), _journal_body(), format="json",
                                 HTTP_IDEMPOTENCY_KEY="erp-rev").json()
    reversal = finance_client.post(_url(moj, f"journals/{posted['id']}/reversal/"), {"posted_on": "2026-06-02"},
                                   format="json")
    assert reversal.status_code == 201
    assert reversal.json()["reverses"] == posted["id"]
    assert finance_client.get(_url(moj, f"journals/{posted['id']}/")).json()["reversed_by"] == reversal.json()["id"]
    again = finance_client.post(_url(moj, f"journals/{posted['id']}/reversal/"), {}, format="json")
    assert again.status_code == 400
    listed = finance_client.get(_url(moj, "journals/"), {"financial_year": 2026}).json()
    assert listed["count"] == 2


def test_accounts_are_listed_created_and_closed(finance_client, moj):
    codes = [account["code"] for account in finance_client.get(_url(moj, "accounts/")).json()]
    assert {"1100", "2100", "2110", "2120", "2200", "5000", "5010", "5020", "5100"} <= set(codes)
    created = finance_client.post(_url(moj, "accounts/"), {"code": "5500", "name": "Travel: overseas",
                                                           "kind": "expense"}, format="json")
    assert created.status_code == 201
    duplicate = finance_client.post(_url(moj, "accounts/"), {"code": "5500", "name": "Again", "kind": "expense"},
                                    format="json")
    assert duplicate.status_code == 400
    assert _error_fields(duplicate) == {"code"}
    closed = finance_client.patch(_url(moj, "accounts/5500/"), {"is_active": False}, format="json")
    assert closed.json()["is_active"] is False
    body = _journal_body()
    body["lines"][0]["account"] = "5500"
    refused = finance_client.post(_url(moj, "journals/"), body, format="json", HTTP_IDEMPOTENCY_KEY="erp-closed")
    assert "closed to postings" in refused.json()["errors"][0]["message"]


def test_the_trial_balance_and_exports_agree_and_are_formula_safe(finance_client, moj):
    body = _journal_body()
    body["description"] = "=HYPERLINK(\"http://evil.example\")"
    finance_client.post(_url(moj, "journals/"), body, format="json", HTTP_IDEMPOTENCY_KEY="erp-x")
    rows = finance_client.get(_url(moj, "trial-balance/"), {"financial_year": 2026}).json()
    assert [(row["account"], row["debit"], row["credit"]) for row in rows] == [
        ("2400", "0.00", "250.00"), ("5400", "250.00", "0.00")]
    # CSV
    response = finance_client.get(_url(moj, "exports/journal-lines.csv"), {"financial_year": 2026})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [line["journal_description"] for line in lines] == ["'=HYPERLINK(\"http://evil.example\")"] * 2
    assert [line["debit"] for line in lines] == ["250.00", "0.00"]
    # XLSX
    response = finance_client.get(_url(moj, "exports/trial-balance.xlsx"), {"financial_year": 2026})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][3:7] == ("account_code", "account_name", "account_kind", "debit")
    assert [(row[3], row[6], row[7]) for row in values[1:]] == [("2400", 0, 250), ("5400", 250, 0)]
    assert finance_client.get(_url(moj, "exports/ledger.pdf")).status_code == 404


def test_expense_claims_are_read_and_decided_by_finance(api_client, moj, setting):
    claim = services.expense_claim_create(employee=setting.claimant, purpose="Visit", acting_user=moj.employee)
    services.expense_line_add(claim=claim, acting_user=moj.employee, category="travel",
                              incurred_on=timezone.localdate(), description="Bus", amount=Decimal("4.50"))
    services.expense_claim_submit(claim=claim, acting_user=moj.employee)
    services.expense_claim_manager_decide(claim=claim, approve=True, acting_user=moj.manager)
    api_client.force_login(moj.finance_officer)
    listed = api_client.get(_url(moj, "expense-claims/"), {"status": "manager_approved"}).json()
    assert [(row["reference"], row["total"]) for row in listed["results"]] == [(claim.reference, "4.50")]
    decided = api_client.post(_url(moj, f"expense-claims/{claim.pk}/finance-decision/"), {"approve": True},
                              format="json")
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == ExpenseClaim.Status.APPROVED
    paid = api_client.post(_url(moj, f"expense-claims/{claim.pk}/mark-paid/"), {}, format="json")
    assert paid.json()["status"] == ExpenseClaim.Status.PAID
    out_of_order = api_client.post(_url(moj, f"expense-claims/{claim.pk}/mark-paid/"), {}, format="json")
    assert out_of_order.status_code == 400
    assert _error_fields(out_of_order) == {"status"}


def test_an_erp_token_with_expenses_approve_marks_an_approved_claim_paid(api_client, moj, setting):
    claim = services.expense_claim_create(employee=setting.claimant, purpose="Visit", acting_user=moj.employee)
    services.expense_line_add(claim=claim, acting_user=moj.employee, category="travel",
                              incurred_on=timezone.localdate(), description="Bus", amount=Decimal("4.50"))
    services.expense_claim_submit(claim=claim, acting_user=moj.employee)
    services.expense_claim_manager_decide(claim=claim, approve=True, acting_user=moj.manager)
    services.expense_claim_finance_decide(claim=claim, approve=True, acting_user=moj.finance_officer)
    _, raw = department_services.api_token_create(department=moj.department, name="Payments", acting_user=None,
                                                  scopes=["finance:read", "expenses:approve"],
                                                  grantor_scopes=frozenset({"finance:read", "expenses:approve"}))
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    paid = api_client.post(_url(moj, f"expense-claims/{claim.pk}/mark-paid/"), {}, format="json")
    assert paid.status_code == 200, paid.content
    assert paid.json()["status"] == "paid"


def test_budgets_are_set_phased_and_compared_with_actuals(finance_client, moj):
    response = finance_client.post(_url(moj, "budgets/"), {"cost_centre": "C100", "financial_year": 2026,
                                                           "annual_amount": "12000.05"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["monthly_amounts"][:2] == ["1000.00", "1000.00"]
    assert response.json()["monthly_amounts"][11] == "1000.05"
    finance_client.post(_url(moj, "journals/"), _journal_body(centre="C110"), format="json",
                        HTTP_IDEMPOTENCY_KEY="erp-b")
    report = finance_client.get(_url(moj, "budgets/vs-actual/"), {"financial_year": 2026,
                                                                   "cost_centre": "C100"}).json()
    assert (report["budget"], report["actual"], report["variance"]) == ("12000.05", "250.00", "11750.05")
    assert report["months"][1] == {"label": "May", "budget": "1000.00", "actual": "250.00", "variance": "750.00"}
    bad = finance_client.post(_url(moj, "budgets/"), {"cost_centre": "C999", "financial_year": 2026,
                                                      "monthly_amounts": ["1"] * 11}, format="json")
    assert _error_fields(bad) == {"cost_centre", "monthly_amounts"}


def test_finance_is_closed_to_people_without_finance_scopes_and_to_other_departments(api_client, moj, dft, setting):
    api_client.force_login(moj.employee)
    assert api_client.get(_url(moj, "journals/")).status_code == 403
    api_client.force_login(moj.manager)
    assert api_client.post(_url(moj, "journals/"), _journal_body(), format="json",
                           HTTP_IDEMPOTENCY_KEY="x").status_code == 403
    api_client.force_login(dft.finance_officer)
    assert api_client.get(_url(moj, "accounts/")).status_code == 404
    _, raw = department_services.api_token_create(department=dft.department, name="dft ERP", acting_user=None,
                                                  scopes=["finance:read"])
    api_client.logout()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get(_url(moj, "trial-balance/")).status_code == 404
    assert api_client.get(_url(dft, "trial-balance/")).status_code == 200


def test_the_schema_documents_every_finance_operation_without_warnings(tmp_path):
    schema = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--file", str(schema))
    text = schema.read_text()
    for operation in ("finance_accounts_list", "finance_accounts_create", "finance_journals_list",
                      "finance_journals_post", "finance_journal_retrieve", "finance_journal_reverse",
                      "finance_trial_balance", "finance_export", "finance_expense_claims_list",
                      "finance_budgets_set", "finance_budget_vs_actual"):
        assert f"operationId: {operation}" in text
    assert "Idempotency-Key" in text


def test_the_posting_service_refuses_what_the_api_refuses(moj, setting):
    # the service is the one gate: a direct call with the same bad line fails the same way
    with pytest.raises(Exception, match="does not balance"):
        services.journal_post(department=moj.department, acting_user=None, posted_on=DAY, description="x",
                              lines=[Line(account="5400", debit=Decimal("1"), cost_centre="C100"),
                                     Line(account="2400", credit=Decimal("2"))])
