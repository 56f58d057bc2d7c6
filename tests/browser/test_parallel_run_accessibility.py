"""axe-core finds no WCAG 2.2 AA violations on the cut-over pages, at desktop width and on a 375 px
phone: the onboarding task list, the parallel runs, starting one (with its error summary), a run
while calculating and once compared (chart, tables, filters, explained differences), and the sign-off."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from onboarding import services_parallel as services
from onboarding.models import ParallelRun, ParallelRunDifference
from onboarding.tasks import start_parallel_run
from tests.browser import test_parallel_run_journey as journey
from tests.browser.axe import assert_no_axe_violations
from tests.browser.test_parallel_run_journey import STAFF, CutoverDepartment, results_file, with_planted_ni

pytestmark = pytest.mark.django_db(transaction=True)
# The journey's department: its staff imported from the synthetic legacy export, and their results.
cutover_department = journey.cutover_department

WIDTHS: dict[str, ViewportSize] = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 812}}


@pytest.fixture(params=list(WIDTHS))
def sized_page(request, page: Page) -> Page:
    page.set_viewport_size(WIDTHS[request.param])
    return page


def _started(moj, department: CutoverDepartment, tmp_path) -> ParallelRun:
    """A parallel run of the department's results with one NI figure planted, the file accepted."""
    content = results_file(tmp_path / "legacy-results.csv", with_planted_ni(department)).read_bytes()
    return services.parallel_run_start(department=moj.department, period=department.period_start,
                                       upload=io.BytesIO(content), original_name="legacy-results.csv",
                                       acting_user=moj.payroll_officer, tolerance="0.00")


@pytest.fixture
def calculating(moj, cutover_department, tmp_path) -> ParallelRun:
    """The shadow run's calculation started, its chunks not yet taken by a worker."""
    run = _started(moj, cutover_department, tmp_path)
    services.parallel_run_calculate(parallel_run=run, acting_user=moj.payroll_officer)
    return run


