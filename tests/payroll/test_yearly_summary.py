"""The yearly summary: one row per published payslip of a tax year, totals that equal the payslips'
figures added up to the penny, statutory payments by kind, each column explained; as a page and an
A4 PDF; nothing from a run that is not finalised."""

from __future__ import annotations

import datetime
import io
from dataclasses import fields
from decimal import Decimal

import pytest
from pypdf import PdfReader

from hr.models import Employee
from payroll.models import PayRun, Payslip
from payroll.selectors_documents import yearly_summary_of
from payroll.yearly_summary import (
    COLUMNS,
    Figures,
    PayslipFigures,
    YearlySummaryError,
    tax_year_checked,
    yearly_summary_for,
)
from payroll.yearly_summary_document import yearly_summary_pdf
from shared_services.core.problems import NotFound
from tests.factories.payroll import PayRunFactory, PayslipFactory, PayslipLineFactory
from tests.payroll.year_end.conftest import monthly, pay  # noqa: F401  (fixtures, shared)

D = datetime.date
YEAR_TO_DATE_OF = {"gross_pay": "gross_pay", "taxable_pay": "taxable_pay", "income_tax": "tax",
                   "employee_ni": "employee_ni", "pension_employee": "pension_employee",
                   "student_loan": "student_loan", "postgraduate_loan": "postgraduate_loan", "net_pay": "net_pay"}


def _slip(payslip_id, pay_date, *, correction=False, statutory=None, **amounts):
    figures = {name: Decimal(amounts.get(name, "0.00")) for name in (
        "gross_pay", "taxable_pay", "income_tax", "employee_ni", "pension_employee", "student_loan",
        "postgraduate_loan", "net_pay")}
    return PayslipFigures(payslip_id=payslip_id, run_id=payslip_id, pay_date=pay_date, frequency="monthly",
                          tax_period=pay_date.month - 3 if pay_date.month > 3 else pay_date.month + 9,
                          correction=correction, statutory=statutory or {}, **figures)


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


# --- The summary itself -------------------------------------------------------------------------------

def test_every_figure_has_one_column_with_an_explanation():
    assert [column.name for column in COLUMNS] == [field.name for field in fields(Figures)]
    assert all(column.explanation for column in COLUMNS)


def test_rows_are_in_pay_date_order_and_totals_add_up_to_the_penny():
    # given three payslips given out of order, one a correction, with pence that float arithmetic loses
    slips = [_slip(3, D(2026, 6, 30), gross_pay="0.10", net_pay="0.10", correction=True),
             _slip(1, D(2026, 4, 30), gross_pay="2500.10", income_tax="290.01", employee_ni="97.03",
                   net_pay="2113.06"),
             _slip(2, D(2026, 5, 29), gross_pay="2500.20", income_tax="290.02", employee_ni="97.04",
                   net_pay="2113.14", statutory={"SSP": Decimal("118.75")})]
    # when the summary is built
    summary = yearly_summary_for(tax_year="2026-27", employer_name="Ministry of Justice", employee_name="Esme Tester",
                                 payroll_number="E0001", payslips=slips)
    # then
    assert [row.payslip_id for row in summary.rows] == [1, 2, 3]
    assert [row.period_label for row in summary.rows] == ["Month 1", "Month 2", "Month 3 (correction)"]
    assert summary.totals.gross_pay == Decimal("5000.40")
    assert summary.totals.income_tax == Decimal("580.03")
    assert summary.totals.net_pay == Decimal("4226.30")
    assert summary.totals.statutory_pay == Decimal("118.75")
    assert summary.rows[1].figures.statutory_pay == Decimal("118.75")
    assert summary.statutory_totals == (("Statutory Sick Pay", Decimal("118.75")),)
    assert (summary.starts, summary.ends) == (D(2026, 4, 6), D(2027, 4, 5))


@pytest.mark.parametrize("tax_year", ["2026-28", "2026/27", "26-27", "", "2026-27 ", "abcd-ef", "2099-00x"])
def test_a_tax_year_not_written_like_2026_27_is_refused_naming_the_field(tax_year):
    with pytest.raises(YearlySummaryError, match="tax_year"):
        tax_year_checked(tax_year)


