"""The self-service API for one's own details: read them, change contact details, and ask HR for
the rest with evidence. Only the caller's own records are reachable; wrong input is a 400
problem naming the field, and the operations are in the schema."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator

from departments import services as department_services
from departments.models import AuditEvent
from departments.roles import TOKEN_SCOPES
from hr.models import DetailChangeRequest, Employee
from tests.factories import EmployeeFactory
from tests.factories.hr import DetailChangeRequestFactory

pytestmark = pytest.mark.django_db
D = datetime.date
PROBLEM = "application/problem+json"
PDF = b"%PDF-1.4\n%deed poll\n"


@pytest.fixture
def people(moj):
    esme = EmployeeFactory(department=moj.department, payroll_number="E0001", first_name="Esme", last_name="Smith",
                           date_of_birth=D(1985, 5, 17), ni_number="JM123456C", address_line_1="1 Old Street",
                           town="Leeds", postcode="LS1 4AP", email="esme@home.example", user=moj.employee)
    nia = EmployeeFactory(department=moj.department, payroll_number="E0002", first_name="Nia", last_name="Bell",
                          user=moj.manager)
    return {"esme": esme, "nia": nia}


def _me(moj, rest: str = "") -> str:
    return f"/api/v1/me/departments/{moj.slug}/details/{rest}"


def _fields(response) -> set[str]:
    return {error["field"] for error in response.json()["errors"]}


def test_the_caller_reads_their_own_details_with_the_ni_number_hidden_but_its_last_three(api_client, moj, people):
    # given
    api_client.force_login(moj.employee)
    # when
    response = api_client.get(_me(moj))
    # then
    body = response.json()
    assert response.status_code == 200
    assert (body["payroll_number"], body["last_name"], body["date_of_birth"]) == ("E0001", "Smith", "1985-05-17")
    assert body["ni_number"].endswith("56C")
    assert "JM" not in body["ni_number"]
    assert "postcode" in body["changeable_fields"]
    assert "last_name" in body["requestable_fields"]
    assert body["fields_waiting_for_hr"] == []


def test_patch_changes_contact_details_and_audits_them(api_client, moj, people, in_department):
    # given
    api_client.force_login(moj.employee)
    # when
    response = api_client.patch(_me(moj), {"phone": "07700 900 982", "postcode": "ls2 7ab"}, format="json")
    # then
    assert response.status_code == 200
    assert (response.json()["phone"], response.json()["postcode"]) == ("07700 900 982", "LS2 7AB")
    with in_department(moj):
        audit = AuditEvent.objects.get(action="employee.personal_details_change")
    assert set(audit.changes) == {"phone", "postcode"}
    assert audit.object_id == str(people["esme"].pk)


@pytest.mark.parametrize(("data", "field"), [
    ({"last_name": "Okafor"}, "last_name"),
    ({"annual_salary": "90000"}, "annual_salary"),
    ({"phone": "07700 900 982", "bank_account_number": "12345678"}, "bank_account_number"),
    ({"postcode": "nowhere"}, "postcode"),
    ({"email": "not-an-address"}, "email"),
])
def test_patch_refuses_fields_it_does_not_take_and_bad_values_naming_the_field(api_client, moj, people,
                                                                               in_department, data, field):
    # given
    api_client.force_login(moj.employee)
    # when
    response = api_client.patch(_me(moj), data, format="json")
    # then
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert field in _fields(response)
    with in_department(moj):
        esme = Employee.objects.get(pk=people["esme"].pk)
        assert not AuditEvent.objects.filter(action="employee.personal_details_change").exists()
    assert (esme.last_name, esme.phone, esme.postcode) == ("Smith", "", "LS1 4AP")


def test_a_change_request_is_made_listed_read_and_withdrawn(api_client, moj, people, in_department):
    # given
    api_client.force_login(moj.employee)
    # when
    created = api_client.post(_me(moj, "change-requests/"), {
        "last_name": "Okafor", "reason": "Married", "evidence": SimpleUploadedFile("deed.pdf", PDF)},
        format="multipart")
    request_id = created.json()["id"]
    listed = api_client.get(_me(moj, "change-requests/"))
    details = api_client.get(_me(moj))
    read = api_client.get(_me(moj, f"change-requests/{request_id}/"))
    withdrawn = api_client.post(_me(moj, f"change-requests/{request_id}/withdraw/"))
    again = api_client.post(_me(moj, f"change-requests/{request_id}/withdraw/"))
    # then
    assert created.status_code == 201
    assert created.json()["requested"] == {"last_name": "Okafor"}
    assert created.json()["status"] == "pending"
    assert listed.json()["count"] == 1
    assert listed.json()["results"][0]["id"] == request_id
    assert details.json()["fields_waiting_for_hr"] == ["last_name"]
    assert read.json()["evidence_name"] == "deed.pdf"
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    assert again.status_code == 400
    assert "status" in _fields(again)


def test_the_current_ni_number_of_a_request_is_shown_by_its_last_three_only(api_client, moj, people):
    # given
    api_client.force_login(moj.employee)
    # when
    created = api_client.post(_me(moj, "change-requests/"), {
        "ni_number": "AB123456C", "reason": "HMRC letter", "evidence": SimpleUploadedFile("letter.pdf", PDF)},
        format="multipart")
    # then
    assert created.json()["requested"] == {"ni_number": "AB123456C"}
    assert created.json()["current"]["ni_number"].endswith("56C")
    assert "JM" not in created.json()["current"]["ni_number"]


@pytest.mark.parametrize(("data", "field"), [
    ({"last_name": "Okafor", "reason": "Married", "evidence": SimpleUploadedFile("deed.pdf", b"plain text")},
     "evidence"),
    ({"last_name": "Okafor", "reason": "Married"}, "evidence"),
    ({"last_name": "Okafor", "evidence": SimpleUploadedFile("deed.pdf", PDF)}, "reason"),
    ({"ni_number": "not a number", "reason": "Letter", "evidence": SimpleUploadedFile("deed.pdf", PDF)},
     "ni_number"),
    ({"town": "York", "reason": "Moved", "evidence": SimpleUploadedFile("deed.pdf", PDF)}, "town"),
    ({"date_of_birth": "1985-02-31", "reason": "Typo", "evidence": SimpleUploadedFile("deed.pdf", PDF)},
     "date_of_birth"),
])
def test_a_bad_change_request_is_a_400_naming_the_field_and_nothing_is_made(api_client, moj, people, in_department,
                                                                          data, field):
    # given
    api_client.force_login(moj.employee)
    # when
    response = api_client.post(_me(moj, "change-requests/"), data, format="multipart")
    # then
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert field in _fields(response)
    with in_department(moj):
        assert not DetailChangeRequest.objects.exists()


def test_a_change_request_must_be_multipart(api_client, moj, people):
    api_client.force_login(moj.employee)
    response = api_client.post(_me(moj, "change-requests/"), {"last_name": "Okafor", "reason": "Married"},
                               format="json")
    assert response.status_code == 415
    assert response["Content-Type"] == PROBLEM


def test_another_employees_request_is_not_found(api_client, moj, people, in_department):
    # given Nia's request
    nias = DetailChangeRequestFactory(department=moj.department, employee=people["nia"], requested_by=moj.manager)
    api_client.force_login(moj.employee)
    # when Esme uses its id
    read = api_client.get(_me(moj, f"change-requests/{nias.pk}/"))
    withdrawn = api_client.post(_me(moj, f"change-requests/{nias.pk}/withdraw/"))
    listed = api_client.get(_me(moj, "change-requests/"))
    # then
    assert (read.status_code, withdrawn.status_code) == (404, 404)
    assert read["Content-Type"] == PROBLEM
    assert listed.json()["count"] == 0
    with in_department(moj):
        assert DetailChangeRequest.objects.get(pk=nias.pk).status == "pending"


def test_a_caller_without_an_employee_record_gets_404(api_client, moj, people):
    api_client.force_login(moj.payroll_officer)
    response = api_client.get(_me(moj))
    assert response.status_code == 404
    assert "not linked to an employee record" in response.json()["detail"]


def test_another_departments_employee_gets_404(api_client, moj, dft, people):
    api_client.force_login(dft.employee)
    assert api_client.get(_me(moj)).status_code == 404
    assert api_client.patch(_me(moj), {"phone": "07700 900 982"}, format="json").status_code == 404


def test_a_department_token_has_no_self_service_even_when_its_user_is_linked_to_a_record(api_client, moj, people,
                                                                                         in_department):
    # given a token with every scope a token may carry, its service user linked to Esme's record
    api_token, raw = department_services.api_token_create(department=moj.department, name="App",
                                                          scopes=sorted(TOKEN_SCOPES), acting_user=None)
    with in_department(moj):
        Employee.objects.filter(pk=people["esme"].pk).update(user=api_token.user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    # then self-service stays a person's own
    assert api_client.get(_me(moj)).status_code == 403
    assert api_client.patch(_me(moj), {"phone": "07700 900 982"}, format="json").status_code == 403
    assert api_client.get(_me(moj, "change-requests/")).status_code == 403


def test_the_operations_are_documented_in_the_schema():
    # when
    schema = SchemaGenerator().get_schema(request=None, public=True)
    # then
    base = "/api/v1/me/departments/{department_slug}/details/"
    paths = schema["paths"]
    assert paths[base]["get"]["operationId"] == "me_details_retrieve"
    assert paths[base]["patch"]["operationId"] == "me_details_change"
    assert paths[base + "change-requests/"]["post"]["operationId"] == "me_detail_change_requests_create"
    assert "multipart/form-data" in paths[base + "change-requests/"]["post"]["requestBody"]["content"]
    assert paths[base + "change-requests/"]["get"]["operationId"] == "me_detail_change_requests_list"
    assert paths[base + "change-requests/{request_id}/"]["get"]["operationId"] == "me_detail_change_requests_retrieve"
    assert (paths[base + "change-requests/{request_id}/withdraw/"]["post"]["operationId"]
            == "me_detail_change_requests_withdraw")


def test_every_route_answers_404_to_another_departments_token(api_client, moj, dft, people):
    # given a dft token holding every scope a token may carry
    _, raw = department_services.api_token_create(department=dft.department, name="Everything",
                                                  scopes=sorted(TOKEN_SCOPES), acting_user=None)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    # when it calls each of moj's addresses
    calls = [("get", ""), ("patch", ""), ("get", "change-requests/"), ("post", "change-requests/"),
             ("get", "change-requests/1/"), ("post", "change-requests/1/withdraw/")]
    answers = {f"{method} {rest}": getattr(api_client, method)(_me(moj, rest)).status_code for method, rest in calls}
    # then every one is "not found"
    assert set(answers.values()) == {404}, answers
