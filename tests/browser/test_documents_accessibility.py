"""axe-core finds no WCAG 2.2 AA violations on the employee's documents pages, at desktop width and on
a 375 px wide phone: the documents page (with documents, and empty for someone just started), the
P60, the P45 and the yearly summary; and each is reached and used with the keyboard alone."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect

from hr.models import Employee
from payroll.models import PayRun
from payroll.periods import tax_year_label, tax_year_start
from tests.browser.axe import assert_no_axe_violations
from tests.factories.payroll import PayRunFactory, PayslipFactory, PayslipLineFactory
from tests.finance.conftest import build_finance_setting

pytestmark = pytest.mark.django_db(transaction=True)
D = datetime.date
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=375, height=812)
MAX_TABS = 120


def assert_accessible_at_both_widths(page: Page) -> None:
    """axe at desktop width, then on a 375 px phone, then back to desktop."""
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_no_axe_violations(page)
    page.set_viewport_size(DESKTOP)


def tab_to(page: Page, selector: str) -> None:
    """Press Tab from the top of the page until the element matching ``selector`` has the focus."""
    page.locator("body").focus()
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("selector => document.activeElement.matches(selector)", selector):
            return
    pytest.fail(f"{selector} was not reached with the Tab key on {page.url}")


@pytest.fixture
def documents(moj, in_department):
    """Esme (E0001): paid in the last month of last tax year and the first of this one (SSP in it),
    both runs finalised; she left at the end of that month, so her P45 is ready too."""
    setting = build_finance_setting(moj, in_department)
    start = tax_year_start(timezone.localdate()).year
    previous, this = tax_year_label(D(start - 1, 4, 6)), tax_year_label(D(start, 4, 6))
    esme = setting.claimant
    with in_department(moj):
        march = PayRunFactory(department=moj.department, status=PayRun.Status.FINALISED, period_start=D(start, 3, 1),
                              period_end=D(start, 3, 31), pay_date=D(start, 3, 31), tax_year=previous, tax_period=12)
        april = PayRunFactory(department=moj.department, schedule=march.schedule, status=PayRun.Status.FINALISED,
                              period_start=D(start, 4, 1), period_end=D(start, 4, 30), pay_date=D(start, 4, 30),
                              tax_year=this, tax_period=1)
        PayslipFactory(department=moj.department, run=march, employee=esme, tax_code="1257L",
                       gross_pay=Decimal("2500.00"), taxable_pay=Decimal("2500.00"), income_tax=Decimal("290.20"),
                       employee_ni=Decimal("116.16"), net_pay=Decimal("2093.64"),
                       year_to_date={"taxable_pay": "30000.00", "tax": "3486.00"})
        slip = PayslipFactory(department=moj.department, run=april, employee=esme, tax_code="1257L",
                              gross_pay=Decimal("2618.75"), taxable_pay=Decimal("2618.75"),
                              income_tax=Decimal("313.95"), net_pay=Decimal("2186.64"),
                              year_to_date={"taxable_pay": "2618.75", "tax": "313.95"})
        PayslipLineFactory(department=moj.department, payslip=slip, code="SSP", description="Statutory Sick Pay",
                           amount=Decimal("118.75"))
        Employee.objects.filter(pk=esme.pk).update(leave_date=D(start, 4, 30), ni_number="AB123456C")
    return {"previous": previous, "this": this}


def _base(moj) -> str:
    return f"/departments/{moj.slug}/payroll/me/documents/"


def test_documents_page_with_every_kind_of_document(page, moj, documents, sign_in_through_browser):
    # given
    sign_in_through_browser(moj.employee)
    # when
    page.goto(_base(moj))
    # then
    expect(page.get_by_role("heading", level=1)).to_have_text("Your documents")
    expect(page.get_by_test_id(f"documents-{documents['previous']}")).to_contain_text("P60")
    expect(page.get_by_test_id(f"documents-{documents['this']}")).to_contain_text("P45")
    assert_accessible_at_both_widths(page)


def test_documents_page_of_someone_just_started(page, moj, documents, sign_in_through_browser):
    # given Cal (E0002), who has not been paid yet
    sign_in_through_browser(moj.hr_officer)
    # when
    page.goto(_base(moj))
    # then what will come, and when, is said
    expect(page.get_by_test_id("p60-note")).to_contain_text(f"Your P60 for {documents['this']} will be here by")
    expect(page.get_by_test_id("summary-note")).to_be_visible()
    assert_accessible_at_both_widths(page)


def test_p60_p45_and_yearly_summary_pages(page, moj, documents, sign_in_through_browser):
    sign_in_through_browser(moj.employee)
    for path, heading in ((f"p60/{documents['previous']}/", f"Your P60 for {documents['previous']}"),
                          ("p45/", "Your P45: details of employee leaving work"),
                          (f"yearly-summary/{documents['this']}/", f"Your yearly summary for {documents['this']}"),
                          (f"yearly-summary/{documents['previous']}/",
                           f"Your yearly summary for {documents['previous']}")):
        page.goto(_base(moj) + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible_at_both_widths(page)


def test_every_document_is_reached_with_the_keyboard_alone(page, moj, documents, sign_in_through_browser):
    # given Esme on her documents page
    sign_in_through_browser(moj.employee)
    page.goto(_base(moj))
    previous, this = documents["previous"], documents["this"]
    # when she tabs to last year's P60 and presses Enter
    tab_to(page, f'a[href="{_base(moj)}p60/{previous}/"]')
    page.keyboard.press("Enter")
    # then the P60 opens, and its download and the way back are reachable too
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your P60 for {previous}")
    tab_to(page, f'a[href="/departments/{moj.slug}/payroll/me/p60/{previous}/"]')
    tab_to(page, "a.govuk-back-link")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your documents")
    # and the same holds for the P45 and this year's summary, whose wide table scrolls from the keyboard
    tab_to(page, f'a[href="{_base(moj)}p45/"]')
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your P45: details of employee leaving work")
    tab_to(page, f'a[href="{_base(moj)}p45/pdf/"]')
    page.goto(_base(moj))
    tab_to(page, f'a[href="{_base(moj)}yearly-summary/{this}/"]')
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("yearly-summary")).to_contain_text("£118.75")
    page.set_viewport_size(PHONE)
    tab_to(page, '[role="region"][aria-label^="Pay in each period"]')
    region = page.locator('[role="region"][aria-label^="Pay in each period"]')
    before = region.evaluate("element => element.scrollLeft")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(region).not_to_have_js_property("scrollLeft", before)
    tab_to(page, f'a[href="{_base(moj)}yearly-summary/{this}/pdf/"]')
