"""On a phone (320 and 375 px wide) the payslip, "Your leave" and an expense claim fit the screen, with
every figure in view; wide tables scroll inside their own focusable region, not the page. A payslip
prints on one A4 page without the service's header, navigation or footer. Progress bars are drawn in
the Design System's manner with the percentage beside them."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, ViewportSize, expect
from pypdf import PdfReader

from departments.models import Department
from finance import services as finance_services
from hr import selectors as hr_selectors
from hr import services as hr_services
from hr.models import LeaveType
from onboarding import services as onboarding_services
from onboarding.models import ImportJob
from payroll import services as payroll_services
from payroll.models import Payslip
from payroll.tasks import start_calculation
from tests.browser.axe import assert_no_axe_violations_all_rules
from tests.browser.test_every_page import WIDEST, records_complete
from tests.finance.conftest import build_finance_setting
from tests.onboarding.conftest import csv_bytes, staff_row
from tests.payroll.settling import settle_review

pytestmark = pytest.mark.django_db(transaction=True)

PHONES: dict[str, ViewportSize] = {"320": {"width": 320, "height": 640}, "375": {"width": 375, "height": 812}}
FITS = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# The right edge of each element, to find one cut off by the edge of the screen.
RIGHT_EDGES = "(els) => els.map((el) => el.getBoundingClientRect().right)"


@pytest.fixture(params=list(PHONES))
def phone(request, page: Page) -> Page:
    page.set_viewport_size(PHONES[request.param])
    return page


@pytest.fixture
def paid(moj, in_department, settings):
    """Esme (moj's employee) paid last month by a finalised run; leave and an expense claim of hers."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    setting = build_finance_setting(moj, in_department)
    today = timezone.localdate()
    records_complete(moj, in_department)
    Department.objects.filter(pk=moj.department.pk).update(bacs_service_user_number="123456")
    schedule = payroll_services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                                    bank_sort_code="202959", bank_account_number="63748472")
    run = payroll_services.pay_run_create(schedule=schedule, acting_user=None,
                                          period_containing=today.replace(day=1) - datetime.timedelta(days=1))
    payroll_services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    start_calculation(run=run, acting_user=moj.payroll_officer)
    settle_review(run)
    payroll_services.pay_run_approve(run=run, acting_user=moj.payroll_approver)
    payroll_services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
    with in_department(moj):
        payslip = Payslip.objects.get(run=run, employee=setting.claimant)
        hr_services.leave_types_install_defaults(department=moj.department, acting_user=None)
        annual = hr_selectors.leave_types().get(kind=LeaveType.Kind.ANNUAL)
    hr_services.leave_request_create(employee=setting.claimant, leave_type=annual,
                                     start_date=today + datetime.timedelta(days=14),
                                     end_date=today + datetime.timedelta(days=15), hours=Decimal("14.8"),
                                     acting_user=moj.employee, reason="Family visit")
    claim = finance_services.expense_claim_create(employee=setting.claimant, purpose="Leeds Crown Court hearing",
                                                  acting_user=None)
    finance_services.expense_line_add(claim=claim, acting_user=None, category="travel",
                                      incurred_on=today - datetime.timedelta(days=2),
                                      description="Return train ticket, London King's Cross to Leeds (off-peak)",
                                      amount=Decimal("142.10"))
    return {"payslip": payslip, "run": run, "claim": claim}


def _payslip_url(moj, paid) -> str:
    return f"/departments/{moj.slug}/payroll/runs/{paid['run'].pk}/payslips/{paid['payslip'].pk}/"


def _fits(page: Page) -> None:
    scroll_width, inner_width = page.evaluate(FITS)
    assert scroll_width <= inner_width, (f"{page.url} is {scroll_width} px wide on a {inner_width} px screen: "
                                         f"{page.evaluate(WIDEST)}")


