"""Cut-over through the pages in a browser: a department whose staff came from the legacy export
starts a parallel run of last month, is told every reason a bad results file is refused, watches
the shadow run calculate, finds the one difference planted in the legacy results beside both sides'
inputs, explains it, and two different people sign the cut-over off. Each page on the way passes axe."""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from onboarding import services as onboarding_services
from onboarding import views_parallel
from onboarding.legacy_export import RESULT_HEADINGS, results_pay_period, write_export_with_results
from onboarding.models import ImportJob, ParallelRun
from onboarding.tasks import start_parallel_run
from payroll import services as payroll_services
from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

STAFF = 10  # few enough to calculate in a moment; the synthetic export plants nothing below 20


@dataclass
class CutoverDepartment:
    period_start: datetime.date
    results: list[dict[str, str]]  # what the legacy payroll paid each imported employee, row by row

    @property
    def period(self) -> str:
        return f"{self.period_start:%Y-%m}"

    @property
    def month(self) -> str:
        return f"{self.period_start:%B %Y}"


def results_file(path: Path, rows: list[dict[str, str]]) -> Path:
    """The legacy results rows written back as the legacy payroll's CSV."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=RESULT_HEADINGS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def with_planted_ni(department: CutoverDepartment, *, index: int = 1, extra: str = "12.40") -> list[dict[str, str]]:
    """The results with the legacy payroll deducting ``extra`` more employee NI from one employee."""
    rows = [dict(row) for row in department.results]
    rows[index]["NI EE"] = f"{Decimal(rows[index]['NI EE']) + Decimal(extra):.2f}"
    return rows


@pytest.fixture
def cutover_department(moj, tmp_path) -> CutoverDepartment:
    """moj with its staff imported from the synthetic legacy export, a monthly schedule, and the
    legacy payroll's results of last month for the same people (nothing planted: they agree)."""
    period_start = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    staff, results = tmp_path / "staff.csv", tmp_path / "generated-results.csv"
    write_export_with_results(staff, results, count=STAFF, period_start=period_start, today=timezone.localdate(),
                              planted=False)
    mapping = onboarding_services.import_mapping_save(department=moj.department, name="Legacy", columns={},
                                                      create_missing_references=True, acting_user=moj.hr_admin)
    job = onboarding_services.import_job_create(
        department=moj.department, upload=io.BytesIO(staff.read_bytes()), original_name="staff.csv",
        acting_user=moj.hr_admin, dry_run=False, accept_valid=True, mapping=mapping,
        tax_year=results_pay_period(period_start).tax_year)
    job = onboarding_services.import_job_run(department=moj.department, job_id=job.pk)
    assert job.status == ImportJob.Status.COMMITTED
    payroll_services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                         bank_sort_code="202959", bank_account_number="63748472")
    with results.open(encoding="utf-8") as opened:
        rows = list(csv.DictReader(opened))
    assert len(rows) == STAFF
    return CutoverDepartment(period_start=period_start, results=rows)


def _task(page: Page, title: str):
    return page.locator(".govuk-task-list__item").filter(has_text=title)


def _summary_value(page: Page, key: str):
    row = page.locator(".govuk-summary-list__row").filter(has=page.locator("dt").get_by_text(key, exact=True))
    return row.locator("dd")


def _sign_in_afresh(page: Page, sign_in_through_browser, user) -> None:
    page.context.clear_cookies()
    sign_in_through_browser(user)


