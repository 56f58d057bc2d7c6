"""Family leave in pay runs: statutory family pay (SMP, SAP, SPP, ShPP, SPBP, SNCP) paid within the
department's occupational scheme, week by week, from average weekly earnings over the relevant
period; the scheme's steps across periods; keeping-in-touch days; a leaver paid the rest on leaving;
an employee who does not qualify flagged for review with the reason.

Everyone here earns £31,200 a year (£2,600 a month) unless said otherwise, paid monthly on
calendar days; the previous payroll paid £2,600 at each month's end, so average weekly earnings
are £2,600 × 12 ÷ 52 = £600.00 and 90% of them £540.00. The flat rate is £194.32 from 5 April 2026
(£187.18 before it).
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal

import pytest

from hr import services as hr_services
from hr.models import FamilyLeave
from payroll import assembly, services
from payroll.models import PayRunException, Payslip, PayslipLine
from payroll.tasks import start_calculation
from tests.factories.hr import AbsencePaySchemeFactory, FamilyLeaveFactory
from tests.factories.payroll import EarningsHistoryFactory

pytestmark = pytest.mark.django_db
D = datetime.date
M = Decimal
NINETY = "90% of average weekly earnings (£540.00)"
FLAT = "standard rate (£194.32)"
LONG_SERVING = D(2024, 4, 1)
HISTORY_FROM, HISTORY_TO = D(2025, 9, 1), D(2026, 11, 30)


def _hire(moj, organisation, number, *, start=LONG_SERVING, salary="31200"):
    return hr_services.employee_hire(
        department=moj.department, acting_user=None,
        personal={"payroll_number": f"MJ{number:04d}", "first_name": "Test", "last_name": f"Person{number}",
                  "date_of_birth": D(1990, 1, 1), "sex": "F", "start_date": start, "bank_sort_code": "089999",
                  "bank_account_number": "66374958"},
        terms={"post_title": "Caseworker", "organisation_unit": organisation["team"],
               "grade": organisation["grades"]["HEO"], "cost_centre": organisation["centre"],
               "annual_salary": M(salary)},
        salary_override_reason="Test salary")


def _history(moj, employee, *, amounts=None, first=HISTORY_FROM, last=HISTORY_TO, amount="2600.00"):
    """What the previous payroll paid on each month's last day (``amounts`` overrides some)."""
    day = first
    while day <= last:
        pay_day = day.replace(day=calendar.monthrange(day.year, day.month)[1])
        paid = (amounts or {}).get(pay_day, amount)
        EarningsHistoryFactory(department=moj.department, employee=employee, pay_date=pay_day, earnings=M(paid))
        day = pay_day + datetime.timedelta(days=1)


def _leave(moj, employee, kind=FamilyLeave.Kind.MATERNITY, **fields):
    values = {"start_date": D(2026, 12, 6), "end_date": D(2027, 12, 4), "expected_date": D(2027, 1, 20), **fields}
    return FamilyLeaveFactory(department=moj.department, employee=employee, kind=kind, **values)


@pytest.fixture
def monthly(moj):
    return services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                        bank_sort_code="202959", bank_account_number="63748472",
                                        bank_account_name="MOJ PAYROLL")


@pytest.fixture
def pay(moj, monthly, django_capture_on_commit_callbacks):
    def calculate(day):
        run = services.pay_run_create(schedule=monthly, period_containing=day, acting_user=None)
        services.pay_run_open(run=run, acting_user=moj.payroll_officer)
        with django_capture_on_commit_callbacks(execute=True):
            start_calculation(run=run, acting_user=moj.payroll_officer)
        return run
    return calculate


def _slip(moj, in_department, run, employee):
    """The payslip, its payment lines as (code, description, amount), and the employee's exceptions."""
    with in_department(moj):
        slip = Payslip.objects.get(run=run, employee=employee)
        payments = [(line.code, line.description, line.amount) for line in
                    PayslipLine.objects.filter(payslip=slip, section="payment").order_by("pk")]
        exceptions = dict(PayRunException.objects.filter(run=run, employee=employee).values_list("code", "reason"))
    return slip, payments, exceptions


