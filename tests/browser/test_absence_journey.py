"""Family leave and absence pay through the pages in a browser: HR records maternity leave (refused
first without the MATB1 date) and payroll's run pays Statutory Maternity Pay within the maternity
scheme; unauthorised absence; the absence pay schemes changed and reset; a self-service request
confirmed by HR; the expected payments and the notice of why statutory pay is not due."""

from __future__ import annotations

import calendar
import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Locator, Page, ViewportSize, expect

from departments.models import Department
from hr.models import AbsencePayScheme, Employee, FamilyLeave, LeaveRequest
from payroll import services as payroll_services
from payroll.models import PayRun
from tests.browser.axe import assert_no_axe_violations
from tests.factories import EmployeeFactory
from tests.factories.hr import FamilyLeaveFactory
from tests.factories.payroll import EarningsHistoryFactory
from tests.finance.conftest import build_finance_setting
from tests.payroll.settling import settle_review

pytestmark = pytest.mark.django_db(transaction=True)
D = datetime.date
# Maternity leave from Sunday 6 December 2026, the baby due in the week of Sunday 17 January 2027: the
# qualifying week is 4-10 October 2026, so the previous payroll's £2,600 at the end of August and
# September give average weekly earnings of £600.00, and SMP's first six weeks are 90% of it, £540.00.
LEAVE_START, LEAVE_END, EXPECTED = D(2026, 12, 6), D(2027, 12, 4), D(2027, 1, 20)
MATB1_DATED, MATB1_RECEIVED = D(2026, 9, 1), D(2026, 9, 8)
HISTORY_FROM, HISTORY_TO = D(2025, 9, 1), D(2026, 11, 30)
SMP_LINE = "Statutory Maternity Pay, weeks 1–4 at 90% of average weekly earnings (£540.00)"
SCHEME_LINE = "Maternity pay scheme, full pay, weeks 1–4, less SMP"
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=375, height=812)


def _accessible_at_both_widths(page: Page) -> None:
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_no_axe_violations(page)
    page.set_viewport_size(DESKTOP)


def _fill_date(scope: Page | Locator, legend: str, day: datetime.date) -> None:
    group = scope.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _history(moj, employee) -> None:
    """What the previous payroll paid on each month's last day, September 2025 to November 2026."""
    day = HISTORY_FROM
    while day <= HISTORY_TO:
        pay_day = day.replace(day=calendar.monthrange(day.year, day.month)[1])
        EarningsHistoryFactory(department=moj.department, employee=employee, pay_date=pay_day,
                               earnings=Decimal("2600.00"))
        day = pay_day + datetime.timedelta(days=1)


@pytest.fixture
def staff(moj, in_department):
    """moj's team (Esme Tester, E0001, is the "employee" persona), a monthly pay schedule, and Esme's
    pay history from the previous payroll."""
    setting = build_finance_setting(moj, in_department)
    with in_department(moj):
        Employee.objects.filter(pk__in=[setting.manager.pk, setting.claimant.pk]).update(
            bank_sort_code="089999", bank_account_number="66374958")
    Department.objects.filter(pk=moj.department.pk).update(bacs_service_user_number="123456")
    payroll_services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                         bank_sort_code="202959", bank_account_number="63748472")
    _history(moj, setting.claimant)
    return setting


def _record(page: Page, moj, payroll_number: str = "E0001") -> None:
    page.goto(f"/departments/{moj.slug}/hr/employees/{payroll_number}/")


def _fill_maternity_leave(page: Page, *, matb1_dated: datetime.date | None) -> None:
    page.get_by_label("Maternity leave", exact=True).check()
    _fill_date(page, "First day of leave", LEAVE_START)
    _fill_date(page, "Last day of leave", LEAVE_END)
    _fill_date(page, "Expected week of childbirth, or expected date of placement", EXPECTED)
    if matb1_dated is not None:
        _fill_date(page, "Date on the MATB1 or matching certificate", matb1_dated)


def _family_leaves(moj, in_department) -> list[FamilyLeave]:
    with in_department(moj):
        return list(FamilyLeave.objects.order_by("pk"))


