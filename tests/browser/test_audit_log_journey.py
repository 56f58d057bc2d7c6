"""The audit log in a real browser: an auditor reads it in plain English, filters it by person and
dates, is told what is wrong with a bad date, downloads the filtered log as CSV, and the page passes
axe and fits a phone's screen (the table scrolls inside its own labelled region)."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from departments import services
from departments.roles import Role
from tests.browser.axe import assert_no_axe_violations, assert_no_axe_violations_all_rules
from tests.factories.departments import AuditEventFactory

pytestmark = pytest.mark.django_db(transaction=True)

FITS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def history(moj, in_department):
    with in_department(moj):
        services.role_grant(department=moj.department, email=moj.employee.email, role=Role.HR_OFFICER,
                            reason="Covering the HR team in August", acting_user=moj.hr_admin)
        for number in range(3):
            AuditEventFactory(department=moj.department, actor=moj.hr_officer, action="employee.tax_code",
                              object_type="hr.employee", object_id=str(number),
                              object_repr=f"Person {number} (P00{number})",
                              changes={"tax_code": {"before": "1257L", "after": "BR"},
                                       "tax_basis": {"before": "cumulative", "after": "week1_month1"}},
                              reason="Notice P6 from HMRC: a very long reason that wraps over several lines")


def test_an_auditor_filters_the_log_and_downloads_it(page, moj, history, sign_in_through_browser):
    # given the auditor on the audit log
    sign_in_through_browser(moj.auditor)
    page.goto(f"/departments/{moj.slug}/audit-log/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    expect(page.get_by_role("region", name="Audited changes")).to_contain_text(
        f"{moj.hr_admin.full_name} gave {moj.employee.full_name} the HR officer role")
    assert_no_axe_violations(page)

    # when they filter by the HR officer
    page.get_by_label("Who").select_option(label=moj.hr_officer.full_name)
    page.get_by_role("button", name="Apply filters").click()
    # then only the HR officer's changes are listed, in words
    table = page.get_by_role("region", name="Audited changes")
    expect(table).to_contain_text(f"{moj.hr_officer.full_name} changed Person 0's tax code to BR")
    expect(table).not_to_contain_text("HR officer role")
    expect(page.get_by_text("3 changes.")).to_be_visible()
    assert_no_axe_violations(page)

    # when they type a date that does not exist
    page.get_by_role("group", name="From").get_by_label("Day").fill("31")
    page.get_by_role("group", name="From").get_by_label("Month").fill("2")
    page.get_by_role("group", name="From").get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Apply filters").click()
    # then the error summary says which field is wrong
    expect(page.get_by_role("alert")).to_contain_text("From must be a real date")
    assert_no_axe_violations(page)

    # when they correct it and download what matches
    page.get_by_role("group", name="From").get_by_label("Day").fill("1")
    page.get_by_role("button", name="Apply filters").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download these changes as CSV").click()
    # then the file has the HR officer's changes, in words, with who, what and why
    download = download_info.value
    rows = list(csv.reader(io.StringIO(download.path().read_text(encoding="utf-8"))))
    assert rows[0] == ["When", "Who", "Through", "Action code", "Description", "Object", "Changes", "Reason"]
    assert len(rows) == 4
    assert {row[1] for row in rows[1:]} == {moj.hr_officer.full_name}
    assert rows[1][3] == "employee.tax_code"
    assert rows[1][4] == f"{moj.hr_officer.full_name} changed Person 2's tax code to BR"
    assert sorted(rows[1][6].split("; ")) == ["Tax basis: Cumulative → Week 1 / Month 1", "Tax code: 1257L → BR"]


@pytest.mark.parametrize("width", [375, 1280])
def test_the_log_fits_the_screen_and_passes_axe(page, moj, history, sign_in_through_browser, width):
    # given the auditor on a screen of this width
    page.set_viewport_size({"width": width, "height": 900})
    sign_in_through_browser(moj.auditor)
    # when they open the log
    page.goto(f"/departments/{moj.slug}/audit-log/")
    # then the page does not scroll sideways (the table scrolls in its own region) and passes axe
    expect(page.get_by_role("region", name="Audited changes")).to_be_visible()
    scroll_width, inner_width = page.evaluate(FITS)
    assert scroll_width <= inner_width
    assert_no_axe_violations_all_rules(page)
