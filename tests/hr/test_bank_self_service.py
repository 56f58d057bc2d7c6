"""An employee changes their own bank details: only after a fresh second factor; applied at once
while today's pay period is open, scheduled for the next period while its run has started, and the
page says which; told by e-mail at every address held for them (and at a personal one replaced in
the last 30 days), never with the whole account number."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from departments.models import AuditEvent, Notification
from hr.models import BankDetailsChange, Employee
from payroll.models import PayRun
from shared_services.accounts import services as account_services
from shared_services.accounts import two_factor
from tests.factories import AuditEventFactory, EmployeeFactory
from tests.factories.payroll import PayRunFactory, PayScheduleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(moj, in_department):
    """moj's employee persona, linked to an employee record paid into an account ending 4958."""
    with in_department(moj):
        return EmployeeFactory(department=moj.department, user=moj.employee, email="sam.personal@example.test",
                               work_email="employee@moj.test", bank_sort_code="089999",
                               bank_account_number="66374958")


@pytest.fixture
def open_run(moj, in_department):
    """A pay run for the month that includes today, open (its inputs locked)."""

    def make(department=None):
        department = department or moj
        today = timezone.localdate()
        start = today.replace(day=1)
        end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        with in_department(department):
            schedule = PayScheduleFactory(department=department.department, pays_everyone_else=True)
            return PayRunFactory(department=department.department, schedule=schedule, period_start=start,
                                 period_end=end, pay_date=end, status=PayRun.Status.OPEN)

    return make


def url(department, path="me/bank-details/"):
    return f"/departments/{department.slug}/hr/{path}"


def _change(department, client, *, sort_code="20-04-15", account_number="38290008", roll_number=""):
    return client.post(url(department), {"bank_sort_code": sort_code, "bank_account_number": account_number,
                                         "building_society_roll_number": roll_number})


def test_the_page_asks_for_a_second_factor_before_it_shows_or_saves_anything(client, moj, me, in_department):
    client.force_login(moj.employee)
    # when the employee opens the page, or posts to it, without a recent second factor
    shown = client.get(url(moj))
    posted = _change(moj, client)
    # then both send them to confirm it is them, and nothing changed
    assert shown.url.startswith("/accounts/confirm-its-you/?next=")
    assert posted.url.startswith("/accounts/confirm-its-you/?next=")
    with in_department(moj):
        assert not BankDetailsChange.objects.exists()
        assert Employee.objects.get(pk=me.pk).bank_account_number == "66374958"


def test_a_wrong_second_factor_is_refused_and_the_page_stays_closed(client, moj, me):
    # given the employee has an authenticator app
    device = account_services.totp_enrolment_begin(acting_user=moj.employee)
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    client.force_login(moj.employee)
    asked = client.get(url(moj)).url
    # when they give a wrong code
    refused = client.post(asked, {"code": "000000"})
    # then the step-up page says so, and the bank details page still asks for a second factor
    assert refused.status_code == 200
    assert "There is a problem" in refused.content.decode()
    assert two_factor.VERIFIED_AT_KEY not in client.session
    assert client.get(url(moj)).url.startswith("/accounts/confirm-its-you/")


def test_an_employee_changes_their_bank_details_while_the_period_is_open_and_it_counts_now(
        client, moj, me, in_department, stepped_up):
    client.force_login(moj.employee)
    stepped_up()
    # given the page shows the account in use, masked, and the form with its labels
    page = client.get(url(moj)).content.decode()
    assert "Sort code 08-99-99, account ending 4958" in page
    assert "66374958" not in page
    for label in ("Sort code", "Account number", "Building society roll number (if you have one)",
                  "Change bank details"):
        assert label in page
    # when they give a new account, with the separators people type
    response = _change(moj, client)
    # then the record uses it from today's pay period
    with in_department(moj):
        change = BankDetailsChange.objects.get()
        saved = Employee.objects.get(pk=me.pk)
    assert (saved.bank_sort_code, saved.bank_account_number) == ("200415", "38290008")
    assert (change.status, change.source, change.effective_from) == (
        BankDetailsChange.Status.APPLIED, BankDetailsChange.Source.EMPLOYEE, timezone.localdate())
    assert (change.previous_sort_code, change.previous_account_number) == ("089999", "66374958")
    assert change.requested_by == moj.employee
    # and the confirmation says so in words
    assert response.url == url(moj, f"me/bank-details/changes/{change.pk}/")
    confirmation = client.get(response.url).content.decode()
    assert "Your bank details have been changed" in confirmation
    assert f"includes {timezone.localdate():%-d %B %Y}, and every period after it, goes to the new account" in (
        confirmation)


def test_the_change_is_audited_with_the_values_hidden(client, moj, me, in_department, stepped_up):
    client.force_login(moj.employee)
    stepped_up()
    _change(moj, client)
    with in_department(moj):
        applied = AuditEvent.objects.get(action="employee.bank_details_change")
        requested = AuditEvent.objects.get(action="bank_details_change.request")
    assert applied.object_type == "hr.employee"
    assert set(applied.changes) == {"bank_sort_code", "bank_account_number"}
    for event in (applied, requested):
        assert "38290008" not in str(event.changes)
        assert "200415" not in str(event.changes)
        assert event.actor == moj.employee