def test_hr_records_maternity_leave_and_the_pay_run_pays_smp_within_the_scheme(
        page, moj, staff, sign_in_through_browser, in_department, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # given an HR officer on Esme's record, with no family leave yet
    sign_in_through_browser(moj.hr_officer)
    _record(page, moj)
    expect(page.get_by_test_id("family-leave")).to_contain_text("No family leave is recorded.")

    # when they record her maternity leave, forgetting the date on the MATB1
    page.get_by_test_id("absence-links").get_by_role("link", name="Record family leave").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record family leave")
    _fill_maternity_leave(page, matb1_dated=None)
    _fill_date(page, "Date the evidence was received", MATB1_RECEIVED)
    page.get_by_label("Evidence reference (optional)").fill("MATB1 seen by HR")
    page.get_by_role("button", name="Record the leave").click()

    # then the error summary names the field and takes the focus, and nothing is stored
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Record family leave"))
    expect(summary.get_by_role("link")).to_have_count(1)
    missing = summary.get_by_role("link", name="Enter the date on the MATB1.")
    expect(missing).to_be_visible()
    assert _family_leaves(moj, in_department) == []
    missing.click()
    expect(page.get_by_role("group", name="Date on the MATB1 or matching certificate").get_by_label("Day")
           ).to_be_focused()

    # when they give it (what they typed before is still there)
    expect(page.get_by_label("Maternity leave", exact=True)).to_be_checked()
    _fill_date(page, "Date on the MATB1 or matching certificate", MATB1_DATED)
    page.get_by_role("button", name="Record the leave").click()

    # then the leave is confirmed on her record, with the scheme's weeks and her sick pay allowance
    expect(page).to_have_url(re.compile(r"/hr/employees/E0001/$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Recorded: Maternity leave, 6 December 2026 to 4 December 2027")
    leave_row = page.get_by_test_id("family-leave").get_by_role("row").filter(has_text="Maternity leave")
    expect(leave_row).to_contain_text("6 Dec 2026 to 4 Dec 2027")
    expect(leave_row).to_contain_text("Dated 1 Sep 2026, received 8 Sep 2026")
    expect(leave_row).to_contain_text("Confirmed")
    allowance = page.get_by_test_id("family-leave-allowance")
    expect(allowance).to_contain_text("Maternity leave from 6 Dec 2026")
    expect(allowance).to_contain_text("Maternity pay (the default)")
    expect(allowance).to_contain_text(re.compile(r"Weeks at full pay\s*\d+ of 26 used"))
    expect(allowance).to_contain_text(re.compile(r"Weeks at statutory pay only\s*\d+ of 13 used"))
    expect(page.get_by_test_id("sick-pay-allowance")).to_contain_text(
        "Sick pay (the default), counted over the 1461 days")
    expect(page.get_by_test_id("sick-pay-full")).to_have_text("0 of 183 days used, 183 days remaining")
    expect(page.get_by_test_id("sick-pay-half")).to_have_text("0 of 182 days used, 182 days remaining")
    [leave] = _family_leaves(moj, in_department)
    assert (leave.status, leave.evidence_date, leave.evidence_received_on, leave.evidence_reference) == (
        FamilyLeave.Status.CONFIRMED, MATB1_DATED, MATB1_RECEIVED, "MATB1 seen by HR")

    # when payroll starts, opens and calculates December's run
    page.context.clear_cookies()
    sign_in_through_browser(moj.payroll_officer)
    page.goto(f"/departments/{moj.slug}/payroll/")
    page.get_by_label("Month of the pay period").fill("2026-12")
    page.get_by_role("button", name="Start a pay run").click()
    page.get_by_role("button", name="Open the run and lock its inputs").click()
    expect(page.get_by_test_id("run-status")).to_have_text("Open: inputs locked")
    page.get_by_role("button", name="Calculate").click()
    expect(page.get_by_test_id("run-status")).to_have_text("Calculated: ready to review")
    expect(page.get_by_test_id("run-exceptions")).not_to_contain_text("no Statutory Maternity Pay")
    run_url = page.url

    # then Esme's payslip pays SMP for weeks 1-4 (3 × £540.00 and 5/7 of a week) within the scheme's full pay
    page.get_by_test_id("run-payslips").get_by_role("link", name="Tester, Esme").click()
    payslip = page.get_by_test_id("payslip-document")
    expect(payslip.get_by_role("row").filter(has_text=SMP_LINE)).to_contain_text("£2,005.71")
    expect(payslip.get_by_role("row").filter(has_text=SCHEME_LINE)).to_be_visible()
    expect(payslip.get_by_role("row").filter(has_text="Less basic pay for maternity leave 6–31 December 2026")
           ).to_be_visible()
    _accessible_at_both_widths(page)

    # when the review is settled and a payroll approver approves and finalises the run
    with in_department(moj):
        settle_review(PayRun.objects.get(pk=int(run_url.rstrip("/").rsplit("/", 1)[-1])))
    page.context.clear_cookies()
    sign_in_through_browser(moj.payroll_approver)
    page.goto(run_url)
    page.get_by_role("button", name="Approve").click()
    page.get_by_role("button", name="Finalise and publish payslips").click()
    page.wait_for_url("**/confirm/finalise/")
    page.get_by_role("button", name="Finalise and publish payslips").click()
    expect(page.get_by_test_id("run-status")).to_have_text("Finalised")

    # then Esme reads the same lines on her own payslip
    page.context.clear_cookies()
    sign_in_through_browser(moj.employee)
    page.goto(f"/departments/{moj.slug}/payroll/me/payslips/")
    page.get_by_test_id("my-payslips").get_by_role("link").first.click()
    own = page.get_by_test_id("payslip-document")
    expect(own.get_by_role("row").filter(has_text=SMP_LINE)).to_contain_text("£2,005.71")
    expect(own.get_by_role("row").filter(has_text=SCHEME_LINE)).to_be_visible()

    # and payroll sees the paid weeks on her schedule and 92% of the SMP as recoverable in tax month 9
    page.context.clear_cookies()
    sign_in_through_browser(moj.payroll_officer)
    page.goto(f"/departments/{moj.slug}/payroll/employees/E0001/absence-pay/")
    weeks = page.get_by_test_id(f"weeks-{leave.pk}")
    for number, paid in (("1", "Paid"), ("3", "Paid"), ("4", "Part paid")):
        row = weeks.get_by_role("row").filter(has=page.get_by_role("rowheader", name=number, exact=True))
        expect(row.locator(".govuk-tag")).to_have_text(paid)
    page.goto(f"/departments/{moj.slug}/payroll/statutory-recovery/")
    page.get_by_label("Tax year").select_option("2026-27")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("recovery-rate")).to_have_text("The department recovers 92% of what it paid.")
    smp = page.get_by_test_id("month-9-SMP")
    expect(smp).to_contain_text("£2,005.71")
    expect(smp).to_contain_text("£1,845.25")
    expect(page.get_by_test_id("year-total")).to_contain_text("£2,005.71")


def test_hr_records_unauthorised_absence(page, moj, staff, sign_in_through_browser, in_department):
    # given an HR officer on Esme's record
    sign_in_through_browser(moj.hr_officer)
    _record(page, moj)
    expect(page.get_by_test_id("unpaid-absence")).to_contain_text("No unpaid absence is recorded.")
    page.get_by_test_id("absence-links").get_by_role("link", name="Record unauthorised absence").click()
    # when they give the dates the wrong way round
    _fill_date(page, "First day of absence", D(2026, 3, 11))
    _fill_date(page, "Last day of absence", D(2026, 3, 9))
    page.get_by_role("button", name="Record the absence").click()
    # then the last day is named, and nothing is recorded
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="The last day of absence must be on or after the first day")
           ).to_be_visible()
    with in_department(moj):
        assert not LeaveRequest.objects.exists()
    # when they correct it: Monday to Wednesday, her contracted hours
    _fill_date(page, "First day of absence", D(2026, 3, 9))
    _fill_date(page, "Last day of absence", D(2026, 3, 11))
    page.get_by_label("Note").fill("No contact from the employee")
    page.get_by_role("button", name="Record the absence").click()
    # then her record shows it as unpaid
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Unauthorised absence recorded from 9 March 2026 to 11 March 2026, 22.20 hours unpaid")
    row = page.get_by_test_id("unpaid-absence").get_by_role("row").filter(has_text="Unauthorised absence")
    expect(row).to_contain_text("9 Mar 2026 to 11 Mar 2026")
    expect(row).to_contain_text("22.20")
    expect(row).to_contain_text("No contact from the employee")


