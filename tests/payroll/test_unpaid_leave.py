"""Unpaid leave and unauthorised absence in pay runs: approved leave of a type that is not paid
stops the contractual pay of those whole days; leave not approved, or paid leave, changes nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from hr import services as hr_services
from hr.models import LeaveRequest, LeaveType
from payroll import services
from payroll.models import Payslip, PayslipLine
from payroll.tasks import start_calculation
from tests.factories.hr import LeaveRequestFactory, LeaveTypeFactory

pytestmark = pytest.mark.django_db
D = datetime.date
M = Decimal


def _hire(moj, organisation, number):
    return hr_services.employee_hire(
        department=moj.department, acting_user=None,
        personal={"payroll_number": f"MJ{number:04d}", "first_name": "Test", "last_name": f"Person{number}",
                  "date_of_birth": D(1990, 1, 1), "sex": "F", "start_date": D(2020, 4, 1),
                  "bank_sort_code": "089999", "bank_account_number": "66374958"},
        terms={"post_title": "Caseworker", "organisation_unit": organisation["team"],
               "grade": organisation["grades"]["HEO"], "cost_centre": organisation["centre"],
               "annual_salary": M("31200")},
        salary_override_reason="Test salary")


def _pay(moj, day, capture, **schedule):
    monthly = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly", **schedule)
    run = services.pay_run_create(schedule=monthly, period_containing=day, acting_user=None)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    with capture(execute=True):
        start_calculation(run=run, acting_user=moj.payroll_officer)
    return run


def _payments(moj, in_department, run, employee):
    with in_department(moj):
        slip = Payslip.objects.get(run=run, employee=employee)
        return slip, [(line.code, line.description, line.amount) for line in
                      PayslipLine.objects.filter(payslip=slip, section="payment").order_by("pk")]


@pytest.fixture
def leave_types(moj):
    def make(kind, name, is_paid):
        return LeaveTypeFactory(department=moj.department, code=kind.upper(), name=name, kind=kind,
                                is_paid=is_paid, uses_balance=False)
    return {"unpaid": make(LeaveType.Kind.UNPAID, "Unpaid leave", False),
            "unauthorised": make(LeaveType.Kind.UNAUTHORISED, "Unauthorised absence", False),
            "annual": make(LeaveType.Kind.ANNUAL, "Annual leave", True)}


def _request(moj, employee, leave_type, first, last, status=LeaveRequest.Status.APPROVED):
    return LeaveRequestFactory(department=moj.department, employee=employee, leave_type=leave_type,
                               start_date=first, end_date=last, status=status)


def test_unpaid_leave_and_unauthorised_absence_reduce_pay(moj, organisation, leave_types, in_department,
                                                          django_capture_on_commit_callbacks):
    # given an employee on £2,600 a month with approved unpaid leave on 2-4 March 2027 and a day of
    # unauthorised absence on 10 March, and a colleague with none
    employee, colleague = _hire(moj, organisation, 1), _hire(moj, organisation, 2)
    _request(moj, employee, leave_types["unpaid"], D(2027, 3, 2), D(2027, 3, 4))
    _request(moj, employee, leave_types["unauthorised"], D(2027, 3, 10), D(2027, 3, 10))
    # when March is paid (calendar days: 31)
    run = _pay(moj, D(2027, 3, 15), django_capture_on_commit_callbacks)
    # then 3/31 and 1/31 of the month's pay are not paid
    slip, payments = _payments(moj, in_department, run, employee)
    assert payments == [
        ("BASIC", "Basic pay", M("2600.00")),
        ("UNPAID", "Unpaid leave 2–4 March 2027", M("-251.61")),
        ("UNPAID", "Unauthorised absence 10 March 2027", M("-83.87")),
    ]
    assert slip.gross_pay == M("2264.52")
    other, other_payments = _payments(moj, in_department, run, colleague)
    assert other_payments == [("BASIC", "Basic pay", M("2600.00"))]
    assert slip.net_pay < other.net_pay


def test_leave_not_approved_or_paid_changes_nothing(moj, organisation, leave_types, in_department,
                                                    django_capture_on_commit_callbacks):
    # given unpaid leave waiting for approval, unpaid leave refused, and approved annual leave
    employee = _hire(moj, organisation, 1)
    _request(moj, employee, leave_types["unpaid"], D(2027, 3, 2), D(2027, 3, 4), status=LeaveRequest.Status.PENDING)
    _request(moj, employee, leave_types["unpaid"], D(2027, 3, 8), D(2027, 3, 8), status=LeaveRequest.Status.REJECTED)
    _request(moj, employee, leave_types["annual"], D(2027, 3, 15), D(2027, 3, 19))
    # when March is paid
    run = _pay(moj, D(2027, 3, 15), django_capture_on_commit_callbacks)
    # then pay is the month's basic pay
    slip, payments = _payments(moj, in_department, run, employee)
    assert payments == [("BASIC", "Basic pay", M("2600.00"))]


def test_working_days_proration_stops_only_working_days_pay(moj, organisation, leave_types, in_department,
                                                           django_capture_on_commit_callbacks):
    # given a schedule pro-rating by working days, and unpaid leave from Friday 6 to Monday 9
    # November 2026 (two working days of November's 21)
    employee = _hire(moj, organisation, 1)
    _request(moj, employee, leave_types["unpaid"], D(2026, 11, 6), D(2026, 11, 9))
    # when November is paid
    run = _pay(moj, D(2026, 11, 15), django_capture_on_commit_callbacks, proration="working_days")
    # then 2/21 of £2,600 is not paid, the weekend nothing
    _, payments = _payments(moj, in_department, run, employee)
    assert ("UNPAID", "Unpaid leave 6–9 November 2026", M("-247.62")) in payments


def test_unpaid_leave_for_the_whole_period_leaves_nothing_to_pay(moj, organisation, leave_types, in_department,
                                                                 django_capture_on_commit_callbacks):
    # given unpaid leave for all of March 2027, taken as two requests
    employee = _hire(moj, organisation, 1)
    _request(moj, employee, leave_types["unpaid"], D(2027, 2, 20), D(2027, 3, 14))
    _request(moj, employee, leave_types["unpaid"], D(2027, 3, 15), D(2027, 4, 10))
    # when March is paid
    run = _pay(moj, D(2027, 3, 15), django_capture_on_commit_callbacks)
    # then the two reductions add up to the month's pay to the penny
    slip, payments = _payments(moj, in_department, run, employee)
    assert payments[1:] == [("UNPAID", "Unpaid leave 1–14 March 2027", M("-1174.19")),
                            ("UNPAID", "Unpaid leave 15–31 March 2027", M("-1425.81"))]
    assert slip.gross_pay == M("0.00")
