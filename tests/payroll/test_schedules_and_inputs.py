"""Pay schedules (each employee paid by exactly one, weekly beside monthly) and pay inputs: typed
one at a time, as hours at an hourly rate, or loaded from a CSV file that is taken whole or not at all."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from payroll import services
from payroll.models import PayInput, PayRun, PaySchedule, PayScheduleMember, Payslip, PayslipLine
from payroll.tasks import start_calculation

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 2)


def _schedules(moj):
    monthly = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly")
    weekly = services.pay_schedule_create(department=moj.department, acting_user=None, name="Weekly",
                                          frequency=PaySchedule.Frequency.WEEKLY, pay_weekday=4)
    return monthly, weekly


def _calculated(run, moj, capture, in_department):
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    with capture(execute=True):
        start_calculation(run=run, acting_user=moj.payroll_officer)
    with in_department(moj):
        run.refresh_from_db()
    return run


def test_the_first_schedule_pays_everyone_and_a_weekly_one_pays_only_those_moved_onto_it(
        moj, finance_setting, in_department, django_capture_on_commit_callbacks):
    # given a monthly schedule (the first, so it pays everyone) and a weekly one
    monthly, weekly = _schedules(moj)
    assert monthly.pays_everyone_else
    assert not weekly.pays_everyone_else
    # when one employee is moved onto the weekly schedule
    moved = services.pay_schedule_members_move(schedule=weekly, payroll_numbers=["E0002"],
                                               acting_user=moj.payroll_officer)
    monthly_run = services.pay_run_create(schedule=monthly, period_containing=MONDAY, acting_user=None)
    weekly_run = services.pay_run_create(schedule=weekly, period_containing=MONDAY, acting_user=None)
    monthly_run = _calculated(monthly_run, moj, django_capture_on_commit_callbacks, in_department)
    weekly_run = _calculated(weekly_run, moj, django_capture_on_commit_callbacks, in_department)
    # then each run pays its own people and nobody is paid twice
    assert moved == 1
    with in_department(moj):
        paid_monthly = set(Payslip.objects.filter(run=monthly_run).values_list("employee__payroll_number", flat=True))
        paid_weekly = set(Payslip.objects.filter(run=weekly_run).values_list("employee__payroll_number", flat=True))
        weekly_slip = Payslip.objects.get(run=weekly_run)
        monthly_slip = Payslip.objects.get(run=monthly_run, employee__payroll_number="E0001")
    assert paid_monthly == {"M0001", "E0001"}
    assert paid_weekly == {"E0002"}
    # and the weekly run is a tax week, paid on the Friday, about a 52nd of the salary
    assert weekly_run.period_start == MONDAY
    assert weekly_run.pay_date == datetime.date(2026, 11, 6)
    assert weekly_run.tax_period == 31  # 6 April to 6 November: the 31st tax week
    assert weekly_slip.status == Payslip.Status.CALCULATED
    assert weekly_slip.gross_pay < monthly_slip.gross_pay / 4


def test_moving_back_onto_the_default_schedule_removes_the_move(moj, finance_setting, in_department):
    # given an employee moved onto the weekly schedule
    monthly, weekly = _schedules(moj)
    services.pay_schedule_members_move(schedule=weekly, payroll_numbers=["E0002", "E0001"], acting_user=None)
    # when one is moved back onto the monthly schedule, and the other "moved" where they already are
    back = services.pay_schedule_members_move(schedule=monthly, payroll_numbers=["E0002"], acting_user=None)
    again = services.pay_schedule_members_move(schedule=weekly, payroll_numbers=["E0001"], acting_user=None)
    # then
    assert (back, again) == (1, 0)
    with in_department(moj):
        run = services.pay_run_create(schedule=monthly, period_containing=MONDAY, acting_user=None)
        opened = services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    assert opened.employees_total == 2


def test_a_move_naming_an_unknown_payroll_number_moves_nobody(moj, finance_setting, in_department):
    # given
    _, weekly = _schedules(moj)
    # when
    with pytest.raises(ValidationError) as refused:
        services.pay_schedule_members_move(schedule=weekly, payroll_numbers=["E0001", "X999"], acting_user=None)
    # then
    assert refused.value.message_dict == {"payroll_numbers": ["No employee has the payroll number X999."]}
    with in_department(moj):
        assert not PayScheduleMember.objects.exists()


def test_nobody_moves_while_a_run_of_either_schedule_is_in_progress(moj, finance_setting):
    # given the monthly run for this period is open
    monthly, weekly = _schedules(moj)
    run = services.pay_run_create(schedule=monthly, period_containing=MONDAY, acting_user=None)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    # when an employee it pays is moved onto the weekly schedule
    with pytest.raises(ValidationError) as refused:
        services.pay_schedule_members_move(schedule=weekly, payroll_numbers=["E0001"], acting_user=None)
    # then the move is refused, naming the run
    assert "The Monthly run for November 2026 is in progress" in refused.value.message_dict["payroll_numbers"][0]


def test_a_department_has_one_schedule_that_pays_everyone_else(moj):
    # given
    services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly")
    # when / then
    with pytest.raises(ValidationError) as refused:
        services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly 2",
                                     pays_everyone_else=True)
    assert "Monthly already pays everyone" in refused.value.message_dict["pays_everyone_else"][0]


def test_overtime_as_hours_at_a_rate_is_paid_to_the_penny(moj, finance_setting, in_department,
                                                          django_capture_on_commit_callbacks):
    # given overtime of 7.5 hours at £18.75 an hour
    monthly, _ = _schedules(moj)
    services.pay_input_add(employee=finance_setting.claimant, schedule=monthly, period_containing=MONDAY,
                           code="overtime", description="Overtime", kind=PayInput.Kind.TAXABLE_PAYMENT, amount=None,
                           hours=Decimal("7.5"), rate=Decimal("18.75"), acting_user=moj.payroll_officer)
    # when the month is calculated
    run = services.pay_run_create(schedule=monthly, period_containing=MONDAY, acting_user=None)
    _calculated(run, moj, django_capture_on_commit_callbacks, in_department)
    # then 140.625 is paid as £140.63, and the payslip says how
    with in_department(moj):
        line = PayslipLine.objects.get(run=run, code="OVERTIME")
    assert line.amount == Decimal("140.63")
    assert line.description == "Overtime: 7.5 hours at £18.75"


@pytest.mark.parametrize(("values", "field"), [
    ({"amount": Decimal("10"), "hours": Decimal("2"), "rate": Decimal("10")}, "amount"),
    ({"amount": None, "hours": Decimal("2"), "rate": None}, "rate"),
    ({"amount": None, "hours": Decimal("-1"), "rate": Decimal("10")}, "hours"),
    ({"amount": Decimal("0")}, "amount"),
    ({"amount": Decimal("1.005")}, "amount"),
])
def test_an_input_with_impossible_amounts_is_refused_naming_the_field(moj, finance_setting, in_department,
                                                                     values, field):
    monthly, _ = _schedules(moj)
    with pytest.raises(ValidationError) as refused:
        services.pay_input_add(employee=finance_setting.claimant, schedule=monthly, period_containing=MONDAY,
                               code="X", description="", kind=PayInput.Kind.TAXABLE_PAYMENT,
                               acting_user=None, **{"amount": None, **values})
    assert field in refused.value.message_dict
    with in_department(moj):
        assert not PayInput.objects.exists()


GOOD_FILE = (b"\xef\xbb\xbfpayroll_number,code,description,kind,amount,hours,hourly_rate,pensionable\r\n"
             b"E0001,RESP,Responsibility allowance,taxable_payment,150.00,,,yes\r\n"
             b"E0002,OVERTIME,Overtime,Payment (taxed),,4,20.5,no\r\n"
             b"M0001,UNION,Union subscription,net_deduction,\"1,012.40\",,,\r\n")


def test_a_file_of_inputs_is_loaded_whole(moj, finance_setting, in_department):
    # given
    monthly, _ = _schedules(moj)
    # when
    added = services.pay_inputs_import(schedule=monthly, period_containing=MONDAY, content=GOOD_FILE,
                                       acting_user=moj.payroll_officer, source_name="november.csv")
    # then
    assert added == 3
    with in_department(moj):
        inputs = {item.employee.payroll_number: item for item in PayInput.objects.select_related("employee")}
    assert inputs["E0001"].pensionable
    assert inputs["E0001"].amount == Decimal("150.00")
    assert inputs["E0002"].amount == Decimal("82.00")
    assert inputs["E0002"].kind == PayInput.Kind.TAXABLE_PAYMENT
    assert inputs["M0001"].amount == Decimal("1012.40")
    assert inputs["M0001"].period_start == datetime.date(2026, 11, 1)
    assert inputs["M0001"].source_reference == "import:november.csv row 4"


def test_a_file_with_bad_rows_loads_nothing_and_names_each_row_and_column(moj, finance_setting, in_department):
    # given a file with four mistakes
    monthly, _ = _schedules(moj)
    content = (b"payroll_number,code,kind,amount\n"
               b"E0001,RESP,taxable_payment,150.00\n"
               b"E0002,BONUS,bonus,100\n"
               b"X404,RESP,taxable_payment,10\n"
               b"E0001,RESP,taxable_payment,ten pounds\n"
               b"E0001,,taxable_payment,-5\n")
    # when
    with pytest.raises(services.PayInputImportError) as refused:
        services.pay_inputs_import(schedule=monthly, period_containing=MONDAY, content=content, acting_user=None)
    # then every problem is named, and nothing was loaded
    assert [str(problem) for problem in refused.value.row_errors] == [
        "Row 3, kind: Choose one of: Payment (taxed), Salary sacrifice, Reimbursement (not taxed), "
        "Deduction from net pay.",
        "Row 4, payroll_number: no employee has the payroll number X404",
        "Row 5, amount: 'ten pounds' is not a number",
        "Row 6, code: Enter a code for the payment or deduction.",
        "Row 6, amount: Enter an amount above £0 and up to £1,000,000, in pounds and pence.",
    ]
    with in_department(moj):
        assert not PayInput.objects.exists()


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "Row 1, payroll_number: this column is missing"),
    (b"payroll_number,code,kind,amount,salary\n", "Row 1, salary: is not a column this file can have"),
    (b"payroll_number,code,kind,amount\n", "Row 1, file: has no rows of inputs under the header"),
    (b"payroll_number,code,kind,amount\n\xff\xfe,,\n", "Row 1, file: is not UTF-8 text"),
    (b"payroll_number,code,kind,amount\nE0001,RESP,taxable_payment,1,2\n", "Row 2, file: has 5 cells"),
])
def test_a_malformed_file_of_inputs_is_refused_with_a_reason(moj, finance_setting, content, expected):
    monthly, _ = _schedules(moj)
    with pytest.raises(services.PayInputImportError) as refused:
        services.pay_inputs_import(schedule=monthly, period_containing=MONDAY, content=content, acting_user=None)
    assert str(refused.value.row_errors[0]).startswith(expected)


def test_inputs_for_a_period_whose_run_is_open_are_refused(moj, finance_setting):
    # given the November run is open
    monthly, _ = _schedules(moj)
    run = services.pay_run_create(schedule=monthly, period_containing=MONDAY, acting_user=None)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    # when / then
    with pytest.raises(ValidationError) as refused:
        services.pay_inputs_import(schedule=monthly, period_containing=MONDAY, content=GOOD_FILE, acting_user=None)
    assert "inputs are locked" in refused.value.message_dict["period_containing"][0]


# --- Pages -----------------------------------------------------------------------------------

def _url(moj, rest=""):
    return f"/departments/{moj.slug}/payroll/{rest}"


def test_a_payroll_officer_adds_a_weekly_schedule_and_moves_staff_onto_it_through_the_pages(
        client, moj, finance_setting, in_department):
    # given
    services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly")
    client.force_login(moj.payroll_officer)
    # when they leave out the name, then correct it
    refused = client.post(_url(moj, "schedules/new/"), {"frequency": "weekly", "pay_weekday": "4",
                                                         "proration": "calendar_days", "pays_everyone_else": "no"})
    created = client.post(_url(moj, "schedules/new/"), {"name": "Weekly", "frequency": "weekly", "pay_weekday": "4",
                                                         "proration": "calendar_days", "pays_everyone_else": "no"})
    with in_department(moj):
        weekly = PaySchedule.objects.get(name="Weekly")
    moved = client.post(created.url, {"payroll_numbers": "E0001\nE0002"}, follow=True).content.decode()
    unknown = client.post(created.url, {"payroll_numbers": "E0001, NOPE"}).content.decode()
    listing = client.get(_url(moj, "schedules/")).content.decode()
    # then
    assert refused.status_code == 200
    assert "There is a problem" in refused.content.decode()
    assert "Enter a name for the pay schedule" in refused.content.decode()
    assert created.url == _url(moj, f"schedules/{weekly.pk}/")
    assert "2 employees moved onto Weekly" in moved
    assert "No employee has the payroll number NOPE." in unknown
    assert "There is a problem" in unknown
    assert "Weekly, on Fridays" in listing
    assert "Pays everyone else" in listing


def test_the_inputs_page_adds_one_loads_a_file_and_shows_the_problems_of_a_bad_one(
        client, moj, finance_setting, in_department):
    # given
    monthly = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly")
    client.force_login(moj.payroll_officer)
    page = _url(moj, f"schedules/{monthly.pk}/inputs/?period=2026-11-02")
    # when they add overtime as hours, then load a good file and a bad one
    added = client.post(page, {"payroll_number": "E0001", "code": "OVERTIME", "kind": "taxable_payment",
                               "hours": "3", "hourly_rate": "20", "pensionable": "no"})
    both = client.post(page, {"payroll_number": "E0001", "code": "X", "kind": "taxable_payment", "amount": "5",
                              "hours": "3", "hourly_rate": "20", "pensionable": "no"}).content.decode()
    loaded = client.post(page, {"upload": "1", "file": SimpleUploadedFile("inputs.csv", GOOD_FILE, "text/csv")})
    bad = client.post(page, {"upload": "1", "file": SimpleUploadedFile(
        "bad.csv", b"payroll_number,code,kind,amount\nE0001,RESP,taxable_payment,abc\n", "text/csv")}).content.decode()
    shown = client.get(page).content.decode()
    # then
    assert added.status_code == 302
    assert "Enter an amount, or hours and an hourly rate, not both" in both
    assert loaded.status_code == 302
    assert "The file was not loaded: 1 problem to fix" in bad
    assert "&#x27;abc&#x27; is not a number" in bad
    assert "OVERTIME: 3 hours at £20.00" in shown
    assert "Responsibility allowance" in shown
    with in_department(moj):
        assert PayInput.objects.count() == 4


def test_a_weekly_run_starts_from_a_day_in_its_week(client, moj, finance_setting, in_department):
    # given
    _, weekly = _schedules(moj)
    client.force_login(moj.payroll_officer)
    # when
    client.post(_url(moj), {"schedule": weekly.pk, "month": "2026-11-11"})
    # then
    with in_department(moj):
        run = PayRun.objects.get()
    assert (run.period_start, run.period_end) == (datetime.date(2026, 11, 9), datetime.date(2026, 11, 15))


def test_someone_who_only_reads_payroll_cannot_add_inputs(client, moj, finance_setting):
    monthly = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly")
    client.force_login(moj.payroll_approver)
    response = client.post(_url(moj, f"schedules/{monthly.pk}/inputs/"), {"payroll_number": "E0001"})
    assert response.status_code == 403



# --- API ------------------------------------------------------------------------------------

def test_an_integrator_adds_a_weekly_schedule_moves_staff_and_posts_hourly_pay(moj, finance_setting, in_department):
    # given an API client with payroll:submit and a department paid monthly
    from rest_framework.test import APIClient

    from departments import services as department_services

    services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly")
    _, raw = department_services.api_token_create(department=moj.department, name="Bureau", acting_user=None,
                                                  scopes=["payroll:read", "payroll:submit"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    base = f"/api/v1/departments/{moj.slug}/payroll/"
    # when it adds a weekly schedule, moves two people onto it, and posts overtime as hours
    created = api.post(base + "schedules/", {"name": "Weekly", "frequency": "weekly"}, format="json")
    weekly = created.json()["id"]
    moved = api.post(base + f"schedules/{weekly}/members/", {"payroll_numbers": ["E0001", "E0002"]}, format="json")
    unknown = api.post(base + f"schedules/{weekly}/members/", {"payroll_numbers": ["E0001", "Z1"]}, format="json")
    hourly = api.post(base + "inputs/", {"employee": "E0001", "schedule": weekly, "period_containing": "2026-11-11",
                                         "code": "OVERTIME", "kind": "taxable_payment", "hours": "4",
                                         "hourly_rate": "20.125"}, format="json")
    both = api.post(base + "inputs/", {"employee": "E0001", "schedule": weekly, "period_containing": "2026-11-11",
                                       "code": "OVERTIME", "kind": "taxable_payment", "hours": "4",
                                       "amount": "10"}, format="json")
    missing_schedule = api.post(base + "schedules/9999/members/", {"payroll_numbers": ["E0001"]}, format="json")
    # then
    assert created.status_code == 201
    assert created.json()["pays_everyone_else"] is False
    assert moved.json() == {"schedule": weekly, "moved": 2}
    assert unknown.status_code == 400
    assert {error["field"] for error in unknown.json()["errors"]} == {"payroll_numbers"}
    assert hourly.status_code == 201
    assert hourly.json()["amount"] == "80.50"
    assert hourly.json()["hours"] == "4.00"
    assert hourly.json()["period_start"] == "2026-11-09"
    assert both.status_code == 400
    assert {error["field"] for error in both.json()["errors"]} == {"amount"}
    assert missing_schedule.status_code == 404
