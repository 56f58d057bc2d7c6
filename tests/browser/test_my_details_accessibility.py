"""axe-core finds no WCAG 2.2 AA violations on "Your details", its change and request forms (empty
and showing errors), and HR's queue, request and changes pages, at desktop width and on a 375 px
phone. An employee changes their address by keyboard alone and asks for a new name with evidence;
an HR officer approves it and the record changes."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, ViewportSize, expect

from hr.services.self_service import detail_change_request_create
from tests.browser.axe import assert_no_axe_violations
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db(transaction=True)
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=375, height=812)
PDF = b"%PDF-1.4\n%a marriage certificate\n"


def assert_accessible_at_both_widths(page: Page) -> None:
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_no_axe_violations(page)
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def esme(moj):
    return EmployeeFactory(department=moj.department, payroll_number="E0001", first_name="Esme", last_name="Smith",
                           preferred_name="", date_of_birth=datetime.date(1985, 5, 17), ni_number="JM123456C",
                           address_line_1="1 Old Street", town="Leeds", postcode="LS1 4AP",
                           email="esme@home.example", user=moj.employee)


def _me(moj, rest: str = "") -> str:
    return f"/departments/{moj.slug}/hr/me/details/{rest}"


def test_your_details_and_its_forms_empty_and_showing_errors(page, moj, esme, sign_in_through_browser):
    sign_in_through_browser(moj.employee)
    page.goto(_me(moj))
    expect(page.get_by_role("heading", name="Your details", exact=True)).to_be_visible()
    assert_accessible_at_both_widths(page)
    for section, fill, first_error in (
            ("change/address/", {"Address line 1": ""}, "Enter address line 1, typically the building and street"),
            ("change/phone/", {"Phone number": "not a number"}, "Enter a phone number"),
            ("change/email/", {"Personal e-mail address": "nowhere"}, "Enter an e-mail address in the correct format"),
            ("change/emergency-contact/", {"Full name": "Kwame"}, "Enter how your emergency contact is related"),
            ("ask/name/", {"Last name": ""}, "Enter your last name"),
            ("ask/date-of-birth/", {}, "Enter your date of birth"),
            ("ask/ni-number/", {}, "Enter your National Insurance number")):
        # given the form
        page.goto(_me(moj, section))
        assert_accessible_at_both_widths(page)
        # when it is sent with a mistake
        for label, value in fill.items():
            page.get_by_label(label, exact=True).fill(value)
        page.get_by_role("button", name=re.compile("^(Save|Send the request)$")).click()
        # then the summary links to the field
        expect(page.locator(".govuk-error-summary").get_by_role("link", name=re.compile(first_error))).to_be_visible()
        assert_accessible_at_both_widths(page)


def test_hr_queue_request_and_changes_pages(page, moj, esme, sign_in_through_browser):
    # given a request waiting for HR
    request = detail_change_request_create(
        employee=esme, changes={"last_name": "Okafor"}, reason="Married in October", acting_user=moj.employee,
        evidence=SimpleUploadedFile("certificate.pdf", PDF), evidence_name="certificate.pdf")
    sign_in_through_browser(moj.hr_officer)
    # the queue
    page.goto(f"/departments/{moj.slug}/hr/detail-requests/")
    expect(page.get_by_test_id("detail-requests")).to_contain_text("Esme Smith (E0001)")
    assert_accessible_at_both_widths(page)
    # the request, then its decision sent without a choice
    page.get_by_test_id("detail-requests").get_by_role("link", name=re.compile("Esme Smith")).click()
    expect(page.get_by_test_id("detail-request-values")).to_contain_text("Okafor")
    assert_accessible_at_both_widths(page)
    page.get_by_role("button", name="Save the decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose whether to approve or reject the request")
    assert_accessible_at_both_widths(page)
    # the employee's changes
    page.goto(f"/departments/{moj.slug}/hr/employees/E0001/detail-changes/")
    expect(page.get_by_test_id("employee-detail-requests")).to_contain_text("Last name")
    assert_accessible_at_both_widths(page)
    # and the evidence downloads
    with page.expect_download() as download:
        page.goto(f"/departments/{moj.slug}/hr/detail-requests/{request.pk}/")
        page.get_by_test_id("evidence-link").click()
    assert download.value.suggested_filename == "certificate.pdf"


def test_an_employee_changes_their_address_by_keyboard_asks_for_a_new_name_and_hr_approves_it(
        page, moj, esme, sign_in_through_browser, tmp_path):
    # given the employee on their details
    sign_in_through_browser(moj.employee)
    page.goto(_me(moj))
    # when they change their address with the keyboard alone
    page.get_by_role("link", name="Change address").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Change your address")).to_be_visible()
    page.get_by_label("Address line 1").focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("22 New Road")
    page.keyboard.press("Tab")  # address line 2
    page.keyboard.press("Tab")  # town or city
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("York")
    page.keyboard.press("Tab")  # postcode
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("yo1 7hh")
    page.keyboard.press("Tab")  # Save
    expect(page.get_by_role("button", name="Save")).to_be_focused()
    page.keyboard.press("Enter")
    # then the new address shows
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your address has been changed")
    expect(page.get_by_test_id("my-address")).to_contain_text("YO1 7HH")
    # when they ask HR for their married name, with the certificate
    page.get_by_role("link", name="Change name").click()
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Why should it change?").fill("Married in October")
    certificate = tmp_path / "certificate.pdf"
    certificate.write_bytes(PDF)
    page.get_by_label("Upload evidence").set_input_files(str(certificate))
    page.get_by_role("button", name="Send the request").click()
    # then it waits for HR
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your request has been sent to HR")
    expect(page.get_by_test_id("my-detail-requests")).to_contain_text("Waiting for HR")
    assert_accessible_at_both_widths(page)
    # when an HR officer approves it
    page.context.clear_cookies()
    sign_in_through_browser(moj.hr_officer)
    page.goto(f"/departments/{moj.slug}/hr/detail-requests/")
    page.get_by_test_id("detail-requests").get_by_role("link", name=re.compile("Esme Smith")).click()
    page.get_by_label("Approve: change the record").check()
    page.get_by_role("button", name="Save the decision").click()
    # then the record holds the new name, and the queue is empty
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Approved: Esme Smith")
    expect(page.get_by_text("No requests are waiting for a decision.")).to_be_visible()
    page.goto(f"/departments/{moj.slug}/hr/employees/E0001/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Esme Okafor")
