"""Reads of payroll data: most in the caller's department context; the opening-balance reads other
apps reuse enter the department they are given."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from departments.models import Department
from departments.tenancy import department_context
from payroll.models import OpeningBalance, PayInput, PayRun, PayRunException, PaySchedule, Payslip, PayslipLine
from payroll.services import BALANCE_FIGURES


def pay_schedules() -> QuerySet[PaySchedule]:
    return PaySchedule.objects.order_by("name")


def pay_runs() -> QuerySet[PayRun]:
    return PayRun.objects.select_related("schedule").order_by("-period_start", "-pk")


def pay_run_get(*, run_id: int) -> PayRun | None:
    return pay_runs().select_related("opened_by", "calculated_by", "approved_by", "finalised_by").filter(
        pk=run_id).first()


def pay_inputs() -> QuerySet[PayInput]:
    return PayInput.objects.select_related("employee").order_by("-period_start", "employee__payroll_number", "pk")


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


def opening_balances_locked(*, department: Department, tax_year: str,
                            employee_ids: Iterable[int]) -> dict[int, dict[str, Decimal]]:
    """The figures of the locked opening balances among ``employee_ids``, by employee id."""
    with department_context(department.id):
        return {
            balance.employee_id: {name: getattr(balance, name) for name in BALANCE_FIGURES}
            for balance in OpeningBalance.objects.filter(tax_year=tax_year, locked=True,
                                                         employee_id__in=list(employee_ids))
        }


def opening_balance_totals(*, department: Department, tax_year: str,
                           employee_ids: Iterable[int]) -> dict[str, Decimal]:
    """Sums of each year-to-date figure over the given employees' opening balances."""
    with department_context(department.id):
        sums = OpeningBalance.objects.filter(tax_year=tax_year, employee_id__in=list(employee_ids)).aggregate(
            **{name: Sum(name) for name in BALANCE_FIGURES})
    return {name: sums[name] or Decimal("0.00") for name in BALANCE_FIGURES}
