"""Reads of payroll data, each in the caller's department context."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet

from payroll.models import PayRun, PayRunException, PaySchedule, Payslip, PayslipLine


def pay_schedules() -> QuerySet[PaySchedule]:
    return PaySchedule.objects.order_by("name")


def pay_runs() -> QuerySet[PayRun]:
    return PayRun.objects.select_related("schedule").order_by("-period_start", "-pk")


def pay_run_get(*, run_id: int) -> PayRun | None:
    return pay_runs().select_related("opened_by", "calculated_by", "approved_by", "finalised_by").filter(
        pk=run_id).first()


def pay_run_exceptions(*, run: PayRun) -> QuerySet[PayRunException]:
    return PayRunException.objects.filter(run=run).select_related("employee").order_by(
        "employee__last_name", "employee__payroll_number", "code")


def payslips_of_run(*, run: PayRun) -> QuerySet[Payslip]:
    return Payslip.objects.filter(run=run).select_related("employee", "cost_centre").order_by(
        "employee__last_name", "employee__first_name", "employee__payroll_number")


def published_payslips_of(*, employee_id: int) -> QuerySet[Payslip]:
    """An employee's payslips from finalised runs, newest first: what they may see."""
    return Payslip.objects.filter(employee_id=employee_id, run__status=PayRun.Status.FINALISED,
                                  status=Payslip.Status.CALCULATED).select_related("run", "run__schedule") \
        .order_by("-run__pay_date", "-run__pk")


def payslip_get(*, run_id: int, payslip_id: int) -> Payslip | None:
    return Payslip.objects.filter(run_id=run_id, pk=payslip_id).select_related(
        "employee", "run", "run__schedule", "cost_centre").first()


def payslip_lines(*, payslip: Payslip) -> QuerySet[PayslipLine]:
    return PayslipLine.objects.filter(payslip=payslip).order_by("pk")


REGISTER_HEADER = ("payroll_number", "surname", "first_name", "cost_centre", "status", "tax_code", "ni_category",
                   "gross_pay", "taxable_pay", "income_tax", "employee_ni", "employer_ni", "pension_employee",
                   "pension_employer", "student_loan", "postgraduate_loan", "net_pay", "failure_reason")


def register_rows(*, run: PayRun) -> Iterator[Sequence[Any]]:
    """One row per employee on the run, for the payroll register (CSV and XLSX)."""
    for slip in payslips_of_run(run=run).iterator(chunk_size=2000):
        yield (slip.employee.payroll_number, slip.employee.last_name, slip.employee.first_name,
               slip.cost_centre.code if slip.cost_centre else "", slip.status, slip.tax_code, slip.ni_category,
               slip.gross_pay, slip.taxable_pay, slip.income_tax, slip.employee_ni, slip.employer_ni,
               slip.pension_employee, slip.pension_employer, slip.student_loan, slip.postgraduate_loan,
               slip.net_pay, slip.failure_reason)
