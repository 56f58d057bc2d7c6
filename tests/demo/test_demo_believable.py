"""The demo's year as a payroll officer would judge it: income tax that matches each salary, net pay
that holds steady month to month unless something happened, an open run with only the few
exceptions a real one has, personas with complete records, and finance's payroll postings the ones
payroll made. Seeded once for the module, at a smaller staff than ``make run``'s (same generator)."""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, Q, Sum

from departments import demo as department_demo
from departments.models import Department, DepartmentMembership
from departments.tenancy import department_context
from finance import demo as finance_demo
from finance.models import Account, Journal, JournalLine
from hr import demo as hr_demo
from hr.models import Employee, Employment, FamilyLeave, LeaveRequest, SicknessPeriod
from payroll import demo as payroll_demo
from payroll.models import PayInput, PayRun, PayRunException, Payslip
from payroll.review_kinds import BLOCKING_CODES
from payroll.selectors_bank_changes import pay_run_bank_changes

pytestmark = pytest.mark.django_db

STAFF = 200
PERSONAL_ALLOWANCE = Decimal("12570")
BASIC_RATE_LIMIT = Decimal("50270")
TAPER_STARTS = Decimal("100000")  # the personal allowance shrinks above this
# Civil Service alpha takes up to about 8% of pay before tax (net pay arrangement).
MOST_PENSION = Decimal("0.09")


def _english_tax(taxable: Decimal) -> Decimal:
    """A year's income tax on ``taxable`` pay under 1257L (below the allowance's taper)."""
    basic = min(max(taxable - PERSONAL_ALLOWANCE, Decimal(0)), BASIC_RATE_LIMIT - PERSONAL_ALLOWANCE)
    higher = max(taxable - BASIC_RATE_LIMIT, Decimal(0))
    return Decimal("0.2") * basic + Decimal("0.4") * higher


