"""The FPS and EPS on demand: ``manage.py rti_fps`` and ``rti_eps`` (a valid file, or a non-zero
exit listing what is wrong) and the API (the XML, the department wall, a run not finalised, the
submissions and building one again)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from lxml import etree
from rest_framework.test import APIClient

from departments import services as department_services
from hr.models import Employee
from payroll import services
from payroll.engine.rti import validate_eps, validate_fps
from payroll.models import PayInput, PayRun, Payslip, RtiSubmission

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
EPS_NS = "{http://www.govtalk.gov.uk/taxation/PAYE/RTI/EmployerPaymentSummary/26-27/1}"


def _client(department, scopes):
    _, raw = department_services.api_token_create(department=department.department, name="+".join(scopes),
                                                  acting_user=None, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_the_fps_command_writes_a_valid_file(moj, finalised_run, tmp_path, capsys):
    run = finalised_run()
    out = tmp_path / "fps.xml"
    call_command("rti_fps", "--department", "moj", "--run", str(run.pk), "--out", str(out))
    assert validate_fps(out.read_bytes()) == []
    assert "3 employees" in capsys.readouterr().out


def test_the_fps_command_refuses_a_run_not_finalised_and_an_unknown_one(moj, hmrc_ready, approved_run, tmp_path):
    run = approved_run()
    out = tmp_path / "fps.xml"
    with pytest.raises(CommandError, match="status: .*finalised"):
        call_command("rti_fps", "--department", "moj", "--run", str(run.pk), "--out", str(out))
    with pytest.raises(CommandError, match="--run: moj has no pay run 999999"):
        call_command("rti_fps", "--department", "moj", "--run", "999999", "--out", str(out))
    with pytest.raises(CommandError, match="--department"):
        call_command("rti_fps", "--department", "nowhere", "--run", str(run.pk), "--out", str(out))
    assert not out.exists()


def test_the_fps_command_lists_hmrcs_errors_and_writes_nothing_when_invalid(moj, finalised_run, tmp_path,
                                                                           in_department):
    # given a run paid to someone whose date of birth HMRC's rules refuse (over 130 years ago)
    run = finalised_run()
    with in_department(moj):
        Employee.objects.filter(payroll_number="E0001").update(date_of_birth=datetime.date(1880, 1, 1))
    out = tmp_path / "fps.xml"
    with pytest.raises(CommandError, match="refuse it") as refused:
        call_command("rti_fps", "--department", "moj", "--run", str(run.pk), "--out", str(out))
    assert "BirthDate" in str(refused.value)
    assert not out.exists()


def test_the_eps_command_reports_no_payment_for_a_month_nobody_was_paid(moj, hmrc_ready, tmp_path):
    out = tmp_path / "eps.xml"
    call_command("rti_eps", "--department", "moj", "--tax-year", "2026-27", "--tax-month", "2", "--final",
                 "--out", str(out))
    document = out.read_bytes()
    assert validate_eps(document) == []
    body = etree.fromstring(document).find(f".//{EPS_NS}EmployerPaymentSummary")
    assert body.findtext(f"{EPS_NS}NoPaymentForPeriod") == "yes"
    assert body.findtext(f"{EPS_NS}NoPaymentDates/{EPS_NS}From") == "2026-05-06"
    assert body.findtext(f"{EPS_NS}NoPaymentDates/{EPS_NS}To") == "2026-06-05"
    assert body.findtext(f"{EPS_NS}FinalSubmission/{EPS_NS}ForYear") == "yes"
    # a small pay bill stays under the levy allowance: no levy is reported
    assert body.find(f"{EPS_NS}ApprenticeshipLevy") is None


def test_the_eps_carries_the_apprenticeship_levy_once_the_pay_bill_passes_the_allowance(moj, finalised_run,
                                                                                       in_department, tmp_path):
    # given a pay bill of some £4,000,000: 0.5% of it is above the allowance built up so far this year
    def awards(schedule):
        with in_department(moj):
            period_start = PayRun.objects.get(schedule=schedule).period_start
            PayInput.objects.bulk_create([PayInput(
                employee=employee, schedule=schedule, period_start=period_start, code="AWARD", description="Award",
                kind=PayInput.Kind.TAXABLE_PAYMENT, amount=Decimal("2000000.00"))
                for employee in Employee.objects.filter(payroll_number__in=["M0001", "E0001"])])

    run = finalised_run(before_open=awards)
    tax_month = next(month for month in range(1, 13)
                     if services.tax_month_dates(run.tax_year, month)[0] <= run.pay_date
                     <= services.tax_month_dates(run.tax_year, month)[1])
    with in_department(moj):
        pay_bill = sum(slip.gross_pay for slip in Payslip.objects.filter(run=run))
    # when the month's EPS is built
    out = tmp_path / "eps.xml"
    call_command("rti_eps", "--department", "moj", "--tax-year", run.tax_year, "--tax-month", str(tax_month),
                 "--out", str(out))
    # then it reports the levy to date in whole pounds, and no "no payment" declaration
    body = etree.fromstring(out.read_bytes()).find(f".//{EPS_NS}EmployerPaymentSummary")
    assert body.find(f"{EPS_NS}NoPaymentForPeriod") is None
    levy = body.find(f"{EPS_NS}ApprenticeshipLevy")
    expected = int(pay_bill * Decimal("0.005") - Decimal("1250") * tax_month)
    assert levy.findtext(f"{EPS_NS}LevyDueYTD") == f"{expected}.00"
    assert levy.findtext(f"{EPS_NS}TaxMonth") == str(tax_month)
    assert levy.findtext(f"{EPS_NS}AnnualAllce") == "15000.00"


def test_the_api_gives_the_runs_fps_as_xml_and_404_to_another_department(moj, dft, finalised_run):
    run = finalised_run()
    reader = _client(moj, ["payroll:read"])
    answer = reader.get(f"/api/v1/departments/moj/payroll/runs/{run.pk}/fps")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/xml"
    assert validate_fps(b"".join(answer.streaming_content)) == []
    # another department's token, even through its own address, cannot reach moj's run
    other = _client(dft, ["payroll:read"])
    assert other.get(f"/api/v1/departments/moj/payroll/runs/{run.pk}/fps").status_code == 404
    assert other.get(f"/api/v1/departments/dft/payroll/runs/{run.pk}/fps").status_code == 404


def test_the_api_answers_409_for_a_run_not_finalised(moj, hmrc_ready, approved_run):
    run = approved_run()
    answer = _client(moj, ["payroll:read"]).get(f"/api/v1/departments/moj/payroll/runs/{run.pk}/fps")
    assert answer.status_code == 409
    assert answer["Content-Type"] == PROBLEM
    assert "finalised" in answer.json()["detail"]


def test_the_api_lists_submissions_and_builds_a_rejected_one_again(moj, finalised_run, in_department):
    run = finalised_run()
    with in_department(moj):
        submission = RtiSubmission.objects.get(run=run)
        RtiSubmission.objects.filter(pk=submission.pk).update(
            status=RtiSubmission.Status.REJECTED, hmrc_errors=[{"number": "7805", "text": "The NINO is not valid",
                                                                 "type": "business", "location": "", "raised_by": ""}])
    reader = _client(moj, ["payroll:read"])
    listed = reader.get("/api/v1/departments/moj/payroll/rti/submissions/?kind=fps")
    assert listed.status_code == 200
    assert [(row["id"], row["status"]) for row in listed.json()["results"]] == [(submission.pk, "rejected")]
    detail = reader.get(f"/api/v1/departments/moj/payroll/rti/submissions/{submission.pk}")
    assert detail.json()["hmrc_errors"][0]["text"] == "The NINO is not valid"
    # building again needs payroll:submit
    url = f"/api/v1/departments/moj/payroll/rti/submissions/{submission.pk}/resubmit"
    assert reader.post(url).status_code == 403
    submitter = _client(moj, ["payroll:read", "payroll:submit"])
    again = submitter.post(url)
    assert again.status_code == 201, again.content
    assert again.json()["replaces"] == submission.pk
    assert again.json()["status"] == "file_only"
    # and an accepted or file-only submission is not built again
    refused = submitter.post(
        f"/api/v1/departments/moj/payroll/rti/submissions/{again.json()['id']}/resubmit")
    assert refused.status_code == 409
    assert refused["Content-Type"] == PROBLEM


def test_a_bad_filter_is_a_400_naming_it(moj):
    answer = _client(moj, ["payroll:read"]).get("/api/v1/departments/moj/payroll/rti/submissions/?status=lost")
    assert answer.status_code == 400
    assert answer["Content-Type"] == PROBLEM


def test_building_the_fps_is_refused_without_the_departments_references(moj, finance_setting, approved_run,
                                                                          in_department):
    run = services.pay_run_finalise(run=approved_run(), acting_user=moj.payroll_approver)
    answer = _client(moj, ["payroll:read"]).get(f"/api/v1/departments/moj/payroll/runs/{run.pk}/fps")
    assert answer.status_code == 400
    assert answer["Content-Type"] == PROBLEM
    assert "accounts_office_reference" in {error["field"] for error in answer.json()["errors"]}
