"""An HR admin imports staff records from a legacy export through the browser, with accessibility checks."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.onboarding.conftest import csv_bytes, staff_row

pytestmark = pytest.mark.django_db(transaction=True)


def test_hr_admin_saves_a_mapping_checks_a_file_and_imports_the_valid_rows(page, moj, sign_in_through_browser,
                                                                           tmp_path):
    # given an export with two good rows and one bad one
    export = tmp_path / "legacy-export.csv"
    export.write_bytes(csv_bytes([staff_row(1), staff_row(2, **{"NI Number": "QQ12"}), staff_row(3)]))
    sign_in_through_browser(moj.hr_admin)

    # when the admin opens the imports from the department home and saves a mapping
    page.get_by_role("link", name="See details of staff imports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import staff records")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Save a column mapping").click()
    page.get_by_role("button", name="Save the mapping").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name for the column mapping")
    assert_no_axe_violations(page)
    page.get_by_label("Name of the mapping").fill("Legacy payroll")
    page.get_by_label(re.compile("Create grades, organisation units")).check()
    page.get_by_label("Payroll number").fill("Payroll No")
    page.get_by_role("button", name="Save the mapping").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Legacy payroll")

    # and uploads the file with that mapping
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the export file")
    assert_no_axe_violations(page)
    page.get_by_label("Upload the staff export").set_input_files(str(export))
    page.get_by_label("Column mapping").select_option(label="Legacy payroll")
    page.get_by_role("button", name="Check the file").click()

    # then the dry run names the bad row's problem and saves nothing
    expect(page.get_by_role("heading", level=1)).to_have_text("Dry run of legacy-export.csv")
    expect(page.get_by_text("Nothing has been saved yet.")).to_be_visible()
    problems = page.get_by_role("table").filter(has_text="Problem")
    expect(problems).to_contain_text("QQ12")
    expect(problems).to_contain_text("Enter a National Insurance number in the correct format")
    assert_no_axe_violations(page)

    # when the valid rows are imported
    page.get_by_label(re.compile("Import the valid rows even if some rows are rejected")).check()
    page.get_by_role("button", name=re.compile("Import 2 records")).click()

    # then the records are there, and the reconciliation agrees
    expect(page.locator(".govuk-panel__title")).to_have_text("Staff records imported")
    expect(page.locator(".govuk-panel__body")).to_contain_text("2 created")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Reconciliation report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reconciliation")
    expect(page.get_by_role("row", name=re.compile("Check Headcount and salary by grade"))).to_contain_text("yes")
    assert_no_axe_violations(page)
    page.goto(page.url.split("/onboarding/")[0] + "/hr/")
    expect(page.get_by_role("table")).to_contain_text("LP000003")