def test_maternity_pay_is_paid_within_full_occupational_pay(moj, organisation, pay, in_department):
    # given an employee on maternity leave from Sunday 6 December 2026 (expected week of childbirth
    # 17 January 2027, so the qualifying week ends 10 October 2026), and a colleague at work
    mother, colleague = _hire(moj, organisation, 1), _hire(moj, organisation, 2)
    _history(moj, mother)
    _leave(moj, mother)
    # when December is paid
    run = pay(D(2026, 12, 15))
    # then 26 days of basic pay (26/31 of £2,600) come off, the scheme pays them back less SMP, and
    # SMP pays weeks 1-3 and 5 days of week 4 at 90% of £600: 3 × £540 + £540 × 5/7
    slip, payments, _ = _slip(moj, in_department, run, mother)
    assert payments == [
        ("BASIC", "Basic pay", M("2600.00")),
        ("ABSENCE", "Less basic pay for maternity leave 6–31 December 2026", M("-2180.65")),
        ("MATERNITY_PAY", "Maternity pay scheme, full pay, weeks 1–4, less SMP", M("174.94")),
        ("SMP", f"Statutory Maternity Pay, weeks 1–4 at {NINETY}", M("2005.71")),
    ]
    assert slip.gross_pay == M("2600.00")
    assert M(slip.year_to_date["smp"]) == M("2005.71")
    # and the colleague's payslip is what basic pay alone gives, as before absences were paid
    other, other_payments, other_exceptions = _slip(moj, in_department, run, colleague)
    alone = assembly.payslip_for(
        employee_ref=colleague.payroll_number, tax_year="2026-27", frequency="monthly", period=9,
        elements=[assembly.Element("BASIC", "Basic pay", assembly.TAXABLE_PAYMENT, M("2600.00"),
                                   pensionable=bool(colleague.pension_scheme))],
        ytd=assembly.YearToDate(),
        profile=assembly.PayrollProfile(tax_code=colleague.tax_code, week1_month1=False, ni_category="A",
                                        student_loans=(), pension_scheme=colleague.pension_scheme or None))
    assert other_payments == [("BASIC", "Basic pay", M("2600.00"))]
    assert (other.gross_pay, other.net_pay, other.income_tax, other.employee_ni) == (
        alone.gross_pay, alone.net_pay, alone.amount("TAX"), alone.amount("NI"))
    assert "statutory_pay_not_due" not in other_exceptions
    assert set(other.year_to_date) == {"taxable_pay", "tax", "employee_ni", "employer_ni", "student_loan",
                                       "postgraduate_loan", "pension_employee", "gross_pay", "net_pay"}


# Each leave from Sunday 6 December 2026; the dates give a qualifying week whose relevant period
# holds two of the previous payroll's £2,600 month ends.
PAYMENTS = [
    pytest.param(FamilyLeave.Kind.ADOPTION,
                 {"matched_date": D(2026, 9, 1), "expected_date": D(2026, 12, 6)},
                 "SAP", f"Statutory Adoption Pay, weeks 1–4 at {NINETY}", "2005.71",
                 ("ADOPTION_PAY", "Adoption pay scheme, full pay, weeks 1–4, less SAP", "174.94"), id="SAP"),
    pytest.param(FamilyLeave.Kind.PATERNITY_BIRTH,
                 {"expected_date": D(2026, 12, 2), "event_date": D(2026, 12, 4), "end_date": D(2026, 12, 19),
                  "statutory_weeks": 2},
                 "SPP", f"Statutory Paternity Pay, weeks 1–2 at {FLAT}", "388.64",
                 ("PATERNITY_PAY", "Paternity pay scheme, full pay, weeks 1–2, less SPP", "785.55"), id="SPP birth"),
    pytest.param(FamilyLeave.Kind.PATERNITY_ADOPTION,
                 {"expected_date": None, "matched_date": D(2026, 9, 1), "event_date": D(2026, 12, 4),
                  "end_date": D(2026, 12, 19)},
                 "SPP", f"Statutory Paternity Pay, weeks 1–2 at {FLAT}", "388.64",
                 ("PATERNITY_PAY", "Paternity pay scheme, full pay, weeks 1–2, less SPP", "785.55"),
                 id="SPP adoption, two weeks unless said"),
    pytest.param(FamilyLeave.Kind.SHARED_PARENTAL,
                 {"expected_date": D(2026, 10, 7), "end_date": D(2027, 1, 2), "statutory_weeks": 4},
                 "SHPP", f"Statutory Shared Parental Pay, weeks 1–4 at {FLAT}", "721.76",
                 ("SHARED_PAR_PAY", "Shared parental pay scheme, full pay, weeks 1–4, less SHPP", "1458.89"),
                 id="ShPP"),
    pytest.param(FamilyLeave.Kind.PARENTAL_BEREAVEMENT,
                 {"expected_date": None, "event_date": D(2026, 11, 20), "end_date": D(2026, 12, 19),
                  "statutory_weeks": 2},
                 "SPBP", f"Statutory Parental Bereavement Pay, weeks 1–2 at {FLAT}", "388.64",
                 ("BEREAVEMENT_PAY", "Parental bereavement pay scheme, full pay, weeks 1–2, less SPBP", "785.55"),
                 id="SPBP"),
    pytest.param(FamilyLeave.Kind.NEONATAL_CARE,
                 {"expected_date": D(2026, 11, 25), "event_date": D(2026, 11, 25), "end_date": D(2026, 12, 12),
                  "statutory_weeks": 1},
                 "SNCP", f"Statutory Neonatal Care Pay, week 1 at {FLAT}", "194.32",
                 ("NEONATAL_PAY", "Neonatal care pay scheme, full pay, week 1, less SNCP", "392.78"), id="SNCP"),
]


