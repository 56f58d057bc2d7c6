"""The payroll demo data: in each demo department, last month's run finalised (payslips published,
journal posted, Bacs file stored, four eyes) and this month's run open; seeding twice adds nothing."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone

from departments import demo as department_demo
from departments.models import AuditEvent, Department
from finance import demo as finance_demo
from finance.models import Journal
from hr import demo as hr_demo
from payroll import demo, selectors
from payroll.models import PayRun, Payslip

pytestmark = pytest.mark.django_db


def test_each_demo_department_gets_a_finalised_last_month_and_an_open_current_run_once(in_department):
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
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    assert len(departments) == 2
    for department in departments:
        with in_department(department):
            runs = list(PayRun.objects.order_by("period_start"))
            assert [(run.period_start, run.status) for run in runs] == [
                (last_month, PayRun.Status.FINALISED), (this_month, PayRun.Status.OPEN)]
            finalised = runs[0]
            assert finalised.opened_by != finalised.approved_by
            assert finalised.opened_by == finalised.calculated_by
            assert finalised.employees_calculated > 0
            assert finalised.employees_failed == 0
            assert finalised.bacs_file
            journal = Journal.objects.get(pk=finalised.journal_id)
            assert (journal.source, journal.source_reference) == (Journal.Source.PAYROLL, finalised.reference)
            # finance's estimated postings leave last month to the real run, so it is not counted twice
            assert not Journal.objects.filter(source_reference=f"demo-{last_month:%Y-%m}").exists()
            slip = Payslip.objects.filter(run=finalised, status=Payslip.Status.CALCULATED).first()
            assert selectors.published_payslips_of(employee_id=slip.employee_id).filter(pk=slip.pk).exists()
            assert AuditEvent.objects.filter(action="pay_run.finalise").count() == 1
            assert not Payslip.objects.filter(run=runs[1]).exists()
    assert out.getvalue().count("run finalised") == 4