@pytest.fixture(scope="module")
def demo_year(django_db_setup: None, django_db_blocker: object) -> Iterator[list[Department]]:
    """The demo seeded as ``seed_demo`` does, rolled back when the module's tests are done."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        with transaction.atomic():
            department_demo.seed(out=io.StringIO())
            hr_demo.seed(out=io.StringIO(), employees=STAFF)
            finance_demo.seed(out=io.StringIO())
            payroll_demo.seed(out=io.StringIO())
            yield list(Department.objects.filter(slug__in=["moj", "dft"]).order_by("slug"))
            transaction.set_rollback(True)


def _finalised_runs() -> list[PayRun]:
    return list(PayRun.objects.filter(status=PayRun.Status.FINALISED).order_by("period_start"))


def _year_start(runs: list[PayRun]) -> datetime.date:
    return datetime.date(int(runs[0].tax_year[:4]), 4, 6)


def _steady_staff(runs: list[PayRun]) -> dict[int, list[Payslip]]:
    """Each employee paid in every finalised month with nothing on record that changes pay: in post
    all year, one set of terms, no absence, no tax code change, no extra payments. Their payslips,
    month by month."""
    year_start, year_end = runs[0].period_start, runs[-1].period_end
    slips: dict[int, list[Payslip]] = defaultdict(list)
    for slip in Payslip.objects.filter(run__in=runs, status=Payslip.Status.CALCULATED).order_by("run__period_start"):
        slips[slip.employee_id].append(slip)  # type: ignore[attr-defined]
    changed_terms = set(Employment.objects.filter(superseded_at__isnull=True, valid_from__lte=year_end)
                        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=year_start)).values("employee_id")
                        .annotate(versions=Count("pk")).filter(versions__gt=1).values_list("employee_id", flat=True))
    documented = (changed_terms
                  | set(FamilyLeave.objects.values_list("employee_id", flat=True))
                  | set(SicknessPeriod.objects.values_list("employee_id", flat=True))
                  | set(LeaveRequest.objects.filter(leave_type__is_paid=False).values_list("employee_id", flat=True))
                  | set(PayInput.objects.values_list("employee_id", flat=True))
                  | set(Employee.objects.filter(Q(start_date__gt=year_start) | Q(leave_date__lte=year_end))
                        .values_list("pk", flat=True)))
    return {employee_id: own for employee_id, own in slips.items()
            if len(own) == len(runs) and employee_id not in documented
            and len({(slip.tax_code, slip.week1_month1) for slip in own}) == 1}


def test_the_year_is_paid_month_by_month_from_april_with_this_month_calculated_for_review(demo_year):
    for department in demo_year:
        with department_context(department.id):
            # given the demo's year
            runs = _finalised_runs()
            current = PayRun.objects.exclude(status=PayRun.Status.FINALISED).get()
            # then every month from the tax year's first is finalised, and this month's waits for review
            assert runs[0].tax_period == 1
            assert [run.tax_period for run in runs] == list(range(1, len(runs) + 1))
            assert current.tax_period == len(runs) + 1
            assert current.status == PayRun.Status.CALCULATED
            # and every earlier review was settled: each exception acknowledged or its pay routed, with a note
            for run in runs:
                open_rows = PayRunException.objects.filter(run=run, acknowledged_at__isnull=True).exclude(
                    code__in=sorted(BLOCKING_CODES))
                assert not open_rows.exists(), run
                assert not PayRunException.objects.filter(run=run, acknowledged_at__isnull=False,
                                                          acknowledgement_note="").exists()


def test_income_tax_each_month_is_what_the_salary_earns(demo_year):
    for department in demo_year:
        with department_context(department.id):
            # given the employees paid all year on the standard code
            runs = _finalised_runs()
            steady = {employee_id: own for employee_id, own in _steady_staff(runs).items()
                      if own[0].tax_code == "1257L" and not own[0].week1_month1}
            assert len(steady) > STAFF // 2
            employees_on_30k = 0
            for own in steady.values():
                gross = sum((slip.gross_pay for slip in own), Decimal(0))
                tax = sum((slip.income_tax for slip in own), Decimal(0))
                annual = gross / len(own) * 12
                rate = tax / gross
                # then nobody earning over the personal allowance pays no tax in a month
                assert all(slip.income_tax > 0 for slip in own), [slip.income_tax for slip in own]
                # and the tax is England's bands on their pay less their pension contributions
                if annual <= TAPER_STARTS:
                    lowest = _english_tax(annual * (1 - MOST_PENSION)) / annual
                    highest = _english_tax(annual) / annual
                    assert lowest - Decimal("0.005") <= rate <= highest + Decimal("0.005"), (annual, rate)
                else:
                    assert Decimal("0.2") <= rate <= Decimal("0.45"), (annual, rate)
                if Decimal("29000") <= annual <= Decimal("31500"):
                    # an EO on about £30,000 pays about a tenth of their pay in income tax
                    employees_on_30k += 1
                    assert Decimal("0.09") <= rate <= Decimal("0.14"), rate
            assert employees_on_30k > 0


def test_net_pay_holds_steady_month_to_month_without_a_reason(demo_year):
    for department in demo_year:
        with department_context(department.id):
            # given everyone paid all year with no change of terms, absence or tax code
            runs = _finalised_runs()
            steady = _steady_staff(runs)
            assert len(steady) > STAFF // 2
            # then each month's net pay is within a tenth of the month before's
            for own in steady.values():
                for before, after in zip(own, own[1:], strict=False):
                    assert before.net_pay > 0
                    change = abs(after.net_pay - before.net_pay) / before.net_pay
                    assert change <= Decimal("0.10"), (before.employee_id, before.net_pay, after.net_pay)


def test_the_open_run_has_the_few_exceptions_a_real_one_has(demo_year):
    for department in demo_year:
        with department_context(department.id):
            # given this month's run, calculated
            current = PayRun.objects.get(status=PayRun.Status.CALCULATED)
            exceptions = PayRunException.objects.filter(run=current)
            # then a handful to look at, none that stops pay going out, HMRC's tax code notice among them
            assert 1 <= exceptions.count() <= 12, list(exceptions.values_list("code", flat=True))
            assert not exceptions.filter(code__in=sorted(BLOCKING_CODES)).exists()
            assert exceptions.filter(code="tax_code_changed").count() == 1
            # and the bank changes self-service made are flagged for the approver
            assert pay_run_bank_changes(run=current).waiting


def test_every_persona_has_a_complete_record(demo_year):
    for department in demo_year:
        with department_context(department.id):
            # given the personas granted roles in the department
            users = DepartmentMembership.objects.filter(
                department=department, source=DepartmentMembership.Source.GRANTED).values_list("user", flat=True)
            assert len(users) == 7
            for user_id in users:
                # then each is on the staff, with everything payroll and HR need
                employee = Employee.objects.get(user_id=user_id)
                for field in ("ni_number", "bank_sort_code", "bank_account_number", "tax_code", "address_line_1",
                              "town", "postcode", "phone", "emergency_contact_name", "emergency_contact_phone"):
                    assert getattr(employee, field), (employee, field)
                terms = Employment.objects.get(employee=employee, superseded_at__isnull=True, valid_to__isnull=True)
                assert terms.line_manager is not None, employee
                assert terms.cost_centre is not None, employee
                # and was paid every month of the year
                assert Payslip.objects.filter(employee=employee, run__status=PayRun.Status.FINALISED,
                                              status=Payslip.Status.CALCULATED).count() == len(_finalised_runs())


def test_finance_payroll_postings_are_what_payroll_paid(demo_year):
    for department in demo_year:
        with department_context(department.id):
            # given the finalised runs and finance's payroll journals
            runs = _finalised_runs()
            journals = Journal.objects.filter(source=Journal.Source.PAYROLL)
            bank = Account.objects.get(purpose=Account.Purpose.BANK)
            staff_costs = Account.objects.get(purpose=Account.Purpose.STAFF_COSTS)
            # then there is one journal per run and no other
            assert sorted(journals.values_list("source_reference", flat=True)) == sorted(run.reference for run in runs)
            costs = []
            for run in runs:
                journal = journals.get(source_reference=run.reference)
                paid = Payslip.objects.filter(run=run, status=Payslip.Status.CALCULATED).aggregate(
                    net=Sum("net_pay"))["net"]
                # and each pays out of the bank what the run's payslips paid
                out_of_bank = JournalLine.objects.filter(journal=journal, account=bank).aggregate(
                    credit=Sum("credit"))["credit"]
                assert out_of_bank == paid
                costs.append(JournalLine.objects.filter(journal=journal, account=staff_costs).aggregate(
                    debit=Sum("debit"))["debit"])
            # and the months differ, as starters, leavers and absences make them
            assert len(set(costs)) > len(costs) // 2
