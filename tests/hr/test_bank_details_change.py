"""HR proposes a change of an employee's bank details on evidence: HR staff with hr:write and
hr:sensitive, after a recent second factor; formats and evidence checked with a message per field;
nothing changes until a second person checks it. And the checks every change shares: the formats
people type, "nothing changed" refused, scheduled changes applied when their period opens, once."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from departments.models import AuditEvent, Notification
from hr.models import BankDetailsChange, Employee
from hr.services.bank_details import (
    BankAccount,
    bank_account_checked,
    bank_details_change_propose,
    bank_details_changes_apply_due,
)
from hr.services.self_service import MAX_EVIDENCE_BYTES
from tests.factories import EmployeeFactory
from tests.factories.hr import BankDetailsChangeFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%a letter from the bank\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.fixture
def employee(moj, in_department):
    with in_department(moj):
        return EmployeeFactory(department=moj.department, bank_sort_code="089999", bank_account_number="66374958",
                               email="personal@example.test")


def _url(moj, employee):
    return f"/departments/{moj.slug}/hr/employees/{employee.payroll_number}/bank-details/"


def _proposal(evidence=PDF, name="letter.pdf", **fields):
    data = {"bank_sort_code": "30-99-50", "bank_account_number": "12345678", "building_society_roll_number": "",
            "reason": "The employee's letter of 3 December, posted from abroad"}
    data.update(fields)
    if evidence is not None:
        data["evidence"] = SimpleUploadedFile(name, evidence)
    return data


# --- The formats every change shares -------------------------------------------------------------

@pytest.mark.parametrize(("sort_code", "account_number", "roll_number", "expected"), [
    ("20-04-15", "38290008", "", BankAccount("200415", "38290008", "")),
    ("20 04 15", " 3829 0008 ", "", BankAccount("200415", "38290008", "")),
    ("200415", "38290008", "abc 123/4.5-6", BankAccount("200415", "38290008", "ABC123/4.5-6")),
])
def test_the_ways_people_type_an_account_are_read_alike(sort_code, account_number, roll_number, expected):
    assert bank_account_checked(sort_code=sort_code, account_number=account_number,
                                roll_number=roll_number) == expected


@pytest.mark.parametrize(("sort_code", "account_number", "roll_number", "field", "message"), [
    ("2004", "38290008", "", "bank_sort_code", "Enter a sort code of 6 digits, like 30-99-50"),
    ("20-04-1X", "38290008", "", "bank_sort_code", "Enter a sort code of 6 digits, like 30-99-50"),
    ("200415", "3829000", "", "bank_account_number", "Enter an 8-digit account number"),
    ("200415", "382900081", "", "bank_account_number", "Enter an 8-digit account number"),
    ("200415", "38290008", "A" * 19, "building_society_roll_number", "Enter a roll number of up to 18"),
    ("200415", "38290008", "ROLL#1", "building_society_roll_number", "Enter a roll number of up to 18"),
    ("", "38290008", "", "bank_sort_code", "Enter the sort code"),
])
def test_each_wrong_field_is_named_with_a_message_a_person_can_act_on(sort_code, account_number, roll_number,
                                                                      field, message):
    with pytest.raises(ValidationError) as refused:
        bank_account_checked(sort_code=sort_code, account_number=account_number, roll_number=roll_number)
    assert list(refused.value.message_dict) == [field]
    assert refused.value.message_dict[field][0].startswith(message)


# --- HR's proposal page ---------------------------------------------------------------------------

def test_an_hr_officer_proposes_a_change_on_evidence_and_nothing_changes_until_it_is_checked(
        client, moj, employee, in_department, stepped_up):
    client.force_login(moj.hr_officer)
    # without a recent second factor the page asks for one
    assert client.get(_url(moj, employee)).url.startswith("/accounts/confirm-its-you/?next=")
    stepped_up()
    page = client.get(_url(moj, employee)).content.decode()
    assert "Propose a change of bank details" in page
    assert "Sort code 08-99-99, account ending 4958" in page
    # when they propose a new account with a letter from the bank
    response = client.post(_url(moj, employee), _proposal())
    # then the proposal waits for a second person, with its evidence kept, and the record is as it was
    assert response.status_code == 302
    with in_department(moj):
        change = BankDetailsChange.objects.get()
        saved = Employee.objects.get(pk=employee.pk)
        event = AuditEvent.objects.get(action="bank_details_change.propose")
    assert (change.status, change.source, change.requested_by) == (
        BankDetailsChange.Status.AWAITING_CHECK, BankDetailsChange.Source.HR, moj.hr_officer)
    assert (change.sort_code, change.account_number) == ("309950", "12345678")
    assert change.evidence_name == "letter.pdf"
    assert change.evidence.name.startswith(f"hr/evidence/{moj.department.id}/")
    assert change.evidence.read() == PDF
    assert saved.bank_account_number == "66374958"
    assert "12345678" not in str(event.changes)
    assert event.reason == "The employee's letter of 3 December, posted from abroad"
    with in_department(moj):
        assert not Notification.objects.exists()
    # and the page now points at the change waiting, instead of offering another form
    page = client.get(_url(moj, employee)).content.decode()
    assert "is waiting for a second person's check" in page
    assert "Send for checking" not in page


@pytest.mark.parametrize("evidence", [PNG, JPEG])
def test_images_are_evidence_too(client, moj, employee, in_department, stepped_up, evidence):
    client.force_login(moj.hr_officer)
    stepped_up()
    assert client.post(_url(moj, employee), _proposal(evidence=evidence, name="scan")).status_code == 302
    with in_department(moj):
        assert BankDetailsChange.objects.get().evidence_name == "scan"


@pytest.mark.parametrize(("evidence", "name", "message"), [
    (None, "", "Choose the evidence file"),
    (b"MZ\x90\x00 not a document", "letter.pdf", "The evidence must be a PDF, JPEG or PNG file"),
    (b"<html>a page</html>", "letter.png", "The evidence must be a PDF, JPEG or PNG file"),
    (PDF + b"\x00" * MAX_EVIDENCE_BYTES, "big.pdf", "The evidence file must be smaller than 10 MB"),
])
def test_evidence_is_judged_by_its_bytes_and_size_and_nothing_is_kept_when_refused(
        client, moj, employee, in_department, stepped_up, evidence, name, message):
    client.force_login(moj.hr_officer)
    stepped_up()
    page = client.post(_url(moj, employee), _proposal(evidence=evidence, name=name)).content.decode()
    assert "There is a problem" in page
    assert message in page
    with in_department(moj):
        assert not BankDetailsChange.objects.exists()


def test_bad_details_and_a_missing_reason_are_refused_field_by_field(client, moj, employee, in_department,
                                                                     stepped_up):
    client.force_login(moj.hr_officer)
    stepped_up()
    page = client.post(_url(moj, employee), _proposal(bank_sort_code="12", bank_account_number="abc",
                                                      building_society_roll_number="ROLL<>",
                                                      reason=" ")).content.decode()
    assert "There is a problem" in page
    for message in ("Enter a sort code of 6 digits", "Enter an 8-digit account number", "Enter a roll number",
                    "Enter why the bank details are changing"):
        assert message in page
    with in_department(moj):
        assert not BankDetailsChange.objects.exists()
        assert not AuditEvent.objects.filter(action__startswith="bank_details_change").exists()


def test_the_same_account_again_is_refused_as_no_change(moj, employee):
    with pytest.raises(ValidationError, match="nothing changed"):
        bank_details_change_propose(employee=employee, sort_code="08-99-99", account_number="66374958",
                                    reason="Letter", evidence=SimpleUploadedFile("a.pdf", PDF),
                                    acting_user=moj.hr_officer)


def test_one_proposal_per_employee_waits_at_a_time(client, moj, employee, in_department, stepped_up):
    with in_department(moj):
        BankDetailsChangeFactory(department=moj.department, employee=employee, source=BankDetailsChange.Source.HR,
                                 status=BankDetailsChange.Status.AWAITING_CHECK, requested_by=moj.hr_admin)
    with pytest.raises(ValidationError, match="already waiting for a second person's check"):
        bank_details_change_propose(employee=employee, sort_code="309950", account_number="12345678",
                                    reason="Letter", evidence=SimpleUploadedFile("a.pdf", PDF),
                                    acting_user=moj.hr_officer)


def test_an_hr_officer_cannot_propose_a_change_to_their_own_bank_details(moj, in_department):
    with in_department(moj):
        own = EmployeeFactory(department=moj.department, user=moj.hr_officer, bank_sort_code="089999",
                              bank_account_number="66374958")
    with pytest.raises(ValidationError, match="your own bank details page") as refused:
        bank_details_change_propose(employee=own, sort_code="309950", account_number="12345678", reason="Mine",
                                    evidence=SimpleUploadedFile("a.pdf", PDF), acting_user=moj.hr_officer)
    assert refused.value.error_dict["__all__"][0].code == "four_eyes"


def test_people_without_hr_write_and_hr_sensitive_cannot_reach_the_page(client, moj, dft, employee, stepped_up):
    for person in (moj.payroll_officer, moj.manager, moj.employee):  # payroll: sensitive but no write
        client.force_login(person)
        stepped_up()
        assert client.get(_url(moj, employee)).status_code == 403
        assert client.post(_url(moj, employee), _proposal()).status_code == 403
    client.force_login(dft.hr_officer)
    stepped_up()
    assert client.get(_url(moj, employee)).status_code == 404


# --- Scheduled changes, when their period opens ----------------------------------------------------

def test_scheduled_changes_due_are_applied_once_and_later_ones_wait(moj, employee, in_department):
    # given two employees with changes scheduled: one from 1 January, one from 1 February
    january, february = datetime.date(2027, 1, 1), datetime.date(2027, 2, 1)
    with in_department(moj):
        other = EmployeeFactory(department=moj.department, bank_sort_code="111111", bank_account_number="22222222")
        due = BankDetailsChangeFactory(department=moj.department, employee=employee, effective_from=january,
                                       status=BankDetailsChange.Status.SCHEDULED, requested_by=moj.employee,
                                       previous_sort_code="089999", previous_account_number="66374958")
        later = BankDetailsChangeFactory(department=moj.department, employee=other, effective_from=february,
                                         status=BankDetailsChange.Status.SCHEDULED, sort_code="309950",
                                         account_number="12345678")
    # when payroll opens January's run
    applied = bank_details_changes_apply_due(department=moj.department, up_to=datetime.date(2027, 1, 31),
                                             acting_user=moj.payroll_officer)
    # then January's change is on the record, February's still waits
    assert applied == 1
    with in_department(moj):
        due.refresh_from_db()
        later.refresh_from_db()
        assert Employee.objects.get(pk=employee.pk).bank_account_number == due.account_number
        assert Employee.objects.get(pk=other.pk).bank_account_number == "22222222"
        event = AuditEvent.objects.get(action="employee.bank_details_change")
    assert due.status == BankDetailsChange.Status.APPLIED
    assert due.applied_at is not None
    assert later.status == BankDetailsChange.Status.SCHEDULED
    assert event.actor == moj.payroll_officer
    assert "Scheduled from 1 January 2027" in event.reason
    # and doing it again applies nothing more
    assert bank_details_changes_apply_due(department=moj.department, up_to=datetime.date(2027, 1, 31)) == 0
    with in_department(moj):
        assert AuditEvent.objects.filter(action="employee.bank_details_change").count() == 1


def test_applying_records_what_the_change_actually_replaced(moj, employee, in_department):
    # given the account changed after the change was scheduled (say, by an import)
    with in_department(moj):
        change = BankDetailsChangeFactory(department=moj.department, employee=employee,
                                          effective_from=timezone.localdate(),
                                          status=BankDetailsChange.Status.SCHEDULED)
        Employee.objects.filter(pk=employee.pk).update(bank_sort_code="404784", bank_account_number="70872490")
    bank_details_changes_apply_due(department=moj.department, up_to=timezone.localdate())
    with in_department(moj):
        change.refresh_from_db()
    assert (change.previous_sort_code, change.previous_account_number) == ("404784", "70872490")


def test_applying_in_one_department_leaves_the_other_alone(moj, dft, in_department):
    with in_department(dft):
        theirs = BankDetailsChangeFactory(department=dft.department, effective_from=datetime.date(2027, 1, 1),
                                          status=BankDetailsChange.Status.SCHEDULED)
    assert bank_details_changes_apply_due(department=moj.department, up_to=datetime.date(2027, 1, 31)) == 0
    with in_department(dft):
        theirs.refresh_from_db()
    assert theirs.status == BankDetailsChange.Status.SCHEDULED
