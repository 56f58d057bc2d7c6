"""axe-core finds no WCAG 2.2 AA violations on the family leave and absence pay pages, at desktop
width and on a 375 px wide phone: HR's forms (empty and showing errors), the record's Absence
section, the waiting list, the schemes, self-service, the expected payments with their chart, the
notice of why statutory pay is not due, and the recovery page."""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from hr import services as hr_services
from hr.models import AbsencePayScheme, FamilyLeave
from payroll import services as payroll_services
from payroll.models import PayRun
from tests.browser.axe import assert_no_axe_violations
from tests.factories import EmployeeFactory, SicknessPeriodFactory
from tests.factories.hr import AbsencePaySchemeFactory, FamilyLeaveFactory
from tests.factories.payroll import EarningsHistoryFactory, PayRunFactory, PayslipFactory, PayslipLineFactory
from tests.finance.conftest import build_finance_setting

pytestmark = pytest.mark.django_db(transaction=True)
D = datetime.date
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=375, height=812)


def assert_accessible_at_both_widths(page: Page) -> None:
    """axe at desktop width, then on a 375 px phone, then back to desktop."""
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_no_axe_violations(page)
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def absence(moj, in_department):
    """Esme (E0001, the "employee" persona): pay history, confirmed maternity leave from 6 December
    2026 with a KIT day, ten days off sick and a day of unauthorised absence. Nell (M0201): started in
    May 2026, her maternity leave waiting for HR. A finalised November run that paid SMP."""
    setting = build_finance_setting(moj, in_department)
    payroll_services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                         bank_sort_code="202959", bank_account_number="63748472")
    esme = setting.claimant
    for month in range(1, 12):
        EarningsHistoryFactory(department=moj.department, employee=esme,
                               pay_date=D(2026, month, calendar.monthrange(2026, month)[1]),
                               earnings=Decimal("2600.00"))
    esme_leave = FamilyLeaveFactory(department=moj.department, employee=esme, start_date=D(2026, 12, 6),
                                    end_date=D(2027, 12, 4), expected_date=D(2027, 1, 20),
                                    evidence_date=D(2026, 9, 1), evidence_received_on=D(2026, 9, 8),
                                    keeping_in_touch_days=[D(2027, 2, 3)])
    SicknessPeriodFactory(department=moj.department, employee=esme, first_day=D(2026, 10, 5),
                          last_day=D(2026, 10, 14))
    hr_services.unauthorised_absence_record(employee=esme, start_date=D(2026, 3, 9), end_date=D(2026, 3, 9),
                                            note="No contact", acting_user=None)
    nell = EmployeeFactory(department=moj.department, payroll_number="M0201", first_name="Nell", last_name="Ray",
                           ni_number="CE987654B", start_date=D(2026, 5, 1))
    nell_leave = FamilyLeaveFactory(department=moj.department, employee=nell, status=FamilyLeave.Status.REQUESTED,
                                    start_date=D(2026, 9, 6), end_date=D(2027, 3, 6), expected_date=D(2026, 9, 20),
                                    evidence_received_on=None)
    run = PayRunFactory(department=moj.department, status=PayRun.Status.FINALISED, pay_date=D(2026, 11, 27),
                        period_start=D(2026, 11, 1), period_end=D(2026, 11, 30), tax_year="2026-27")
    slip = PayslipFactory(department=moj.department, run=run)
    PayslipLineFactory(department=moj.department, payslip=slip, run=run, code="SMP",
                       description="Statutory Maternity Pay", amount=Decimal("1071.39"))
    return {"esme": esme, "esme_leave": esme_leave, "nell": nell, "nell_leave": nell_leave}


def _hr(moj, rest: str) -> str:
    return f"/departments/{moj.slug}/hr/{rest}"


def _payroll(moj, rest: str) -> str:
    return f"/departments/{moj.slug}/payroll/{rest}"


def test_family_leave_and_unauthorised_absence_forms_empty_and_showing_errors(page, moj, absence,
                                                                             sign_in_through_browser):
    sign_in_through_browser(moj.hr_officer)
    for path, button, first_error in (
            ("employees/E0001/family-leave/new/", "Record the leave", "Choose the kind of leave"),
            ("employees/E0001/unauthorised-absence/new/", "Record the absence", "Enter the first day of absence")):
        # given the empty form
        page.goto(_hr(moj, path))
        assert_accessible_at_both_widths(page)
        # when it is sent empty
        page.get_by_role("button", name=button).click()
        # then, with the error summary and the fields' errors
        expect(page.locator(".govuk-error-summary").get_by_role("link", name=first_error)).to_be_visible()
        assert_accessible_at_both_widths(page)


def test_the_employee_record_with_its_absence_section(page, moj, absence, sign_in_through_browser):
    sign_in_through_browser(moj.hr_officer)
    page.goto(_hr(moj, "employees/E0001/"))
    expect(page.get_by_test_id("family-leave")).to_contain_text("Maternity leave")
    expect(page.get_by_test_id("family-leave-allowance")).to_contain_text("Maternity pay (the default)")
    expect(page.get_by_test_id("sick-pay-full")).to_contain_text("of 183 days used")
    expect(page.get_by_test_id("unpaid-absence")).to_contain_text("Unauthorised absence")
    assert_accessible_at_both_widths(page)


