"""The synthetic legacy payroll's results: what it paid the people of the synthetic export in a
period. A shadow run of that period over the imported staff pays them the same, except the few
differences planted on purpose (onboarding/LEGACY_RESULTS.md)."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from onboarding import services
from onboarding import services_parallel as parallel_services
from onboarding.legacy_export import (
    PLANTED_KINDS,
    RESULT_HEADINGS,
    results_pay_period,
    write_export_with_results,
    write_legacy_results,
)
from onboarding.legacy_results import RESULT_FIGURES, read_legacy_results
from onboarding.models import ImportJob, ParallelRunDifference
from payroll import services as payroll_services
from payroll.models import PayRun, Payslip
from payroll.tasks import start_calculation

pytestmark = pytest.mark.django_db


def _last_month() -> datetime.date:
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _read(path, period_start, file_format="csv"):
    period = results_pay_period(period_start)
    return read_legacy_results(path, file_format=file_format, mapping_columns={}, period_start=period.start,
                               period_end=period.end)


def test_a_shadow_run_of_the_imported_staff_matches_the_results_except_the_planted_differences(
        tmp_path, moj, in_department, creating_mapping, django_capture_on_commit_callbacks):
    # given an export with a few spoiled rows and the legacy results of last month for its people
    period_start = _last_month()
    staff, results = tmp_path / "staff.csv", tmp_path / "results.csv"
    written = write_export_with_results(staff, results, count=120, period_start=period_start, bad_rows=4,
                                        today=timezone.localdate())
    # and the staff imported (the spoiled rows refused), with the year to date of that period's tax year
    period = results_pay_period(period_start)
    job = services.import_job_create(department=moj.department, upload=io.BytesIO(staff.read_bytes()),
                                     original_name="staff.csv", acting_user=moj.hr_admin, dry_run=False,
                                     accept_valid=True, mapping=creating_mapping, tax_year=period.tax_year)
    job = services.import_job_run(department=moj.department, job_id=job.pk)
    assert (job.status, job.rows_rejected) == (ImportJob.Status.COMMITTED, 4)
    # when a shadow run calculates that period
    schedule = payroll_services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly")
    run = payroll_services.pay_run_create(schedule=schedule, period_containing=period_start, acting_user=None,
                                          kind=PayRun.Kind.SHADOW)
    payroll_services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    with django_capture_on_commit_callbacks(execute=True):
        start_calculation(run=run, acting_user=moj.payroll_officer)
    with in_department(moj):
        slips = Payslip.objects.filter(run=run, status=Payslip.Status.CALCULATED,
                                       employee__payroll_number__startswith="LP")
        platform = {number: dict(zip(RESULT_FIGURES, figures, strict=True))
                    for number, *figures in slips.values_list("employee__payroll_number", *RESULT_FIGURES)}
        codes = dict(Payslip.objects.filter(run=run).values_list("employee__payroll_number", "tax_code"))
        to_date = {number: {"taxable_pay": Decimal(ytd["taxable_pay"]), "tax": Decimal(ytd["tax"])}
                   for number, ytd in slips.values_list("employee__payroll_number", "year_to_date")}
    # then the results file reads back with no problems
    read = _read(results, period_start)
    assert read.problems == []
    assert len(read.rows) == written.rows
    legacy = {row.payroll_number: row for row in read.rows}
    # and one employee of each missing or extra kind is on one side only
    assert set(platform) - set(legacy) == set(written.planted["missing"])
    assert set(legacy) - set(platform) == set(written.planted["leaver_still_paid"])
    assert [len(written.planted[kind]) for kind in PLANTED_KINDS] == [1, 1, 1, 1, 1]
    # and the only figures that differ are those planted: tax and net pay on the stale code (shown
    # in the file), the employer's pension by a penny where the legacy rounds it up
    differing = {number: [name for name in RESULT_FIGURES if row.figures[name] != platform[number][name]]
                 for number, row in legacy.items() if number in platform}
    differing = {number: names for number, names in differing.items() if names}
    [stale] = written.planted["stale_tax_code"]
    [rounded] = written.planted["rounding"]
    assert differing == {stale: ["income_tax", "net_pay"], rounded: ["pension_employer"]}
    assert legacy[stale].tax_code != codes[stale]
    assert legacy[stale].figures["income_tax"] > platform[stale]["income_tax"]  # a lower code, more tax
    assert legacy[rounded].figures["pension_employer"] - platform[rounded]["pension_employer"] == Decimal("0.01")
    assert all(legacy[number].tax_code == codes[number] for number in legacy if number in codes and number != stale)
    # and the year to date after the period agrees too, but for the row whose taxable pay the legacy
    # counted twice to date (and the stale code's, whose extra tax is in its tax to date)
    [doubled] = written.planted["year_to_date"]
    assert read.year_to_date == ("taxable_pay", "tax")
    ytd_differing = {number for number, row in legacy.items()
                     if number in to_date and row.year_to_date != to_date[number]}
    assert ytd_differing == {doubled, stale}
    assert legacy[doubled].year_to_date["taxable_pay"] - to_date[doubled]["taxable_pay"] == \
        legacy[doubled].figures["taxable_pay"]
    assert legacy[doubled].year_to_date["tax"] == to_date[doubled]["tax"]
    assert doubled not in differing
    # when a parallel run compares the two
    with results.open("rb") as upload:
        parallel = parallel_services.parallel_run_start(department=moj.department, period=period_start, upload=upload,
                                                        original_name="results.csv", acting_user=None)
    parallel = parallel_services.parallel_run_in_process(parallel_run=parallel, acting_user=None)
    # then each planted difference is found and classed as documented
    with in_department(moj):
        found = {(d.payroll_number, d.figure): d.classification
                 for d in ParallelRunDifference.objects.filter(parallel_run=parallel)}
    assert found == {(stale, "income_tax"): "tax_code", (stale, "net_pay"): "tax_code",
                     (rounded, "pension_employer"): "rounding", (doubled, "ytd_taxable_pay"): "year_to_date",
                     (written.planted["missing"][0], ""): "only_platform",
                     (written.planted["leaver_still_paid"][0], ""): "only_legacy"}


def test_identical_results_without_planted_differences_and_the_same_people_from_the_same_seed(tmp_path):
    # given the same export written with and without results
    period_start = _last_month()
    today = timezone.localdate()
    alone, staff, results = tmp_path / "alone.csv", tmp_path / "staff.csv", tmp_path / "results.csv"
    written = write_export_with_results(staff, results, count=60, period_start=period_start, today=today,
                                        planted=False)
    again = write_legacy_results(alone, count=60, period_start=period_start, today=today, planted=False)
    # then nothing is planted, and results made again from the seed are the same file
    assert all(numbers == [] for numbers in written.planted.values())
    assert alone.read_bytes() == results.read_bytes()
    assert again.rows == written.rows
    rows = list(csv.reader(results.open()))
    assert rows[0] == RESULT_HEADINGS
    assert {row[1] for row in rows[1:]} == {f"{period_start:%Y-%m}"}


def test_the_year_to_date_of_the_export_covers_the_tax_months_before_the_results_period(tmp_path):
    # given a results period of tax month 8 (November, paid at its end)
    staff, results = tmp_path / "staff.csv", tmp_path / "results.csv"
    write_export_with_results(staff, results, count=40, period_start=datetime.date(2026, 11, 1),
                              today=datetime.date(2026, 12, 6), planted=False)
    # then someone employed all year has seven months of pension and NI to date: seven times the
    # month's, give or take nothing (the same pay every month)
    staff_rows = {row["Payroll No"]: row for row in csv.DictReader(staff.open())}
    result_rows = {row["Payroll No"]: row for row in csv.DictReader(results.open())}
    long_served = [number for number, row in staff_rows.items()
                   if datetime.datetime.strptime(row["Start Date"], "%d/%m/%Y").date()  # noqa: DTZ007
                   < datetime.date(2025, 10, 1)]
    assert long_served
    for number in long_served:
        assert Decimal(staff_rows[number]["YTD Pension"]) == Decimal(result_rows[number]["Pension EE"]) * 7
        assert Decimal(staff_rows[number]["YTD NI EE"]) == Decimal(result_rows[number]["NI EE"]) * 7


def test_the_command_writes_both_files_in_either_format_and_says_what_it_planted(tmp_path, capsys):
    # when
    call_command("make_legacy_export", "--employees", "50", "--out", str(tmp_path / "staff.xlsx"), "--format",
                 "xlsx", "--results-out", str(tmp_path / "results.xlsx"), "--results-period", "2026-11")
    # then
    output = capsys.readouterr().out
    assert "legacy results for 2026-11" in output
    assert ("planted differences: 1 stale tax code, 1 rounding, 1 missing, 1 leaver still paid, 1 year to date"
            in output)
    read = _read(tmp_path / "results.xlsx", datetime.date(2026, 11, 1), "xlsx")
    assert read.problems == []
    assert len(read.rows) == 50  # one held, one leaver added


@pytest.mark.parametrize(("arguments", "message"), [
    (["--results-out", "RESULTS"], "--results-out and --results-period go together"),
    (["--results-period", "2026-11"], "--results-out and --results-period go together"),
    (["--results-out", "RESULTS", "--results-period", "11/2026"], "--results-period: give a month as YYYY-MM"),
    (["--results-out", "RESULTS", "--results-period", "2019-11"], "no rates for the tax year 2019-20"),
    (["--results-out", "/no/such/folder/r.csv", "--results-period", "2026-11"], "--results-out: the folder"),
    (["--results-out", "OUT", "--results-period", "2026-11"], "give a different file from --out"),
])
def test_the_command_refuses_results_options_that_cannot_work(tmp_path, arguments, message):
    out = tmp_path / "staff.csv"
    arguments = [str(out) if value == "OUT" else str(tmp_path / "r.csv") if value == "RESULTS" else value
                 for value in arguments]

    with pytest.raises(CommandError, match=message):
        call_command("make_legacy_export", "--employees", "10", "--out", str(out), *arguments)
    assert not out.exists()
