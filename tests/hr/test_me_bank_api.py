"""The caller's own bank details through /api/v1/me/departments/<slug>/: the account masked, their
changes only, and a change only after a fresh second factor in their session (an API token never
has one); bad input is a 400 naming each field; documented in the schema without warnings."""

from __future__ import annotations

import time

import pytest
import yaml
from django.core.management import call_command

from departments import services as department_services
from departments.models import Notification
from departments.roles import Scope
from hr.models import BankDetailsChange, Employee
from shared_services.accounts import two_factor
from tests.factories import EmployeeFactory
from tests.factories.hr import BankDetailsChangeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(moj, in_department):
    with in_department(moj):
        return EmployeeFactory(department=moj.department, user=moj.employee, email="sam.personal@example.test",
                               bank_sort_code="089999", bank_account_number="66374958")


def _url(department, path="bank-details/"):
    return f"/api/v1/me/departments/{department.slug}/{path}"


def _step_up(api_client):
    session = api_client.session
    session[two_factor.VERIFIED_AT_KEY] = time.time()
    session.save()


NEW_ACCOUNT = {"sort_code": "20-04-15", "account_number": "38290008"}


def test_the_account_in_use_is_shown_masked(api_client, moj, me):
    api_client.force_login(moj.employee)
    body = api_client.get(_url(moj)).json()
    assert body["account_in_use"] == {"sort_code": "089999", "account_number_ending": "4958",
                                      "roll_number_ending": "",
                                      "description": "Sort code 08-99-99, account ending 4958"}
    assert body["scheduled_change"] is None
    assert "66374958" not in str(body)


def test_a_change_needs_a_fresh_second_factor_and_says_where_to_give_it(api_client, moj, me, in_department):
    api_client.force_login(moj.employee)
    refused = api_client.post(_url(moj, "bank-details/changes/"), NEW_ACCOUNT, format="json")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    detail = refused.json()["detail"]
    assert "needs a second factor" in detail
    assert "/accounts/confirm-its-you/?next=" in detail
    with in_department(moj):
        assert not BankDetailsChange.objects.exists()


def test_after_a_second_factor_the_change_is_made_and_listed(api_client, moj, me, in_department):
    api_client.force_login(moj.employee)
    _step_up(api_client)
    created = api_client.post(_url(moj, "bank-details/changes/"), NEW_ACCOUNT, format="json")
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["made_by"]) == ("applied", "employee")
    assert body["new_account"]["account_number_ending"] == "0008"
    assert body["previous_account"]["account_number_ending"] == "4958"
    assert "goes to the new account" in body["takes_effect"]
    assert "38290008" not in str(body)
    with in_department(moj):
        assert Employee.objects.get(pk=me.pk).bank_account_number == "38290008"
        assert Notification.objects.filter(kind=Notification.Kind.BANK_DETAILS_CHANGED).exists()
    listed = api_client.get(_url(moj, "bank-details/changes/")).json()
    assert listed["count"] == 1
    assert listed["results"][0]["id"] == body["id"]


def test_bad_input_is_a_400_naming_each_field_and_nothing_changes(api_client, moj, me, in_department):
    api_client.force_login(moj.employee)
    _step_up(api_client)
    refused = api_client.post(_url(moj, "bank-details/changes/"),
                              {"sort_code": "12", "account_number": "1234567", "roll_number": "ROLL<>"},
                              format="json")
    assert refused.status_code == 400
    errors = {error["field"]: error["message"] for error in refused.json()["errors"]}
    assert errors["sort_code"].startswith("Enter a sort code of 6 digits")
    assert errors["account_number"] == "Enter an 8-digit account number"
    assert errors["roll_number"].startswith("Enter a roll number")
    same = api_client.post(_url(moj, "bank-details/changes/"), {"sort_code": "089999", "account_number": "66374958"},
                           format="json")
    assert same.status_code == 400
    assert "nothing changed" in same.json()["errors"][0]["message"]
    with in_department(moj):
        assert not BankDetailsChange.objects.exists()


def test_only_the_callers_own_changes_are_listed(api_client, moj, me, in_department):
    with in_department(moj):
        BankDetailsChangeFactory(department=moj.department)  # a colleague's
        mine = BankDetailsChangeFactory(department=moj.department, employee=me)
    api_client.force_login(moj.employee)
    listed = api_client.get(_url(moj, "bank-details/changes/")).json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]


def test_no_record_another_department_and_tokens_are_refused(api_client, moj, dft, me, in_department):
    # someone without an employee record in the department
    api_client.force_login(moj.manager)
    assert api_client.get(_url(moj)).status_code == 404
    # someone from another department
    api_client.force_login(dft.employee)
    _step_up(api_client)
    assert api_client.get(_url(moj)).status_code == 404
    assert api_client.post(_url(moj, "bank-details/changes/"), NEW_ACCOUNT, format="json").status_code == 404
    # an API token, whatever its scopes, never steps up
    api_client.logout()
    _, raw = department_services.api_token_create(department=moj.department, name="Mobile", acting_user=None,
                                                  scopes=[Scope.HR_READ, Scope.HR_WRITE, Scope.HR_SENSITIVE])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.post(_url(moj, "bank-details/changes/"), NEW_ACCOUNT, format="json").status_code == 403
    with in_department(moj):
        assert not BankDetailsChange.objects.exists()


def test_the_schema_documents_the_operations_without_warnings(tmp_path):
    schema_file = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--file", str(schema_file))
    paths = yaml.safe_load(schema_file.read_text())["paths"]
    base = "/api/v1/me/departments/{department_slug}/bank-details/"
    assert paths[base]["get"]["operationId"] == "me_hr_bank_details_retrieve"
    assert paths[base + "changes/"]["get"]["operationId"] == "me_hr_bank_details_changes_list"
    create = paths[base + "changes/"]["post"]
    assert create["operationId"] == "me_hr_bank_details_changes_create"
    assert "403" in create["responses"]