def test_hr_admin_changes_the_sick_pay_scheme_and_goes_back_to_the_default(page, moj, sign_in_through_browser,
                                                                           in_department):
    # given an HR admin on the absence pay schemes, all the defaults
    sign_in_through_browser(moj.hr_admin)
    page.goto(f"/departments/{moj.slug}/hr/settings/absence-pay-schemes/")
    sickness = page.get_by_test_id("scheme-sickness")
    expect(sickness).to_contain_text("Default")
    expect(sickness).to_contain_text("183 days at full pay")
    # when they give steps longer than the rolling period
    page.get_by_role("link", name="Change sick pay").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sick pay")
    page.get_by_label("Name").fill("Departmental sick pay")
    page.get_by_label("Step 1: days").fill("1000")
    page.get_by_label("Step 2: days").fill("1000")
    page.get_by_label("Weeks of service needed").fill("0")
    page.get_by_role("button", name="Save the scheme").click()
    # then the summary says what is wrong, the first step is named, and nothing is saved
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    problem = summary.get_by_role("link",
                                  name="The steps add up to 2000 days, more than the rolling period of 1461 days.")
    expect(problem).to_be_visible()
    problem.click()
    expect(page.get_by_label("Step 1: pay")).to_be_focused()
    with in_department(moj):
        assert not AbsencePayScheme.objects.exists()
    # when they shorten the steps and add a third at half pay
    page.get_by_label("Step 1: days").fill("100")
    page.get_by_label("Step 2: days").fill("100")
    page.get_by_label("Step 3: pay").select_option(label="Half pay")
    page.get_by_label("Step 3: days").fill("30")
    page.get_by_label("Weeks of service needed").fill("4")
    page.get_by_role("button", name="Save the scheme").click()
    # then the department's own scheme is in effect
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Sick pay is saved")
    sickness = page.get_by_test_id("scheme-sickness")
    expect(sickness).to_contain_text("Departmental sick pay")
    expect(sickness).to_contain_text("Department's own")
    expect(sickness.get_by_role("listitem")).to_have_text(
        ["100 days at full pay", "100 days at half pay", "30 days at half pay", "then no sick pay"])
    expect(sickness).to_contain_text("Needs 4 weeks of service")
    # when they go back to the default
    page.get_by_role("link", name="Change sick pay").click()
    expect(page.get_by_text("The default is: 183 days at full pay, 182 days at half pay.")).to_be_visible()
    page.get_by_role("button", name="Use the default scheme").click()
    # then
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Sick pay is back to the default")
    sickness = page.get_by_test_id("scheme-sickness")
    expect(sickness).to_contain_text("Sick pay Default")
    expect(sickness.get_by_role("listitem")).to_have_text(
        ["183 days at full pay", "182 days at half pay", "then no sick pay"])


