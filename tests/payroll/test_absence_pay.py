"""The reads and rules behind absence pay: the earnings paid on each pay day (the platform's
finalised payslips, else the previous payroll's history), and a family leave's statutory payment
weeks (cut short by a return, kept by a leaver, refused with a reason when dates are missing)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from hr.models import FamilyLeave
from payroll.engine.family_pay import EarningsPaid, Payment
from payroll.models import PayRun
from payroll.selectors_statutory import earnings_paid
from payroll.statutory_pay import family_leave_pay
from tests.factories.hr import EmployeeFactory
from tests.factories.payroll import (
    EarningsHistoryFactory,
    PayRunFactory,
    PayScheduleFactory,
    PayslipFactory,
    PayslipLineFactory,
)

D = datetime.date
M = Decimal


# --- Earnings paid on each pay day ---------------------------------------------------------------

def _run(department, schedule, *, period_start, pay_date, kind=PayRun.Kind.REGULAR,
         status=PayRun.Status.FINALISED):
    end = (period_start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    return PayRunFactory(department=department, schedule=schedule, kind=kind, status=status,
                         period_start=period_start, period_end=end, pay_date=pay_date)


@pytest.mark.django_db
def test_earnings_come_from_finalised_payslips_and_the_history_fills_the_days_before(moj, in_department):
    department = moj.department
    employee, other = EmployeeFactory.create(department=department), EmployeeFactory.create(department=department)
    schedule = PayScheduleFactory(department=department)
    # given September's finalised payslip (NICable pay £2,500.00 in its NI working) and a supplementary
    # run for September paid in October that recalculated the period to £2,700.00
    september = _run(department, schedule, period_start=D(2026, 9, 1), pay_date=D(2026, 9, 30))
    PayslipFactory(department=department, run=september, employee=employee, gross_pay=M("2500.00"),
                   working={"ni": {"nicable_pay": "2500.00"}})
    correction = _run(department, schedule, period_start=D(2026, 9, 1), pay_date=D(2026, 10, 14),
                      kind=PayRun.Kind.SUPPLEMENTARY)
    PayslipFactory(department=department, run=correction, employee=employee, gross_pay=M("200.00"),
                   working={"ni": {"nicable_pay": "2700.00"}})
    # October's payslip has no NI working: gross £3,000.00 less £150.00 salary sacrifice (pension
    # contributions are not taken off)
    october = _run(department, schedule, period_start=D(2026, 10, 1), pay_date=D(2026, 10, 30))
    slip = PayslipFactory(department=department, run=october, employee=employee, gross_pay=M("3000.00"), working={})
    PayslipLineFactory(department=department, payslip=slip, code="CYCLE", description="Cycle to work",
                       section="deduction", amount=M("150.00"))
    PayslipLineFactory(department=department, payslip=slip, code="PENSION", description="Pension",
                       section="deduction", amount=M("160.00"))
    # November's run is calculated but not finalised
    november = _run(department, schedule, period_start=D(2026, 11, 1), pay_date=D(2026, 11, 30),
                    status=PayRun.Status.CALCULATED)
    PayslipFactory(department=department, run=november, employee=employee, gross_pay=M("9999.00"))
    # and the previous payroll paid on 31 July and 31 August, and (wrongly) on 30 September too
    for day, amount in ((D(2026, 7, 31), "2400.00"), (D(2026, 8, 31), "2450.00"), (D(2026, 9, 30), "1.00"),
                        (D(2026, 6, 30), "2300.00")):
        EarningsHistoryFactory(department=department, employee=employee, pay_date=day, earnings=M(amount))
    EarningsHistoryFactory(department=department, employee=other, pay_date=D(2026, 8, 31), earnings=M("900.00"))
    # when the earnings paid from July to November are read
    with in_department(moj):
        paid = earnings_paid(employee_ids=[employee.pk], since=D(2026, 7, 1), until=D(2026, 11, 30))
    # then each pay day once, in order: the history before the platform, the platform's own after
    assert paid == {employee.pk: [EarningsPaid(D(2026, 7, 31), M("2400.00")),
                                  EarningsPaid(D(2026, 8, 31), M("2450.00")),
                                  EarningsPaid(D(2026, 9, 30), M("2700.00")),
                                  EarningsPaid(D(2026, 10, 30), M("2850.00"))]}


@pytest.mark.django_db
def test_no_earnings_means_no_entry(moj, in_department):
    employee = EmployeeFactory.create(department=moj.department)
    with in_department(moj):
        assert earnings_paid(employee_ids=[employee.pk], since=D(2026, 1, 1), until=D(2026, 12, 31)) == {}
        assert earnings_paid(employee_ids=[], since=D(2026, 1, 1), until=D(2026, 12, 31)) == {}


# --- A family leave's statutory pay --------------------------------------------------------------

LONG_SERVING = D(2024, 4, 1)
MONTHLY_2600 = [EarningsPaid(D(2026, month, 28), M("2600.00")) for month in range(4, 12)]


def _leave(kind=FamilyLeave.Kind.MATERNITY, **fields):
    values = {"start_date": D(2026, 12, 6), "end_date": D(2027, 12, 4), "expected_date": D(2027, 1, 20), **fields}
    return FamilyLeave(kind=kind, **values)


def _pay(leave, *, start=LONG_SERVING, leave_date=None, earnings=MONTHLY_2600):
    return family_leave_pay(leave=leave, employment_start=start, leave_date=leave_date, earnings=earnings,
                            frequency="monthly")


def test_maternity_pay_runs_39_weeks_from_the_first_day_of_leave():
    pay = _pay(_leave())
    assert pay.eligible
    assert pay.payment is Payment.SMP
    assert len(pay.weeks) == 39
    assert (pay.weeks[0].start, pay.weeks[0].amount, pay.weeks[-1].end) == (D(2026, 12, 6), M("540.00"),
                                                                             D(2027, 9, 4))


def test_coming_back_early_ends_the_payment_weeks_but_leaving_does_not():
    # given leave ending on Sunday 10 January 2027, the first day of week 6: she works in week 6
    back_early = _leave(end_date=D(2027, 1, 10))
    # then weeks 1-5 are paid, not the week she came back in (HMRC: no SMP for a week worked); but an
    # employee who left during the leave is paid all 39
    assert [week.number for week in _pay(back_early).weeks] == [1, 2, 3, 4, 5]
    assert len(_pay(back_early, leave_date=D(2027, 1, 5)).weeks) == 39


def test_paternity_pay_runs_two_weeks_unless_the_leave_says_fewer():
    birth = {"expected_date": D(2026, 12, 2), "event_date": D(2026, 12, 4), "end_date": D(2026, 12, 19)}
    assert [week.amount for week in _pay(_leave(FamilyLeave.Kind.PATERNITY_BIRTH, **birth)).weeks] == [
        M("194.32"), M("194.32")]
    assert len(_pay(_leave(FamilyLeave.Kind.PATERNITY_BIRTH, statutory_weeks=1, **birth)).weeks) == 1


def test_missing_dates_and_weeks_are_reasons_not_errors():
    no_due_date = _pay(_leave(expected_date=None))
    assert no_due_date.reasons == ("The expected week of childbirth is needed.",)
    assert no_due_date.entitlement is None
    assert no_due_date.weeks == ()
    no_weeks = _pay(_leave(FamilyLeave.Kind.SHARED_PARENTAL, end_date=D(2027, 3, 6)))
    assert not no_weeks.eligible
    assert no_weeks.reasons == ("The number of weeks of SHPP is needed.",)
    adoption_without_match = _pay(_leave(FamilyLeave.Kind.ADOPTION))
    assert "match" in adoption_without_match.reasons[0]


def test_a_father_who_left_before_the_birth_gets_no_paternity_pay():
    leave = _leave(FamilyLeave.Kind.PATERNITY_BIRTH, expected_date=D(2026, 12, 2), event_date=D(2026, 12, 4),
                   end_date=D(2026, 12, 19))
    pay = _pay(leave, leave_date=D(2026, 12, 1))
    assert not pay.eligible
    assert pay.weeks == ()
    assert "Friday 4 December 2026" in " ".join(pay.reasons)


def test_neonatal_care_leave_recorded_with_the_birth_only_counts_from_the_week_before_the_care():
    # given neonatal care leave from Sunday 6 December 2026 with the birth date and no expected week
    leave = _leave(FamilyLeave.Kind.NEONATAL_CARE, expected_date=None, event_date=D(2026, 12, 2),
                   end_date=D(2027, 1, 2), statutory_weeks=4)
    # then it qualifies from the week before the care began (29 Nov – 5 Dec), and pays the 4 weeks
    pay = _pay(leave)
    assert pay.eligible
    assert pay.entitlement.qualifying_week.start == D(2026, 11, 29)
    assert len(pay.weeks) == 4


def test_shared_parental_pay_for_an_adoption_counts_from_the_match():
    # given an adopter matched on Monday 1 March 2027, the child placed on 1 April, who started on
    # 3 August 2026: 26 weeks into the week of the match, though not into a birth's qualifying week
    leave = _leave(FamilyLeave.Kind.SHARED_PARENTAL, start_date=D(2027, 4, 4), end_date=D(2027, 7, 3),
                   matched_date=D(2027, 3, 1), expected_date=D(2027, 4, 1), statutory_weeks=13)
    earnings = [EarningsPaid(D(year, month, 28), M("2600.00")) for year, month in
                [(2026, 8), (2026, 9), (2026, 10), (2026, 11), (2026, 12), (2027, 1), (2027, 2)]]
    pay = _pay(leave, start=D(2026, 8, 3), earnings=earnings)
    # then the qualifying week is the week of the match, and she qualifies
    assert pay.entitlement.qualifying_week.start == D(2027, 2, 28)
    assert pay.eligible
