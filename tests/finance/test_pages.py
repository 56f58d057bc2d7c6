"""Finance pages: who may open what, the claim journey through the forms, errors shown on the
form with a GOV.UK error summary, receipts only through the department's own checks."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from finance import services
from finance.models import AccountingPeriod, Budget, ExpenseClaim, ExpenseLine, Journal
from finance.services import JournalLineInput as Line

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%demo receipt\n"


def _url(people, path=""):
    return f"/departments/{people.slug}/finance/{path}"


def _date(prefix, day):
    return {f"{prefix}-day": day.day, f"{prefix}-month": day.month, f"{prefix}-year": day.year}


@pytest.fixture
def journal(moj, setting):
    return services.journal_post(department=moj.department, acting_user=None, posted_on=timezone.localdate(),
                                 description="Accrual", lines=[Line(account="5400", debit=Decimal("90"),
                                                                    cost_centre=setting.centre),
                                                               Line(account="2400", credit=Decimal("90"))])


def test_a_finance_officer_can_open_every_finance_page(client, moj, setting, journal):
    client.force_login(moj.finance_officer)
    for path in ("", "accounts/", "accounts/new/", "accounts/5000/edit/", "journals/", "journals/new/",
                 f"journals/{journal.pk}/", "periods/", "budgets/", "budgets/C100/", "budgets/set/", "exports/",
                 "expenses/approvals/"):
        response = client.get(_url(moj, path))
        assert response.status_code == 200, path
    assert "Spend this financial year" in [figure.label for figure in
                                           client.get(f"/departments/{moj.slug}/").context["figures"]]


@pytest.mark.parametrize("path", ["accounts/", "journals/", "budgets/", "exports/", "exports/trial-balance.csv"])
def test_people_without_finance_read_get_a_403(client, moj, setting, path):
    client.force_login(moj.employee)
    assert client.get(_url(moj, path)).status_code == 403


def test_another_departments_finance_officer_gets_a_404(client, moj, dft, setting, journal):
    client.force_login(dft.finance_officer)
    assert client.get(_url(moj, f"journals/{journal.pk}/")).status_code == 404
    assert client.get(_url(dft, f"journals/{journal.pk}/")).status_code == 404


def test_an_unbalanced_journal_is_shown_back_with_the_error_and_nothing_posted(client, moj, setting, in_department):
    client.force_login(moj.finance_officer)
    response = client.post(_url(moj, "journals/new/"), {
        **_date("posted_on", timezone.localdate()), "description": "Accrual",
        "line-0-account": "5400", "line-0-cost_centre": "C100", "line-0-debit": "100.00",
        "line-1-account": "2400", "line-1-credit": "99.00"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "does not balance: debits £100.00, credits £99.00" in page
    with in_department(moj):
        assert not Journal.objects.exists()
    response = client.post(_url(moj, "journals/new/"), {
        **_date("posted_on", timezone.localdate()), "description": "Accrual",
        "line-0-account": "5400", "line-0-debit": "100.00", "line-2-account": "2400", "line-2-credit": "100"})
    assert "Line 1: account 5400 is expenditure; choose its cost centre" in response.content.decode()
    assert 'id="id_line-0-cost_centre-error"' in response.content.decode()


def test_a_journal_is_posted_and_reversed_through_the_pages(client, moj, setting, in_department):
    client.force_login(moj.finance_officer)
    today = timezone.localdate()
    response = client.post(_url(moj, "journals/new/"), {
        **_date("posted_on", today), "description": "Consultancy accrual",
        "line-0-account": "5400", "line-0-cost_centre": "C110", "line-0-debit": "1,250.00",
        "line-3-account": "2400", "line-3-credit": "1250"})
    with in_department(moj):
        journal = Journal.objects.get()
    assert response["Location"] == _url(moj, f"journals/{journal.pk}/")
    response = client.post(_url(moj, f"journals/{journal.pk}/"), _date("posted_on", today), follow=True)
    assert f"Journal {journal.reference} has been reversed by" in response.content.decode()
    with in_department(moj):
        assert Journal.objects.filter(reverses=journal).exists()


def test_closing_a_period_on_the_page_stops_postings_into_it(client, moj, setting, in_department):
    client.force_login(moj.finance_officer)
    today = timezone.localdate()
    year = today.year if today.month >= 4 else today.year - 1
    number = (today.month - 4) % 12 + 1
    client.post(_url(moj, "periods/"), {"year": year, "number": number, "action": "close"})
    with in_department(moj):
        assert AccountingPeriod.objects.get(financial_year=year, number=number).status == "closed"
    response = client.post(_url(moj, "journals/new/"), {
        **_date("posted_on", today), "description": "Late", "line-0-account": "1100", "line-0-debit": "5",
        "line-1-account": "2400", "line-1-credit": "5"})
    assert "is closed" in response.content.decode()


def test_a_budget_is_set_on_the_page_and_shown_against_spend(client, moj, setting, journal, in_department):
    client.force_login(moj.finance_officer)
    year = timezone.localdate().year if timezone.localdate().month >= 4 else timezone.localdate().year - 1
    response = client.post(_url(moj, "budgets/set/"), {"cost_centre": "C100", "financial_year": year,
                                                       "annual_amount": "24,000"})
    assert response.status_code == 302
    with in_department(moj):
        assert Budget.objects.get().total == Decimal("24000.00")
    page = client.get(_url(moj, f"budgets/C100/?year={year}")).content.decode()
    assert "£24,000.00" in page
    assert "£90.00" in page
    assert 'id="budget-chart"' in page
    assert "chartjs/chart.umd.min.js" in page
    bad = client.post(_url(moj, "budgets/set/"), {"cost_centre": "C100", "financial_year": year})
    assert "Enter an annual budget, or an amount for each month" in bad.content.decode()


def test_the_claim_journey_through_the_pages(client, moj, setting, in_department):
    # the employee starts a claim, adds a receipted expense and a journey, and submits it
    client.force_login(moj.employee)
    response = client.post(_url(moj, "expenses/new/"), {"purpose": "Leeds hearing"})
    with in_department(moj):
        claim = ExpenseClaim.objects.get()
    assert response["Location"] == _url(moj, f"expenses/{claim.pk}/")
    day = timezone.localdate() - datetime.timedelta(days=2)
    client.post(_url(moj, f"expenses/{claim.pk}/expenses/new/"), {
        "category": "travel", **_date("incurred_on", day), "description": "Train", "amount": "42.10", "vat": "",
        "receipt": SimpleUploadedFile("ticket.pdf", PDF, content_type="application/pdf")})
    client.post(_url(moj, f"expenses/{claim.pk}/mileage/new/"), {
        "vehicle": "car", **_date("incurred_on", day), "description": "Station and back", "miles": "10"})
    page = client.get(_url(moj, f"expenses/{claim.pk}/")).content.decode()
    assert "£46.60" in page
    client.post(_url(moj, f"expenses/{claim.pk}/submit/"))
    # a colleague cannot see it; the manager decides; finance approves and marks it paid
    client.force_login(moj.hr_officer)
    assert client.get(_url(moj, f"expenses/{claim.pk}/")).status_code == 404
    client.force_login(moj.manager)
    assert claim.reference in client.get(_url(moj, "expenses/approvals/")).content.decode()
    client.post(_url(moj, f"expenses/{claim.pk}/decision/"), {"decision": "approve", "reason": ""})
    client.force_login(moj.finance_officer)
    client.post(_url(moj, f"expenses/{claim.pk}/decision/"), {"decision": "approve", "reason": ""})
    client.post(_url(moj, f"expenses/{claim.pk}/mark-paid/"))
    with in_department(moj):
        claim = ExpenseClaim.objects.get()
        assert claim.status == ExpenseClaim.Status.PAID


def test_a_bad_receipt_is_refused_on_the_form(client, moj, setting, in_department):
    client.force_login(moj.employee)
    claim = services.expense_claim_create(employee=setting.claimant, purpose="Trip", acting_user=moj.employee)
    response = client.post(_url(moj, f"expenses/{claim.pk}/expenses/new/"), {
        "category": "other", **_date("incurred_on", timezone.localdate()), "description": "Thing", "amount": "5",
        "receipt": SimpleUploadedFile("evil.pdf", b"<script>alert(1)</script>", content_type="application/pdf")})
    page = response.content.decode()
    assert "There is a problem" in page
    assert "The receipt must be a PDF, PNG or JPEG file" in page
    with in_department(moj):
        assert not ExpenseLine.objects.exists()


def test_a_rejection_without_a_reason_is_shown_back(client, moj, setting):
    claim = services.expense_claim_create(employee=setting.claimant, purpose="Trip", acting_user=moj.employee)
    services.expense_line_add(claim=claim, acting_user=moj.employee, category=ExpenseLine.Category.TRAVEL,
                              incurred_on=timezone.localdate(), description="Bus", amount=Decimal("3"))
    services.expense_claim_submit(claim=claim, acting_user=moj.employee)
    client.force_login(moj.manager)
    response = client.post(_url(moj, f"expenses/{claim.pk}/decision/"), {"decision": "reject"})
    assert "Give the reason for rejecting the claim" in response.content.decode()
    client.force_login(moj.employee)
    assert client.get(_url(moj, f"expenses/{claim.pk}/decision/")).status_code == 403


def test_receipts_download_only_through_the_checked_view(client, moj, dft, setting):
    claim = services.expense_claim_create(employee=setting.claimant, purpose="Trip", acting_user=moj.employee)
    line = services.expense_line_add(claim=claim, acting_user=moj.employee, category=ExpenseLine.Category.TRAVEL,
                                     incurred_on=timezone.localdate(), description="Taxi", amount=Decimal("9"),
                                     receipt=SimpleUploadedFile("taxi.pdf", PDF), receipt_name="taxi.pdf")
    path = _url(moj, f"expenses/{claim.pk}/lines/{line.pk}/receipt/")
    client.force_login(moj.employee)
    response = client.get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith('attachment; filename="taxi.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(moj.hr_officer)
    assert client.get(path).status_code == 404
    client.force_login(dft.finance_officer)
    assert client.get(path).status_code == 404
    assert client.get(f"/media/{line.receipt.name}").status_code == 404


def test_the_home_page_counts_claims_for_the_claimant_and_their_manager(client, moj, setting):
    # given a submitted claim from the manager's report
    claim = services.expense_claim_create(employee=setting.claimant, purpose="Site visit", acting_user=moj.employee)
    services.expense_line_add(claim=claim, acting_user=moj.employee, category=ExpenseLine.Category.TRAVEL,
                              incurred_on=timezone.localdate() - datetime.timedelta(days=3),
                              description="Train", amount=Decimal("42.50"))
    services.expense_claim_submit(claim=claim, acting_user=moj.employee)
    # when each opens the department home
    client.force_login(moj.employee)
    claimant_home = client.get(f"/departments/{moj.slug}/").content.decode()
    client.force_login(moj.manager)
    manager_home = client.get(f"/departments/{moj.slug}/").content.decode()
    # then
    assert re.search(r"Your expense claims in progress</h2>\s*<span[^>]*>1<", claimant_home)
    # (the manager's count is the approvals inbox's, which holds expense claims and leave alike,
    # and leads what needs doing)
    assert re.search(r">Waiting for your approval</a>.*?<strong class=\"govuk-tag[^\"]*\">1<", manager_home, re.S)
