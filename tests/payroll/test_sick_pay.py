"""Statutory Sick Pay in a pay period, from periods of sickness linked into spells."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest

from hr.models import SicknessPeriod
from payroll.periods import PayPeriod
from payroll.sick_pay import SspDue, ssp_due, weekly_earnings

WEEKDAYS = [0, 1, 2, 3, 4]
NOVEMBER = PayPeriod(frequency="monthly", start=datetime.date(2026, 11, 1), end=datetime.date(2026, 11, 30),
                     pay_date=datetime.date(2026, 11, 30), tax_year="2026-27", tax_period=8)
APRIL = PayPeriod(frequency="monthly", start=datetime.date(2026, 4, 1), end=datetime.date(2026, 4, 30),
                  pay_date=datetime.date(2026, 4, 30), tax_year="2026-27", tax_period=1)


def _sick(first, last, days=WEEKDAYS):
    return SicknessPeriod(first_day=first, last_day=last, qualifying_days=days)


def test_a_week_off_sick_in_2026_27_is_paid_from_the_first_day_at_the_flat_rate():
    # given Monday to Friday off sick, earning £577 a week (80% of it is above the flat rate)
    sickness = [_sick(datetime.date(2026, 11, 2), datetime.date(2026, 11, 6))]
    # when
    due = ssp_due(period=NOVEMBER, sickness=sickness, average_weekly_earnings=weekly_earnings(D("30000"), D("1")))
    # then: no waiting days since April 2026, five days at £123.25 / 5
    assert due == SspDue(amount=D("123.25"), days_payable=5, waiting_days=0)


def test_low_earnings_get_80_percent_of_them_in_2026_27():
    sickness = [_sick(datetime.date(2026, 11, 2), datetime.date(2026, 11, 6))]
    due = ssp_due(period=NOVEMBER, sickness=sickness, average_weekly_earnings=D("100.00"))
    assert due == SspDue(amount=D("80.00"), days_payable=5, waiting_days=0)


def test_a_spell_across_two_periods_pays_only_this_periods_days():
    # given a spell from Monday 26 October to Friday 6 November
    sickness = [_sick(datetime.date(2026, 10, 26), datetime.date(2026, 11, 6))]
    # when / then: November pays 2 to 6 November
    due = ssp_due(period=NOVEMBER, sickness=sickness, average_weekly_earnings=D("577.00"))
    assert due == SspDue(amount=D("123.25"), days_payable=5, waiting_days=0)


def test_a_spell_begun_before_april_2026_keeps_its_waiting_days():
    # given a spell from Monday 30 March 2026 (two qualifying days in March) to Friday 10 April
    sickness = [_sick(datetime.date(2026, 3, 30), datetime.date(2026, 4, 10))]
    # when
    due = ssp_due(period=APRIL, sickness=sickness, average_weekly_earnings=D("577.00"))
    # then: the third waiting day falls on 1 April; seven days are paid at 2025-26's £118.75 / 5
    assert due == SspDue(amount=D("166.25"), days_payable=7, waiting_days=1)


def test_fewer_than_four_days_or_linked_short_absences_are_not_a_spell():
    # given three days off sick
    sickness = [_sick(datetime.date(2026, 11, 2), datetime.date(2026, 11, 4))]
    # then
    assert ssp_due(period=NOVEMBER, sickness=sickness, average_weekly_earnings=D("577.00")) is None


def test_periods_within_eight_weeks_link_and_ssp_stops_after_28_weeks():
    # given an employee off sick since 6 April 2026, Monday to Friday, with no break
    sickness = [_sick(datetime.date(2026, 4, 6), None)]
    # when November is paid (more than 28 weeks of qualifying days before it)
    due = ssp_due(period=NOVEMBER, sickness=sickness, average_weekly_earnings=D("577.00"))
    # then nothing more is due
    assert due is None


# --- In a pay run ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_pay_run_shows_ssp_within_full_pay(moj, finance_setting, in_department, django_capture_on_commit_callbacks):
    from hr import services as hr_services
    from payroll import services
    from payroll.models import Payslip, PayslipLine
    from payroll.tasks import start_calculation

    # given an employee on £30,000 off sick from Monday 2 to Friday 6 November 2026
    hr_services.sickness_record(employee=finance_setting.claimant, first_day=datetime.date(2026, 11, 2),
                                last_day=datetime.date(2026, 11, 6), acting_user=None, reason="Flu")
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly")
    run = services.pay_run_create(schedule=schedule, period_containing=datetime.date(2026, 11, 15), acting_user=None)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    # when November is calculated
    with django_capture_on_commit_callbacks(execute=True):
        start_calculation(run=run, acting_user=moj.payroll_officer)
    # then five days of SSP are part of the month's £2,500: the days' basic pay (5/30 of it) comes
    # off, the sick pay scheme pays it back less the SSP, and a colleague has none of it
    with in_department(moj):
        sick = Payslip.objects.get(run=run, employee=finance_setting.claimant)
        lines = {line.code: line for line in PayslipLine.objects.filter(payslip=sick)}
        colleague_codes = set(PayslipLine.objects.filter(payslip__employee=finance_setting.colleague)
                              .values_list("code", flat=True))
    assert lines["BASIC"].amount == D("2500.00")
    assert (lines["ABSENCE"].description, lines["ABSENCE"].amount) == (
        "Less basic pay for sickness 2–6 November 2026", D("-416.67"))
    assert (lines["SICK_PAY"].description, lines["SICK_PAY"].amount) == (
        "Sick pay scheme, full pay, days 1–5 of sickness, less SSP", D("293.42"))
    assert (lines["SSP"].description, lines["SSP"].amount) == ("Statutory Sick Pay, 5 days", D("123.25"))
    assert sick.gross_pay == D("2500.00")
    assert D(sick.year_to_date["ssp"]) == D("123.25")
    assert not colleague_codes & {"SSP", "ABSENCE", "SICK_PAY"}
