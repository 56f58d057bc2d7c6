"""The calculation's chunks write set-based and count their own progress: a chunk run twice is
counted once, a chunk whose calculation is superseded while it runs leaves nothing behind, and a
failed employee is written with the reason and an exception."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db.models import Count

from hr import services as hr_services
from hr.models import Employee
from payroll import services
from payroll.models import PayRun, PayRunException, Payslip, PayslipLine
from payroll.services import calculation

pytestmark = pytest.mark.django_db
D = datetime.date


def _hire(moj, organisation, number, **personal):
    return hr_services.employee_hire(
        department=moj.department, acting_user=None,
        personal={"payroll_number": f"CH{number:04d}", "first_name": "Test", "last_name": f"Chunk{number}",
                  "date_of_birth": D(1990, 1, 1), "sex": "F", "start_date": D(2024, 4, 1),
                  "bank_sort_code": "089999", "bank_account_number": "66374958", **personal},
        terms={"post_title": "Caseworker", "organisation_unit": organisation["team"],
               "grade": organisation["grades"]["HEO"], "cost_centre": organisation["centre"],
               "annual_salary": Decimal("36000") + number},
        salary_override_reason="Test salary")


@pytest.fixture
def calculating(moj, organisation):
    staff = [_hire(moj, organisation, number) for number in range(4)]
    schedule = services.pay_schedule_create(department=moj.department, acting_user=moj.payroll_officer,
                                            name="Monthly")
    run = services.pay_run_create(schedule=schedule, period_containing=D(2026, 11, 10),
                                  acting_user=moj.payroll_officer)
    run = services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    return staff, run, services.pay_run_calculate(run=run, acting_user=moj.payroll_officer, chunk_size=2)


def test_a_chunk_run_twice_is_counted_once_and_keeps_one_set_of_lines(moj, calculating, in_department):
    # given a calculation in two chunks
    _, run, start = calculating
    with in_department(moj):
        # when the first chunk runs twice
        for _ in range(2):
            services.calculate_employees(run_id=run.pk, calculation_number=start.calculation_number,
                                         employee_ids=start.chunks[0])
        partway = PayRun.objects.get(pk=run.pk)
        lines_per_slip = dict(PayslipLine.objects.values_list("payslip_id").annotate(n=Count("pk")))
        # then it is counted once, and each payslip has one set of lines
        assert (partway.employees_calculated, partway.employees_failed) == (2, 0)
        assert Payslip.objects.count() == 2
        assert set(lines_per_slip) == set(Payslip.objects.values_list("pk", flat=True))
        assert len(set(lines_per_slip.values())) == 1
        services.calculate_employees(run_id=run.pk, calculation_number=start.calculation_number,
                                     employee_ids=start.chunks[1])
        done = PayRun.objects.get(pk=run.pk)
    assert (done.status, done.employees_calculated, done.employees_failed) == (PayRun.Status.CALCULATED, 4, 0)


def test_a_chunk_superseded_while_it_ran_leaves_nothing_written(moj, calculating, in_department, monkeypatch):
    # given a chunk that finds, when it records its progress, that its calculation was replaced
    _, run, start = calculating
    monkeypatch.setattr(calculation, "_record_progress", lambda *args, **kwargs: False)
    with in_department(moj):
        # when
        written = services.calculate_employees(run_id=run.pk, calculation_number=start.calculation_number,
                                               employee_ids=start.chunks[0])
        # then its payslips, lines and exceptions are undone
        assert written == 0
        assert not Payslip.objects.exists()
        assert not PayslipLine.objects.exists()
        assert not PayRunException.objects.exists()


def test_a_failed_employee_is_written_with_the_reason_and_replaced_when_fixed(moj, calculating, in_department):
    # given an employee whose tax code is not one HMRC issues
    staff, run, start = calculating
    with in_department(moj):
        Employee.objects.filter(pk=staff[0].pk).update(tax_code="12X57")
        services.calculate_employees(run_id=run.pk, calculation_number=start.calculation_number,
                                     employee_ids=start.chunks[0])
        failed = Payslip.objects.get(employee_id=staff[0].pk)
        counted = PayRun.objects.get(pk=run.pk)
        assert failed.status == Payslip.Status.FAILED
        assert "tax_code" in failed.failure_reason
        assert failed.working == {}
        assert failed.gross_pay == 0
        assert not PayslipLine.objects.filter(payslip=failed).exists()
        assert PayRunException.objects.filter(employee_id=staff[0].pk, code="calculation_failed").count() == 1
        assert (counted.employees_calculated, counted.employees_failed) == (1, 1)
        # when the record is fixed and the chunk runs again
        Employee.objects.filter(pk=staff[0].pk).update(tax_code="1257L")
        services.calculate_employees(run_id=run.pk, calculation_number=start.calculation_number,
                                     employee_ids=start.chunks[0])
        fixed = Payslip.objects.get(employee_id=staff[0].pk)
        counted = PayRun.objects.get(pk=run.pk)
    # then the failure is replaced by a calculated payslip, and the counts follow
    assert fixed.status == Payslip.Status.CALCULATED
    assert fixed.working["result"]["net_pay"] == str(fixed.net_pay)
    assert (counted.employees_calculated, counted.employees_failed) == (2, 0)
    with in_department(moj):
        assert not PayRunException.objects.filter(code="calculation_failed").exists()


def test_a_payslip_rows_figures_are_the_figures_a_calculation_fills_in_the_same_order():
    # the chunk writes a row as its key columns followed by the figures: the two must agree by name
    assert calculation.PAYSLIP_COLUMNS[:5] == ("employee", "cost_centre", "tax_code", "week1_month1", "ni_category")
    assert calculation.PAYSLIP_COLUMNS[5:] == calculation._Figures._fields
