"""Pay schedules and inputs in a browser: a payroll officer adds a weekly schedule, moves an employee
onto it, enters overtime as hours for the period, and loads a file of inputs whose mistakes are
listed row by row. Each page passes axe, its error states included."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from payroll import services
from tests.browser.axe import assert_no_axe_violations
from tests.finance.conftest import build_finance_setting

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_weekly_schedule_its_staff_and_its_inputs(page, moj, in_department, sign_in_through_browser, tmp_path):
    # given a department paid monthly
    build_finance_setting(moj, in_department)
    services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly")
    sign_in_through_browser(moj.payroll_officer)
    page.goto(f"/departments/{moj.slug}/payroll/")
    page.get_by_role("link", name="Pay schedules, who is on them and their inputs").click()
    assert_no_axe_violations(page)
    # when they add a weekly schedule, first forgetting its name
    page.get_by_role("button", name="Add a pay schedule").click()
    page.get_by_role("radio", name="Weekly").check()
    page.get_by_role("button", name="Add the schedule").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a name for the pay schedule")
    assert_no_axe_violations(page)
    page.get_by_label("Name", exact=True).fill("Weekly paid")
    page.get_by_role("button", name="Add the schedule").click()
    # and move an employee onto it
    page.get_by_label("Payroll numbers of the employees to move onto this schedule").fill("E0002")
    page.get_by_role("button", name="Move them onto Weekly paid").click()
    expect(page.get_by_text("1 employee moved onto Weekly paid")).to_be_visible()
    expect(page.get_by_test_id("schedule-members")).to_contain_text("E0002")
    assert_no_axe_violations(page)
    # when they enter overtime as hours at a rate for the current week
    page.get_by_role("link", name="Inputs for the current period").click()
    page.get_by_label("Payroll number", exact=True).fill("E0002")
    page.get_by_label("Code", exact=True).fill("OVERTIME")
    page.get_by_label("Or hours").fill("6")
    page.get_by_label("at an hourly rate of, in pounds").fill("21.40")
    page.get_by_role("button", name="Add it").click()
    # then
    expect(page.get_by_test_id("pay-inputs")).to_contain_text("OVERTIME: 6 hours at £21.40")
    expect(page.get_by_test_id("pay-inputs")).to_contain_text("£128.40")
    # when they load a file with a mistake
    bad = tmp_path / "inputs.csv"
    bad.write_text("payroll_number,code,kind,amount\nE0002,RESP,taxable_payment,lots\n", encoding="utf-8")
    page.get_by_label("Upload a CSV file of inputs").set_input_files(str(bad))
    page.get_by_role("button", name="Load the file").click()
    # then nothing is loaded and the problem is named by row and column
    expect(page.get_by_role("alert")).to_contain_text("The file was not loaded: 1 problem to fix")
    expect(page.get_by_test_id("upload-errors")).to_contain_text("'lots' is not a number")
    assert_no_axe_violations(page)