@pytest.fixture
def compared(moj, cutover_department, tmp_path, settings, in_department) -> ParallelRun:
    """The run calculated and compared by the (eager) workers: one difference, still to explain."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    run = _started(moj, cutover_department, tmp_path)
    start_parallel_run(services.parallel_run_calculate(parallel_run=run, acting_user=moj.payroll_officer),
                       acting_user=moj.payroll_officer)
    with in_department(moj):
        run.refresh_from_db()
    assert run.status == ParallelRun.Status.COMPARED
    return run


@pytest.fixture
def explained_and_half_signed(moj, compared, in_department) -> ParallelRun:
    with in_department(moj):
        ids = list(ParallelRunDifference.objects.filter(parallel_run=compared).values_list("pk", flat=True))
    services.parallel_run_differences_explain(parallel_run=compared, difference_ids=ids,
                                              note="The legacy payroll used last year's NI threshold.",
                                              acting_user=moj.payroll_officer)
    services.cutover_sign_off(parallel_run=compared, role="hr_payroll_lead", acting_user=moj.payroll_approver,
                              note="Checked with the payroll team.")
    return compared


def _base(moj) -> str:
    return f"/departments/{moj.slug}/onboarding/"


def test_onboarding_task_list(sized_page, moj, compared, sign_in_through_browser):
    # given
    sign_in_through_browser(moj.hr_admin)
    # when
    sized_page.goto(_base(moj) + "overview/")
    # then
    expect(sized_page.locator(".govuk-task-list__item")).to_have_count(5)
    expect(sized_page.locator(".govuk-task-list__item").filter(has_text="Run parallel runs")).to_contain_text(
        "In progress")
    assert_no_axe_violations(sized_page)


def test_parallel_run_list(sized_page, moj, compared, sign_in_through_browser):
    # given
    sign_in_through_browser(moj.payroll_officer)
    # when
    sized_page.goto(_base(moj) + "parallel-runs/")
    # then
    expect(sized_page.get_by_role("table")).to_contain_text("legacy-results.csv")
    expect(sized_page.get_by_role("table")).to_contain_text("90.00%")
    assert_no_axe_violations(sized_page)


def test_start_form_and_its_error_summary(sized_page, moj, cutover_department, sign_in_through_browser, tmp_path):
    # given
    sign_in_through_browser(moj.payroll_officer)
    sized_page.goto(_base(moj) + "parallel-runs/new/")
    expect(sized_page.get_by_role("heading", level=1)).to_have_text("Start a parallel run")
    assert_no_axe_violations(sized_page)
    # when a file with a figure that is not money is sent, with a negative tolerance
    bad = [dict(row) for row in cutover_department.results]
    bad[0]["Net Pay"] = "two thousand"
    sized_page.get_by_label("Upload what the legacy payroll paid").set_input_files(
        str(results_file(tmp_path / "bad.csv", bad)))
    sized_page.get_by_label("Pay period compared").fill(cutover_department.period)
    sized_page.get_by_label("Tolerance, in pounds").fill("-1")
    sized_page.get_by_role("button", name="Check the file and compare").click()
    # then
    expect(sized_page.locator(".govuk-error-summary")).to_contain_text("The tolerance cannot be negative")
    assert_no_axe_violations(sized_page)
    # when only the tolerance is put right
    sized_page.get_by_label("Upload what the legacy payroll paid").set_input_files(
        str(results_file(tmp_path / "bad.csv", bad)))
    sized_page.get_by_label("Tolerance, in pounds").fill("0.00")
    sized_page.get_by_role("button", name="Check the file and compare").click()
    # then the file's own problem is listed
    expect(sized_page.locator(".govuk-error-summary")).to_contain_text("Row 2, Net Pay")
    assert_no_axe_violations(sized_page)


def test_run_while_the_shadow_run_is_calculated(sized_page, moj, calculating, sign_in_through_browser):
    # given
    sign_in_through_browser(moj.payroll_officer)
    # when
    sized_page.goto(_base(moj) + f"parallel-runs/{calculating.pk}/")
    # then
    expect(sized_page.locator("#parallel-progress")).to_contain_text(f"0 of {STAFF} employees calculated.")
    assert_no_axe_violations(sized_page)


def test_compared_run_with_its_chart_tables_and_difference(sized_page, moj, compared, sign_in_through_browser):
    # given
    sign_in_through_browser(moj.payroll_officer)
    # when
    sized_page.goto(_base(moj) + f"parallel-runs/{compared.pk}/")
    # then
    expect(sized_page.get_by_role("img", name="Bar chart of the differences by class; the same figures are in "
                                              "the table beside it.")).to_be_visible()
    expect(sized_page.locator(".platform-differences")).to_contain_text("Pay differs")
    expect(sized_page.get_by_role("button", name="Mark as explained")).to_be_visible()
    assert_no_axe_violations(sized_page)


def test_compared_run_filtered_to_nothing_and_a_failed_explanation(sized_page, moj, compared,
                                                                    sign_in_through_browser):
    # given
    sign_in_through_browser(moj.payroll_officer)
    sized_page.goto(_base(moj) + f"parallel-runs/{compared.pk}/?classification=rounding")
    expect(sized_page.locator(".platform-differences")).to_contain_text("No differences match.")
    assert_no_axe_violations(sized_page)
    # when an explanation is sent without a note
    sized_page.get_by_role("button", name="Mark as explained").click()
    # then
    expect(sized_page.locator(".govuk-notification-banner")).to_contain_text("Say why the figures differ")
    assert_no_axe_violations(sized_page)


def test_compared_run_as_the_finance_officer_who_reads_only(sized_page, moj, explained_and_half_signed,
                                                             sign_in_through_browser):
    # given
    sign_in_through_browser(moj.finance_officer)
    # when
    sized_page.goto(_base(moj) + f"parallel-runs/{explained_and_half_signed.pk}/")
    # then the explained difference shows, with nothing to tick
    expect(sized_page.locator(".platform-differences")).to_contain_text("The legacy payroll used last year's NI")
    expect(sized_page.get_by_role("checkbox")).to_have_count(0)
    assert_no_axe_violations(sized_page)


def test_sign_off_page_with_an_error_then_one_signature(sized_page, moj, explained_and_half_signed,
                                                        sign_in_through_browser):
    # given the HR or payroll lead has signed
    sign_in_through_browser(moj.finance_officer)
    sized_page.goto(_base(moj) + f"parallel-runs/{explained_and_half_signed.pk}/sign-off/")
    expect(sized_page.get_by_role("table")).to_contain_text("HR or payroll lead")
    assert_no_axe_violations(sized_page)
    # when the finance officer sends the form without choosing or confirming
    sized_page.get_by_role("button", name="Sign off").click()
    # then
    expect(sized_page.locator(".govuk-error-summary")).to_contain_text("Confirm that you accept the parallel run")
    assert_no_axe_violations(sized_page)


def test_sign_off_page_before_anyone_signs(sized_page, moj, compared, sign_in_through_browser):
    # given
    sign_in_through_browser(moj.payroll_approver)
    # when
    sized_page.goto(_base(moj) + f"parallel-runs/{compared.pk}/sign-off/")
    # then
    expect(sized_page.get_by_text("Nobody has signed yet.")).to_be_visible()
    assert_no_axe_violations(sized_page)
