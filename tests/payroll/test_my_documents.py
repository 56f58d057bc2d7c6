"""An employee's documents page: each tax year, newest first, with its payslips, its P60 once the year
is over (the page and the PDF), the P45 once a leaver's final pay is finalised, and the yearly
summary; what is still to come is said, with when. Only ever the signed-in person's own: a line
manager, a colleague or another department's user never reaches them."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from hr import services as hr_services
from hr.models import Employee
from payroll import services
from payroll.models import PayRun, Payslip
from payroll.periods import tax_year_label, tax_year_start
from payroll.selectors import period_of
from payroll.selectors_documents import document_years
from payroll.selectors_year_end import p60s_for
from tests.factories.payroll import PayRunFactory, PayslipFactory
from tests.payroll.year_end.conftest import monthly, pay  # noqa: F401  (fixtures, shared)

pytestmark = pytest.mark.django_db
D = datetime.date


def _url(moj, rest=""):
    return f"/departments/{moj.slug}/payroll/me/documents/{rest}"


def _section(page: str, tax_year: str) -> str:
    """The part of the documents page about one tax year."""
    start = page.index(f'data-testid="documents-{tax_year}"')
    end = page.find("</section>", start)
    return page[start:end]


def _pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _years() -> tuple[str, str, int]:
    """Last tax year, this tax year, and the calendar year this one started in."""
    start = tax_year_start(timezone.localdate()).year
    return tax_year_label(D(start - 1, 4, 6)), tax_year_label(D(start, 4, 6)), start


@pytest.fixture
def two_years_paid(moj, monthly, pay, in_department, finance_setting):  # noqa: F811
    """The last month of last tax year (which is over) and the first month of this one (under way)
    paid and finalised for everyone on the schedule."""
    with in_department(moj):
        Employee.objects.filter(pk=finance_setting.claimant.pk).update(ni_number="AB123456C")
    _, _, start = _years()
    return pay(monthly, D(start, 3, 10)), pay(monthly, D(start, 4, 10))


def test_each_tax_year_is_listed_newest_first_with_its_documents(client, moj, two_years_paid, in_department,
                                                                 finance_setting):
    # given Esme paid in the last month of last tax year and the first of this one, signed in
    march, april = two_years_paid
    previous, this, start = _years()
    with in_department(moj):
        march_slip = Payslip.objects.get(run=march, employee=finance_setting.claimant)
        april_slip = Payslip.objects.get(run=april, employee=finance_setting.claimant)
    client.force_login(moj.employee)
    # when she opens her documents
    page = client.get(_url(moj)).content.decode()
    # then this tax year comes first, its P60 promised by 31 May after it ends
    assert page.index(f'data-testid="documents-{this}"') < page.index(f'data-testid="documents-{previous}"')
    current, last = _section(page, this), _section(page, previous)
    assert f"Your P60 for {this} will be here by 31 May {start + 1}." in current
    assert _url(moj, f"p60/{this}/") not in page
    # and last year's P60 is there as a page and a PDF
    assert f'href="{_url(moj, f"p60/{previous}/")}"' in last
    assert f'href="/departments/{moj.slug}/payroll/me/p60/{previous}/"' in last
    # and each year has its summary and its payslips, linked to their pages
    for section, year, slip in ((current, this, april_slip), (last, previous, march_slip)):
        assert f'href="{_url(moj, f"yearly-summary/{year}/")}"' in section
        assert f'href="{_url(moj, f"yearly-summary/{year}/pdf/")}"' in section
        assert f'/payroll/runs/{slip.run_id}/payslips/{slip.pk}/"' in section
    # and no P45: she has not left
    assert f'href="{_url(moj, "p45/")}"' not in page
    assert ">P45</dt>" not in page


def test_the_p60_page_shows_the_certificates_figures(client, moj, two_years_paid, in_department, finance_setting):
    # given
    previous, this, start = _years()
    client.force_login(moj.employee)
    with in_department(moj):
        (p60,) = p60s_for(department=moj.department, tax_year=previous, employee_ids=[finance_setting.claimant.pk])
    # when she opens last year's P60
    response = client.get(_url(moj, f"p60/{previous}/"))
    page = response.content.decode()
    # then it shows the form's parts with her figures, and links its PDF
    assert response.status_code == 200
    assert f"Your P60 for {previous}" in page
    for text in ("Pay and Income Tax details", "National Insurance contributions in this employment",
                 "Statutory payments included in the pay", "Certificate by Employer/Paying Office",
                 "AB123456C", "E0001", f"£{p60.pay:,.2f}", f"£{p60.tax_amount:,.2f}", p60.final_tax_code):
        assert text in page, text
    assert f'href="/departments/{moj.slug}/payroll/me/p60/{previous}/"' in page
    # and a year not over, one she was not paid in, or one not written as a tax year, is not found
    for year in (this, tax_year_label(D(start - 2, 4, 6)), str(start), f"{start}-{start % 100 + 2:02d}"):
        assert client.get(_url(moj, f"p60/{year}/")).status_code == 404, year


@pytest.fixture
def leaver_paid(moj, finance_setting, approved_run, in_department):
    """Esme (E0001) leaves in this month's period; the run paying her final pay is approved, not yet
    finalised."""

    def leave(schedule):
        with in_department(moj):
            period = period_of(schedule, timezone.localdate())
            hr_services.employee_leave(employee=Employee.objects.get(payroll_number="E0001"),
                                       leave_date=period.start + datetime.timedelta(days=9),
                                       reason=Employee.LeaveReason.RESIGNATION, acting_user=moj.hr_officer)

    return approved_run(before_open=leave)


def test_a_leaver_finds_their_p45_once_their_final_pay_is_finalised(client, moj, leaver_paid, in_department):
    client.force_login(moj.employee)
    # given her final pay approved but not finalised: the P45 is promised, not offered
    page = client.get(_url(moj)).content.decode()
    assert f"Your P45 for {leaver_paid.tax_year} will be here once your final pay is paid" in page
    assert client.get(_url(moj, "p45/")).status_code == 404
    assert client.get(_url(moj, "p45/pdf/")).status_code == 404
    # when the run is finalised
    services.pay_run_finalise(run=leaver_paid, acting_user=moj.payroll_approver)
    with in_department(moj):
        payslip = Payslip.objects.get(run=leaver_paid, employee__payroll_number="E0001")
        leave_date = Employee.objects.get(payroll_number="E0001").leave_date
    pay_to_date = Decimal(payslip.year_to_date["taxable_pay"])
    # then the documents page offers it, in the year she left, in place of that year's P60
    section = _section(client.get(_url(moj)).content.decode(), leaver_paid.tax_year)
    assert f'href="{_url(moj, "p45/")}"' in section
    assert f'href="{_url(moj, "p45/pdf/")}"' in section
    assert f"so you get a P45 for {leaver_paid.tax_year} instead of a P60" in section
    # and the P45 page shows Part 1A's boxes, and the PDF the same figures
    p45_page = client.get(_url(moj, "p45/")).content.decode()
    assert "Part 1A" in p45_page
    assert f"£{pay_to_date:,.2f}" in p45_page
    assert leave_date.strftime("%d %m %Y") in p45_page
    pdf = client.get(_url(moj, "p45/pdf/"))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Cache-Control"] == "private, no-store"
    assert f"£{pay_to_date:,.2f}" in _pdf_text(pdf.content)


def test_someone_just_started_is_told_what_will_come_and_when(client, moj, finance_setting):
    # given Esme, employed, with no payslip yet
    client.force_login(moj.employee)
    # when she opens her documents
    page = client.get(_url(moj)).content.decode()
    # then this tax year is there, with what each document waits for
    _, this_year, start = _years()
    section = _section(page, this_year)
    assert f"Your P60 for {this_year} will be here by 31 May {start + 1}." in section
    assert f"Your summary of {this_year} will be here once your first payslip of the tax year is published." in section
    assert f"No payslips have been published to you in {this_year} yet." in section
    # and the summary of a year she has no payslip in is not found
    assert client.get(_url(moj, f"yearly-summary/{this_year}/")).status_code == 404
    assert client.get(_url(moj, f"yearly-summary/{this_year}/pdf/")).status_code == 404


def test_someone_not_linked_to_an_employee_record_is_told_so(client, moj, finance_setting):
    client.force_login(moj.payroll_officer)
    page = client.get(_url(moj)).content.decode()
    assert "Your account is not linked to an employee record" in page
    for rest in ("p60/2025-26/", "p45/", "p45/pdf/", "yearly-summary/2026-27/", "yearly-summary/2026-27/pdf/"):
        assert client.get(_url(moj, rest)).status_code == 404, rest


def test_nobody_reaches_another_persons_documents(client, moj, dft, finance_setting, in_department):
    # given Esme paid in November 2026; her line manager (Manon) and her colleague (Cal) paid nothing
    with in_department(moj):
        run = PayRunFactory(department=moj.department, status=PayRun.Status.FINALISED)
        PayslipFactory(department=moj.department, run=run, employee=finance_setting.claimant,
                       gross_pay=Decimal("3123.45"), tax_code="1257L")
        Employee.objects.filter(pk=finance_setting.claimant.pk).update(leave_date=D(2026, 11, 20))
    esme_pages = ("yearly-summary/2026-27/", "yearly-summary/2026-27/pdf/", "p45/", "p45/pdf/")
    client.force_login(moj.employee)
    assert all(client.get(_url(moj, rest)).status_code == 200 for rest in esme_pages)
    # when her manager, her colleague and another department's people open the same addresses
    for user in (moj.manager, moj.hr_officer, moj.hr_admin):
        client.force_login(user)
        # then none of them sees her documents, and their own page lists nothing of hers
        for rest in esme_pages:
            assert client.get(_url(moj, rest)).status_code == 404, (user, rest)
        assert "3,123.45" not in client.get(_url(moj)).content.decode()
    client.force_login(dft.employee)
    assert client.get(_url(moj)).status_code == 404
    assert client.get(_url(moj, "yearly-summary/2026-27/")).status_code == 404


def test_the_document_years_of_a_leaver_before_the_year_ended_promise_no_p60(moj, finance_setting, in_department):
    # given Esme paid in March 2026 and gone on 20 March 2026, before 2025-26 ended
    with in_department(moj):
        run = PayRunFactory(department=moj.department, status=PayRun.Status.FINALISED, period_start=D(2026, 3, 1),
                            period_end=D(2026, 3, 31), pay_date=D(2026, 3, 20), tax_year="2025-26", tax_period=12)
        PayslipFactory(department=moj.department, run=run, employee=finance_setting.claimant, tax_code="1257L")
        Employee.objects.filter(pk=finance_setting.claimant.pk).update(leave_date=D(2026, 3, 20))
        esme = Employee.objects.get(pk=finance_setting.claimant.pk)
        # when her document years are read
        years = document_years(department=moj.department, employee=esme, today=D(2026, 12, 7))
    # then only 2025-26 is listed (she left before this tax year), with a P45 and no P60
    (year,) = years
    assert year.tax_year == "2025-26"
    assert not year.p60_ready
    assert "instead of a P60" in year.p60_note
    assert year.p45 is not None
    assert year.has_summary
