"""Employees see their own details and change their contact details themselves; each change is
audited as a personal details change, e-mailed to them, and visible to HR."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from departments.models import AuditEvent, Notification
from hr.models import Employee
from hr.services.self_service import employee_personal_details_change
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def esme(moj, in_department):
    """The moj "employee" persona's record, with contact details and an NI number."""
    employee = EmployeeFactory(department=moj.department, payroll_number="E0001", first_name="Esme",
                               last_name="Quarshie", date_of_birth=D(1985, 5, 17), ni_number="JM123456C",
                               address_line_1="1 Old Street", town="Leeds", postcode="LS1 4AP", phone="0113 496 0000",
                               email="esme@home.example", user=moj.employee)
    return employee


def _details(moj) -> str:
    return f"/departments/{moj.slug}/hr/me/details/"


def _change(moj, section: str) -> str:
    return f"/departments/{moj.slug}/hr/me/details/change/{section}/"


def _audits(moj, in_department, employee):
    with in_department(moj):
        return list(AuditEvent.objects.filter(action="employee.personal_details_change", object_id=str(employee.pk)))


def _notifications(moj, in_department):
    with in_department(moj):
        return list(Notification.objects.filter(kind=Notification.Kind.DETAILS_CHANGED))


def test_your_details_lists_each_detail_with_the_ni_number_hidden_but_its_last_three(client, moj, esme):
    # given
    client.force_login(moj.employee)
    # when
    response = client.get(_details(moj))
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "Esme Quarshie" in body
    assert "17 May 1985" in body
    assert "1 Old Street" in body
    assert "56C" in body
    assert "JM123456C" not in body
    assert "JM 12" not in body
    for section in ("address", "phone", "email", "emergency-contact"):
        assert f"/hr/me/details/change/{section}/" in body
    for section in ("name", "date-of-birth", "ni-number"):
        assert f"/hr/me/details/ask/{section}/" in body


def test_an_account_without_an_employee_record_is_told_to_ask_hr_and_cannot_reach_the_forms(client, moj, esme):
    # given the payroll officer persona, whose account no record names
    client.force_login(moj.payroll_officer)
    # when
    page = client.get(_details(moj))
    form = client.get(_change(moj, "address"))
    # then
    assert "not linked to an employee record" in page.content.decode()
    assert form.status_code == 302
    assert form["Location"] == _details(moj)


def test_an_employee_changes_their_address_audited_field_by_field_and_told_by_email(client, moj, esme,
                                                                                    in_department):
    # given
    client.force_login(moj.employee)
    # when
    response = client.post(_change(moj, "address"), {"address_line_1": "22  New Road", "address_line_2": "",
                                                      "town": "York", "postcode": "yo1 7hh"}, follow=True)
    # then the record holds the new address, the postcode in its usual form
    assert "Your address has been changed" in response.content.decode()
    with in_department(moj):
        esme.refresh_from_db()
    assert (esme.address_line_1, esme.town, esme.postcode) == ("22 New Road", "York", "YO1 7HH")
    # and the audit row names each field with its value before and after
    [audit] = _audits(moj, in_department, esme)
    assert audit.object_type == "hr.employee"
    assert audit.actor == moj.employee
    assert audit.changes == {"address_line_1": {"before": "1 Old Street", "after": "22 New Road"},
                             "postcode": {"before": "LS1 4AP", "after": "YO1 7HH"},
                             "town": {"before": "Leeds", "after": "York"}}
    # and the employee is told at their personal address
    [notice] = _notifications(moj, in_department)
    assert notice.to_address == "esme@home.example"
    assert notice.user == moj.employee
    assert "You changed" in notice.body
    assert "contact HR" in notice.body
    assert "town or city" in notice.body


def test_a_new_personal_email_is_announced_to_the_old_address(client, moj, esme, in_department):
    # given
    client.force_login(moj.employee)
    # when
    client.post(_change(moj, "email"), {"email": "esme.q@elsewhere.example"})
    # then
    with in_department(moj):
        esme.refresh_from_db()
    assert esme.email == "esme.q@elsewhere.example"
    [notice] = _notifications(moj, in_department)
    assert notice.to_address == "esme@home.example"
    assert "personal e-mail address" in notice.body


@pytest.mark.parametrize(("section", "data", "messages"), [
    ("address", {"address_line_1": "", "town": "", "postcode": "NOT A CODE"},
     ["Enter address line 1, typically the building and street", "Enter town or city",
      "Enter a real UK postcode, like SW1A 2AA"]),
    ("phone", {"phone": "call me maybe"}, ["Enter a phone number, like 01632 960 001"]),
    ("email", {"email": "esme-at-home"}, ["Enter an e-mail address in the correct format, like name@example.com"]),
    ("emergency-contact", {"emergency_contact_name": "Kwame Quarshie", "emergency_contact_relationship": "",
                           "emergency_contact_phone": "07700 900 982"},
     ["Enter how your emergency contact is related to you, like partner or friend"]),
])
def test_bad_contact_details_show_an_error_summary_naming_the_field_and_change_nothing(
        client, moj, esme, in_department, section, data, messages):
    # given
    client.force_login(moj.employee)
    # when
    response = client.post(_change(moj, section), data)
    # then
    body = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 200
    assert "govuk-error-summary" in body
    for message in messages:
        assert message in body
    with in_department(moj):
        assert Employee.objects.get(pk=esme.pk).address_line_1 == "1 Old Street"
        assert Employee.objects.get(pk=esme.pk).email == "esme@home.example"
    assert not _audits(moj, in_department, esme)
    assert not _notifications(moj, in_department)