def test_an_employee_requests_maternity_leave_and_hr_confirms_it(page, moj, staff, sign_in_through_browser,
                                                                 in_department):
    # given Esme on her leave page
    sign_in_through_browser(moj.employee)
    page.goto(f"/departments/{moj.slug}/hr/me/leave/")
    expect(page.get_by_text("You have no family leave recorded or requested.")).to_be_visible()
    # when she asks for maternity leave without the date on her MATB1
    page.get_by_role("link", name="Request family leave").click()
    expect(page.get_by_label("Date the evidence was received")).to_have_count(0)
    _fill_maternity_leave(page, matb1_dated=None)
    page.get_by_role("button", name="Send the request").click()
    # then she is told the evidence is required, and nothing is requested
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Evidence is required: enter the date on the MATB1.")).to_be_visible()
    assert _family_leaves(moj, in_department) == []
    # when she gives it
    _fill_date(page, "Date on the MATB1 or matching certificate", MATB1_DATED)
    page.get_by_role("button", name="Send the request").click()
    # then it waits for HR
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        re.compile(r"Your request for maternity leave, 6 December 2026 to 4 December 2027 is waiting for HR", re.I))
    mine = page.get_by_test_id("my-family-leave").get_by_role("row").filter(has_text="Maternity leave")
    expect(mine).to_contain_text("Waiting for HR")

    # when an HR officer finds it on the waiting list and confirms it with the day the MATB1 arrived
    page.context.clear_cookies()
    sign_in_through_browser(moj.hr_officer)
    _record(page, moj)
    page.get_by_role("link", name="Family leave waiting for HR").click()
    waiting = page.get_by_test_id("family-leave-waiting").get_by_role("row").filter(has_text="Tester")
    expect(waiting).to_contain_text("Esme Tester (E0001)")
    expect(waiting).to_contain_text("1 Sep 2026")
    waiting.get_by_role("link", name="Maternity leave").click()
    expect(page.get_by_test_id("status")).to_have_text("Waiting for HR")
    page.get_by_role("button", name="Confirm the leave").click()
    expect(page.locator(".govuk-error-summary").get_by_role(
        "link", name="Enter the date the MATB1 was received.")).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_text("Waiting for HR")
    _fill_date(page, "Date the evidence was received", MATB1_RECEIVED)
    page.get_by_role("button", name="Confirm the leave").click()
    # then it is confirmed, and the waiting list is empty
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Confirmed: Maternity leave, 6 December 2026 to 4 December 2027")
    expect(page.get_by_test_id("family-leave").get_by_role("row").filter(has_text="Maternity leave")
           ).to_contain_text("Confirmed")
    page.get_by_role("link", name="Family leave waiting for HR").click()
    expect(page.get_by_test_id("family-leave-waiting")).to_contain_text("No family leave is waiting.")
    # and Esme sees it confirmed
    page.context.clear_cookies()
    sign_in_through_browser(moj.employee)
    page.goto(f"/departments/{moj.slug}/hr/me/leave/")
    expect(page.get_by_test_id("my-family-leave").get_by_role("row").filter(has_text="Maternity leave")
           ).to_contain_text("Confirmed")