@pytest.mark.parametrize(("kind", "fields", "code", "description", "amount", "occupational"), PAYMENTS)
def test_each_statutory_payment_is_paid_under_its_own_code(moj, organisation, pay, in_department, kind, fields,
                                                            code, description, amount, occupational):
    # given a parent on leave from 6 December 2026
    parent = _hire(moj, organisation, 1)
    _history(moj, parent)
    _leave(moj, parent, kind, **fields)
    # when December is paid
    run = pay(D(2026, 12, 15))
    # then the statutory payment has its own line and code, within full pay from the scheme
    slip, payments, exceptions = _slip(moj, in_department, run, parent)
    assert (code, description, M(amount)) in payments
    occupational_code, occupational_description, occupational_amount = occupational
    assert (occupational_code, occupational_description, M(occupational_amount)) in payments
    assert slip.gross_pay == M("2600.00")
    assert M(slip.year_to_date[code.lower()]) == M(amount)
    assert "statutory_pay_not_due" not in exceptions


def test_a_birth_in_the_first_weeks_of_the_tax_year_takes_the_new_flat_rate_from_5_april(
        moj, organisation, pay, in_department):
    # given maternity leave from Sunday 1 February 2026, the baby expected in the week of 5 April 2026
    # (qualifying week 21-27 December 2025, 2025-26's earnings limit of £125)
    mother = _hire(moj, organisation, 1)
    _history(moj, mother)
    _leave(moj, mother, start_date=D(2026, 2, 1), end_date=D(2027, 1, 30), expected_date=D(2026, 4, 8))
    # when April 2026 is paid
    run = pay(D(2026, 4, 15))
    # then week 9 (29 March - 4 April) pays its last 4 days at 2025-26's £187.18 (£187.18 less 3/7 of
    # it), and weeks 10-13 from Sunday 5 April at 2026-27's £194.32 (3 weeks and 5/7 of week 13)
    slip, payments, _ = _slip(moj, in_department, run, mother)
    assert [line for line in payments if line[0] == "SMP"] == [
        ("SMP", "Statutory Maternity Pay, week 9 at standard rate (£187.18)", M("106.96")),
        ("SMP", f"Statutory Maternity Pay, weeks 10–13 at {FLAT}", M("721.76")),
    ]
    assert ("MATERNITY_PAY", "Maternity pay scheme, full pay, weeks 9–13, less SMP", M("1771.28")) in payments
    assert slip.gross_pay == M("2600.00")
    assert M(slip.year_to_date["smp"]) == M("828.72")


def test_earnings_at_the_lower_earnings_limit_qualify_and_a_penny_less_do_not(moj, organisation, pay, in_department):
    # given two part-time employees on maternity leave from 6 December 2026: one paid £559.00 a month
    # (£559 × 12 ÷ 52 = £129.00 a week, the 2026-27 limit), one £558.99
    at_limit = _hire(moj, organisation, 1, salary="6708")
    below = _hire(moj, organisation, 2, salary="6707.88")
    _history(moj, at_limit, amount="559.00")
    _history(moj, below, amount="558.99")
    _leave(moj, at_limit)
    _leave(moj, below)
    # when December is paid
    run = pay(D(2026, 12, 15))
    # then the first gets SMP at 90% of £129.00 (£116.10 a week), the second none, and the run asks
    # for a review with the reason in figures
    _, paid, paid_exceptions = _slip(moj, in_department, run, at_limit)
    below_slip, unpaid, exceptions = _slip(moj, in_department, run, below)
    assert ("SMP", "Statutory Maternity Pay, weeks 1–4 at 90% of average weekly earnings (£116.10)",
            M("431.23")) in paid
    assert "statutory_pay_not_due" not in paid_exceptions
    assert "SMP" not in {code for code, _, _ in unpaid}
    assert "£128.99" in exceptions["statutory_pay_not_due"]
    assert "below the lower earnings limit of £129.00" in exceptions["statutory_pay_not_due"]
    # full occupational pay still pays for the leave
    assert below_slip.gross_pay == M("558.99")


