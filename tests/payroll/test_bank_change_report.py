"""The report of recent bank details changes beside a pay run's exceptions: which changes a run
lists, each flag raised and not raised with its reason, paging on the run page and the report's own
page, the API, and the wall between departments."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from departments import services as department_services
from departments.models import AuditEvent
from departments.tenancy import department_context
from hr.models import BankDetailsChange, Employee
from payroll import services
from payroll.models import PayRun
from payroll.selectors_bank_changes import (
    AFTER_CONTACT_CHANGE,
    CHANGED_BEFORE_PAY_DAY,
    SHARED_ACCOUNT,
    pay_run_bank_changes,
)
from tests.factories import EmployeeFactory
from tests.factories.hr import BankDetailsChangeFactory

pytestmark = pytest.mark.django_db

NOVEMBER = datetime.date(2026, 11, 15)  # paid Monday 30 November 2026
DECEMBER = datetime.date(2026, 12, 15)  # paid Thursday 31 December 2026, after Christmas and Boxing Day (28th)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def schedule(moj, finance_setting):
    return services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                        bank_sort_code="202959", bank_account_number="63748472",
                                        bank_account_name="MOJ PAYROLL")


@pytest.fixture
def people(moj, finance_setting, in_department):
    with in_department(moj):
        return {employee.payroll_number: employee for employee in Employee.objects.all()}


def _run(schedule, day):
    return services.pay_run_create(schedule=schedule, period_containing=day, acting_user=None)


_accounts = iter(range(10_000_000, 99_999_999, 7919))


def _change(moj, employee, *, made, **fields):
    fields.setdefault("account_number", str(next(_accounts)))
    fields.setdefault("effective_from", timezone.localtime(made).date())
    return BankDetailsChangeFactory(department=moj.department, employee=employee, requested_at=made, **fields)


def _report(moj, run, in_department):
    with in_department(moj):
        return pay_run_bank_changes(run=run)


def _flags(report, change):
    item = report.get(change.pk)
    assert item is not None, f"change {change.pk} is not in the report"
    return {flag.code: flag.reason for flag in item.flags}


def _contact_change(moj, employee, *, on, fields=("phone",), action="employee.personal_details_change"):
    # Written directly, to date it: the audit service stamps the time of writing.
    with department_context(moj.id):
        AuditEvent.objects.create(department=moj.department, occurred_at=on, action=action,
                                  object_type="hr.employee", object_id=str(employee.pk),
                                  changes={name: {"before": "old", "after": "new"} for name in fields})


# --- Which changes a run lists -----------------------------------------------------------------


def test_a_run_lists_changes_in_use_or_scheduled_for_its_period_made_since_the_previous_run_was_approved(
        moj, schedule, people, in_department):
    # given October's run was approved on 27 October, and November's run is in draft
    october = _run(schedule, datetime.date(2026, 10, 15))
    with in_department(moj):
        PayRun.objects.filter(pk=october.pk).update(status=PayRun.Status.FINALISED, approved_at=_at(
            datetime.date(2026, 10, 27)))
    november = _run(schedule, NOVEMBER)
    esme, cal = people["E0001"], people["E0002"]
    # and changes made before and after that approval, in use, scheduled, and not (yet) in use
    before = _change(moj, esme, made=_at(datetime.date(2026, 10, 20)), effective_from=datetime.date(2026, 10, 20))
    applied = _change(moj, esme, made=_at(datetime.date(2026, 11, 2)))
    scheduled_while_october_was_open = _change(
        moj, cal, made=_at(datetime.date(2026, 10, 22)), status=BankDetailsChange.Status.SCHEDULED,
        effective_from=datetime.date(2026, 11, 1))
    for_december = _change(moj, cal, made=_at(datetime.date(2026, 11, 3)), status=BankDetailsChange.Status.SCHEDULED,
                           effective_from=datetime.date(2026, 12, 1))
    awaiting_check = _change(moj, cal, made=_at(datetime.date(2026, 11, 4)), source=BankDetailsChange.Source.HR,
                             status=BankDetailsChange.Status.AWAITING_CHECK)
    rejected = _change(moj, cal, made=_at(datetime.date(2026, 11, 5)), status=BankDetailsChange.Status.REJECTED)

    # when November's report is read
    report = _report(moj, november, in_department)

    # then it lists the change in use and the one scheduled for November, and counts from October's approval
    listed = {item.id for item in report.changes}
    assert listed == {applied.pk, scheduled_while_october_was_open.pk}
    assert not listed & {before.pk, for_december.pk, awaiting_check.pk, rejected.pk}
    assert report.previous_run == october
    assert report.since == _at(datetime.date(2026, 10, 27))


def test_without_an_earlier_approved_run_the_report_looks_back_35_days_from_pay_day(moj, schedule, people,
                                                                                     in_department):
    # given the schedule's first run, paid on 30 November
    run = _run(schedule, NOVEMBER)
    inside = _change(moj, people["E0001"], made=_at(datetime.date(2026, 10, 26), hour=9))
    outside = _change(moj, people["E0001"], made=_at(datetime.date(2026, 10, 25), hour=9),
                      effective_from=datetime.date(2026, 10, 25))
    # when its report is read
    report = _report(moj, run, in_department)
    # then it counts from 26 October
    assert report.previous_run is None
    assert timezone.localtime(report.since).date() == datetime.date(2026, 10, 26)
    assert [item.id for item in report.changes] == [inside.pk]
    assert report.get(outside.pk) is None


def test_only_employees_the_run_pays_are_listed(moj, schedule, people, in_department):
    # given Cal is moved onto a weekly schedule, so the monthly run does not pay him
    weekly = services.pay_schedule_create(department=moj.department, acting_user=None, name="Weekly",
                                          frequency="weekly", pays_everyone_else=False)
    services.pay_schedule_members_move(schedule=weekly, payroll_numbers=["E0002"], acting_user=None)
    run = _run(schedule, NOVEMBER)
    esme_change = _change(moj, people["E0001"], made=_at(datetime.date(2026, 11, 2)))
    cal_change = _change(moj, people["E0002"], made=_at(datetime.date(2026, 11, 2)))
    # when the monthly run's report is read
    report = _report(moj, run, in_department)
    # then only Esme's change is in it
    assert report.get(esme_change.pk) is not None
    assert report.get(cal_change.pk) is None


# --- Flags ---------------------------------------------------------------------------------------


def test_a_change_within_five_working_days_of_pay_day_is_flagged_and_one_a_day_earlier_is_not(
        moj, schedule, people, in_department):
    # given November's run is paid on Monday 30 November; the fifth working day before it is Monday 23rd
    run = _run(schedule, NOVEMBER)
    late = _change(moj, people["E0001"], made=_at(datetime.date(2026, 11, 23)))
    in_time = _change(moj, people["E0002"], made=_at(datetime.date(2026, 11, 20), hour=17))
    # when the report is read
    report = _report(moj, run, in_department)
    # then the change made on the 23rd is flagged, with the count and the pay date in words
    reason = _flags(report, late)[CHANGED_BEFORE_PAY_DAY]
    assert "Made on 23 November 2026, 5 working days before pay day (30 November 2026)" in reason
    # and the one made on Friday the 20th (six working days before) is not
    assert _flags(report, in_time) == {}


def test_bank_holidays_are_not_counted_as_working_days_before_pay_day(moj, schedule, people, in_department):
    # given December's run is paid on Thursday 31 December; Christmas Day and the Boxing Day holiday
    # (Monday 28th) are not working days, so the fifth working day before pay day is Tuesday 22nd
    run = _run(schedule, DECEMBER)
    tuesday = _change(moj, people["E0001"], made=_at(datetime.date(2026, 12, 22)))
    monday = _change(moj, people["E0002"], made=_at(datetime.date(2026, 12, 21)))
    # when the report is read
    report = _report(moj, run, in_department)
    # then the 22nd is flagged as 5 working days before, and the 21st is not flagged
    assert "5 working days before pay day (31 December 2026)" in _flags(report, tuesday)[CHANGED_BEFORE_PAY_DAY]
    assert CHANGED_BEFORE_PAY_DAY not in _flags(report, monday)


def test_a_change_to_another_current_employees_account_is_flagged_and_names_them(moj, schedule, people,
                                                                                  in_department):
    # given Cal is paid into 20-04-15 38290008, and Esme moves her pay to the same account
    with in_department(moj):
        Employee.objects.filter(pk=people["E0002"].pk).update(bank_sort_code="200415",
                                                              bank_account_number="38290008")
    run = _run(schedule, NOVEMBER)
    change = _change(moj, people["E0001"], made=_at(datetime.date(2026, 11, 2)), sort_code="200415",
                     account_number="38290008")
    # when the report is read
    reason = _flags(_report(moj, run, in_department), change)[SHARED_ACCOUNT]
    # then the change is flagged with who else is paid there
    assert "also the account of 1 other employee: Cal Tester (E0002)" in reason


def test_a_scheduled_change_of_another_employee_to_the_same_account_counts_as_sharing_it(moj, schedule, people,
                                                                                         in_department):
    # given Cal has a change scheduled to 20-04-15 38290008, not yet in use, and Esme moves to it too
    run = _run(schedule, NOVEMBER)
    cal = _change(moj, people["E0002"], made=_at(datetime.date(2026, 11, 3)), sort_code="200415",
                  account_number="38290008", status=BankDetailsChange.Status.SCHEDULED,
                  effective_from=datetime.date(2026, 11, 1))
    esme = _change(moj, people["E0001"], made=_at(datetime.date(2026, 11, 4)), sort_code="200415",
                   account_number="38290008")
    # when the report is read
    report = _report(moj, run, in_department)
    # then Esme's change is flagged as sharing the account Cal's pay is about to go to
    assert "Cal Tester (E0002)" in _flags(report, esme)[SHARED_ACCOUNT]
    assert report.get(cal.pk) is not None


def test_an_account_shared_only_with_a_leaver_or_under_another_roll_number_is_not_flagged(moj, schedule, people,
                                                                                           in_department):
    # given Cal left in September, paid into 20-04-15 38290008; and Manon is paid through a building
    # society's account 07-01-16 87654321 with roll number ABC/123
    with in_department(moj):
        Employee.objects.filter(pk=people["E0002"].pk).update(
            bank_sort_code="200415", bank_account_number="38290008", leave_date=datetime.date(2026, 9, 30))
        Employee.objects.filter(pk=people["M0001"].pk).update(
            bank_sort_code="070116", bank_account_number="87654321", building_society_roll_number="ABC/123")
    run = _run(schedule, NOVEMBER)
    # when Esme moves to Cal's old account, and later to the building society under her own roll number
    to_leavers = _change(moj, people["E0001"], made=_at(datetime.date(2026, 11, 2)), sort_code="200415",
                         account_number="38290008")
    own_roll = _change(moj, people["E0001"], made=_at(datetime.date(2026, 11, 3)), sort_code="070116",
                       account_number="87654321", roll_number="XYZ/999")
    same_roll = _change(moj, people["E0001"], made=_at(datetime.date(2026, 11, 4)), sort_code="070116",
                        account_number="87654321", roll_number="abc/123")
    report = _report(moj, run, in_department)
    # then neither of the first two is flagged, but the same roll number (in any case) is Manon's account
    assert SHARED_ACCOUNT not in _flags(report, to_leavers)
    assert SHARED_ACCOUNT not in _flags(report, own_roll)
    assert "Manon Tester (M0001)" in _flags(report, same_roll)[SHARED_ACCOUNT]


def test_a_change_within_14_days_after_a_contact_detail_change_is_flagged(moj, schedule, people, in_department):
    # given Esme's phone and address changed on 2 November, and her bank details on the 5th
    run = _run(schedule, NOVEMBER)
    esme = people["E0001"]
    _contact_change(moj, esme, on=_at(datetime.date(2026, 11, 2), hour=9), fields=("phone", "postcode"))
    change = _change(moj, esme, made=_at(datetime.date(2026, 11, 5)))
    # when the report is read
    reason = _flags(_report(moj, run, in_department), change)[AFTER_CONTACT_CHANGE]
    # then the change is flagged, saying what changed and when
    assert reason.startswith("Made 3 days after the employee's address and phone number changed (on 2 November 2026)")


def test_contact_changes_long_before_at_hire_or_of_the_emergency_contact_do_not_flag_a_change(
        moj, schedule, people, in_department):
    # given Cal's e-mail changed 20 days before his bank details; Esme was hired with an address 2 days
    # before hers; and Manon changed only her emergency contact the day before
    run = _run(schedule, NOVEMBER)
    cal, esme, manon = people["E0002"], people["E0001"], people["M0001"]
    _contact_change(moj, cal, on=_at(datetime.date(2026, 10, 16)), fields=("email",))
    _contact_change(moj, esme, on=_at(datetime.date(2026, 11, 3)), fields=("address_line_1",),
                    action="employee.hire")
    _contact_change(moj, manon, on=_at(datetime.date(2026, 11, 4)), fields=("emergency_contact_phone",))
    changes = [_change(moj, person, made=_at(datetime.date(2026, 11, 5))) for person in (cal, esme, manon)]
    # when the report is read
    report = _report(moj, run, in_department)
    # then none of the changes is flagged for a contact change
    assert all(AFTER_CONTACT_CHANGE not in _flags(report, change) for change in changes)


def test_a_contact_change_after_the_bank_change_does_not_flag_it(moj, schedule, people, in_department):
    run = _run(schedule, NOVEMBER)
    change = _change(moj, people["E0001"], made=_at(datetime.date(2026, 11, 5)))
    _contact_change(moj, people["E0001"], on=_at(datetime.date(2026, 11, 6)))
    assert _flags(_report(moj, run, in_department), change) == {}


def test_flagged_changes_come_first_and_the_rest_newest_first(moj, schedule, people, in_department):
    with in_department(moj):
        Employee.objects.filter(pk=people["E0002"].pk).update(bank_sort_code="200415",
                                                              bank_account_number="38290008")
    run = _run(schedule, NOVEMBER)
    older = _change(moj, people["M0001"], made=_at(datetime.date(2026, 11, 2)))
    flagged = _change(moj, people["E0001"], made=_at(datetime.date(2026, 11, 3)), sort_code="200415",
                      account_number="38290008")
    newer = _change(moj, people["M0001"], made=_at(datetime.date(2026, 11, 4)))
    report = _report(moj, run, in_department)
    assert [item.id for item in report.changes] == [flagged.pk, newer.pk, older.pk]
    assert [item.id for item in report.waiting] == [flagged.pk]


# --- Pages and API -------------------------------------------------------------------------------


def test_the_run_page_shows_the_changes_beside_the_exceptions_with_flags_reasons_and_masked_accounts(
        moj, schedule, people, in_department, sign_in):
    # given a November change flagged as shortly before pay day, made by HR and checked by a second officer
    run = _run(schedule, NOVEMBER)
    _change(moj, people["E0001"], made=_at(datetime.date(2026, 11, 25)), source=BankDetailsChange.Source.HR,
            requested_by=moj.hr_officer, checked_by=moj.hr_admin, sort_code="200415", account_number="38290008",
            previous_sort_code="309493", previous_account_number="12345678")
    # when a payroll officer opens the run page
    response = sign_in(moj.payroll_officer).get(f"/departments/{moj.slug}/payroll/runs/{run.pk}/")
    # then the change is listed with who made and checked it, the accounts masked and the flag's reason
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="run-bank-changes"' in page
    assert "Bank details changes (1)" in page
    assert "Esme Tester (E0001)" in page
    assert "by HR (MOJ hr_officer), checked by MOJ hr_admin" in page
    assert "From sort code ••••93, account ••••78<br>to sort code ••••15, account ••••08" in page
    assert "38290008" not in page
    assert "12345678" not in page
    assert "Changed shortly before pay day" in page
    assert "3 working days before pay day (30 November 2026)" in page
    assert "1 flagged change waits for an approver" in page
    # and a payroll officer, who may not approve, is not offered the acknowledgement form
    assert 'data-testid="bank-changes-acknowledge"' not in page


def test_a_run_without_changes_says_so(moj, schedule, sign_in):
    run = _run(schedule, NOVEMBER)
    response = sign_in(moj.payroll_officer).get(f"/departments/{moj.slug}/payroll/runs/{run.pk}/")
    assert 'data-testid="bank-changes-none"' in response.content.decode()


def test_a_long_report_shows_ten_on_the_run_page_and_pages_the_rest_on_its_own_page(moj, schedule, people,
                                                                                     sign_in):
    # given 30 changes from 29 October to 27 November, the latest five flagged as shortly before pay day
    run = _run(schedule, NOVEMBER)
    for day in range(1, 31):
        _change(moj, people["E0001"], made=_at(datetime.date(2026, 10, 31) + datetime.timedelta(days=day),
                                                hour=8) - datetime.timedelta(days=3))
    client = sign_in(moj.payroll_officer)
    # when the run page is opened
    run_page = client.get(f"/departments/{moj.slug}/payroll/runs/{run.pk}/").content.decode()
    # then it shows ten rows and links to all thirty
    assert run_page.count('<tr class="govuk-table__row" data-testid="bank-change-') == 10
    assert "See all 30 bank details changes" in run_page
    # and the report's page shows 25, then 5 on page 2, with the project's pagination links
    report_url = f"/departments/{moj.slug}/payroll/runs/{run.pk}/bank-changes/"
    first = client.get(report_url).content.decode()
    second = client.get(report_url + "?page=2").content.decode()
    assert first.count('<tr class="govuk-table__row" data-testid="bank-change-') == 25
    assert second.count('<tr class="govuk-table__row" data-testid="bank-change-') == 5
    assert 'class="govuk-pagination"' in first
    assert "?page=2" in first
    assert "(page 2 of 2)" in second


def test_the_api_lists_a_runs_changes_with_flags_and_pages_them(moj, schedule, people, in_department):
    # given a flagged change and an unflagged one
    run = _run(schedule, NOVEMBER)
    late = _change(moj, people["E0001"], made=_at(datetime.date(2026, 11, 24)), previous_sort_code="309493",
                   previous_account_number="12345678", sort_code="200415", account_number="38290008")
    _change(moj, people["E0002"], made=_at(datetime.date(2026, 11, 2)))
    _, raw = department_services.api_token_create(department=moj.department, name="Fraud checks",
                                                  acting_user=None, scopes=["payroll:read"])
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    # when the API lists the run's bank changes, one to a page
    response = client.get(f"/api/v1/departments/{moj.slug}/payroll/runs/{run.pk}/bank-changes/?limit=1")
    # then the flagged change comes first, masked, with its flag's reason, and a link to the next page
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    assert body["next"]
    first = body["results"][0]
    assert first["id"] == late.pk
    assert first["employee"] == "E0001"
    assert first["made_by"] == "the employee"
    assert first["new_account"] == "sort code ••••15, account ••••08"
    assert first["flags"][0]["code"] == CHANGED_BEFORE_PAY_DAY
    assert "4 working days before pay day" in first["flags"][0]["reason"]
    assert first["needs_acknowledgement"] is True
    assert first["acknowledgement"] is None


# --- Between departments -------------------------------------------------------------------------


def test_another_departments_run_report_and_changes_stay_behind_the_wall(moj, dft, schedule, people,
                                                                         in_department, sign_in, api_client):
    # given a flagged change in moj's November run, and a dft run whose employee made a change too
    moj_run = _run(schedule, NOVEMBER)
    moj_change = _change(moj, people["E0001"], made=_at(datetime.date(2026, 11, 25)))
    dft_employee = EmployeeFactory(department=dft.department, payroll_number="D0001")
    dft_schedule = services.pay_schedule_create(department=dft.department, acting_user=None, name="Monthly")
    dft_run = _run(dft_schedule, NOVEMBER)
    dft_change = BankDetailsChangeFactory(department=dft.department, employee=dft_employee,
                                          requested_at=_at(datetime.date(2026, 11, 25)),
                                          effective_from=datetime.date(2026, 11, 25))
    # then each department's report holds only its own change
    assert [item.id for item in _report(dft, dft_run, in_department).changes] == [dft_change.pk]
    assert [item.id for item in _report(moj, moj_run, in_department).changes] == [moj_change.pk]
    # and dft's payroll officer reaches neither moj's run page nor its report page (404)
    client = sign_in(dft.payroll_officer)
    assert client.get(f"/departments/{moj.slug}/payroll/runs/{moj_run.pk}/").status_code == 404
    assert client.get(f"/departments/{moj.slug}/payroll/runs/{moj_run.pk}/bank-changes/").status_code == 404
    # nor moj's run through dft's own address
    assert client.get(f"/departments/{dft.slug}/payroll/runs/{moj_run.pk}/bank-changes/").status_code == 404
    # and a dft token gets a 404 problem for moj's run, by either address
    _, raw = department_services.api_token_create(department=dft.department, name="dft", acting_user=None,
                                                  scopes=["payroll:read", "payroll:approve"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for url in (f"/api/v1/departments/{moj.slug}/payroll/runs/{moj_run.pk}/bank-changes/",
                f"/api/v1/departments/{dft.slug}/payroll/runs/{moj_run.pk}/bank-changes/"):
        response = api_client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
    acknowledge = api_client.post(f"/api/v1/departments/{dft.slug}/payroll/runs/{moj_run.pk}/bank-changes/"
                                  "acknowledgements/", {"changes": [moj_change.pk], "note": "Checked"},
                                  format="json")
    assert acknowledge.status_code == 404


# --- Opening a run -------------------------------------------------------------------------------


def test_opening_a_run_applies_the_changes_scheduled_for_its_period_and_no_later_ones(moj, schedule, people,
                                                                                      in_department):
    # given Esme's change was scheduled for November while October's run was open, and Cal's for December
    esme, cal = people["E0001"], people["E0002"]
    for_november = _change(moj, esme, made=_at(datetime.date(2026, 10, 22)), sort_code="200415",
                           account_number="38290008", status=BankDetailsChange.Status.SCHEDULED,
                           effective_from=datetime.date(2026, 11, 1))
    for_december = _change(moj, cal, made=_at(datetime.date(2026, 11, 20)), status=BankDetailsChange.Status.SCHEDULED,
                           effective_from=datetime.date(2026, 12, 1))
    # when November's run is opened
    run = _run(schedule, NOVEMBER)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    # then Esme's record pays into the new account, and the report lists her change as in use
    with in_department(moj):
        assert Employee.objects.get(pk=esme.pk).bank_account_number == "38290008"
        assert BankDetailsChange.objects.get(pk=for_november.pk).status == BankDetailsChange.Status.APPLIED
        assert BankDetailsChange.objects.get(pk=for_december.pk).status == BankDetailsChange.Status.SCHEDULED
    assert report_status(_report(moj, run, in_department), for_november) == BankDetailsChange.Status.APPLIED


def report_status(report, change):
    return report.get(change.pk).change.status
