"""Employees ask HR to change their name, date of birth or NI number with evidence; another HR
officer approves (the record changes, audited) or rejects with a reason, and the employee is told.
The evidence is served only through a view that checks who asks."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from departments.models import AuditEvent, Notification
from hr.models import DetailChangeRequest, Employee
from hr.services.self_service import detail_change_request_create, detail_change_request_decide
from tests.factories import EmployeeFactory
from tests.factories.hr import DetailChangeRequestFactory

pytestmark = pytest.mark.django_db
D = datetime.date
PDF = b"%PDF-1.4\n%a marriage certificate\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def people(moj, in_department):
    """Esme (the "employee" persona), Nia (the "manager" persona) and Hal, the HR officer's own record."""
    esme = EmployeeFactory(department=moj.department, payroll_number="E0001", first_name="Esme", last_name="Smith",
                           date_of_birth=D(1985, 5, 17), ni_number="JM123456C", email="esme@home.example",
                           user=moj.employee)
    nia = EmployeeFactory(department=moj.department, payroll_number="E0002", first_name="Nia", last_name="Bell",
                          ni_number="CE987654B", user=moj.manager)
    hal = EmployeeFactory(department=moj.department, payroll_number="E0003", first_name="Hal", last_name="Ode",
                          user=moj.hr_officer)
    return {"esme": esme, "nia": nia, "hal": hal}


def _ask(moj, section: str) -> str:
    return f"/departments/{moj.slug}/hr/me/details/ask/{section}/"


def _queue(moj, rest: str = "") -> str:
    return f"/departments/{moj.slug}/hr/detail-requests/{rest}"