def test_payslip_fits_a_phone_with_every_figure_in_view(phone, moj, paid, sign_in_through_browser):
    # given
    sign_in_through_browser(moj.employee)
    # when
    phone.goto(_payslip_url(moj, paid))
    # then the page does not scroll sideways, and no amount is cut off at the edge
    expect(phone.get_by_test_id("payslip-document")).to_contain_text("Net pay: £")
    _fits(phone)
    width = phone.evaluate("() => window.innerWidth")
    edges = phone.locator("[data-testid=payslip-document] .amount, [data-testid=payslip-document] dd").evaluate_all(
        RIGHT_EDGES)
    assert edges
    assert max(edges) <= width
    assert_no_axe_violations_all_rules(phone)


def test_your_leave_fits_a_phone(phone, moj, paid, sign_in_through_browser):
    # given
    sign_in_through_browser(moj.employee)
    # when
    phone.goto(f"/departments/{moj.slug}/hr/me/leave/")
    # then the requests table scrolls in its own region, which a keyboard can reach, and the page fits
    expect(phone.get_by_test_id("my-leave-requests")).to_contain_text("Annual leave")
    expect(phone.get_by_role("region", name="Your leave requests")).to_have_attribute("tabindex", "0")
    _fits(phone)
    assert_no_axe_violations_all_rules(phone)


def test_an_expense_claim_fits_a_phone(phone, moj, paid, sign_in_through_browser):
    # given
    sign_in_through_browser(moj.employee)
    # when
    phone.goto(f"/departments/{moj.slug}/finance/expenses/{paid['claim'].pk}/")
    # then
    expect(phone.get_by_test_id("claim-lines")).to_contain_text("Return train ticket")
    expect(phone.get_by_role("region", name="Expenses on this claim")).to_have_attribute("tabindex", "0")
    _fits(phone)
    assert_no_axe_violations_all_rules(phone)


def test_a_payslip_prints_on_one_a4_page_without_the_service_around_it(page, moj, paid, sign_in_through_browser):
    # given the employee's payslip
    sign_in_through_browser(moj.employee)
    page.goto(_payslip_url(moj, paid))
    # when it is printed
    page.emulate_media(media="print")
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    # then it is one A4 portrait page with the payslip and nothing of the service's furniture
    assert len(pdf.pages) == 1
    sheet = pdf.pages[0]
    assert abs(float(sheet.mediabox.width) - 595.3) < 2
    assert abs(float(sheet.mediabox.height) - 841.9) < 2
    text = sheet.extract_text()
    assert "Net pay: £" in text
    assert "How this was worked out" in text
    for furniture in ("Sign out", "Skip to main content", "Crown copyright", "Download this payslip"):
        assert furniture not in text


def test_progress_bar_is_drawn_in_gov_uk_blue_with_its_percentage(page, moj, sign_in_through_browser, in_department):
    # given an import half way through checking its rows
    job = onboarding_services.import_job_create(department=moj.department, original_name="legacy-export.csv",
                                                upload=io.BytesIO(csv_bytes([staff_row(1)])), acting_user=moj.hr_admin)
    with in_department(moj):
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.VALIDATING, rows_total=400, rows_done=200)
    sign_in_through_browser(moj.hr_admin)
    # when
    page.goto(f"/departments/{moj.slug}/onboarding/imports/{job.pk}/")
    # then a bordered bar with the figure beside it
    bar = page.locator("progress#import-progress-bar")
    expect(bar).to_have_attribute("value", "50")
    expect(page.locator(".platform-progress-figure")).to_have_text("50%")
    style = bar.evaluate("""(el) => { const s = getComputedStyle(el);
        return [s.borderTopWidth, s.borderTopStyle, s.borderTopColor, s.appearance]; }""")
    assert style == ["2px", "solid", "rgb(11, 12, 12)", "none"]
    # and its left half is filled in GOV.UK blue, its right half white
    picture = Image.open(io.BytesIO(bar.screenshot())).convert("RGB")
    middle = picture.height // 2
    assert picture.getpixel((picture.width // 4, middle)) == (29, 112, 184)
    assert picture.getpixel((picture.width * 3 // 4, middle)) == (255, 255, 255)
    assert_no_axe_violations_all_rules(page)