def test_a_planted_difference_is_found_explained_and_the_cut_over_signed_off_by_two_people(
        page, moj, cutover_department, sign_in_through_browser, tmp_path, monkeypatch, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    department = cutover_department
    bad = [dict(row) for row in department.results]
    bad[0]["Gross Pay"] = "£2,5OO"  # a letter O for a nought: not money
    bad[3] = dict(bad[2])  # the fourth row repeats the third's payroll number
    bad_file = results_file(tmp_path / "legacy-results-bad.csv", bad)
    good_file = results_file(tmp_path / "legacy-results.csv", with_planted_ni(department))
    planted = department.results[1]["Payroll No"]

    # given the HR admin on the department's onboarding steps, the import done
    sign_in_through_browser(moj.hr_admin)
    page.goto(f"/departments/{moj.slug}/onboarding/")
    page.get_by_role("link", name="See every onboarding step").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Onboarding")
    expect(_task(page, "Import staff records")).to_contain_text("Completed")
    expect(_task(page, "Run parallel runs")).to_contain_text("Not yet started")
    expect(_task(page, "Sign off the cut-over")).to_contain_text("Cannot start yet")
    assert_no_axe_violations(page)

    # when they start a parallel run with a file that has a figure that is not money and a repeated person
    page.get_by_role("link", name="Run parallel runs").click()
    expect(page.get_by_role("table")).to_contain_text("No parallel run yet.")
    page.get_by_role("button", name="Start a parallel run").click()
    page.get_by_label("Upload what the legacy payroll paid").set_input_files(str(bad_file))
    page.get_by_label("Pay period compared").fill(department.period)
    page.get_by_role("button", name="Check the file and compare").click()

    # then the error summary lists every reason, and nothing was started
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Row 2, Gross Pay")
    expect(summary).to_contain_text(re.compile(r"Rows 4 and 5 have the same payroll number"))
    assert_no_axe_violations(page)
    assert not ParallelRun.all_departments.exists()

    # when they upload a good file, in which the legacy payroll took £12.40 more NI from one employee,
    # while the workers are busy elsewhere
    held = []
    monkeypatch.setattr(views_parallel, "start_parallel_run",
                        lambda start, *, acting_user: held.append((start, acting_user)))
    page.get_by_label("Upload what the legacy payroll paid").set_input_files(str(good_file))
    page.get_by_label("Pay period compared").fill(department.period)
    page.get_by_label("Tolerance, in pounds").fill("0.00")
    page.get_by_role("button", name="Check the file and compare").click()

    # then the run's page shows the shadow run's progress
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Parallel run for {department.month}")
    progress = page.locator("#parallel-progress")
    expect(progress.get_by_role("heading")).to_have_text("Calculating the shadow run")
    expect(progress).to_contain_text(f"0 of {STAFF} employees calculated.")
    assert_no_axe_violations(page)

    # and when the workers calculate and compare it, the page shows the comparison by itself
    [(start, acting_user)] = held
    start_parallel_run(start, acting_user=acting_user)
    expect(page.get_by_text("Employees compared")).to_be_visible()
    expect(_summary_value(page, "Employees compared")).to_have_text(str(STAFF))
    expect(_summary_value(page, "Matched")).to_have_text(f"{STAFF - 1} (90.00% of everyone on either side)")
    expect(_summary_value(page, "Differing")).to_have_text("1")
    totals = page.get_by_role("table", name="Totals per figure")
    expect(totals.get_by_role("row", name=re.compile("^Employee NI"))).to_contain_text("£-12.40")
    expect(totals.get_by_role("row", name=re.compile("^Net pay"))).to_contain_text("£0.00")
    expect(page.get_by_role("img", name=re.compile("Bar chart of the differences by class"))).to_be_visible()
    by_class = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Differences", exact=True))
    expect(by_class.get_by_role("row", name=re.compile("Pay differs"))).to_contain_text("1")
    differences = page.locator(".platform-differences")
    expect(differences.get_by_role("row")).to_have_count(2)  # the heading and the one difference
    row = differences.get_by_role("row", name=re.compile(planted))
    expect(row).to_contain_text("Employee NI")
    expect(row).to_contain_text("Pay differs")
    legacy_ni = Decimal(department.results[1]["NI EE"]) + Decimal("12.40")
    expect(row).to_contain_text(f"£{legacy_ni:.2f}")
    expect(row).to_contain_text(f"£{department.results[1]['NI EE']}")
    code, letter = department.results[1]["Tax Code"], department.results[1]["NI Letter"]
    expect(row).to_contain_text(f"Tax code {code} / {code}; NI letter {letter} / {letter}")
    expect(row).to_contain_text(f"gross £{department.results[1]['Gross Pay']} / £{department.results[1]['Gross Pay']}")
    expect(row).to_contain_text("To explain")
    assert_no_axe_violations(page)

    # when filtering by another class the difference is not listed, and by its own it is
    page.get_by_label("Class", exact=True).select_option(label="Tax code differs")
    page.get_by_role("button", name="Filter").click()
    expect(differences).to_contain_text("No differences match.")
    assert_no_axe_violations(page)
    by_class.get_by_role("link", name="Pay differs").click()
    expect(differences.get_by_role("row", name=re.compile(planted))).to_be_visible()

    # when the HR admin explains it, first forgetting the note
    page.get_by_role("button", name="Mark as explained").click()
    expect(page.locator(".govuk-notification-banner, .govuk-error-summary").first).to_contain_text(
        "Say why the figures differ")
    differences.get_by_label(f"{planted} Employee NI").check()
    page.get_by_label(re.compile("Why the figures differ")).fill("The legacy payroll used last year's NI threshold.")
    page.get_by_role("button", name="Mark as explained").click()

    # then it is shown explained with the note
    expect(page.get_by_text("1 difference marked explained.")).to_be_visible()
    row = differences.get_by_role("row", name=re.compile(planted))
    expect(row).to_contain_text("Explained")
    expect(row).to_contain_text("The legacy payroll used last year's NI threshold.")
    assert_no_axe_violations(page)
    run_url = page.url.split("?")[0].split("#")[0]

    # and the parallel run step is done, the sign-off not yet
    page.goto(f"/departments/{moj.slug}/onboarding/overview/")
    expect(_task(page, "Run parallel runs")).to_contain_text("Completed")
    expect(_task(page, "Sign off the cut-over")).to_contain_text("Not yet started")

    # when the HR admin signs as the HR or payroll lead
    page.goto(run_url)
    page.get_by_role("link", name="Sign-off").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign off the cut-over")
    expect(page.get_by_text("Nobody has signed yet.")).to_be_visible()
    expect(_summary_value(page, "Employees compared")).to_have_text(f"{STAFF}, 90.00% matched")
    page.get_by_label("HR or payroll lead").check()
    page.get_by_role("button", name="Sign off").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Confirm that you accept the parallel run")
    assert_no_axe_violations(page)
    page.get_by_label("HR or payroll lead").check()
    page.get_by_label(re.compile("I accept the parallel run")).check()
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_text("Your sign-off was recorded.")).to_be_visible()
    signatures = page.get_by_role("table")
    expect(signatures.get_by_role("row", name=re.compile("HR or payroll lead"))).to_contain_text(
        "90.00% matched, 1 explained")

    # then they cannot sign as the finance lead as well
    page.get_by_label("Finance lead").check()
    page.get_by_label(re.compile("I accept the parallel run")).check()
    page.get_by_role("button", name="Sign off").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Only the department's finance officer")
    expect(signatures.get_by_role("row")).to_have_count(2)

    # when the finance officer, a different person, signs as the finance lead
    _sign_in_afresh(page, sign_in_through_browser, moj.finance_officer)
    page.goto(run_url + "sign-off/")
    page.get_by_label("Finance lead").check()
    page.get_by_label("Note (optional)").fill("Totals agree with the ledger.")
    page.get_by_label(re.compile("I accept the parallel run")).check()
    page.get_by_role("button", name="Sign off").click()

    # then both signatures are recorded, and nothing is left to sign
    expect(page.get_by_text("Your sign-off was recorded.")).to_be_visible()
    expect(signatures.get_by_role("row", name=re.compile("Finance lead"))).to_contain_text(
        "Totals agree with the ledger.")
    expect(signatures.get_by_role("row")).to_have_count(3)
    expect(page.get_by_role("button", name="Sign off")).to_have_count(0)
    assert_no_axe_violations(page)

    # and the onboarding steps show the sign-off done, the first live run next
    page.goto(f"/departments/{moj.slug}/onboarding/overview/")
    expect(_task(page, "Sign off the cut-over")).to_contain_text("Completed")
    expect(_task(page, "Run the first live payroll")).to_contain_text("Not yet started")
    assert_no_axe_violations(page)