def test_a_pay_rise_in_the_relevant_period_raises_average_weekly_earnings(moj, organisation, pay, in_department):
    # given £2,600 paid on 31 August and £3,200 on 30 September 2026 (a rise with back pay): the
    # relevant period for the qualifying week ending 10 October 2026
    mother = _hire(moj, organisation, 1)
    _history(moj, mother, amounts={D(2026, 9, 30): "3200.00"})
    _leave(moj, mother)
    # when December is paid
    run = pay(D(2026, 12, 15))
    # then average weekly earnings are (£2,600 + £3,200) ÷ 2 × 12 ÷ 52 = £669.23..., 90% of them
    # rounded up £602.31
    _, payments, _ = _slip(moj, in_department, run, mother)
    assert ("SMP", "Statutory Maternity Pay, weeks 1–4 at 90% of average weekly earnings (£602.31)",
            M("2237.15")) in payments


def test_a_leaver_during_the_maternity_pay_period_is_paid_the_rest_on_leaving(moj, organisation, pay,
                                                                              in_department):
    # given maternity leave from 6 December 2026, and the employee leaving on 15 January 2027
    mother = _hire(moj, organisation, 1)
    _history(moj, mother)
    _leave(moj, mother)
    hr_services.employee_leave(employee=mother, leave_date=D(2027, 1, 15), reason="resignation", acting_user=None)
    # when December and January are paid
    december, january = pay(D(2026, 12, 15)), pay(D(2027, 1, 15))
    # then January pays its SMP (the end of week 4 to the first day of week 9), and the rest of the
    # 39 weeks as a lump sum
    slip, payments, _ = _slip(moj, in_department, january, mother)
    assert payments == [
        ("BASIC", "Basic pay", M("1258.06")),
        ("ABSENCE", "Less basic pay for maternity leave 1–15 January 2027", M("-1258.06")),
        ("MATERNITY_PAY", "Maternity pay scheme, full pay, weeks 4–6, less SMP", M("0.00")),
        ("SMP", f"Statutory Maternity Pay, weeks 4–6 at {NINETY}", M("1234.29")),
        ("SMP", f"Statutory Maternity Pay, weeks 7–9 at {FLAT}", M("416.40")),
        ("SMP", "Statutory Maternity Pay, weeks 9–39 paid on leaving", M("5996.16")),
    ]
    # and with December's the 39 weeks are paid exactly: 6 × £540 + 33 × £194.32
    _, december_payments, _ = _slip(moj, in_department, december, mother)
    smp = [amount for code, _, amount in december_payments + payments if code == "SMP"]
    assert sum(smp) == 6 * M("540.00") + 33 * M("194.32") == M("9652.56")
    assert slip.gross_pay == M("7646.85")


