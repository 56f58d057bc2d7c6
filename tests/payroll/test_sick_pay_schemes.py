"""Occupational sick pay in pay runs: each day of sickness at its step of the department's scheme
(full pay, half pay, then nothing), counted over the scheme's rolling period, with SSP inside it
and paid in full where the scheme pays less."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from hr import services as hr_services
from payroll import services
from payroll.models import Payslip, PayslipLine
from payroll.tasks import start_calculation
from tests.factories.hr import AbsencePaySchemeFactory, SicknessPeriodFactory

pytestmark = pytest.mark.django_db
D = datetime.date
M = Decimal


LONG_SERVING = D(2020, 4, 1)


def _hire(moj, organisation, number, start=LONG_SERVING):
    return hr_services.employee_hire(
        department=moj.department, acting_user=None,
        personal={"payroll_number": f"MJ{number:04d}", "first_name": "Test", "last_name": f"Person{number}",
                  "date_of_birth": D(1990, 1, 1), "sex": "F", "start_date": start,
                  "bank_sort_code": "089999", "bank_account_number": "66374958"},
        terms={"post_title": "Caseworker", "organisation_unit": organisation["team"],
               "grade": organisation["grades"]["HEO"], "cost_centre": organisation["centre"],
               "annual_salary": M("31200")},
        salary_override_reason="Test salary")


def _pay(moj, day, capture):
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly")
    run = services.pay_run_create(schedule=schedule, period_containing=day, acting_user=None)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    with capture(execute=True):
        start_calculation(run=run, acting_user=moj.payroll_officer)
    return run


def _payments(moj, in_department, run, employee):
    with in_department(moj):
        slip = Payslip.objects.get(run=run, employee=employee)
        return slip, [(line.code, line.description, line.amount) for line in
                      PayslipLine.objects.filter(payslip=slip, section="payment").order_by("pk")]


def test_sickness_moves_from_full_to_half_to_no_pay_over_a_rolling_year(moj, organisation, in_department,
                                                                       django_capture_on_commit_callbacks):
    # given a scheme of 10 days' full pay and 10 days' half pay in any 365 days, an employee on
    # £2,600 a month off sick from 10 to 14 November 2025, and again from Monday 2 November 2026
    AbsencePaySchemeFactory(department=moj.department, kind="sickness", name="Sick pay",
                            steps=[{"pay": "full", "days": 10}, {"pay": "half", "days": 10}],
                            rolling_period_days=365)
    employee = _hire(moj, organisation, 1)
    SicknessPeriodFactory(department=moj.department, employee=employee, first_day=D(2025, 11, 10),
                          last_day=D(2025, 11, 14))
    SicknessPeriodFactory(department=moj.department, employee=employee, first_day=D(2026, 11, 2), last_day=None)
    # when November 2026 is paid
    run = _pay(moj, D(2026, 11, 15), django_capture_on_commit_callbacks)
    # then 2 November is the 6th day of sickness in the year before it, so 2-6 November are full pay;
    # from 7 November half pay, and while last year's days leave the rolling year the count stands
    # at 13 for five days, so half pay lasts to 21 November (day 20); from 22 November nothing.
    # SSP (21 working days at £123.25 ÷ 5) comes out of the scheme's pay: all of the full pay days'
    # £433.33, and £84.32 of the half pay (half of 15 days' £1,300.00)
    slip, payments = _payments(moj, in_department, run, employee)
    assert payments == [
        ("BASIC", "Basic pay", M("2600.00")),
        ("ABSENCE", "Less basic pay for sickness 2–30 November 2026", M("-2513.33")),
        ("SICK_PAY", "Sick pay scheme, full pay, days 6–10 of sickness, less SSP", M("0.00")),
        ("SICK_PAY", "Sick pay scheme, half pay, days 11–20 of sickness, less SSP", M("565.68")),
        ("SICK_PAY", "Sick pay scheme, no pay, days 21–29 of sickness", M("0.00")),
        ("SSP", "Statutory Sick Pay, 21 days", M("517.65")),
    ]
    # 1 November worked (£86.67), 5 days at full pay (£433.33) and 15 at half (£650.00)
    assert slip.gross_pay == M("86.67") + M("433.33") + M("650.00") == M("1170.00")
    assert M(slip.year_to_date["ssp"]) == M("517.65")


def test_ssp_is_paid_in_full_when_the_scheme_pays_less(moj, organisation, in_department,
                                                       django_capture_on_commit_callbacks):
    # given a scheme whose allowance is used up (one day of full pay in 365), and a week off sick
    AbsencePaySchemeFactory(department=moj.department, kind="sickness", name="Sick pay",
                            steps=[{"pay": "full", "days": 1}], rolling_period_days=365)
    employee = _hire(moj, organisation, 1)
    SicknessPeriodFactory(department=moj.department, employee=employee, first_day=D(2026, 11, 2),
                          last_day=D(2026, 11, 6))
    # when November is paid
    run = _pay(moj, D(2026, 11, 15), django_capture_on_commit_callbacks)
    # then the first day's full pay (£86.67) is less than the SSP for the week (£123.25): SSP is paid
    # whole and the scheme pays nothing on top
    slip, payments = _payments(moj, in_department, run, employee)
    assert payments == [
        ("BASIC", "Basic pay", M("2600.00")),
        ("ABSENCE", "Less basic pay for sickness 2–6 November 2026", M("-433.33")),
        ("SICK_PAY", "Sick pay scheme, full pay, day 1 of sickness, less SSP", M("0.00")),
        ("SICK_PAY", "Sick pay scheme, no pay, days 2–5 of sickness", M("0.00")),
        ("SSP", "Statutory Sick Pay, 5 days", M("123.25")),
    ]
    assert slip.gross_pay == M("2600.00") - M("433.33") + M("123.25")


def test_the_default_scheme_looks_back_four_years(moj, organisation, in_department,
                                                  django_capture_on_commit_callbacks):
    # given the default scheme (183 days' full pay in 1461 days), and 183 days off sick ending
    # three and a half years before 2 November 2026, beyond SSP's three-year look-back
    employee = _hire(moj, organisation, 1)
    SicknessPeriodFactory(department=moj.department, employee=employee, first_day=D(2023, 1, 2),
                          last_day=D(2023, 7, 3))
    SicknessPeriodFactory(department=moj.department, employee=employee, first_day=D(2026, 11, 2),
                          last_day=D(2026, 11, 6))
    # when November 2026 is paid
    run = _pay(moj, D(2026, 11, 15), django_capture_on_commit_callbacks)
    # then the full pay allowance is used, and this sickness is at half pay
    _, payments = _payments(moj, in_department, run, employee)
    assert ("SICK_PAY", "Sick pay scheme, half pay, days 184–188 of sickness, less SSP", M("93.42")) in payments


def test_service_short_of_the_schemes_qualifying_weeks_gets_ssp_only(moj, organisation, in_department,
                                                                    django_capture_on_commit_callbacks):
    # given a scheme that pays after 13 weeks' service, and a starter of 1 October 2026 off sick on
    # 2-6 November (4 weeks in)
    AbsencePaySchemeFactory(department=moj.department, kind="sickness", name="Sick pay",
                            steps=[{"pay": "full", "days": 183}, {"pay": "half", "days": 182}],
                            rolling_period_days=1461, qualifying_service_weeks=13)
    employee = _hire(moj, organisation, 1, start=D(2026, 10, 1))
    SicknessPeriodFactory(department=moj.department, employee=employee, first_day=D(2026, 11, 2),
                          last_day=D(2026, 11, 6))
    # when November is paid
    run = _pay(moj, D(2026, 11, 15), django_capture_on_commit_callbacks)
    # then the days are paid SSP alone
    slip, payments = _payments(moj, in_department, run, employee)
    assert payments[1:] == [
        ("ABSENCE", "Less basic pay for sickness 2–6 November 2026", M("-433.33")),
        ("SICK_PAY", "Sick pay scheme, statutory pay only, days 1–5 of sickness (under 13 weeks' service)",
         M("0.00")),
        ("SSP", "Statutory Sick Pay, 5 days", M("123.25")),
    ]
    assert slip.gross_pay == M("2289.92")
