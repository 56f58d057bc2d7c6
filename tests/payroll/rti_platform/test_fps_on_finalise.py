"""A finalised run's FPS: mapped from its payslips and the HR records, built when the run is
finalised, valid against HMRC's schema and rules, and the old payroll ID on the first FPS only."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from lxml import etree

from hr.models import Employee
from payroll import rti_mapping, services
from payroll.engine.rti import validate_fps
from payroll.engine.rti.model import HoursBand, PayFrequency
from payroll.models import PayRun, PayRunException, Payslip, RtiSubmission
from tests.payroll.settling import settle_review

pytestmark = pytest.mark.django_db
NS = "{http://www.govtalk.gov.uk/taxation/PAYE/RTI/FullPaymentSubmission/26-27/1}"


def _employees(document: bytes) -> dict[str, etree._Element]:
    root = etree.fromstring(document)
    return {employee.findtext(f"{NS}Employment/{NS}PayId"): employee for employee in root.iter(f"{NS}Employee")}


def test_the_mapping_carries_each_payslips_figures_and_the_hr_record(moj, finalised_run, in_department):
    # given a finalised run
    run = finalised_run()
    with in_department(moj):
        # when its payslips are mapped
        described = {employee.payroll_id: employee for employee in rti_mapping.fps_employees(run, chunk_size=2)}
        slip = Payslip.objects.select_related("employee").get(run=run, employee__payroll_number="E0001")
    # then every paid employee is there, with the payslip's figures this period and to date
    assert set(described) == {"M0001", "E0001", "E0002"}
    esme = described["E0001"]
    assert esme.nino == "CE987654B"
    assert esme.name.surname == "Tester"
    assert esme.name.forenames == ("Esme",)
    assert esme.address is not None
    assert esme.address.uk_postcode == "BS1 4DJ"
    assert esme.pay_frequency == PayFrequency.MONTHLY
    assert esme.period_number == run.tax_period
    assert esme.taxable_pay_in_period == slip.taxable_pay
    assert esme.tax_in_period == slip.income_tax
    assert esme.taxable_pay_ytd == Decimal(slip.year_to_date["taxable_pay"])
    assert esme.hours == HoursBand.THIRTY_OR_MORE
    (letter,) = esme.ni
    assert letter.letter == "A"
    assert letter.employee_in_period == slip.employee_ni
    assert letter.employer_in_period == slip.employer_ni
    assert letter.at_lel_ytd + letter.lel_to_pt_ytd + letter.pt_to_uel_ytd <= letter.gross_ytd
    # a continuing employee (started in 2020) is not reported as a starter
    assert esme.starter is None
    assert esme.leaving_date is None


def test_finalising_builds_a_valid_fps_and_records_it_as_file_only(moj, finalised_run, in_department):
    # when a run is finalised (no gateway is configured)
    run = finalised_run()
    # then its FPS is stored, valid, and stops at file only
    with in_department(moj):
        submission = RtiSubmission.objects.get(run=run)
    assert submission.status == RtiSubmission.Status.FILE_ONLY, submission.validation_errors
    assert submission.employees == 3
    assert submission.tax_year == run.tax_year
    document = default_storage.open(submission.document).read()
    assert validate_fps(document) == []
    assert set(_employees(document)) == {"M0001", "E0001", "E0002"}
    assert len(submission.irmark) == 28


def test_the_old_payroll_id_goes_on_the_first_fps_only(moj, finalised_run, in_department, approved_run,
                                                       django_capture_on_commit_callbacks):
    # given a migrated employee whose payroll ID changed from the previous system's
    with in_department(moj):
        Employee.objects.filter(payroll_number="E0002").update(previous_payroll_id="OLD-00123")
    # when the first run is finalised
    first = finalised_run()
    with in_department(moj):
        document = default_storage.open(RtiSubmission.objects.get(run=first).document).read()
    changed = _employees(document)["E0002"].find(f"{NS}Employment/{NS}PayIdChgd")
    # then its FPS carries the old ID and the changed indicator, and no starter block
    assert changed is not None
    assert changed.findtext(f"{NS}OldPayrollId") == "OLD-00123"
    assert changed.findtext(f"{NS}PayrollIdChangedIndicator") == "yes"
    assert _employees(document)["E0002"].find(f"{NS}Employment/{NS}Starter") is None
    # and the next run's FPS does not
    with in_department(moj):
        following = services.pay_run_create(schedule=first.schedule, period_containing=first.period_end
                                            + __import__("datetime").timedelta(days=1), acting_user=None)
    services.pay_run_open(run=following, acting_user=moj.payroll_officer)
    from payroll.tasks import start_calculation
    with django_capture_on_commit_callbacks(execute=True):
        start_calculation(run=following, acting_user=moj.payroll_officer)
    settle_review(following)
    services.pay_run_approve(run=following, acting_user=moj.payroll_approver)
    with django_capture_on_commit_callbacks(execute=True):
        services.pay_run_finalise(run=following, acting_user=moj.payroll_approver)
    with in_department(moj):
        submission = RtiSubmission.objects.get(run=following)
        assert submission.status == RtiSubmission.Status.FILE_ONLY, submission.validation_errors
        later = _employees(default_storage.open(submission.document).read())["E0002"]
    assert later.find(f"{NS}Employment/{NS}PayIdChgd") is None
    assert later.findtext(f"{NS}Employment/{NS}PayId") == "E0002"


def test_an_employee_the_fps_cannot_describe_is_an_exception_before_approval(moj, hmrc_ready, in_department,
                                                                             approved_run):
    # given an employee with neither an NI number nor an address
    with in_department(moj):
        Employee.objects.filter(payroll_number="E0002").update(ni_number="", address_line_1="", town="",
                                                               postcode="")
    # when the run is calculated
    run = approved_run()
    # then the review lists it, with an rti_ code, and nobody else
    with in_department(moj):
        found = list(PayRunException.objects.filter(run=run, code__startswith="rti_").select_related("employee"))
    assert [(item.employee.payroll_number, item.code) for item in found] == [("E0002", "rti_nino")]
    assert "National Insurance number" in found[0].reason


def test_a_department_without_its_accounts_office_reference_gets_an_invalid_fps(moj, finance_setting, approved_run,
                                                                                 in_department,
                                                                                 django_capture_on_commit_callbacks):
    # given a department that never recorded its HMRC references
    run = approved_run()
    # when the run is finalised
    with django_capture_on_commit_callbacks(execute=True):
        services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
    # then the FPS is recorded as failing, saying why, and the run stays finalised
    with in_department(moj):
        submission = RtiSubmission.objects.get(run=run)
        assert PayRun.objects.get(pk=run.pk).status == PayRun.Status.FINALISED
    assert submission.status == RtiSubmission.Status.INVALID
    assert {error["location"] for error in submission.validation_errors} == {"accounts_office_reference"}


def test_fps_write_refuses_a_run_not_finalised(moj, hmrc_ready, approved_run, in_department):
    run = approved_run()
    with in_department(moj), pytest.raises(Exception, match="finalised"):
        services.fps_write(run=run, out=io.BytesIO())


def test_a_new_starter_carries_the_starter_declaration_on_the_first_fps_and_a_leaver_the_leaving_date(
        moj, hmrc_ready, approved_run, in_department, django_capture_on_commit_callbacks):
    # given a starter this period who made declaration A and repays a Plan 2 loan, and a leaver
    today = timezone.localdate()
    with in_department(moj):
        Employee.objects.filter(payroll_number="E0001").update(start_date=today.replace(day=1), starter_declaration="A",
                                                               student_loans=["plan2"])
        Employee.objects.filter(payroll_number="E0002").update(leave_date=today.replace(day=2))
    # when the run is finalised
    run = approved_run()
    with django_capture_on_commit_callbacks(execute=True):
        services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
    with in_department(moj):
        submission = RtiSubmission.objects.get(run=run)
        described = {employee.payroll_id: employee for employee in rti_mapping.fps_employees(run)}
    # then the FPS is valid, the starter block is on the starter only, the leaving date on the leaver only
    assert submission.status == RtiSubmission.Status.FILE_ONLY, submission.validation_errors
    employees = _employees(default_storage.open(submission.document).read())
    starter = employees["E0001"].find(f"{NS}Employment/{NS}Starter")
    assert starter.findtext(f"{NS}StartDec") == "A"
    assert starter.findtext(f"{NS}StudentLoan") == "yes"
    assert starter.findtext(f"{NS}StartDate") == today.replace(day=1).isoformat()
    assert employees["M0001"].find(f"{NS}Employment/{NS}Starter") is None
    assert employees["E0002"].findtext(f"{NS}Employment/{NS}LeavingDate") == today.replace(day=2).isoformat()
    assert employees["E0001"].find(f"{NS}Employment/{NS}LeavingDate") is None
    assert described["E0001"].student_loan.plan == "02"
