"""Year-end reads: who gets a P60 and its figures, the year's document batches, and whether a tax
year is closed. Run in the department's context (row-level security scopes every query)."""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from departments.models import Department
from hr.models import Employee
from payroll.models import DocumentBatch, OpeningBalance, PayRun, Payslip, PayslipLine, TaxCodeNotice
from payroll.p60 import P60, STATUTORY_PAYMENTS, NiPeriod, p60_for

ZERO = Decimal("0.00")
TAX_YEAR = re.compile(r"^\d{4}-\d{2}$")
STATUTORY_CODES = tuple(code for code, _ in STATUTORY_PAYMENTS)


def tax_year_end(tax_year: str) -> datetime.date:
    """5 April at the end of ``tax_year`` ("2026-27" ends on 5 April 2027)."""
    return datetime.date(int(tax_year[:4]) + 1, 4, 5)


def tax_year_is_over(tax_year: str, *, today: datetime.date | None = None) -> bool:
    """P60s certify a whole year, so they are issued once its last day (5 April) has come."""
    return (today or timezone.localdate()) >= tax_year_end(tax_year)


def p60_employee_ids(*, tax_year: str) -> list[int]:
    """Everyone employed on 5 April at the end of ``tax_year`` who was paid in it by a finalised run,
    in id order. A leaver on or before 5 April gets a P45 instead (RTI.md §8.1)."""
    year_end = tax_year_end(tax_year)
    paid = Payslip.objects.filter(run__tax_year=tax_year, run__status=PayRun.Status.FINALISED,
                                  status=Payslip.Status.CALCULATED).values("employee_id")
    return list(Employee.objects.filter(Q(leave_date__isnull=True) | Q(leave_date__gt=year_end),
                                        start_date__lte=year_end, pk__in=paid)
                .order_by("pk").values_list("pk", flat=True))


def p60s_for(*, department: Department, tax_year: str, employee_ids: Sequence[int]) -> list[P60]:
    """The P60s of these employees (those with a finalised payslip in the year), in the order given.

    Figures come from the employee's last finalised payslip of the year (its year-to-date figures,
    opening balances included, and its tax code); NI bands from each period's working, the latest
    payslip of a period standing for it (a supplementary run recalculates its whole period); NI
    contributions per letter summed over every payslip, as each paid its own amount.
    """
    ids = list(employee_ids)
    people = {row[0]: row for row in Employee.objects.filter(pk__in=ids).values_list(
        "pk", "last_name", "first_name", "ni_number", "payroll_number")}
    last: dict[int, tuple[Any, ...]] = {}
    periods: dict[int, dict[tuple[int, datetime.date], NiPeriod]] = defaultdict(dict)
    contributions: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    rows = (Payslip.objects.filter(run__tax_year=tax_year, run__status=PayRun.Status.FINALISED,
                                   status=Payslip.Status.CALCULATED, employee_id__in=ids)
            .order_by("run__pay_date", "run_id")
            .values_list("employee_id", "run__schedule_id", "run__period_start", "run__schedule__frequency",
                         "ni_category", "working__ni", "employee_ni", "year_to_date", "tax_code", "week1_month1"))
    for employee_id, schedule_id, period_start, frequency, letter, ni_working, employee_ni, ytd, code, w1 in rows:
        last[employee_id] = (ytd or {}, code, w1, frequency, letter)
        working = ni_working or {}
        periods[employee_id][(schedule_id, period_start)] = NiPeriod(
            letter=letter, nicable_pay=Decimal(str(working.get("nicable_pay") or "0")),
            thresholds=working.get("thresholds", {}))
        contributions[employee_id][letter] += employee_ni
    for employee_id, letter, ni_employee in OpeningBalance.objects.filter(
            tax_year=tax_year, employee_id__in=ids).values_list("employee_id", "ni_category", "ni_employee"):
        if employee_id in last and ni_employee:
            contributions[employee_id][letter or last[employee_id][4]] += ni_employee
    statutory: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for employee_id, code, amount in PayslipLine.objects.filter(
            run__tax_year=tax_year, run__status=PayRun.Status.FINALISED, payslip__employee_id__in=ids,
            code__in=STATUTORY_CODES).values_list("payslip__employee_id", "code", "amount"):
        statutory[employee_id][code] += amount
    previous = _previous_employment(tax_year, ids)
    employer = department.employer_paye_reference
    p60s = []
    for employee_id in ids:
        if employee_id not in last or employee_id not in people:
            continue
        _, surname, forenames, ni_number, payroll_number = people[employee_id]
        ytd, code, week1_month1, frequency, _ = last[employee_id]
        previous_pay, previous_tax = previous.get(employee_id, (ZERO, ZERO))
        p60s.append(p60_for(
            tax_year=tax_year, surname=surname, forenames=forenames, ni_number=ni_number,
            payroll_number=payroll_number, year_to_date=ytd, tax_code=code, week1_month1=week1_month1,
            frequency=frequency, periods=periods[employee_id].values(),
            employee_ni_by_letter=contributions[employee_id], statutory=statutory.get(employee_id),
            previous_pay=previous_pay, previous_tax=previous_tax, employer_name=department.name,
            employer_paye_reference=employer))
    return p60s


