"""Pay runs: create, open (inputs locked), calculate in chunks (idempotent, one bad record never
fails the run), review exceptions, four-eyes approval."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from hr import services as hr_services
from hr.models import Employee
from payroll import services
from payroll.models import PayInput, PayRun, PayRunException, Payslip, PayslipLine
from payroll.tasks import start_calculation
from tests.payroll.settling import settle_review

pytestmark = pytest.mark.django_db
D = datetime.date
M = Decimal
LONG_SERVING = D(2024, 4, 1)


def _hire(moj, organisation, number, *, start=LONG_SERVING, salary="36000", **personal):
    return hr_services.employee_hire(
        department=moj.department, acting_user=None,
        personal={"payroll_number": f"MJ{number:04d}", "first_name": "Test", "last_name": f"Person{number}",
                  "date_of_birth": D(1990, 1, 1), "sex": "F", "start_date": start, "bank_sort_code": "089999",
                  "bank_account_number": "66374958", **personal},
        terms={"post_title": "Caseworker", "organisation_unit": organisation["team"],
               "grade": organisation["grades"]["HEO"], "cost_centre": organisation["centre"],
               "annual_salary": M(salary)},
        salary_override_reason="Test salary")


@pytest.fixture
def payroll_setting(moj, organisation, in_department):
    staff = [_hire(moj, organisation, 1), _hire(moj, organisation, 2, start=D(2026, 11, 16)),
             _hire(moj, organisation, 3, bank_sort_code="", bank_account_number="")]
    schedule = services.pay_schedule_create(department=moj.department, acting_user=moj.payroll_officer,
                                            name="Monthly", bank_sort_code="202959", bank_account_number="63748472",
                                            bank_account_name="MOJ PAYROLL")
    run = services.pay_run_create(schedule=schedule, period_containing=D(2026, 11, 10),
                                  acting_user=moj.payroll_officer)
    return {"staff": staff, "schedule": schedule, "run": run}


def _calculate(moj, run, capture, *, user=None):
    with capture(execute=True):
        start_calculation(run=run, acting_user=user or moj.payroll_officer)


def _reload(moj, in_department, run):
    with in_department(moj):
        return PayRun.objects.get(pk=run.pk)


def test_a_run_covers_the_calendar_month_paid_on_its_last_working_day(payroll_setting):
    run = payroll_setting["run"]
    assert (run.period_start, run.period_end, run.pay_date, run.tax_year, run.tax_period) == (
        D(2026, 11, 1), D(2026, 11, 30), D(2026, 11, 30), "2026-27", 8)
    assert run.status == PayRun.Status.DRAFT


def test_opening_locks_the_periods_inputs(moj, payroll_setting):
    # given an input for the period, entered while the run is a draft
    schedule, run, employee = payroll_setting["schedule"], payroll_setting["run"], payroll_setting["staff"][0]
    services.pay_input_add(employee=employee, schedule=schedule, period_containing=D(2026, 11, 20), code="overtime",
                           description="Overtime", kind=PayInput.Kind.TAXABLE_PAYMENT, amount=M("150.00"),
                           acting_user=moj.payroll_officer)
    # when the run is opened
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    # then another input for the period is refused, and the next period's is taken
    with pytest.raises(ValidationError, match="inputs are locked"):
        services.pay_input_add(employee=employee, schedule=schedule, period_containing=D(2026, 11, 20),
                               code="BONUS", description="Bonus", kind=PayInput.Kind.TAXABLE_PAYMENT,
                               amount=M("500.00"), acting_user=moj.payroll_officer)
    later = services.pay_input_add(employee=employee, schedule=schedule, period_containing=D(2026, 12, 3),
                                   code="BONUS", description="Bonus", kind=PayInput.Kind.TAXABLE_PAYMENT,
                                   amount=M("500.00"), acting_user=moj.payroll_officer)
    assert later.period_start == D(2026, 12, 1)


def test_calculation_pays_everyone_and_reports_each_problem(moj, payroll_setting, in_department,
                                                            django_capture_on_commit_callbacks):
    # given a run with one employee whose tax code is not one HMRC issues
    run, staff = payroll_setting["run"], payroll_setting["staff"]
    with in_department(moj):
        Employee.objects.filter(pk=staff[0].pk).update(tax_code="12X57")
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    # when
    _calculate(moj, run, django_capture_on_commit_callbacks)
    # then the run is calculated, with the bad record failed and reported, the rest paid
    run = _reload(moj, in_department, run)
    assert (run.status, run.employees_total, run.employees_calculated, run.employees_failed) == (
        PayRun.Status.CALCULATED, 3, 2, 1)
    with in_department(moj):
        slips = {slip.employee.payroll_number: slip for slip in Payslip.objects.select_related("employee")}
        exceptions = set(PayRunException.objects.values_list("employee__payroll_number", "code"))
        starter_lines = list(PayslipLine.objects.filter(payslip=slips["MJ0002"]).values_list("code", "amount"))
    assert slips["MJ0001"].status == Payslip.Status.FAILED
    assert "tax_code" in slips["MJ0001"].failure_reason
    assert ("MJ0001", "calculation_failed") in exceptions
    assert ("MJ0003", "no_bank_details") in exceptions
    # a starter on 16 November is paid 15 of 30 days of £3,000
    assert ("BASIC", M("1500.00")) in starter_lines
    assert slips["MJ0003"].gross_pay == M("3000.00")
    assert slips["MJ0003"].net_pay == slips["MJ0003"].gross_pay - slips["MJ0003"].income_tax - \
        slips["MJ0003"].employee_ni


def test_a_fixed_record_is_recalculated_alone(moj, payroll_setting, in_department,
                                             django_capture_on_commit_callbacks):
    # given a calculated run with one failed employee
    from payroll.tasks import recalculate_failed

    run, staff = payroll_setting["run"], payroll_setting["staff"]
    with in_department(moj):
        Employee.objects.filter(pk=staff[0].pk).update(tax_code="12X57")
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    _calculate(moj, run, django_capture_on_commit_callbacks)
    with in_department(moj):
        kept = dict(Payslip.objects.exclude(employee=staff[0]).values_list("pk", "calculated_at"))
        Employee.objects.filter(pk=staff[0].pk).update(tax_code="1257L")
    # when only the failed employee is calculated again
    with django_capture_on_commit_callbacks(execute=True):
        recalculate_failed(run=_reload(moj, in_department, run), acting_user=moj.payroll_officer)
    # then the run is complete, the others' payslips untouched
    run = _reload(moj, in_department, run)
    assert (run.status, run.employees_calculated, run.employees_failed) == (PayRun.Status.CALCULATED, 3, 0)
    with in_department(moj):
        assert dict(Payslip.objects.exclude(employee=staff[0]).values_list("pk", "calculated_at")) == kept
        assert Payslip.objects.get(employee=staff[0]).status == Payslip.Status.CALCULATED
        assert not PayRunException.objects.filter(code="calculation_failed").exists()
    # and with nobody failed, there is nothing to recalculate alone
    with pytest.raises(ValidationError, match="No employee's calculation failed"):
        recalculate_failed(run=run, acting_user=moj.payroll_officer)


def test_a_fixed_record_recalculates_to_exactly_one_payslip_each(moj, payroll_setting, in_department,
                                                                 django_capture_on_commit_callbacks):
    run, staff = payroll_setting["run"], payroll_setting["staff"]
    with in_department(moj):
        Employee.objects.filter(pk=staff[0].pk).update(tax_code="12X57")
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    _calculate(moj, run, django_capture_on_commit_callbacks)
    with in_department(moj):
        Employee.objects.filter(pk=staff[0].pk).update(tax_code="1257L")
    # when
    _calculate(moj, run, django_capture_on_commit_callbacks)
    # then
    run = _reload(moj, in_department, run)
    assert (run.employees_calculated, run.employees_failed) == (3, 0)
    with in_department(moj):
        assert Payslip.objects.filter(run=run).count() == 3
        assert not PayRunException.objects.filter(code="calculation_failed").exists()


def test_a_chunk_run_twice_leaves_the_same_single_payslips(moj, payroll_setting, in_department):
    # given a calculation started but its chunk not yet run
    run = services.pay_run_open(run=payroll_setting["run"], acting_user=moj.payroll_officer)
    start = services.pay_run_calculate(run=run, acting_user=moj.payroll_officer, chunk_size=2)
    # when the first chunk runs twice (a worker died after writing, before acknowledging)
    with in_department(moj):
        services.calculate_employees(run_id=run.pk, calculation_number=start.calculation_number,
                                     employee_ids=start.chunks[0])
        first = sorted(Payslip.objects.values_list("employee_id", "net_pay"))
        services.calculate_employees(run_id=run.pk, calculation_number=start.calculation_number,
                                     employee_ids=start.chunks[0])
        again = sorted(Payslip.objects.values_list("employee_id", "net_pay"))
        partway = PayRun.objects.get(pk=run.pk)
        services.calculate_employees(run_id=run.pk, calculation_number=start.calculation_number,
                                     employee_ids=start.chunks[1])
        done = PayRun.objects.get(pk=run.pk)
    # then
    assert first == again
    assert len(first) == 2
    assert partway.status == PayRun.Status.CALCULATING
    assert (done.status, done.employees_calculated) == (PayRun.Status.CALCULATED, 3)


def test_a_chunk_of_a_superseded_calculation_writes_nothing(moj, payroll_setting, in_department):
    run = services.pay_run_open(run=payroll_setting["run"], acting_user=moj.payroll_officer)
    start = services.pay_run_calculate(run=run, acting_user=moj.payroll_officer)
    with in_department(moj):
        written = services.calculate_employees(run_id=run.pk, calculation_number=start.calculation_number - 1,
                                               employee_ids=start.chunks[0])
        assert written == 0
        assert not Payslip.objects.exists()


def test_two_calculations_of_one_run_at_once_are_refused(moj, payroll_setting):
    run = services.pay_run_open(run=payroll_setting["run"], acting_user=moj.payroll_officer)
    services.pay_run_calculate(run=run, acting_user=moj.payroll_officer)
    with pytest.raises(ValidationError, match="being calculated already"):
        services.pay_run_calculate(run=run, acting_user=moj.payroll_officer)


def test_approval_needs_a_second_person_who_is_a_payroll_approver(moj, payroll_setting, in_department,
                                                                  django_capture_on_commit_callbacks):
    run = services.pay_run_open(run=payroll_setting["run"], acting_user=moj.payroll_officer)
    _calculate(moj, run, django_capture_on_commit_callbacks)
    settle_review(run)
    with pytest.raises(ValidationError, match="someone else must approve"):
        services.pay_run_approve(run=run, acting_user=moj.payroll_officer)
    with pytest.raises(ValidationError, match="Only a payroll approver"):
        services.pay_run_approve(run=run, acting_user=moj.hr_admin)
    approved = services.pay_run_approve(run=run, acting_user=moj.payroll_approver)
    assert (approved.status, approved.approved_by) == (PayRun.Status.APPROVED, moj.payroll_approver)


def test_a_run_with_failed_employees_cannot_be_approved(moj, payroll_setting, in_department,
                                                        django_capture_on_commit_callbacks):
    with in_department(moj):
        Employee.objects.filter(pk=payroll_setting["staff"][1].pk).update(ni_category="Q")
    run = services.pay_run_open(run=payroll_setting["run"], acting_user=moj.payroll_officer)
    _calculate(moj, run, django_capture_on_commit_callbacks)
    settle_review(run)
    with pytest.raises(ValidationError, match="1 employee\\(s\\) failed to calculate"):
        services.pay_run_approve(run=run, acting_user=moj.payroll_approver)


def test_out_of_order_steps_and_a_second_run_for_the_period_are_refused(moj, payroll_setting):
    run, schedule = payroll_setting["run"], payroll_setting["schedule"]
    with pytest.raises(ValidationError, match="is draft, so it cannot be calculated"):
        services.pay_run_calculate(run=run, acting_user=moj.payroll_officer)
    with pytest.raises(ValidationError, match="already has a run for the period"):
        services.pay_run_create(schedule=schedule, period_containing=D(2026, 11, 25), acting_user=None)
    services.pay_run_cancel(run=run, acting_user=moj.payroll_officer, reason="Wrong schedule")
    assert services.pay_run_create(schedule=schedule, period_containing=D(2026, 11, 25), acting_user=None)


def test_year_to_date_carries_on_from_the_last_finalised_run(moj, payroll_setting, in_department,
                                                             django_capture_on_commit_callbacks):
    # given October finalised (set directly here: finalising is its own step)
    schedule = payroll_setting["schedule"]
    october = services.pay_run_create(schedule=schedule, period_containing=D(2026, 10, 5), acting_user=None)
    services.pay_run_open(run=october, acting_user=moj.payroll_officer)
    _calculate(moj, october, django_capture_on_commit_callbacks)
    with in_department(moj):
        PayRun.objects.filter(pk=october.pk).update(status=PayRun.Status.FINALISED)
        october_slip = Payslip.objects.get(run=october, employee=payroll_setting["staff"][0])
    # when November is calculated
    november = services.pay_run_open(run=payroll_setting["run"], acting_user=moj.payroll_officer)
    _calculate(moj, november, django_capture_on_commit_callbacks)
    # then its year to date adds November to October's
    with in_department(moj):
        november_slip = Payslip.objects.get(run=november, employee=payroll_setting["staff"][0])
    assert M(november_slip.year_to_date["gross_pay"]) == october_slip.gross_pay + november_slip.gross_pay
    assert M(november_slip.year_to_date["tax"]) == october_slip.income_tax + november_slip.income_tax
    assert november_slip.working["paye"]["tax_period"] == 8
