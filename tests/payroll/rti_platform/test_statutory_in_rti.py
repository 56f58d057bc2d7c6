"""Statutory family pay in RTI: the EPS reclaims what the recovery page shows (92%, or all of it with
NIC compensation under small employers' relief), year to date, and says nothing when there is
nothing to reclaim; the FPS carries each payment's year to date from the payslip. Both validate
against HMRC's schemas."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from lxml import etree

from departments.models import Department
from departments.tenancy import department_context
from payroll import services
from payroll.engine.rti import validate_eps, validate_fps
from payroll.models import PayRun, Payslip
from tests.factories.payroll import PayRunFactory, PayslipFactory, PayslipLineFactory

pytestmark = pytest.mark.django_db
EPS_NS = "{http://www.govtalk.gov.uk/taxation/PAYE/RTI/EmployerPaymentSummary/26-27/1}"


@pytest.fixture
def references(moj):
    Department.objects.filter(pk=moj.department.pk).update(employer_paye_reference="120/AB12345",
                                                           accounts_office_reference="120PA00012345")
    moj.department.refresh_from_db()
    return moj.department


def _smp_paid(department, pay_date, amount):
    run = PayRunFactory(department=department, status=PayRun.Status.FINALISED, pay_date=pay_date,
                        period_start=pay_date.replace(day=1), period_end=pay_date, tax_year="2026-27")
    slip = PayslipFactory(department=department, run=run)
    PayslipLineFactory(department=department, payslip=slip, run=run, code="SMP", description="SMP",
                       amount=Decimal(amount))


def _eps(department, tax_month):
    out = io.BytesIO()
    with department_context(department.id):
        document = services.eps_write(department=department, tax_year="2026-27", tax_month=tax_month, final=False,
                                      out=out)
    assert document.errors == []
    assert validate_eps(out.getvalue()) == []
    return etree.fromstring(out.getvalue()).find(f".//{EPS_NS}EmployerPaymentSummary")


def _recovered(summary, name):
    return summary.findtext(f"{EPS_NS}RecoverableAmountsYTD/{EPS_NS}{name}")


def test_the_eps_reclaims_92_percent_of_smp_to_date_as_the_recovery_page_shows(client, moj, references):
    # given SMP paid in tax months 7 and 8
    _smp_paid(moj.department, datetime.date(2026, 10, 30), "1071.39")
    _smp_paid(moj.department, datetime.date(2026, 11, 27), "841.97")
    # when month 7's and month 8's EPS are built
    month_7, month_8 = _eps(moj.department, 7), _eps(moj.department, 8)
    # then each reclaims 92% of the SMP paid so far, with no NIC compensation
    assert _recovered(month_7, "SMPRecovered") == "985.68"
    assert _recovered(month_8, "SMPRecovered") == "1760.29"  # 92% of 1,913.36
    assert _recovered(month_8, "TaxMonth") == "8"
    assert _recovered(month_8, "NICCompensationOnSMP") is None
    # and the recovery page shows the same year to date
    client.force_login(moj.payroll_officer)
    page = client.get("/departments/moj/payroll/statutory-recovery/?tax_year=2026-27").content.decode()
    assert "£1,760.29" in page


def test_under_small_employers_relief_the_eps_reclaims_all_of_it_and_nic_compensation(moj, references):
    Department.objects.filter(pk=moj.department.pk).update(small_employers_relief=True)
    moj.department.refresh_from_db()
    _smp_paid(moj.department, datetime.date(2026, 11, 27), "1071.39")
    summary = _eps(moj.department, 8)
    assert _recovered(summary, "SMPRecovered") == "1071.39"
    assert _recovered(summary, "NICCompensationOnSMP") == "96.43"  # 9% in 2026-27


def test_an_eps_with_nothing_to_reclaim_leaves_the_recoverable_amounts_out(moj, references):
    _smp_paid(moj.department, datetime.date(2026, 11, 27), "1071.39")
    # month 7 is before any SMP was paid
    assert _eps(moj.department, 7).find(f"{EPS_NS}RecoverableAmountsYTD") is None


def test_the_fps_carries_smp_to_date_from_the_payslip(moj, finalised_run, in_department):
    # given a finalised run whose payslip for E0001 has SMP (and nil SAP) in its year to date
    run = finalised_run()
    with in_department(moj):
        slip = Payslip.objects.get(run=run, employee__payroll_number="E0001")
        Payslip.objects.filter(pk=slip.pk).update(year_to_date={**slip.year_to_date, "smp": "1913.36", "sap": "0.00"})
        out = io.BytesIO()
        document = services.fps_write(run=run, out=out)
    # then its FPS validates and reports SMPYTD for that employee only, and no SAPYTD
    assert document.errors == []
    assert validate_fps(out.getvalue()) == []
    root = etree.fromstring(out.getvalue())
    namespace = root.find(".//{*}FullPaymentSubmission").tag.split("}")[0] + "}"
    reported = {employee.findtext(f"{namespace}Employment/{namespace}PayId"):
                employee.findtext(f"{namespace}Employment/{namespace}Payment/{namespace}SMPYTD")
                for employee in root.iter(f"{namespace}Employee")}
    assert reported["E0001"] == "1913.36"
    assert reported["M0001"] is None
    assert not list(root.iter(f"{namespace}SAPYTD"))