def test_a_change_while_the_pay_run_is_open_is_scheduled_for_the_next_period_and_the_page_says_so(
        client, moj, me, in_department, stepped_up, open_run):
    # given the run for this month has started
    run = open_run()
    client.force_login(moj.employee)
    stepped_up()
    # when the employee changes their account
    response = _change(moj, client)
    # then it waits for the next period, and this month's pay goes to the old account
    with in_department(moj):
        change = BankDetailsChange.objects.get()
        saved = Employee.objects.get(pk=me.pk)
    assert change.status == BankDetailsChange.Status.SCHEDULED
    assert change.effective_from == run.period_end + datetime.timedelta(days=1)
    assert change.applied_at is None
    assert saved.bank_account_number == "66374958"
    confirmation = client.get(response.url).content.decode()
    assert "Your bank details change is scheduled" in confirmation
    assert (f"Your pay for the pay period ending {run.period_end:%-d %B %Y} goes to the old account"
            in confirmation)
    assert f"Your pay for the periods from {change.effective_from:%-d %B %Y} will go to the new account" in (
        confirmation)
    # and the page shows the change waiting
    assert "Change scheduled" in client.get(url(moj)).content.decode()


def test_a_new_change_replaces_one_still_scheduled(client, moj, me, in_department, stepped_up, open_run):
    open_run()
    client.force_login(moj.employee)
    stepped_up()
    _change(moj, client)
    # when the same change is asked for again, it is refused as already scheduled
    again = _change(moj, client).content.decode()
    assert "This change is already scheduled" in again
    # when another account is given, it replaces the first
    _change(moj, client, sort_code="309950", account_number="12345678")
    with in_department(moj):
        statuses = dict(BankDetailsChange.objects.values_list("account_number", "status"))
    assert statuses == {"38290008": BankDetailsChange.Status.CANCELLED, "12345678": BankDetailsChange.Status.SCHEDULED}


@pytest.mark.parametrize(("given", "messages"), [
    ({"sort_code": "12", "account_number": "abc", "roll_number": "ROLL<>"},
     ["Enter a sort code of 6 digits", "Enter an 8-digit account number", "Enter a roll number"]),
    ({"sort_code": "", "account_number": ""}, ["Enter the sort code", "Enter the account number"]),
    ({"account_number": "1234567"}, ["Enter an 8-digit account number"]),
    ({"sort_code": "000000", "account_number": "00000000"}, ["Enter the sort code and account number of a real"]),
    ({"sort_code": "08 99 99", "account_number": "6637 4958"}, ["These are the bank details pay already goes to"]),
])
def test_bad_details_are_refused_with_an_error_summary_and_nothing_changes(
        client, moj, me, in_department, stepped_up, given, messages):
    client.force_login(moj.employee)
    stepped_up()
    page = _change(moj, client, **given).content.decode()
    assert "There is a problem" in page
    for message in messages:
        assert message in page
    with in_department(moj):
        assert not BankDetailsChange.objects.exists()
        assert Employee.objects.get(pk=me.pk).bank_account_number == "66374958"
        assert not Notification.objects.exists()


def test_a_building_society_roll_number_is_kept_as_the_society_prints_it_in_capitals(
        client, moj, me, in_department, stepped_up):
    client.force_login(moj.employee)
    stepped_up()
    _change(moj, client, sort_code="07-00-93", account_number="33333334", roll_number="ab-1234/56.7 8")
    with in_department(moj):
        assert Employee.objects.get(pk=me.pk).building_society_roll_number == "AB-1234/56.78"


def test_the_employee_is_told_at_every_address_and_never_sees_the_whole_account_number(
        client, moj, me, in_department, stepped_up):
    client.force_login(moj.employee)
    stepped_up()
    _change(moj, client)
    with in_department(moj):
        sent = list(Notification.objects.order_by("to_address"))
    assert [note.to_address for note in sent] == ["employee@moj.test", "sam.personal@example.test"]
    for note in sent:
        assert note.kind == Notification.Kind.BANK_DETAILS_CHANGED
        assert note.user == moj.employee
        assert note.link == url(moj)
        assert "account ending 0008" in note.body
        assert "38290008" not in note.body
        assert "If you did not, contact your HR team straight away" in note.body


def test_a_personal_address_replaced_in_the_last_30_days_is_told_too(client, moj, me, in_department, stepped_up):
    # given the personal address changed twice: a week ago (from old@) and two months ago (from older@)
    with in_department(moj):
        for days, before in ((7, "old@example.test"), (60, "older@example.test")):
            AuditEventFactory(department=moj.department, action="employee.personal_details_change",
                              object_type="hr.employee", object_id=str(me.pk),
                              occurred_at=timezone.now() - datetime.timedelta(days=days),
                              changes={"email": {"before": before, "after": "sam.personal@example.test"}})
    client.force_login(moj.employee)
    stepped_up()
    # when the employee changes their bank details
    _change(moj, client)
    # then the address replaced lately is told too, the one replaced long ago is not
    with in_department(moj):
        addresses = set(Notification.objects.values_list("to_address", flat=True))
    assert addresses == {"employee@moj.test", "sam.personal@example.test", "old@example.test"}


def test_someone_without_an_employee_record_is_told_why_there_is_no_form(client, moj, stepped_up):
    client.force_login(moj.manager)
    stepped_up()
    page = client.get(url(moj)).content.decode()
    assert "not linked to an employee record" in page
    assert "Change bank details" not in page
    assert _change(moj, client).status_code == 302


def test_another_persons_change_and_another_department_answer_404(client, moj, dft, me, in_department, stepped_up):
    client.force_login(moj.employee)
    stepped_up()
    _change(moj, client)
    with in_department(moj):
        change = BankDetailsChange.objects.get()
    # a colleague with their own record cannot see it, by guessing its id
    with in_department(moj):
        EmployeeFactory(department=moj.department, user=moj.hr_officer)
    client.force_login(moj.hr_officer)
    assert client.get(url(moj, f"me/bank-details/changes/{change.pk}/")).status_code == 404
    # nor can anyone from another department reach moj's pages
    client.force_login(dft.employee)
    stepped_up()
    assert client.get(url(moj)).status_code == 404
    assert client.get(url(moj, f"me/bank-details/changes/{change.pk}/")).status_code == 404