def test_the_scheme_pays_full_pay_then_statutory_only_then_nothing(moj, organisation, pay, in_department):
    # given the default maternity scheme (26 weeks full pay, 13 statutory pay only, 13 nil) and leave
    # from Sunday 3 May 2026, with keeping-in-touch days on 10 and 11 November
    mother = _hire(moj, organisation, 1)
    _history(moj, mother)
    _leave(moj, mother, start_date=D(2026, 5, 3), end_date=D(2027, 5, 1), expected_date=D(2026, 5, 10),
           keeping_in_touch_days=[D(2026, 11, 10), D(2026, 11, 11)])
    # when June, November and February are paid
    june, november, february = pay(D(2026, 6, 15)), pay(D(2026, 11, 15)), pay(D(2027, 2, 15))
    # then June (weeks 5-9) is full pay with SMP inside it
    june_slip, june_payments, _ = _slip(moj, in_department, june, mother)
    assert june_payments == [
        ("BASIC", "Basic pay", M("2600.00")),
        ("ABSENCE", "Less basic pay for maternity leave 1–30 June 2026", M("-2600.00")),
        ("MATERNITY_PAY", "Maternity pay scheme, full pay, weeks 5–9, less SMP", M("1125.22")),
        ("SMP", f"Statutory Maternity Pay, weeks 5–6 at {NINETY}", M("1002.86")),
        ("SMP", f"Statutory Maternity Pay, weeks 7–9 at {FLAT}", M("471.92")),
    ]
    assert june_slip.gross_pay == M("2600.00")
    # November (weeks 27-31) is SMP only, and the two days worked are paid as work
    november_slip, november_payments, _ = _slip(moj, in_department, november, mother)
    assert november_payments == [
        ("BASIC", "Basic pay", M("2600.00")),
        ("ABSENCE", "Less basic pay for maternity leave 1–30 November 2026 (2 keeping-in-touch days worked)",
         M("-2426.67")),
        ("MATERNITY_PAY", "Maternity pay scheme, statutory pay only, weeks 27–31 (no contractual pay)", M("0.00")),
        ("SMP", f"Statutory Maternity Pay, weeks 27–31 at {FLAT}", M("832.80")),
    ]
    assert november_slip.gross_pay == M("1006.13")
    # February (weeks 40-44) pays nothing: the scheme's nil weeks, after the 39 weeks of SMP
    february_slip, february_payments, _ = _slip(moj, in_department, february, mother)
    assert february_payments == [
        ("BASIC", "Basic pay", M("2600.00")),
        ("ABSENCE", "Less basic pay for maternity leave 1–28 February 2027", M("-2600.00")),
        ("MATERNITY_PAY", "Maternity pay scheme, no pay, weeks 40–44 (no contractual pay)", M("0.00")),
    ]
    assert february_slip.gross_pay == M("0.00")


def test_service_short_of_the_schemes_qualifying_weeks_gets_statutory_pay_only(moj, organisation, pay,
                                                                               in_department):
    # given a scheme that asks for 52 weeks' service, and an employee who started on 1 April 2026
    # (long enough for SMP, 35 weeks by the leave)
    AbsencePaySchemeFactory(department=moj.department, kind="maternity", name="Maternity pay",
                            qualifying_service_weeks=52)
    mother = _hire(moj, organisation, 1, start=D(2026, 4, 1))
    _history(moj, mother, first=D(2026, 4, 1))
    _leave(moj, mother)
    # when December is paid
    run = pay(D(2026, 12, 15))
    # then the leave's days are paid SMP only
    slip, payments, _ = _slip(moj, in_department, run, mother)
    assert payments[1:] == [
        ("ABSENCE", "Less basic pay for maternity leave 6–31 December 2026", M("-2180.65")),
        ("MATERNITY_PAY", "Maternity pay scheme, statutory pay only, weeks 1–4 (under 52 weeks' service)", M("0.00")),
        ("SMP", f"Statutory Maternity Pay, weeks 1–4 at {NINETY}", M("2005.71")),
    ]
    assert slip.gross_pay == M("2425.06")


def test_an_employee_who_does_not_qualify_is_flagged_with_the_reason(moj, organisation, pay, in_department):
    # given an employee who started on 1 September 2026, too late for 26 weeks into the qualifying
    # week ending 10 October 2026, on maternity leave from 6 December
    mother = _hire(moj, organisation, 1, start=D(2026, 9, 1))
    _history(moj, mother, first=D(2026, 9, 1))
    _leave(moj, mother)
    # when December is paid
    run = pay(D(2026, 12, 15))
    # then no SMP, full pay from the scheme, and an exception saying why, with the dates
    slip, payments, exceptions = _slip(moj, in_department, run, mother)
    assert "SMP" not in {code for code, _, _ in payments}
    assert slip.gross_pay == M("2600.00")
    reason = exceptions["statutory_pay_not_due"]
    assert reason.startswith("Maternity leave from 6 December 2026: no Statutory Maternity Pay.")
    assert "Tuesday 1 September 2026" in reason
    assert "on or before Saturday 18 April 2026" in reason


def test_leave_waiting_for_hr_or_cancelled_is_not_paid(moj, organisation, pay, in_department):
    # given maternity leave requested but not yet confirmed, and another cancelled
    mother = _hire(moj, organisation, 1)
    _history(moj, mother)
    _leave(moj, mother, status=FamilyLeave.Status.REQUESTED)
    _leave(moj, mother, status=FamilyLeave.Status.CANCELLED, start_date=D(2026, 12, 1))
    # when December is paid
    run = pay(D(2026, 12, 15))
    # then the payslip is basic pay alone
    slip, payments, exceptions = _slip(moj, in_department, run, mother)
    assert payments == [("BASIC", "Basic pay", M("2600.00"))]
    assert "statutory_pay_not_due" not in exceptions