def _file(content: bytes = PDF, name: str = "certificate.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _requests(moj, in_department):
    with in_department(moj):
        return list(DetailChangeRequest.objects.order_by("pk"))


def _name_request(moj, esme, in_department, last_name="Okafor"):
    return detail_change_request_create(employee=esme, changes={"first_name": "Esme", "last_name": last_name},
                                        reason="Married in October", evidence=_file(), evidence_name="cert.pdf",
                                        acting_user=moj.employee)


def test_an_employee_asks_for_a_new_last_name_with_evidence_and_sees_it_waiting(client, moj, people,
                                                                                in_department):
    # given
    client.force_login(moj.employee)
    # when
    response = client.post(_ask(moj, "name"), {"first_name": "Esme", "last_name": "Okafor",
                                               "reason": "Married in October", "evidence": _file()}, follow=True)
    # then only the name that changes is asked for, beside the one held
    body = response.content.decode()
    assert "Your request has been sent to HR" in body
    assert "Waiting for HR" in body
    [request] = _requests(moj, in_department)
    assert (request.requested, request.current) == ({"last_name": "Okafor"}, {"last_name": "Smith"})
    assert (request.status, request.requested_by, request.evidence_name) == ("pending", moj.employee,
                                                                             "certificate.pdf")
    # and the evidence is kept under the department's folder with a random name, outside any public address
    stored = Path(request.evidence.path)
    assert stored.read_bytes() == PDF
    assert f"hr/evidence/{moj.id}/" in request.evidence.name
    assert "certificate" not in request.evidence.name
    assert client.get(f"{settings.MEDIA_URL}{request.evidence.name}").status_code == 404
    with in_department(moj):
        assert Employee.objects.get(pk=people["esme"].pk).last_name == "Smith"
        assert AuditEvent.objects.filter(action="employee.details_change_request_create").count() == 1


@pytest.mark.parametrize(("upload", "message"), [
    (SimpleUploadedFile("certificate.pdf", b"just some text, named as a PDF"), "must be a PDF, JPG or PNG"),
    (SimpleUploadedFile("photo.png", b"GIF89a" + b"\x00" * 10), "must be a PDF, JPG or PNG"),
    (SimpleUploadedFile("huge.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)), "smaller than 10 MB"),
    (None, "Choose a file that shows the change"),
])
def test_evidence_must_be_a_pdf_jpeg_or_png_by_content_and_at_most_10_mb(client, moj, people, in_department, upload,
                                                                         message):
    # given
    client.force_login(moj.employee)
    data = {"first_name": "Esme", "last_name": "Okafor", "reason": "Married"}
    if upload is not None:
        data["evidence"] = upload
    # when
    response = client.post(_ask(moj, "name"), data)
    # then
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert message in body
    assert 'href="#id_evidence"' in body
    assert not _requests(moj, in_department)


def test_a_png_and_a_jpeg_are_accepted_as_evidence(moj, people, in_department):
    for content, name in ((PNG, "scan.png"), (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "photo.jpg")):
        # when
        change = detail_change_request_create(employee=people["esme"], changes={"ni_number": "ab 12 34 56 c"},
                                              reason="HMRC letter", evidence=_file(content, name),
                                              evidence_name=name, acting_user=moj.employee)
        # then
        assert change.requested == {"ni_number": "AB123456C"}
        with in_department(moj):
            change.status = DetailChangeRequest.Status.WITHDRAWN
            change.save(update_fields=["status"])


def test_a_request_needs_a_reason_and_a_different_value(client, moj, people, in_department):
    # given
    client.force_login(moj.employee)
    # when no reason is given, then the name held is asked for
    unexplained = client.post(_ask(moj, "name"), {"first_name": "Esme", "last_name": "", "evidence": _file()})
    unchanged = client.post(_ask(moj, "name"), {"first_name": "Esme", "last_name": "Smith", "reason": "Married",
                                                "evidence": _file()})
    # then
    body = unexplained.content.decode()
    assert "Enter why the details should change" in body
    assert "Enter your last name" in body
    body = unchanged.content.decode()
    assert "This is the first name already held" in body
    assert "This is the last name already held" in body
    assert not _requests(moj, in_department)


def test_a_date_of_birth_must_be_a_real_date_in_the_past(client, moj, people, in_department):
    # given
    client.force_login(moj.employee)
    future = timezone.localdate() + datetime.timedelta(days=10)
    # when
    bad = client.post(_ask(moj, "date-of-birth"), {"date_of_birth-day": "31", "date_of_birth-month": "2",
                                                   "date_of_birth-year": "1985", "reason": "Typo",
                                                   "evidence": _file()})
    later = client.post(_ask(moj, "date-of-birth"), {"date_of_birth-day": str(future.day),
                                                     "date_of_birth-month": str(future.month),
                                                     "date_of_birth-year": str(future.year), "reason": "Typo",
                                                     "evidence": _file()})
    good = client.post(_ask(moj, "date-of-birth"), {"date_of_birth-day": "7", "date_of_birth-month": "5",
                                                    "date_of_birth-year": "1985", "reason": "Typo",
                                                    "evidence": _file()})
    # then
    assert "Date of birth must be a real date" in bad.content.decode()
    assert "Date of birth must be a real date in the past" in later.content.decode()
    assert good.status_code == 302
    [request] = _requests(moj, in_department)
    assert request.requested == {"date_of_birth": "1985-05-07"}
    assert request.current == {"date_of_birth": "1985-05-17"}


def test_a_field_may_wait_in_one_request_at_a_time_until_it_is_withdrawn(client, moj, people, in_department):
    # given a waiting request for a new last name
    first = _name_request(moj, people["esme"], in_department)
    # when another is asked for the same field
    with pytest.raises(ValidationError) as refused:
        _name_request(moj, people["esme"], in_department, last_name="Okafor-Smith")
    # then
    assert "already waiting for HR" in refused.value.message_dict["last_name"][0]
    # and once withdrawn, from the details page, it may be asked again
    client.force_login(moj.employee)
    response = client.post(f"/departments/{moj.slug}/hr/me/details/requests/{first.pk}/withdraw/", follow=True)
    assert "is withdrawn" in response.content.decode()
    assert _name_request(moj, people["esme"], in_department, last_name="Okafor-Smith").status == "pending"
    assert [row.status for row in _requests(moj, in_department)] == ["withdrawn", "pending"]


def test_an_employee_cannot_withdraw_someone_elses_request(client, moj, people, in_department):
    # given Nia's request
    nias = DetailChangeRequestFactory(department=moj.department, employee=people["nia"], requested_by=moj.manager)
    client.force_login(moj.employee)
    # when Esme posts its id
    response = client.post(f"/departments/{moj.slug}/hr/me/details/requests/{nias.pk}/withdraw/")
    # then
    assert response.status_code == 404
    assert _requests(moj, in_department)[0].status == "pending"


def test_hr_approves_a_request_and_the_record_changes_audited_and_the_employee_is_told(client, moj, people,
                                                                                       in_department):
    # given
    request = _name_request(moj, people["esme"], in_department)
    client.force_login(moj.hr_officer)
    # when the officer finds it in the queue and approves it
    queue = client.get(_queue(moj)).content.decode()
    page = client.get(_queue(moj, f"{request.pk}/")).content.decode()
    response = client.post(_queue(moj, f"{request.pk}/"), {"decision": "approve", "note": ""}, follow=True)
    # then
    assert "Esme Smith (E0001)" in queue
    assert "Okafor" in page
    assert "Smith" in page
    assert "Download certificate.pdf" not in page
    assert "Download cert.pdf" in page
    assert "Approved: Esme Smith" in response.content.decode()
    with in_department(moj):
        esme = Employee.objects.get(pk=people["esme"].pk)
        audit = AuditEvent.objects.get(action="employee.details_change_request_approve")
        [notice] = Notification.objects.filter(kind=Notification.Kind.REQUEST_DECIDED)
    assert esme.last_name == "Okafor"
    assert (audit.object_type, audit.object_id, audit.actor) == ("hr.employee", str(esme.pk), moj.hr_officer)
    assert audit.changes == {"last_name": {"before": "Smith", "after": "Okafor"}}
    assert [row.status for row in _requests(moj, in_department)] == ["approved"]
    assert notice.to_address == "esme@home.example"
    assert "approved" in notice.subject


def test_a_sensitive_change_is_audited_masked(moj, people, in_department):
    # given
    request = detail_change_request_create(employee=people["esme"], changes={"date_of_birth": D(1985, 7, 5)},
                                           reason="Typo", evidence=_file(), acting_user=moj.employee)
    # when
    detail_change_request_decide(change_request=request, approve=True, acting_user=moj.hr_officer)
    # then
    with in_department(moj):
        audit = AuditEvent.objects.get(action="employee.details_change_request_approve")
        assert Employee.objects.get(pk=people["esme"].pk).date_of_birth == D(1985, 7, 5)
    assert audit.changes == {"date_of_birth": {"before": "••••", "after": "••••"}}


def test_rejecting_needs_a_reason_which_the_employee_is_told(client, moj, people, in_department):
    # given
    request = _name_request(moj, people["esme"], in_department)
    client.force_login(moj.hr_officer)
    # when rejected without a note, then with one
    bare = client.post(_queue(moj, f"{request.pk}/"), {"decision": "reject", "note": ""})
    client.post(_queue(moj, f"{request.pk}/"), {"decision": "reject", "note": "The certificate is unreadable"})
    # then
    assert "Enter the reason for rejecting the request" in bare.content.decode()
    [row] = _requests(moj, in_department)
    assert (row.status, row.decision_note, row.decided_by) == ("rejected", "The certificate is unreadable",
                                                               moj.hr_officer)
    with in_department(moj):
        assert Employee.objects.get(pk=people["esme"].pk).last_name == "Smith"
        [notice] = Notification.objects.filter(kind=Notification.Kind.REQUEST_DECIDED)
    assert "The certificate is unreadable" in notice.body


def test_an_hr_officer_cannot_decide_a_request_about_their_own_record(client, moj, people, in_department):
    # given the HR officer's own request
    request = detail_change_request_create(employee=people["hal"], changes={"last_name": "Odell"},
                                           reason="Deed poll", evidence=_file(), acting_user=moj.hr_officer)
    client.force_login(moj.hr_officer)
    # when they open it and try to approve it
    page = client.get(_queue(moj, f"{request.pk}/")).content.decode()
    response = client.post(_queue(moj, f"{request.pk}/"), {"decision": "approve"})
    # then
    assert "another HR officer must decide it" in page
    assert "another HR officer must decide it" in response.content.decode()
    assert _requests(moj, in_department)[0].status == "pending"
    # and the HR admin may
    detail_change_request_decide(change_request=request, approve=True, acting_user=moj.hr_admin)
    assert _requests(moj, in_department)[0].status == "approved"


def test_an_ni_number_another_employee_holds_is_refused_at_approval(moj, people, in_department):
    # given a request for Nia's number
    request = detail_change_request_create(employee=people["esme"], changes={"ni_number": "CE987654B"},
                                           reason="HMRC letter", evidence=_file(), acting_user=moj.employee)
    # when
    with pytest.raises(ValidationError) as refused:
        detail_change_request_decide(change_request=request, approve=True, acting_user=moj.hr_officer)
    # then
    assert "Another employee" in refused.value.message_dict["ni_number"][0]
    with in_department(moj):
        assert Employee.objects.get(pk=people["esme"].pk).ni_number == "JM123456C"


def test_a_decided_request_cannot_be_decided_again(client, moj, people, in_department):
    # given
    request = _name_request(moj, people["esme"], in_department)
    detail_change_request_decide(change_request=request, approve=False, acting_user=moj.hr_officer, note="No")
    client.force_login(moj.hr_admin)
    # when
    response = client.post(_queue(moj, f"{request.pk}/"), {"decision": "approve"}, follow=True)
    # then
    assert "no longer waiting" in response.content.decode()
    assert _requests(moj, in_department)[0].status == "rejected"


def test_the_evidence_is_served_to_hr_and_the_employee_and_not_found_for_anyone_else(client, moj, dft, people,
                                                                                    in_department):
    # given
    request = _name_request(moj, people["esme"], in_department)
    address = _queue(moj, f"{request.pk}/evidence/")
    # when HR and Esme download it
    client.force_login(moj.hr_officer)
    hr_copy = client.get(address)
    client.force_login(moj.employee)
    own_copy = client.get(address)
    # then
    assert hr_copy.status_code == 200
    assert b"".join(hr_copy.streaming_content) == PDF
    assert hr_copy["Content-Type"] == "application/pdf"
    assert hr_copy["Content-Disposition"].startswith("attachment")
    assert hr_copy["X-Content-Type-Options"] == "nosniff"
    assert own_copy.status_code == 200
    # and a colleague, the line manager and another department are not found
    for user in (moj.manager, dft.employee):
        client.force_login(user)
        assert client.get(address).status_code == 404


@pytest.mark.parametrize("persona", ["employee", "manager", "auditor", "payroll_officer"])
def test_the_queue_is_for_hr_officers_who_change_sensitive_records(client, moj, people, in_department, persona):
    # given
    request = _name_request(moj, people["esme"], in_department)
    client.force_login(getattr(moj, persona))
    # then
    assert client.get(_queue(moj)).status_code == 403
    assert client.get(_queue(moj, f"{request.pk}/")).status_code == 403
    assert client.post(_queue(moj, f"{request.pk}/"), {"decision": "approve"}).status_code == 403


def test_another_departments_hr_officer_cannot_see_the_request(client, moj, dft, people, in_department):
    # given
    request = _name_request(moj, people["esme"], in_department)
    client.force_login(dft.hr_officer)
    # then
    assert client.get(_queue(moj, f"{request.pk}/")).status_code == 404
    assert client.get(f"/departments/{dft.slug}/hr/detail-requests/{request.pk}/").status_code == 404


def test_evidence_missing_from_storage_is_not_found_rather_than_an_error(client, moj, people, in_department):
    # given a request whose stored file has gone
    request = _name_request(moj, people["esme"], in_department)
    Path(request.evidence.path).unlink()
    client.force_login(moj.hr_officer)
    # then
    assert client.get(_queue(moj, f"{request.pk}/evidence/")).status_code == 404
