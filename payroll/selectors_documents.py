"""Reads for an employee's own documents: their published payslips, P60s, P45 and yearly summaries,
per tax year. Every function takes the employee whose documents are read (the signed-in person's
own record, found by the caller), so nothing here can reach a colleague's. Run in the department's
context (row-level security scopes every query)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.dateformat import format as date_format

from departments.models import Department
from hr.models import Employee
from payroll import selectors, selectors_year_end
from payroll.models import PayRun, Payslip, PayslipLine
from payroll.p45 import P45, P45Error
from payroll.p45_document import p45_of_leaver
from payroll.p60 import P60
from payroll.periods import tax_year_label, tax_year_start
from payroll.yearly_summary import (
    STATUTORY_CODES,
    PayslipFigures,
    YearlySummary,
    YearlySummaryError,
    tax_year_checked,
    yearly_summary_for,
)
from shared_services.core.problems import NotFound

NO_PAYSLIP = "You have no published payslip with that id."


def p60_due_date(tax_year: str) -> datetime.date:
    """Employers give P60s by 31 May after the tax year ends (RTI.md §8.1)."""
    return datetime.date(int(tax_year[:4]) + 1, 5, 31)


def own_payslips(*, employee: Employee) -> QuerySet[Payslip]:
    """The employee's payslips from finalised runs, newest first: the only ones they may see."""
    return selectors.published_payslips_of(employee_id=employee.pk)


def own_payslip_get(*, employee: Employee, payslip_id: int) -> Payslip:
    """One of the employee's published payslips, or ``NotFound`` (also for a colleague's, a failed
    one, or one whose run is not yet finalised: none of them is the employee's to see)."""
    payslip = own_payslips(employee=employee).filter(pk=payslip_id).select_related("employee").first()
    if payslip is None:
        raise NotFound(NO_PAYSLIP)
    return payslip


def _checked(tax_year: str) -> str:
    try:
        return tax_year_checked(tax_year)
    except YearlySummaryError:
        raise NotFound(f"There is no tax year {tax_year!r}; tax years are written like 2026-27.") from None


def yearly_summary_of(*, department: Department, employee: Employee, tax_year: str) -> YearlySummary:
    """The employee's summary of ``tax_year`` from their published payslips, or ``NotFound`` when no
    payslip of that year has been published to them."""
    _checked(tax_year)
    rows = list(own_payslips(employee=employee).filter(run__tax_year=tax_year).values_list(
        "pk", "run_id", "run__pay_date", "run__schedule__frequency", "run__tax_period", "run__kind", "gross_pay",
        "taxable_pay", "income_tax", "employee_ni", "pension_employee", "student_loan", "postgraduate_loan",
        "net_pay"))
    if not rows:
        raise NotFound(f"No payslip of the tax year {tax_year} has been published to you.")
    statutory: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for payslip_id, code, amount in PayslipLine.objects.filter(
            payslip_id__in=[row[0] for row in rows], section="payment", code__in=STATUTORY_CODES,
    ).values_list("payslip_id", "code", "amount"):
        statutory[payslip_id][code] += amount
    payslips = [PayslipFigures(
        payslip_id=pk, run_id=run_id, pay_date=pay_date, frequency=frequency, tax_period=tax_period,
        correction=kind == PayRun.Kind.SUPPLEMENTARY, gross_pay=gross, taxable_pay=taxable, income_tax=tax,
        employee_ni=ni, pension_employee=pension, student_loan=loan, postgraduate_loan=postgraduate, net_pay=net,
        statutory=dict(statutory.get(pk, {}))) for (pk, run_id, pay_date, frequency, tax_period, kind, gross, taxable,
                                                    tax, ni, pension, loan, postgraduate, net) in rows]
    return yearly_summary_for(tax_year=tax_year, employer_name=department.name,
                              employee_name=f"{employee.preferred_name or employee.first_name} {employee.last_name}",
                              payroll_number=employee.payroll_number, payslips=payslips)