def test_an_emergency_contact_is_saved_whole_and_can_be_removed(client, moj, esme, in_department):
    # given
    client.force_login(moj.employee)
    # when it is added, then removed by emptying all three
    client.post(_change(moj, "emergency-contact"), {
        "emergency_contact_name": "Kwame Quarshie", "emergency_contact_relationship": "Brother",
        "emergency_contact_phone": "07700 900 982"})
    with in_department(moj):
        esme.refresh_from_db()
    added = (esme.emergency_contact_name, esme.emergency_contact_relationship, esme.emergency_contact_phone)
    client.post(_change(moj, "emergency-contact"), {
        "emergency_contact_name": "", "emergency_contact_relationship": "", "emergency_contact_phone": ""})
    # then
    assert added == ("Kwame Quarshie", "Brother", "07700 900 982")
    with in_department(moj):
        esme.refresh_from_db()
    assert esme.emergency_contact_name == ""
    assert len(_audits(moj, in_department, esme)) == 2


def test_saving_the_details_already_held_is_refused_as_no_change(client, moj, esme, in_department):
    # given
    client.force_login(moj.employee)
    # when
    response = client.post(_change(moj, "phone"), {"phone": "0113 496 0000"})
    # then
    assert "These are the details already held: nothing changed" in response.content.decode()
    assert not _audits(moj, in_department, esme)


def test_an_unknown_part_of_the_details_is_not_found(client, moj, esme):
    client.force_login(moj.employee)
    assert client.get(_change(moj, "salary")).status_code == 404


def test_the_service_refuses_identity_and_unknown_fields_naming_each_and_writes_nothing(moj, esme, in_department):
    # when
    with pytest.raises(ValidationError) as refused:
        employee_personal_details_change(employee=esme, changes={"last_name": "Okafor", "bank_sort_code": "200415",
                                                                  "phone": "0113 496 0999"},
                                         acting_user=moj.employee)
    # then
    errors = refused.value.message_dict
    assert set(errors) == {"last_name", "bank_sort_code"}
    assert "changed by HR" in errors["last_name"][0]
    with in_department(moj):
        assert Employee.objects.get(pk=esme.pk).phone == "0113 496 0000"
    assert not _audits(moj, in_department, esme)


def test_hr_changes_contact_details_under_the_same_audit_action_and_the_email_says_hr_did(moj, esme,
                                                                                          in_department):
    # when
    employee_personal_details_change(employee=esme, changes={"phone": "+44 808 157 0192"},
                                     acting_user=moj.hr_officer, reason="Phoned in")
    # then
    [audit] = _audits(moj, in_department, esme)
    assert audit.actor == moj.hr_officer
    assert audit.reason == "Phoned in"
    assert audit.changes == {"phone": {"before": "0113 496 0000", "after": "+44 808 157 0192"}}
    [notice] = _notifications(moj, in_department)
    assert "HR changed" in notice.body


def test_an_employee_of_another_department_cannot_reach_these_pages(client, moj, dft, esme):
    # given dft's employee persona, who has no access to moj
    client.force_login(dft.employee)
    # then
    assert client.get(_details(moj)).status_code == 404
    assert client.post(_change(moj, "phone"), {"phone": "0113 496 0999"}).status_code == 404


def test_hr_sees_the_changes_an_employee_made_to_their_details(client, moj, esme):
    # given Esme changed her town
    client.force_login(moj.employee)
    client.post(_change(moj, "address"), {"address_line_1": "1 Old Street", "town": "Bradford",
                                          "postcode": "LS1 4AP"})
    # when an HR officer opens the changes of her record
    client.force_login(moj.hr_officer)
    response = client.get(f"/departments/{moj.slug}/hr/employees/E0001/detail-changes/")
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "The employee" in body
    assert "Town or city" in body
    assert "Leeds to Bradford" in body


def test_the_changes_page_is_for_hr_not_the_employee(client, moj, esme):
    client.force_login(moj.employee)
    assert client.get(f"/departments/{moj.slug}/hr/employees/E0001/detail-changes/").status_code == 403


def test_the_section_for_hrs_employee_record_links_to_the_employees_changes(moj, esme):
    # when
    html = render_to_string("hr/detail_requests/_employee_record_section.html",
                            {"department": moj.department, "employee": esme})
    # then
    assert "Recent changes by the employee" in html
    assert f'href="/departments/{moj.slug}/hr/employees/E0001/detail-changes/"' in html