def test_the_year_after_1999_is_written_2000():
    assert tax_year_checked("1999-00") == "1999-00"


def test_a_payment_that_is_not_statutory_is_refused():
    with pytest.raises(YearlySummaryError, match="statutory: BASIC"):
        yearly_summary_for(tax_year="2026-27", employer_name="MOJ", employee_name="E", payroll_number="1",
                           payslips=[_slip(1, D(2026, 4, 30), statutory={"BASIC": Decimal("1.00")})])


# --- From the database ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_only_finalised_payslips_count_and_statutory_lines_are_summed_by_kind(moj, finance_setting, in_department):
    # given a finalised April run paying SSP and SMP, and a May run calculated but not finalised
    esme = finance_setting.claimant
    with in_department(moj):
        april = PayRunFactory(department=moj.department, status=PayRun.Status.FINALISED, period_start=D(2026, 4, 1),
                              period_end=D(2026, 4, 30), pay_date=D(2026, 4, 30), tax_period=1)
        may = PayRunFactory(department=moj.department, schedule=april.schedule, status=PayRun.Status.APPROVED,
                            period_start=D(2026, 5, 1), period_end=D(2026, 5, 31), pay_date=D(2026, 5, 29),
                            tax_period=2)
        paid = PayslipFactory(department=moj.department, run=april, employee=esme, gross_pay=Decimal("2600.00"),
                              net_pay=Decimal("2000.00"), income_tax=Decimal("300.00"))
        for code, amount in (("SSP", "118.75"), ("SMP", "500.00"), ("SSP", "23.75"), ("BASIC", "1957.50")):
            PayslipLineFactory(department=moj.department, payslip=paid, code=code, amount=Decimal(amount))
        PayslipFactory(department=moj.department, run=may, employee=esme, gross_pay=Decimal("9999.00"))
        # when Esme's summary of 2026-27 is read
        summary = yearly_summary_of(department=moj.department, employee=esme, tax_year="2026-27")
        # then only April is in it
        assert [row.payslip_id for row in summary.rows] == [paid.pk]
        assert summary.totals.gross_pay == Decimal("2600.00")
        assert summary.totals.statutory_pay == Decimal("642.50")
        assert summary.statutory_totals == (("Statutory Sick Pay", Decimal("142.50")),
                                            ("Statutory Maternity Pay", Decimal("500.00")))
        # and a year with no published payslip, or a malformed one, is not found
        with pytest.raises(NotFound):
            yearly_summary_of(department=moj.department, employee=esme, tax_year="2025-26")
        with pytest.raises(NotFound):
            yearly_summary_of(department=moj.department, employee=esme, tax_year="2026")


@pytest.mark.django_db
def test_totals_equal_the_payslips_and_the_last_payslips_year_to_date(moj, monthly, pay, in_department,  # noqa: F811
                                                                     finance_setting):
    # given April and May 2026 paid through real runs and finalised
    pay(monthly, D(2026, 4, 10))
    may = pay(monthly, D(2026, 5, 10))
    esme = finance_setting.claimant
    with in_department(moj):
        payslips = list(Payslip.objects.filter(employee=esme, run__tax_year="2026-27"))
        last = Payslip.objects.get(employee=esme, run=may)
        # when her summary is read
        summary = yearly_summary_of(department=moj.department, employee=esme, tax_year="2026-27")
    # then each total is the payslips' figures added up, and (with no opening balance) the year to date
    assert len(summary.rows) == 2
    for name, ytd_name in YEAR_TO_DATE_OF.items():
        total = getattr(summary.totals, name)
        assert total == sum((getattr(slip, name) for slip in payslips), Decimal("0.00")), name
        assert total == Decimal(last.year_to_date[ytd_name]), name
    assert summary.totals.gross_pay > 0


