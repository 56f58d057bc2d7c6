"""Statutory family pay recovered from HMRC: per tax month, from the payslip lines of finalised runs
(supplementary runs included), 92% recovered, or all of it plus NIC compensation under small
employers' relief; the page and the API show the same figures, behind the department wall."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from departments import services as department_services
from departments.models import Department
from payroll.models import PayRun
from payroll.selectors_recovery import statutory_recovery
from tests.factories.payroll import PayRunFactory, PayslipFactory, PayslipLineFactory

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def _paid(department, *, pay_date, lines, status=PayRun.Status.FINALISED, kind=PayRun.Kind.REGULAR):
    """A run paid on ``pay_date`` whose one payslip carries ``lines`` ({code: amount})."""
    run = PayRunFactory(department=department, status=status, kind=kind, pay_date=pay_date,
                        period_start=pay_date.replace(day=1), period_end=pay_date, tax_year="2026-27")
    slip = PayslipFactory(department=department, run=run)
    for code, amount in lines.items():
        PayslipLineFactory(department=department, payslip=slip, run=run, code=code, description=code,
                           amount=Decimal(amount))
    return run


@pytest.fixture
def family_pay(moj, dft):
    """moj paid SMP in tax months 8 and 9 (with a supplementary correction in 9) and SAP in 9; a run
    not finalised and another department's payments do not count."""
    _paid(moj.department, pay_date=datetime.date(2026, 11, 27), lines={"BASIC": "3000.00", "SMP": "1071.39"})
    _paid(moj.department, pay_date=datetime.date(2026, 12, 23), lines={"SMP": "841.97", "SAP": "600.00"})
    _paid(moj.department, pay_date=datetime.date(2026, 12, 30), lines={"SMP": "-41.97"},
          kind=PayRun.Kind.SUPPLEMENTARY)
    _paid(moj.department, pay_date=datetime.date(2027, 1, 27), lines={"SMP": "999.00"},
          status=PayRun.Status.APPROVED)
    _paid(dft.department, pay_date=datetime.date(2026, 11, 27), lines={"SMP": "5000.00"})


def _relief(department, on):
    Department.objects.filter(pk=department.pk).update(small_employers_relief=on)
    department.refresh_from_db()


def test_each_tax_month_recovers_92_percent_of_what_finalised_runs_paid(moj, family_pay, in_department):
    with in_department(moj):
        recovery = statutory_recovery(department=moj.department, tax_year="2026-27")
    november, december = recovery.months[7], recovery.months[8]
    assert (november.tax_month, november.first_day, november.last_day) == (
        8, datetime.date(2026, 11, 6), datetime.date(2026, 12, 5))
    assert (november.of("SMP").paid, november.of("SMP").recovered) == (Decimal("1071.39"), Decimal("985.68"))
    assert (december.of("SMP").paid, december.of("SAP").paid) == (Decimal("800.00"), Decimal("600.00"))
    assert december.of("SAP").recovered == Decimal("552.00")
    # the year to date is 92% of all SMP paid, rounded once, and the months add up to it
    year = recovery.year_to_date()
    assert year.of("SMP").paid == Decimal("1871.39")
    assert year.of("SMP").recovered == Decimal("1721.68")
    assert sum(month.of("SMP").recovered for month in recovery.months) == year.of("SMP").recovered
    assert year.nic_compensation == 0
    assert recovery.months[9].paid == 0  # January's run is not finalised


def test_small_employers_relief_recovers_everything_and_compensation_for_nics(moj, family_pay, in_department):
    _relief(moj.department, True)
    with in_department(moj):
        recovery = statutory_recovery(department=moj.department, tax_year="2026-27")
    november = recovery.months[7].of("SMP")
    # 2026-27's rates give 109%: 100% recovered, 9% NIC compensation
    assert recovery.rate == Decimal("1.09")
    assert (november.recovered, november.nic_compensation) == (Decimal("1071.39"), Decimal("96.43"))


def test_the_page_shows_the_months_and_the_year_and_refuses_an_unknown_year(client, moj, dft, family_pay):
    client.force_login(moj.payroll_officer)
    page = client.get("/departments/moj/payroll/statutory-recovery/?tax_year=2026-27")
    text = page.content.decode()
    assert "The department recovers 92% of what it paid." in text
    assert 'data-testid="month-8-SMP"' in text
    assert "£1,071.39" in text  # SMP paid in tax month 8
    assert "£985.68" in text  # and recovered
    assert "£1,721.68" in text  # SMP recovered in the year to date
    refused = client.get("/departments/moj/payroll/statutory-recovery/?tax_year=1999-00").content.decode()
    assert "There is a problem" in refused
    assert "Choose a tax year from the list" in refused
    # another department's payroll officer cannot reach moj's; a line manager may not read payroll
    client.force_login(dft.payroll_officer)
    assert client.get("/departments/moj/payroll/statutory-recovery/").status_code == 404
    client.force_login(moj.manager)
    assert client.get("/departments/moj/payroll/statutory-recovery/").status_code == 403


def test_the_page_says_when_small_employers_relief_applies(client, moj, family_pay):
    _relief(moj.department, True)
    client.force_login(moj.payroll_officer)
    text = client.get("/departments/moj/payroll/statutory-recovery/?tax_year=2026-27").content.decode()
    assert "9% more in compensation for National Insurance (109% in all)" in text
    assert "£96.43" in text


def test_the_api_gives_the_same_figures_and_names_a_bad_tax_year(moj, dft, family_pay):
    _, raw = department_services.api_token_create(department=moj.department, name="reader", acting_user=None,
                                                  scopes=["payroll:read"])
    reader = APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    answer = reader.get("/api/v1/departments/moj/payroll/statutory-recovery/?tax_year=2026-27")
    assert answer.status_code == 200
    body = answer.json()
    november = body["months"][7]
    assert november["tax_month"] == 8
    assert {row["payment"]: row["recovered"] for row in november["payments"]}["SMP"] == "985.68"
    assert body["year_to_date"]["recovered"] == "2273.68"  # SMP 1,721.68 and SAP 552.00
    bad = reader.get("/api/v1/departments/moj/payroll/statutory-recovery/?tax_year=last")
    assert bad.status_code == 400
    assert bad["Content-Type"] == PROBLEM
    assert bad.json()["errors"][0]["field"] == "tax_year"
    _, other = department_services.api_token_create(department=dft.department, name="reader", acting_user=None,
                                                    scopes=["payroll:read"])
    outsider = APIClient()
    outsider.credentials(HTTP_AUTHORIZATION=f"Bearer {other}")
    assert outsider.get("/api/v1/departments/moj/payroll/statutory-recovery/?tax_year=2026-27").status_code == 404
