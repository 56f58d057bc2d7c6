"""A parallel run: the legacy payroll's results for a period beside the platform's shadow run of it,
employee by employee and figure by figure; bad results files refused whole; explanations kept when
the shadow run is calculated again, and differences that disappeared marked fixed."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from hr.models import Employee
from onboarding import services_parallel as services
from onboarding.models import LegacyResult, ParallelRun, ParallelRunDifference
from onboarding.tasks import start_parallel_run
from payroll import services as payroll_services
from payroll.models import PayRun, Payslip
from tests.factories import EmploymentFactory

pytestmark = pytest.mark.django_db

PERIOD = datetime.date(2026, 11, 1)
HEADINGS = ["Payroll No", "Period", "Gross Pay", "Taxable Pay", "Tax", "NI EE", "NI ER", "Student Loan", "PG Loan",
            "Pension EE", "Pension ER", "Net Pay", "Tax Code", "NI Letter"]
FIGURE_HEADINGS = {"gross_pay": "Gross Pay", "taxable_pay": "Taxable Pay", "income_tax": "Tax",
                   "employee_ni": "NI EE", "employer_ni": "NI ER", "student_loan": "Student Loan",
                   "postgraduate_loan": "PG Loan", "pension_employee": "Pension EE",
                   "pension_employer": "Pension ER", "net_pay": "Net Pay"}


YTD_HEADINGS = [*HEADINGS, "YTD Taxable Pay", "YTD Tax"]


def results_csv(rows: list[dict[str, str]], headings: list[str] = HEADINGS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headings)
    for row in rows:
        writer.writerow([row.get(heading, "") for heading in headings])
    return buffer.getvalue().encode()


def plus(amount: str, change: str) -> str:
    return f"{Decimal(amount) + Decimal(change):.2f}"


@pytest.fixture
def parallel_setting(moj, in_department):
    """A monthly schedule paying three employees, on 1257L, NI letter A."""
    schedule = payroll_services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                                    bank_sort_code="202959", bank_account_number="63748472")
    for number, salary in ((1, "30000.00"), (2, "36000.00"), (3, "45000.00")):
        EmploymentFactory(department=moj.department, employee__department=moj.department,
                          employee__payroll_number=f"E{number:05d}", annual_salary=Decimal(salary))
    with in_department(moj):
        Employee.objects.update(tax_code="1257L", ni_category="A")
    return schedule


@pytest.fixture
def platform_rows(moj, parallel_setting, in_department, django_capture_on_commit_callbacks):
    """What the platform pays each employee in the period, as legacy results rows (a shadow run of
    its own, calculated first): a legacy file that agrees with the platform in every figure."""
    run = payroll_services.pay_run_create(schedule=parallel_setting, period_containing=PERIOD, acting_user=None,
                                          kind=PayRun.Kind.SHADOW)
    payroll_services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    from payroll.tasks import start_calculation
    with django_capture_on_commit_callbacks(execute=True):
        start_calculation(run=run, acting_user=moj.payroll_officer)
    rows = []
    with in_department(moj):
        for slip in Payslip.objects.filter(run=run).select_related("employee").order_by("employee__payroll_number"):
            row = {"Payroll No": slip.employee.payroll_number, "Period": "2026-11", "Tax Code": slip.tax_code,
                   "NI Letter": slip.ni_category}
            row.update({heading: f"{getattr(slip, name):.2f}" for name, heading in FIGURE_HEADINGS.items()})
            # The year to date after the period, written only to files with YTD_HEADINGS.
            row.update({"YTD Taxable Pay": slip.year_to_date["taxable_pay"], "YTD Tax": slip.year_to_date["tax"]})
            rows.append(row)
    assert len(rows) == 3
    return rows


@pytest.fixture
def start_run(moj, django_capture_on_commit_callbacks, in_department):
    """Start a parallel run from CSV bytes and let the workers calculate and compare it."""
    def start(content: bytes, *, tolerance: str = "0", acting_user=None) -> ParallelRun:
        user = acting_user or moj.payroll_officer
        with django_capture_on_commit_callbacks(execute=True):
            run = services.parallel_run_start(department=moj.department, period=PERIOD, upload=io.BytesIO(content),
                                              original_name="legacy-results.csv", acting_user=user,
                                              tolerance=tolerance)
            start_parallel_run(services.parallel_run_calculate(parallel_run=run, acting_user=user), acting_user=user)
        with in_department(moj):
            run.refresh_from_db()
        return run
    return start


def _differences(moj, in_department, run) -> list[ParallelRunDifference]:
    with in_department(moj):
        return list(ParallelRunDifference.objects.filter(parallel_run=run).order_by("payroll_number", "figure"))


def test_identical_results_give_every_employee_matched(moj, platform_rows, start_run, in_department):
    # given the legacy payroll paid exactly what the platform pays
    # when the parallel run is compared
    run = start_run(results_csv(platform_rows))
    # then all three match and nothing differs
    assert run.status == ParallelRun.Status.COMPARED
    assert (run.employees_compared, run.employees_matched, run.employees_differing) == (3, 3, 0)
    assert (run.only_in_legacy, run.only_on_platform) == (0, 0)
    assert _differences(moj, in_department, run) == []
    from onboarding.selectors_parallel import matched_share
    assert matched_share(run) == Decimal("100.00")
    # and the totals per figure agree to the penny
    net = run.totals["figures"]["net_pay"]
    assert net["legacy"] == net["platform"]
    assert net["difference"] == "0.00"


def test_a_difference_planted_in_one_figure_is_found_classified_and_shown_with_its_inputs(
        moj, platform_rows, start_run, in_department):
    # given the legacy payroll deducted £12.40 more employee NI from the second employee, on letter A
    planted = dict(platform_rows[1])
    planted["NI EE"] = f"{Decimal(planted['NI EE']) + Decimal('12.40'):.2f}"
    run = start_run(results_csv([platform_rows[0], planted, platform_rows[2]]))
    # then exactly that figure of that employee differs
    differences = _differences(moj, in_department, run)
    assert [(d.payroll_number, d.figure) for d in differences] == [("E00002", "employee_ni")]
    difference = differences[0]
    assert (difference.legacy_amount, difference.platform_amount) == (
        Decimal(planted["NI EE"]), Decimal(planted["NI EE"]) - Decimal("12.40"))
    # and with the inputs the same on both sides, it is put down to pay, shown beside both sides' inputs
    assert difference.classification == ParallelRunDifference.Classification.PAY
    assert difference.inputs["legacy"]["tax_code"] == "1257L"
    assert difference.inputs["platform"]["ni_letter"] == "A"
    assert difference.inputs["platform"]["gross_pay"] == planted["Gross Pay"]
    assert "taxable_pay" in difference.inputs["platform"]["year_to_date_before"]
    # (a file without the year to date: none is shown, nor read from the platform's payslips)
    assert "year_to_date" not in difference.inputs["legacy"]
    assert "year_to_date" not in difference.inputs["platform"]
    assert (run.employees_compared, run.employees_matched, run.employees_differing) == (3, 2, 1)
    assert run.classes == {"pay": 1}
    assert run.totals["figures"]["employee_ni"]["difference"] == "-12.40"


def test_a_stale_tax_code_and_a_rounding_habit_are_classified_as_such(moj, platform_rows, start_run, in_department):
    # given the legacy payroll taxed the first employee on an old code, and rounded the third's pension up 2p
    stale = dict(platform_rows[0], **{"Tax Code": "1100L"})
    stale["Tax"] = f"{Decimal(stale['Tax']) + Decimal('26.20'):.2f}"
    stale["Net Pay"] = f"{Decimal(stale['Net Pay']) - Decimal('26.20'):.2f}"
    rounded = dict(platform_rows[2])
    rounded["Pension EE"] = f"{Decimal(rounded['Pension EE']) + Decimal('0.02'):.2f}"
    run = start_run(results_csv([stale, platform_rows[1], rounded]))
    # then the tax and net pay differences are the tax code's, and the 2p is rounding
    found = {(d.payroll_number, d.figure): d.classification for d in _differences(moj, in_department, run)}
    assert found == {("E00001", "income_tax"): "tax_code", ("E00001", "net_pay"): "tax_code",
                     ("E00003", "pension_employee"): "rounding"}
    assert run.classes == {"rounding": 1, "tax_code": 2}


def test_a_tolerance_counts_small_differences_as_matched(moj, platform_rows, start_run, in_department):
    # given a 3p difference in net pay
    nudged = dict(platform_rows[0])
    nudged["Net Pay"] = f"{Decimal(nudged['Net Pay']) + Decimal('0.03'):.2f}"
    content = results_csv([nudged, *platform_rows[1:]])
    # then it differs when compared exactly, and matches within a 5p tolerance
    assert start_run(content).employees_differing == 1
    within = start_run(content, tolerance="0.05")
    assert (within.employees_matched, within.employees_differing) == (3, 0)


def test_employees_on_one_side_only_are_listed_as_such(moj, platform_rows, start_run, in_department):
    # given a legacy file that lacks the third employee and has someone the platform does not pay
    stranger = dict(platform_rows[0], **{"Payroll No": "E00099"})
    run = start_run(results_csv([platform_rows[0], platform_rows[1], stranger]))
    # then each is found on its side
    found = {(d.payroll_number, d.classification) for d in _differences(moj, in_department, run)}
    assert found == {("E00003", "only_platform"), ("E00099", "only_legacy")}
    assert (run.employees_compared, run.only_in_legacy, run.only_on_platform) == (2, 1, 1)
    from onboarding.selectors_parallel import matched_share
    assert matched_share(run) == Decimal("50.00")


def test_explanations_are_kept_on_a_rerun_and_differences_that_disappear_are_marked_fixed(
        moj, platform_rows, start_run, in_department, django_capture_on_commit_callbacks):
    # given the first employee's record on the platform has the wrong NI letter (M, not A),
    # and the legacy payroll overpaid the second by £50
    with in_department(moj):
        Employee.objects.filter(payroll_number="E00001").update(ni_category="M")
    overpaid = dict(platform_rows[1])
    overpaid["Net Pay"] = f"{Decimal(overpaid['Net Pay']) + Decimal('50.00'):.2f}"
    run = start_run(results_csv([platform_rows[0], overpaid, platform_rows[2]]))
    differences = _differences(moj, in_department, run)
    letter = [d for d in differences if d.payroll_number == "E00001"]
    assert letter
    assert {d.classification for d in letter} == {"ni_letter"}
    assert letter[0].inputs["legacy"]["ni_letter"] == "A"
    assert letter[0].inputs["platform"]["ni_letter"] == "M"
    overpayment = next(d for d in differences if d.payroll_number == "E00002")
    # when the overpayment is explained, the NI letter corrected, and the shadow run calculated again
    services.parallel_run_differences_explain(parallel_run=run, difference_ids=[overpayment.pk],
                                              note="Legacy paid a one-off £50 bonus by hand.",
                                              acting_user=moj.payroll_officer)
    with in_department(moj):
        Employee.objects.filter(payroll_number="E00001").update(ni_category="A")
    with django_capture_on_commit_callbacks(execute=True):
        start_parallel_run(services.parallel_run_rerun(parallel_run=run, acting_user=moj.payroll_officer),
                           acting_user=moj.payroll_officer)
    with in_department(moj):
        run.refresh_from_db()
    # then the explanation is still there, and the NI differences are marked fixed
    after = {(d.payroll_number, d.figure): d for d in _differences(moj, in_department, run)}
    assert after[("E00002", "net_pay")].resolution == "explained"
    assert after[("E00002", "net_pay")].note == "Legacy paid a one-off £50 bonus by hand."
    fixed = [d for d in after.values() if d.payroll_number == "E00001"]
    assert len(fixed) == len(letter)
    assert all(d.resolution == "fixed" for d in fixed)
    assert all(d.resolved_by == moj.payroll_officer for d in fixed)
    assert (run.employees_matched, run.employees_differing) == (2, 1)
    assert run.totals["calculation"] == 2


def test_explaining_needs_a_note(moj, platform_rows, start_run, in_department):
    off = dict(platform_rows[0], **{"Net Pay": "1.00"})
    run = start_run(results_csv([off, *platform_rows[1:]]))
    difference = _differences(moj, in_department, run)[0]
    with pytest.raises(ValidationError) as refused:
        services.parallel_run_differences_explain(parallel_run=run, difference_ids=[difference.pk], note=" ",
                                                  acting_user=moj.payroll_officer)
    assert "Say why the figures differ" in str(refused.value)


def test_a_bad_results_file_is_refused_with_every_reason_and_nothing_is_written(moj, platform_rows, in_department):
    # given a file with text for money, a duplicate payroll number and a row for another month
    bad = [dict(platform_rows[0], **{"Gross Pay": "two thousand"}), platform_rows[1],
           dict(platform_rows[1]), dict(platform_rows[2], Period="2026-10")]
    runs_before = PayRun.all_departments.count()
    # when a parallel run is started with it
    with pytest.raises(ValidationError) as refused:
        services.parallel_run_start(department=moj.department, period=PERIOD, upload=io.BytesIO(results_csv(bad)),
                                    original_name="results.csv", acting_user=moj.payroll_officer)
    # then every reason is given
    reasons = " ".join(refused.value.message_dict["file"])
    assert "Row 2, Gross Pay" in reasons
    assert "It is not an amount of money" in reasons
    assert "Rows 3 and 4 have the same payroll number" in reasons
    assert "Row 5, Period" in reasons
    assert "2026-10" in reasons
    # and nothing was written
    assert not ParallelRun.all_departments.exists()
    assert not LegacyResult.all_departments.exists()
    assert PayRun.all_departments.count() == runs_before


def test_a_file_missing_a_required_figure_or_of_another_department_is_refused(moj, dft, platform_rows):
    # given a file without its net pay column
    no_net = "\n".join(",".join(cells) for cells in (
        ["Payroll No", "Gross Pay", "Taxable Pay", "Tax", "NI EE", "NI ER", "Tax Code", "NI Letter"],
        ["E00001", "2500.00", "2500.00", "290.00", "150.00", "300.00", "1257L", "A"])).encode()
    with pytest.raises(ValidationError, match="no column for net pay"):
        services.parallel_run_start(department=moj.department, period=PERIOD, upload=io.BytesIO(no_net),
                                    original_name="results.csv", acting_user=None)
    # and moj's results sent as dft's (which has a schedule but none of these people)
    payroll_services.pay_schedule_create(department=dft.department, acting_user=None, name="Monthly")
    with pytest.raises(ValidationError, match="None of the file's 3 payroll numbers is an employee of"):
        services.parallel_run_start(department=dft.department, period=PERIOD,
                                    upload=io.BytesIO(results_csv(platform_rows)), original_name="results.csv",
                                    acting_user=None)
    assert not ParallelRun.all_departments.exists()


def test_the_shadow_run_is_never_approved_and_locks_nothing(moj, platform_rows, start_run, in_department):
    run = start_run(results_csv(platform_rows))
    with in_department(moj):
        shadow = PayRun.objects.get(pk=run.shadow_run_id)
    assert shadow.kind == PayRun.Kind.SHADOW
    assert shadow.status == PayRun.Status.CALCULATED
    with pytest.raises(ValidationError, match="shadow run"):
        payroll_services.pay_run_approve(run=shadow, acting_user=moj.payroll_approver)


def test_the_command_compares_synchronously_and_ends_with_the_counts(moj, platform_rows, tmp_path, in_department):
    # given a legacy file with one difference
    off = dict(platform_rows[2])
    off["Tax"] = f"{Decimal(off['Tax']) + Decimal('1.00'):.2f}"
    results = tmp_path / "results.csv"
    results.write_bytes(results_csv([*platform_rows[:2], off]))
    report = tmp_path / "report.csv"
    out = io.StringIO()
    # when the command runs
    call_command("parallel_run", "--department", "moj", "--period", "2026-11", "--legacy-results", str(results),
                 "--out", str(report), stdout=out)
    # then its last line gives the counts, and the report lists the difference
    assert out.getvalue().strip().splitlines()[-1] == "compared 3, matched 2, differing 1"
    text = report.read_text()
    assert "E00003,Income tax" in text
    assert "Summary,Matched share (%),,66.67" in text


def test_the_command_prints_every_reason_for_a_bad_file_and_fails(moj, platform_rows, tmp_path):
    results = tmp_path / "results.csv"
    results.write_bytes(results_csv([dict(platform_rows[0], **{"NI EE": "12.345"}),
                                     dict(platform_rows[1], **{"NI Letter": "Q"})]))
    with pytest.raises(CommandError) as failed:
        call_command("parallel_run", "--department", "moj", "--period", "2026-11", "--legacy-results", str(results))
    assert "more than two decimal places" in str(failed.value)
    assert "not an NI category letter" in str(failed.value)
    with pytest.raises(CommandError, match="--period"):
        call_command("parallel_run", "--department", "moj", "--period", "November", "--legacy-results", str(results))


# --- The year to date ------------------------------------------------------------------------------


def test_identical_results_with_the_year_to_date_give_every_employee_matched(moj, platform_rows, start_run,
                                                                             in_department):
    run = start_run(results_csv(platform_rows, YTD_HEADINGS))

    assert (run.employees_compared, run.employees_matched, run.employees_differing) == (3, 3, 0)
    assert _differences(moj, in_department, run) == []
    from onboarding.selectors_parallel import matched_share
    assert matched_share(run) == Decimal("100.00")
    # and the year to date is not a figure of the period's totals
    assert set(run.totals["figures"]) == set(FIGURE_HEADINGS)


def test_a_year_to_date_that_differs_alone_is_found_and_classed_with_both_sides_year_to_date(
        moj, platform_rows, start_run, in_department):
    # given the legacy payroll paid the second employee the same, but shows £100 more tax to date
    planted = dict(platform_rows[1], **{"YTD Tax": plus(platform_rows[1]["YTD Tax"], "100.00")})
    run = start_run(results_csv([platform_rows[0], planted, platform_rows[2]], YTD_HEADINGS))
    # then that one year-to-date figure differs, classed year to date, with both sides' year to date beside it
    [difference] = _differences(moj, in_department, run)
    assert (difference.payroll_number, difference.figure, difference.classification) == (
        "E00002", "ytd_tax", "year_to_date")
    assert (difference.legacy_amount, difference.platform_amount) == (
        Decimal(planted["YTD Tax"]), Decimal(platform_rows[1]["YTD Tax"]))
    assert difference.inputs["legacy"]["year_to_date"] == {"taxable_pay": planted["YTD Taxable Pay"],
                                                           "tax": planted["YTD Tax"]}
    assert difference.inputs["platform"]["year_to_date"] == {"taxable_pay": platform_rows[1]["YTD Taxable Pay"],
                                                             "tax": platform_rows[1]["YTD Tax"]}
    assert (run.employees_matched, run.employees_differing, run.classes) == (2, 1, {"year_to_date": 1})
    # and the report shows it with both sides' year to date
    from onboarding.selectors_parallel import report_rows
    with in_department(moj):
        [line] = [line for line in report_rows(run=run) if line[0] == "Difference"]
    assert line[2] == "Tax to date"
    assert line[-5:-1] == [planted["YTD Taxable Pay"], platform_rows[1]["YTD Taxable Pay"], planted["YTD Tax"],
                           platform_rows[1]["YTD Tax"]]


def test_a_legacy_that_started_from_another_year_to_date_has_its_tax_difference_classed_year_to_date(
        moj, platform_rows, start_run, in_department):
    # given the legacy started the third employee from £1,000 less taxable pay to date, so taxed £200 more
    started_lower = dict(platform_rows[2])
    started_lower["Tax"] = plus(started_lower["Tax"], "200.00")
    started_lower["Net Pay"] = plus(started_lower["Net Pay"], "-200.00")
    started_lower["YTD Taxable Pay"] = plus(started_lower["YTD Taxable Pay"], "-1000.00")
    started_lower["YTD Tax"] = plus(started_lower["YTD Tax"], "200.00")
    run = start_run(results_csv([*platform_rows[:2], started_lower], YTD_HEADINGS))
    # then tax and net pay differ because of the year to date, not pay
    found = {(d.payroll_number, d.figure): d.classification for d in _differences(moj, in_department, run)}
    assert found == {("E00003", "income_tax"): "year_to_date", ("E00003", "net_pay"): "year_to_date"}


# --- Reruns, failures and periods ------------------------------------------------------------------


def _rerun(moj, run, in_department, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        start_parallel_run(services.parallel_run_rerun(parallel_run=run, acting_user=moj.payroll_officer),
                           acting_user=moj.payroll_officer)
    with in_department(moj):
        run.refresh_from_db()
    return run


def test_an_explanation_is_kept_only_while_the_difference_is_unchanged(
        moj, platform_rows, start_run, in_department, django_capture_on_commit_callbacks):
    # given the legacy overpaid the second employee £50 and the first £20, both explained
    overpaid = [dict(row, **{"Net Pay": plus(row["Net Pay"], extra)})
                for row, extra in ((platform_rows[0], "20.00"), (platform_rows[1], "50.00"))]
    run = start_run(results_csv([*overpaid, platform_rows[2]]))
    services.parallel_run_differences_explain(
        parallel_run=run, difference_ids=[d.pk for d in _differences(moj, in_department, run)],
        note="Hand-paid bonuses.", acting_user=moj.payroll_officer)
    # when the second employee's salary changes on the platform and the shadow run is calculated again
    with in_department(moj):
        Employee.objects.get(payroll_number="E00002").employments.update(annual_salary=Decimal("36600.00"))
    run = _rerun(moj, run, in_department, django_capture_on_commit_callbacks)
    # then the first's explanation stands, and the second's net pay difference, now another amount, is open again
    after = {(d.payroll_number, d.figure): d for d in _differences(moj, in_department, run)}
    assert (after[("E00001", "net_pay")].resolution, after[("E00001", "net_pay")].note) == (
        "explained", "Hand-paid bonuses.")
    reopened = after[("E00002", "net_pay")]
    assert (reopened.resolution, reopened.note, reopened.resolved_by) == ("open", "", None)
    assert reopened.classification == "pay"


@pytest.mark.parametrize("text", ["0000-05", "0001-01", "1899-12", "2201-01", "9999-12"])
def test_a_period_outside_the_years_a_payroll_runs_is_refused_naming_it(moj, platform_rows, tmp_path, text):
    with pytest.raises(ValidationError) as refused:
        services.period_from_text(text)
    assert f"The period {text} is not one a payroll can run" in refused.value.message_dict["period"][0]
    results = tmp_path / "results.csv"
    results.write_bytes(results_csv(platform_rows))
    with pytest.raises(CommandError, match=f"The period {text}"):
        call_command("parallel_run", "--department", "moj", "--period", text, "--legacy-results", str(results))
    assert services.period_from_text("1900-01") == datetime.date(1900, 1, 1)


def test_a_comparison_that_raises_ends_failed_with_the_reason_and_can_be_run_again(
        moj, platform_rows, start_run, in_department, django_capture_on_commit_callbacks, monkeypatch):
    # given the comparison breaks
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(services, "_compare", broken)
    # when the parallel run is calculated and compared
    run = start_run(results_csv(platform_rows))
    # then it has failed, saying why, with nothing compared
    assert run.status == ParallelRun.Status.FAILED
    assert "RuntimeError: disk full" in run.file_problem
    assert _differences(moj, in_department, run) == []
    # and once the comparison works it can be run again
    monkeypatch.undo()
    run = _rerun(moj, run, in_department, django_capture_on_commit_callbacks)
    assert (run.status, run.employees_matched) == (ParallelRun.Status.COMPARED, 3)


def test_a_run_left_comparing_whose_shadow_run_is_calculated_can_be_run_again(
        moj, platform_rows, start_run, in_department, django_capture_on_commit_callbacks):
    # given a run stopped while comparing (its worker lost), its shadow run calculated
    run = start_run(results_csv(platform_rows))
    with in_department(moj):
        ParallelRun.objects.filter(pk=run.pk).update(status=ParallelRun.Status.COMPARING)
        run.refresh_from_db()
    # then it can be calculated and compared again
    run = _rerun(moj, run, in_department, django_capture_on_commit_callbacks)
    assert (run.status, run.totals["calculation"]) == (ParallelRun.Status.COMPARED, 2)


def test_a_run_still_calculating_cannot_be_started_again(moj, platform_rows, in_department):
    run = services.parallel_run_start(department=moj.department, period=PERIOD,
                                      upload=io.BytesIO(results_csv(platform_rows)), original_name="results.csv",
                                      acting_user=moj.payroll_officer)
    services.parallel_run_calculate(parallel_run=run, acting_user=moj.payroll_officer)  # chunks never run
    with in_department(moj):
        run.refresh_from_db()
    with pytest.raises(ValidationError, match="being calculated and compared already"):
        services.parallel_run_rerun(parallel_run=run, acting_user=moj.payroll_officer)


def test_a_calculation_that_never_finishes_ends_the_run_failed_when_polling_gives_up(
        moj, platform_rows, in_department, monkeypatch):
    from onboarding import tasks
    # given a shadow run whose chunks never run
    run = services.parallel_run_start(department=moj.department, period=PERIOD,
                                      upload=io.BytesIO(results_csv(platform_rows)), original_name="results.csv",
                                      acting_user=moj.payroll_officer)
    services.parallel_run_calculate(parallel_run=run, acting_user=moj.payroll_officer)
    queued = []
    monkeypatch.setattr(tasks.parallel_run_compare_task, "apply_async", lambda *a, **k: queued.append(a))
    # when the comparison looks, then looks for the last time
    assert tasks.parallel_run_compare_task(moj.department.pk, run.pk, None, 0) == ParallelRun.Status.CALCULATING
    assert len(queued) == 1
    status = tasks.parallel_run_compare_task(moj.department.pk, run.pk, None, tasks.COMPARE_POLLS_MAX)
    # then the run has failed, saying why, and no further look is queued
    assert status == ParallelRun.Status.FAILED
    assert len(queued) == 1
    with in_department(moj):
        run.refresh_from_db()
    assert "had not finished calculating after 60 minutes" in run.file_problem


def test_a_payslip_that_failed_to_calculate_is_one_difference_not_zeros(
        moj, platform_rows, start_run, in_department):
    # given the platform cannot calculate the first employee (a tax code HMRC never issues)
    with in_department(moj):
        Employee.objects.filter(payroll_number="E00001").update(tax_code="12X57")
    # when compared with legacy results that paid everyone
    run = start_run(results_csv(platform_rows))
    # then the first employee is one difference, put down to pay, carrying the reason
    [difference] = _differences(moj, in_department, run)
    assert (difference.payroll_number, difference.figure, difference.classification) == ("E00001", "", "pay")
    assert (difference.legacy_amount, difference.platform_amount) == (Decimal(platform_rows[0]["Net Pay"]), None)
    assert "tax_code" in difference.inputs["platform"]["failure_reason"]
    assert (run.employees_compared, run.employees_matched, run.employees_differing) == (3, 2, 1)
    # and the platform's totals leave it out rather than count zeros
    net = run.totals["figures"]["net_pay"]
    assert Decimal(net["platform"]) == sum(Decimal(row["Net Pay"]) for row in platform_rows[1:])
    assert Decimal(net["difference"]) == -Decimal(platform_rows[0]["Net Pay"])
