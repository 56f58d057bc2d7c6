"""The payroll demo data: in each demo department, every month of the tax year so far paid (each
review settled, four eyes, payslips published, journal posted, Bacs file stored) and this month's
run calculated for review; seeding twice adds nothing."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from departments import demo as department_demo
from departments.models import AuditEvent, Department
from finance import demo as finance_demo
from finance.models import Journal
from hr import demo as hr_demo
from payroll import demo, selectors
from payroll.models import PayRun, PayRunException, Payslip
from payroll.review_kinds import BLOCKING_CODES

pytestmark = pytest.mark.django_db


def test_each_demo_department_pays_the_year_so_far_and_calculates_this_month_once(in_department):
    # given the demo departments with a small staff and their finance
    department_demo.seed(out=io.StringIO())
    departments = list(Department.objects.filter(slug__in=["moj", "dft"]).order_by("slug"))
    for department in departments:
        hr_demo.seed_department(department, employees=30, out=io.StringIO())
        finance_demo.seed_department(department, out=io.StringIO())
    # when the payroll demo is seeded twice
    out = io.StringIO()
    demo.seed(out=out)
    demo.seed(out=out)
    # then
    this_month = timezone.localdate().replace(day=1)
    assert len(departments) == 2
    for department in departments:
        with in_department(department):
            runs = list(PayRun.objects.order_by("period_start"))
            finalised, current = runs[:-1], runs[-1]
            assert (current.period_start, current.status) == (this_month, PayRun.Status.CALCULATED)
            assert finalised[0].tax_period == 1
            assert {run.status for run in finalised} == {PayRun.Status.FINALISED}
            assert len({run.period_start for run in finalised}) == len(finalised) == current.tax_period - 1
            for run in finalised:
                assert run.opened_by != run.approved_by
                assert run.opened_by == run.calculated_by
                assert run.employees_calculated > 0
                assert run.employees_failed == 0
                assert run.bacs_file
                assert not PayRunException.objects.filter(run=run, acknowledged_at__isnull=True).exclude(
                    code__in=sorted(BLOCKING_CODES)).exists()
                journal = Journal.objects.get(pk=run.journal_id)
                assert (journal.source, journal.source_reference) == (Journal.Source.PAYROLL, run.reference)
            # the only payroll postings are the runs' own journals
            assert Journal.objects.filter(source=Journal.Source.PAYROLL).count() == len(finalised)
            slip = Payslip.objects.filter(run=finalised[-1], status=Payslip.Status.CALCULATED).first()
            assert selectors.published_payslips_of(employee_id=slip.employee_id).filter(pk=slip.pk).exists()
            assert AuditEvent.objects.filter(action="pay_run.finalise").count() == len(finalised)
            assert Payslip.objects.filter(run=current, status=Payslip.Status.CALCULATED).exists()
    assert out.getvalue().count("runs finalised") == 4
    assert out.getvalue().count("run calculated") == 4