@pytest.mark.django_db
def test_the_summary_page_and_its_a4_pdf_show_the_same_table(client, moj, finance_setting, in_department):
    # given two finalised months of 2026-27 for Esme
    esme = finance_setting.claimant
    with in_department(moj):
        schedule = None
        for month, gross, net in ((4, "2500.00", "1950.55"), (5, "2750.25", "2101.10")):
            run = PayRunFactory(department=moj.department, status=PayRun.Status.FINALISED,
                                period_start=D(2026, month, 1), period_end=D(2026, month, 28),
                                pay_date=D(2026, month, 28), tax_period=month - 3,
                                **({"schedule": schedule} if schedule else {}))
            schedule = run.schedule
            PayslipFactory(department=moj.department, run=run, employee=esme, gross_pay=Decimal(gross),
                           net_pay=Decimal(net))
    client.force_login(moj.employee)
    base = f"/departments/{moj.slug}/payroll/me/documents/yearly-summary/2026-27/"
    # when she opens the page and its PDF
    page = client.get(base).content.decode()
    pdf = client.get(base + "pdf/")
    # then both show each period and the totals, and the page explains each column
    assert "Your yearly summary for 2026-27" in page
    assert "£5,250.25" in page
    assert "£4,051.65" in page
    assert "Month 1" in page
    assert "Month 2" in page
    for column in COLUMNS:
        assert column.explanation.replace("'", "&#x27;") in page
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Cache-Control"] == "private, no-store"
    text = _text(pdf.content)
    assert "£5,250.25" in text
    assert "£4,051.65" in text
    assert "Total for 2026-27" in text
    assert "E0001" in text
    # and the PDF is A4, turned sideways
    box = PdfReader(io.BytesIO(pdf.content)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)


def test_the_pdf_builds_from_a_summary_with_no_statutory_payments():
    summary = yearly_summary_for(tax_year="2026-27", employer_name="MOJ", employee_name="Ann Smith",
                                 payroll_number="7", payslips=[_slip(1, D(2026, 4, 30), gross_pay="10.00",
                                                                     net_pay="10.00")])
    text = _text(yearly_summary_pdf(summary))
    assert "No statutory payments" in text
    assert "Ann Smith" in text


@pytest.mark.django_db
def test_a_colleagues_payslips_are_never_in_the_summary(moj, finance_setting, in_department):
    with in_department(moj):
        run = PayRunFactory(department=moj.department, status=PayRun.Status.FINALISED)
        PayslipFactory(department=moj.department, run=run, employee=finance_setting.claimant,
                       gross_pay=Decimal("100.00"))
        PayslipFactory(department=moj.department, run=run, employee=finance_setting.colleague,
                       gross_pay=Decimal("200.00"))
        colleague = Employee.objects.get(pk=finance_setting.colleague.pk)
        summary = yearly_summary_of(department=moj.department, employee=colleague, tax_year="2026-27")
    assert summary.totals.gross_pay == Decimal("200.00")
    assert summary.payroll_number == "E0002"


@pytest.mark.django_db
def test_a_supplementary_runs_payslip_is_its_periods_correction(moj, finance_setting, in_department):
    with in_department(moj):
        regular = PayRunFactory(department=moj.department, status=PayRun.Status.FINALISED)
        correction = PayRunFactory(department=moj.department, schedule=regular.schedule,
                                   kind=PayRun.Kind.SUPPLEMENTARY, status=PayRun.Status.FINALISED,
                                   pay_date=D(2026, 12, 4))
        for run, gross in ((regular, "3000.00"), (correction, "120.00")):
            PayslipFactory(department=moj.department, run=run, employee=finance_setting.claimant,
                           gross_pay=Decimal(gross))
        summary = yearly_summary_of(department=moj.department, employee=finance_setting.claimant,
                                    tax_year="2026-27")
    assert [row.period_label for row in summary.rows] == ["Month 8", "Month 8 (correction)"]
    assert summary.totals.gross_pay == Decimal("3120.00")


def test_a_year_without_payslips_has_no_rows_and_zero_totals():
    summary = yearly_summary_for(tax_year="2026-27", employer_name="", employee_name="", payroll_number="",
                                 payslips=[])
    assert summary.rows == ()
    assert summary.totals == Figures()