def _previous_employment(tax_year: str, ids: Sequence[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """Pay and tax of earlier employments in the year, as HMRC's latest applied P6B gave them."""
    start = datetime.date(int(tax_year[:4]), 4, 6)
    found: dict[int, tuple[Decimal, Decimal]] = {}
    for employee_id, pay, tax in (TaxCodeNotice.objects.filter(
            form=TaxCodeNotice.Form.P6B, status=TaxCodeNotice.Status.APPLIED, employee_id__in=ids,
            effective_from__gte=start, effective_from__lte=tax_year_end(tax_year))
            .order_by("effective_from", "pk").values_list("employee_id", "previous_pay", "previous_tax")):
        found[employee_id] = (pay or ZERO, tax or ZERO)
    return found


def p60_of_employee(*, department: Department, employee_id: int, tax_year: str) -> P60:
    """An employee's P60 for a year that is over, or ``Http404`` (a 404 to pages and the API)."""
    if (not TAX_YEAR.match(tax_year) or not tax_year_is_over(tax_year)
            or not p60_employee_ids_of(employee_id=employee_id, tax_year=tax_year)):
        raise Http404("There is no P60 for that tax year.")
    (p60,) = p60s_for(department=department, tax_year=tax_year, employee_ids=[employee_id])
    return p60


def p60_employee_ids_of(*, employee_id: int, tax_year: str) -> list[int]:
    year_end = tax_year_end(tax_year)
    return list(Employee.objects.filter(
        Q(leave_date__isnull=True) | Q(leave_date__gt=year_end), pk=employee_id, start_date__lte=year_end,
        pk__in=Payslip.objects.filter(run__tax_year=tax_year, run__status=PayRun.Status.FINALISED,
                                      status=Payslip.Status.CALCULATED, employee_id=employee_id)
        .values("employee_id")).values_list("pk", flat=True))


def p60_years_of(*, employee_id: int) -> list[str]:
    """The tax years, newest first, the employee has a P60 for: years that are over, in which they
    were paid by a finalised run and were still employed on 5 April."""
    years = (Payslip.objects.filter(employee_id=employee_id, run__status=PayRun.Status.FINALISED,
                                    status=Payslip.Status.CALCULATED)
             .values_list("run__tax_year", flat=True).distinct())
    return sorted((year for year in years if tax_year_is_over(year)
                   and p60_employee_ids_of(employee_id=employee_id, tax_year=year)), reverse=True)


def document_batches(*, kind: str = DocumentBatch.Kind.P60) -> QuerySet[DocumentBatch]:
    return DocumentBatch.objects.filter(kind=kind).select_related("created_by")


def document_batch_get(*, batch_id: int) -> DocumentBatch:
    batch = DocumentBatch.objects.filter(pk=batch_id).select_related("created_by").first()
    if batch is None:
        raise Http404("There is no such batch of documents.")
    return batch


def runs_not_finalised(*, tax_year: str) -> QuerySet[PayRun]:
    """The year's runs still between draft and approved: a year cannot be closed while one is open."""
    return PayRun.objects.filter(tax_year=tax_year).exclude(
        status__in=[PayRun.Status.FINALISED, PayRun.Status.CANCELLED]).select_related("schedule")


def last_finalised_run(*, tax_year: str) -> PayRun | None:
    """The year's last finalised run (latest pay date, then latest created): its FPS is the year's final one."""
    return (PayRun.objects.filter(tax_year=tax_year, status=PayRun.Status.FINALISED)
            .order_by("-pay_date", "-pk").select_related("schedule").first())
