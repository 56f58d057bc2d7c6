"""axe-core finds no WCAG 2.2 AA violations on the finance pages, with and without errors."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from finance import services
from finance.services import JournalLineInput as Line
from tests.browser.axe import assert_no_axe_violations
from tests.finance.conftest import build_finance_setting

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ledger(moj, in_department):
    """moj with a chart, a budget, a posted journal and a claim waiting for finance."""
    setting = build_finance_setting(moj, in_department)
    today = timezone.localdate()
    year = today.year if today.month >= 4 else today.year - 1
    services.budget_set(department=moj.department, cost_centre=setting.centre, financial_year=year,
                        annual_amount=Decimal("120000"), acting_user=None)
    journal = services.journal_post(department=moj.department, acting_user=None, posted_on=today,
                                    description="Consultancy accrual",
                                    lines=[Line(account="5400", debit=Decimal("2500"), cost_centre=setting.sub_centre),
                                           Line(account="2400", credit=Decimal("2500"))])
    claim = services.expense_claim_create(employee=setting.claimant, purpose="Leeds hearing", acting_user=None)
    services.expense_line_add(claim=claim, acting_user=None, category="travel",
                              incurred_on=today - datetime.timedelta(days=2), description="Train",
                              amount=Decimal("42.10"))
    services.expense_claim_submit(claim=claim, acting_user=None)
    services.expense_claim_manager_decide(claim=claim, approve=True, acting_user=moj.manager)
    return {"journal": journal, "claim": claim}


def test_finance_officer_pages(page, moj, ledger, sign_in_through_browser):
    """Every page a finance officer reads, the budget page with its chart included."""
    sign_in_through_browser(moj.finance_officer)
    base = f"/departments/{moj.slug}/finance/"
    for path, heading in (("", "Finance"), ("accounts/", "Chart of accounts"), ("journals/", "Journals"),
                          (f"journals/{ledger['journal'].pk}/", f"Journal {ledger['journal'].reference}"),
                          ("periods/", "Accounting periods"), ("budgets/", "Budget and spend"),
                          ("budgets/C100/", "Budget and spend: Operations"),
                          ("exports/", "Trial balance and exports"),
                          ("expenses/approvals/", "Expense claims waiting for a decision"),
                          (f"expenses/{ledger['claim'].pk}/", f"Claim {ledger['claim'].reference}")):
        page.goto(base + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_no_axe_violations(page)


def test_finance_forms_showing_errors(page, moj, ledger, sign_in_through_browser):
    """The account, journal, budget and decision forms submitted empty or wrong."""
    sign_in_through_browser(moj.finance_officer)
    base = f"/departments/{moj.slug}/finance/"
    for path, button in (("accounts/new/", "Add the account"), ("journals/new/", "Post the journal"),
                         ("budgets/set/", "Save the budget"),
                         (f"expenses/{ledger['claim'].pk}/decision/", "Save the decision")):
        page.goto(base + path)
        page.get_by_role("button", name=button).click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        assert_no_axe_violations(page)


def test_claimant_pages_and_forms(page, moj, ledger, sign_in_through_browser):
    """The employee's claims, a new claim, and the expense and journey forms with their errors."""
    sign_in_through_browser(moj.employee)
    base = f"/departments/{moj.slug}/finance/"
    page.goto(base + "expenses/")
    expect(page.get_by_test_id("my-claims")).to_contain_text("Leeds hearing")
    assert_no_axe_violations(page)
    page.goto(base + "expenses/new/")
    page.get_by_role("button", name="Start the claim").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter what the expenses were for")
    assert_no_axe_violations(page)
    page.get_by_label("What the expenses were for").fill("Audit visit")
    page.get_by_role("button", name="Start the claim").click()
    assert_no_axe_violations(page)
    for link, button in (("Add an expense", "Add the expense"),
                         ("Add a journey by car, motorcycle or bicycle", "Add the journey")):
        page.get_by_role("link", name=link).click()
        page.get_by_role("button", name=button).click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        assert_no_axe_violations(page)
        page.get_by_role("link", name="Back to claim").click()