def test_hr_reads_the_expected_payments_and_the_notice_for_someone_who_does_not_qualify(
        page, moj, staff, sign_in_through_browser):
    # given Esme's maternity leave, and Nell, who started in May 2026 and has no pay history, on leave too
    FamilyLeaveFactory(department=moj.department, employee=staff.claimant, start_date=LEAVE_START,
                       end_date=LEAVE_END, expected_date=EXPECTED, evidence_date=MATB1_DATED,
                       evidence_received_on=MATB1_RECEIVED, keeping_in_touch_days=[D(2027, 2, 3)])
    nell = EmployeeFactory(department=moj.department, payroll_number="M0201", first_name="Nell", last_name="Ray",
                           ni_number="CE987654B", start_date=D(2026, 5, 1))
    FamilyLeaveFactory(department=moj.department, employee=nell, status=FamilyLeave.Status.REQUESTED,
                       start_date=D(2026, 9, 6), end_date=D(2027, 3, 6), expected_date=D(2026, 9, 20))
    sign_in_through_browser(moj.hr_officer)
    # when an HR officer opens Esme's expected payments from her record
    _record(page, moj)
    page.get_by_role("link", name="Expected absence payments, week by week").click()
    # then the test she passes, and the weeks with the scheme's step beside the SMP due
    expect(page.get_by_role("heading", level=1)).to_have_text("Absence pay")
    expect(page.get_by_test_id("qualifying-week")).to_have_text("Sunday 4 October 2026 to Saturday 10 October 2026")
    expect(page.get_by_test_id("awe")).to_have_text("£600.00")
    expect(page.get_by_test_id("eligibility")).to_contain_text("Yes: 39 weeks")
    table = page.get_by_role("table", name="Week by week")
    expect(table.get_by_role("row")).to_have_count(1 + 52)
    week_one = table.get_by_role("row").nth(1)
    expect(week_one).to_contain_text("6 Dec 2026 to 12 Dec 2026")
    expect(week_one).to_contain_text("Full pay (step 1)")
    expect(week_one).to_contain_text("£540.00")
    expect(week_one).to_contain_text("Week 1: 90% of average weekly earnings (£540.00)")
    expect(table.get_by_role("row").nth(9)).to_contain_text("KIT day: 3 Feb")
    expect(table.get_by_role("row").nth(27)).to_contain_text("Statutory pay only (step 2)")
    # and the chart, drawn, with the table as its text alternative
    chart = page.get_by_role("img", name=re.compile(r"^Bar chart of the SMP due each week"))
    expect(chart).to_be_visible()
    assert chart.bounding_box()["height"] > 50  # type: ignore[index]
    assert page.evaluate("() => window.Chart !== undefined && Object.keys(window.Chart.instances).length") == 1

    # when they open Nell's, who started too recently
    page.goto(f"/departments/{moj.slug}/payroll/employees/M0201/absence-pay/")
    eligibility = page.get_by_test_id("eligibility")
    expect(eligibility).to_contain_text("You started work with us on Friday 1 May 2026")
    eligibility.get_by_role("link", name="SMP1: notice of why SMP is not due").click()
    # then the notice gives the reasons and what she can do
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Statutory Maternity Pay (SMP): why we cannot pay you SMP")
    expect(page.get_by_test_id("notice-employee")).to_contain_text("Nell Ray")
    expect(page.get_by_test_id("notice-employee")).to_contain_text("CE987654B")
    expect(page.get_by_test_id("notice-reasons")).to_contain_text("You started work with us on Friday 1 May 2026")
    expect(page.get_by_test_id("notice-reasons")).to_contain_text("There is no pay history for the relevant period")
    expect(page.get_by_text("Maternity Allowance", exact=False)).to_be_visible()