def own_p60(*, department: Department, employee: Employee, tax_year: str) -> P60:
    """The employee's P60 for a tax year that is over, or ``NotFound`` (a year not over, one they
    were not paid in, or one they left before the end of: a leaver gets a P45 instead)."""
    _checked(tax_year)
    try:
        return selectors_year_end.p60_of_employee(department=department, employee_id=employee.pk, tax_year=tax_year)
    except Http404:
        raise NotFound(f"You have no P60 for {tax_year}.") from None


def own_p45(*, department: Department, employee: Employee) -> P45:
    """The employee's P45 once they have left and the run paying their final pay is finalised, or
    ``NotFound``."""
    if employee.leave_date is None:
        raise NotFound("You have no P45: one is written when you leave.")
    try:
        return p45_of_leaver(employee=employee, department=department)
    except P45Error:
        raise NotFound("Your P45 is not ready yet: it is written from your final pay, once the pay run that "
                       "pays it is finalised.") from None


@dataclass(frozen=True)
class DocumentYear:
    """What one tax year holds for the employee, and what is still to come and when."""

    tax_year: str
    payslips: tuple[Payslip, ...]
    is_current: bool
    p60_ready: bool
    p60_note: str  # why there is no P60 (yet), for the reader; empty when it is ready
    p45: P45 | None
    p45_note: str  # set when the employee left this year and the P45 is not ready yet

    @property
    def has_summary(self) -> bool:
        return bool(self.payslips)

    @property
    def has_p45(self) -> bool:
        return self.p45 is not None or bool(self.p45_note)


def _p60_note(tax_year: str, employee: Employee, *, paid: bool, today: datetime.date) -> str:
    year_end = selectors_year_end.tax_year_end(tax_year)
    if employee.leave_date is not None and employee.leave_date <= year_end:
        return (f"You left on {date_format(employee.leave_date, 'j F Y')}, before the end of the tax year, so you "
                f"get a P45 for {tax_year} instead of a P60.")
    if not selectors_year_end.tax_year_is_over(tax_year, today=today):
        return f"Your P60 for {tax_year} will be here by {date_format(p60_due_date(tax_year), 'j F Y')}."
    if not paid:
        return f"There is no P60 for {tax_year}: no pay was published to you in that tax year."
    return f"There is no P60 for {tax_year}."


def document_years(*, department: Department, employee: Employee,
                   today: datetime.date | None = None) -> list[DocumentYear]:
    """Every tax year the employee has documents in, or is owed them for, newest first: the years
    they were paid in, the current year while they are employed (its P60 still to come), and the
    year they left (its P45)."""
    today = today or timezone.localdate()
    by_year: dict[str, list[Payslip]] = defaultdict(list)
    for payslip in own_payslips(employee=employee):
        by_year[payslip.run.tax_year].append(payslip)
    current = tax_year_label(today)
    if employee.leave_date is None or employee.leave_date >= tax_year_start(today):
        by_year.setdefault(current, [])
    p45: P45 | None = None
    p45_year, p45_note = "", ""
    if employee.leave_date is not None:
        try:
            p45 = p45_of_leaver(employee=employee, department=department)
            p45_year = p45.tax_year
        except P45Error:
            p45_year = tax_year_label(employee.leave_date)
            p45_note = (f"Your P45 for {p45_year} will be here once your final pay is paid: it is written from "
                        "your last payslip, when the pay run that pays it is finalised.")
        by_year.setdefault(p45_year, [])
    years = []
    for tax_year in sorted(by_year, reverse=True):
        payslips = tuple(by_year[tax_year])
        ready = bool(payslips) and selectors_year_end.tax_year_is_over(tax_year, today=today) and bool(
            selectors_year_end.p60_employee_ids_of(employee_id=employee.pk, tax_year=tax_year))
        years.append(DocumentYear(
            tax_year=tax_year, payslips=payslips, is_current=tax_year == current, p60_ready=ready,
            p60_note="" if ready else _p60_note(tax_year, employee, paid=bool(payslips), today=today),
            p45=p45 if tax_year == p45_year else None, p45_note=p45_note if tax_year == p45_year else ""))
    return years