def test_the_waiting_list_and_a_family_leave_with_its_forms(page, moj, absence, sign_in_through_browser):
    sign_in_through_browser(moj.hr_officer)
    # the waiting list, with Nell's request in it
    page.goto(_hr(moj, "family-leave/waiting/"))
    expect(page.get_by_test_id("family-leave-waiting")).to_contain_text("Nell Ray (M0201)")
    assert_accessible_at_both_widths(page)
    # her request, with the confirm and cancel forms, then confirmed without the date received
    page.get_by_test_id("family-leave-waiting").get_by_role("link", name="Maternity leave").click()
    expect(page.get_by_role("button", name="Confirm the leave")).to_be_visible()
    assert_accessible_at_both_widths(page)
    page.get_by_role("button", name="Confirm the leave").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date the MATB1 was received.")
    assert_accessible_at_both_widths(page)
    # Esme's confirmed leave, with the scheme's weeks
    page.goto(_hr(moj, f"employees/E0001/family-leave/{absence['esme_leave'].pk}/"))
    expect(page.get_by_test_id("scheme-weeks")).to_contain_text("Full pay")
    assert_accessible_at_both_widths(page)


def test_the_absence_pay_schemes_pages(page, moj, absence, sign_in_through_browser):
    AbsencePaySchemeFactory(department=moj.department, kind=AbsencePayScheme.Kind.MATERNITY,
                            name="Departmental maternity pay")
    sign_in_through_browser(moj.hr_admin)
    # the list, one scheme the department's own
    page.goto(_hr(moj, "settings/absence-pay-schemes/"))
    expect(page.get_by_test_id("scheme-maternity")).to_contain_text("Department's own")
    assert_accessible_at_both_widths(page)
    # a default scheme's form, and the same showing an error
    page.get_by_role("link", name="Change sick pay").click()
    assert_accessible_at_both_widths(page)
    page.get_by_label("Step 1: days").fill("2000")
    page.get_by_label("Weeks of service needed").fill("0")
    page.get_by_role("button", name="Save the scheme").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("more than the rolling period of 1461 days")
    assert_accessible_at_both_widths(page)
    # the department's own scheme, with the way back to the default
    page.goto(_hr(moj, "settings/absence-pay-schemes/maternity/"))
    expect(page.get_by_role("button", name="Use the default scheme")).to_be_visible()
    assert_accessible_at_both_widths(page)


def test_the_self_service_family_leave_pages(page, moj, absence, sign_in_through_browser):
    sign_in_through_browser(moj.employee)
    # the leave page with her family leave
    page.goto(_hr(moj, "me/leave/"))
    expect(page.get_by_test_id("my-family-leave")).to_contain_text("Maternity leave")
    assert_accessible_at_both_widths(page)
    # the request form, empty and refused without evidence
    page.get_by_role("link", name="Request family leave").click()
    assert_accessible_at_both_widths(page)
    page.get_by_label("Maternity leave", exact=True).check()
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible_at_both_widths(page)
    # one of her leaves
    page.goto(_hr(moj, f"me/family-leave/{absence['esme_leave'].pk}/"))
    expect(page.get_by_test_id("family-leave-summary")).to_contain_text("6 December 2026 to 4 December 2027")
    assert_accessible_at_both_widths(page)


def test_the_expected_payments_the_notice_and_the_recovery_pages(page, moj, absence, sign_in_through_browser):
    sign_in_through_browser(moj.payroll_officer)
    # Esme's expected payments: the test, the chart and the week-by-week table
    page.goto(_payroll(moj, "employees/E0001/absence-pay/"))
    expect(page.get_by_test_id("eligibility")).to_contain_text("Yes: 39 weeks")
    expect(page.locator("canvas[data-chart]")).to_be_visible()
    expect(page.get_by_test_id(f"weeks-{absence['esme_leave'].pk}")).to_be_visible()
    assert_accessible_at_both_widths(page)
    # Nell's, who does not qualify, and her notice
    page.goto(_payroll(moj, "employees/M0201/absence-pay/"))
    expect(page.get_by_test_id("eligibility")).to_contain_text("No")
    assert_accessible_at_both_widths(page)
    page.get_by_role("link", name="SMP1: notice of why SMP is not due").click()
    expect(page.get_by_test_id("notice-reasons")).to_contain_text("You started work with us")
    assert_accessible_at_both_widths(page)
    # the recovery page, with November's SMP, and with a tax year it does not know
    page.goto(_payroll(moj, "statutory-recovery/?tax_year=2026-27"))
    expect(page.get_by_test_id("month-8-SMP")).to_contain_text("£1,071.39")
    assert_accessible_at_both_widths(page)
    page.goto(_payroll(moj, "statutory-recovery/?tax_year=1999-00"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a tax year from the list")
    assert_accessible_at_both_widths(page)
