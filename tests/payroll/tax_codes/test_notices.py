"""HMRC's tax code notices: loaded from a CSV file (page, command) or the API, each line matched to
an employee by payroll number and NI number, checked, stored with its status or its reason, and
applied from the next pay period whose run has not been opened; runs under way never change."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from departments.models import AuditEvent
from hr.models import Employee
from payroll import services
from payroll.models import Payslip, TaxCodeNotice
from payroll.tasks import start_calculation

pytestmark = pytest.mark.django_db
HEADER = "form,payroll_number,ni_number,tax_code,week1_month1,effective_from,previous_pay,previous_tax\n"


@pytest.fixture
def staff(moj, finance_setting, in_department):
    """moj's three employees with their NI numbers: M0001, E0001 and E0002."""
    with in_department(moj):
        for number, nino in (("M0001", "AB123456A"), ("E0001", "AB123456B"), ("E0002", "AB123456C")):
            Employee.objects.filter(payroll_number=number).update(ni_number=nino)
    return finance_setting


def _employee(moj, in_department, number):
    with in_department(moj):
        return Employee.objects.get(payroll_number=number)


def _notices(moj, in_department):
    with in_department(moj):
        return {notice.source.rsplit(" ", 1)[-1]: notice for notice in TaxCodeNotice.objects.all()}


def _load(moj, text, name="p6.csv"):
    lines = services.tax_code_notice_lines_from_csv(content=text.encode(), source_name=name)
    return services.tax_code_notices_receive(department=moj.department, lines=lines, acting_user=moj.payroll_officer,
                                             source=name)


def test_a_p6_with_no_run_under_way_changes_the_code_and_is_audited(moj, staff, in_department):
    # when HMRC's P6 for E0001 (week 1/month 1 shown as M1 after the code) is loaded
    outcome = _load(moj, HEADER + f"P6,E0001,AB 12 34 56 B,S1185L M1,,{timezone.localdate():%d/%m/%Y},,\n")
    # then it is applied at once: the employee's code and basis change, and the change is audited
    assert (outcome.applied, outcome.pending, outcome.rejected) == (1, 0, 0)
    employee = _employee(moj, in_department, "E0001")
    assert (employee.tax_code, employee.tax_basis) == ("S1185L", "week1_month1")
    with in_department(moj):
        event = AuditEvent.objects.get(action="employee.tax_code")
        assert event.changes["tax_code"] == {"before": "1257L", "after": "S1185L"}
        assert "HMRC P6" in event.reason
        assert AuditEvent.objects.filter(action="tax_code_notices.receive").count() == 1


def test_every_line_that_cannot_be_used_is_stored_rejected_with_its_reason(moj, staff, in_department):
    today = timezone.localdate()
    text = HEADER + "\n".join([
        f"P6,X9999,AB123456A,1185L,,{today},,",  # line 2: no such employee
        f"P6,M0001,AB999999A,1185L,,{today},,",  # line 3: NI number of someone else
        f"P6,M0001,AB123456A,12345Q,,{today},,",  # line 4: not a tax code
        f"P6B,M0001,AB123456A,1185L,,{today},,",  # line 5: P6B without earlier pay and tax
        f"P9,M0001,AB123456A,1288L,,{today.year + 1}-05-01,,",  # line 6: a P9 starts the tax year
        f"P6,M0001,AB123456A,1185L,maybe,{today},,",  # line 7: basis neither yes nor no
        f"P7,M0001,AB123456A,1185L,,{today},,",  # line 8: no such form
        f"P6,M0001,AB123456A,1185L,,{today},,",  # line 9: good
        f"P6,M0001,AB123456A,1185L,,{today},,",  # line 10: the same again
    ]) + "\n"
    outcome = _load(moj, text)
    assert (outcome.applied, outcome.rejected) == (1, 8)
    notices = _notices(moj, in_department)
    reasons = {line: notice.reason for line, notice in notices.items() if notice.status == "rejected"}
    assert "no employee has the payroll number X9999" in reasons["2"]
    assert "AB999999A is not the National Insurance number" in reasons["3"]
    assert "'12345Q' is not a tax code HMRC issues" in reasons["4"]
    assert "a P6B gives the pay and tax of earlier employments" in reasons["5"]
    assert "takes effect on 6 April" in reasons["6"]
    assert "should be yes or no" in reasons["7"]
    assert "'P7' is not P6, P6B, P9 or P9X" in reasons["8"]
    assert "The same notice was received" in reasons["10"]
    assert notices["9"].status == "applied"
    assert _employee(moj, in_department, "M0001").tax_code == "1185L"


def test_a_notice_waits_while_a_run_is_under_way_and_applies_from_the_next_period(
        moj, staff, approved_run, in_department, django_capture_on_commit_callbacks):
    # given this period's run, calculated and approved on E0002's current code
    run = approved_run()
    # when a P6 effective today arrives
    outcome = _load(moj, HEADER + f"P6,E0002,AB123456C,1100L,no,{timezone.localdate()},,\n")
    # then it waits: the approved run keeps the code it was calculated on
    assert outcome.pending == 1
    notice = _notices(moj, in_department)["2"]
    assert "Waiting for the Monthly run" in notice.reason
    assert notice.applied_from == run.period_end + datetime.timedelta(days=1)
    assert _employee(moj, in_department, "E0002").tax_code == "1257L"
    # when the run is finalised and the waiting notices are applied (as opening the next run does)
    services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
    with in_department(moj):
        assert Payslip.objects.get(run=run, employee__payroll_number="E0002").tax_code == "1257L"
    assert services.tax_code_notices_apply_due(department=moj.department, acting_user=moj.payroll_officer) == 1
    # then the next period's run is calculated on the new code, and the finalised one is unchanged
    following = services.pay_run_create(schedule=run.schedule, period_containing=notice.applied_from,
                                        acting_user=None)
    services.pay_run_open(run=following, acting_user=moj.payroll_officer)
    with django_capture_on_commit_callbacks(execute=True):
        start_calculation(run=following, acting_user=moj.payroll_officer)
    with in_department(moj):
        assert Payslip.objects.get(run=following, employee__payroll_number="E0002").tax_code == "1100L"
        assert Payslip.objects.get(run=run, employee__payroll_number="E0002").tax_code == "1257L"
        assert TaxCodeNotice.objects.get().status == "applied"


def test_a_p9_for_next_tax_year_waits_for_its_period(moj, staff, approved_run, in_department):
    run = approved_run()
    services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
    april = datetime.date(int(run.tax_year[:4]) + 1, 4, 6)
    outcome = _load(moj, HEADER + f"P9,M0001,AB123456A,1288L,,{april},,\n", name="p9.csv")
    assert outcome.pending == 1
    notice = _notices(moj, in_department)["2"]
    assert notice.applied_from is not None
    assert notice.applied_from > run.period_end
    assert "Applies from the period starting" in notice.reason
    assert _employee(moj, in_department, "M0001").tax_code == "1257L"
    # applying what is due changes nothing before then
    assert services.tax_code_notices_apply_due(department=moj.department, acting_user=None) == 0


def test_the_command_prints_the_counts_and_fails_on_a_file_it_cannot_read(moj, staff, tmp_path, capsys):
    good = tmp_path / "p6.csv"
    good.write_text(HEADER + f"P6,E0001,AB123456B,1185L,,{timezone.localdate()},,\n"
                             f"P6,E0001,AB000000B,1185L,,{timezone.localdate()},,\n")
    call_command("load_tax_code_notices", "--department", moj.slug, str(good))
    captured = capsys.readouterr()
    assert "applied=1 pending=0 rejected=1" in captured.out
    assert "p6.csv line 3: rejected: ni_number" in captured.err
    with pytest.raises(CommandError, match="cannot read the file"):
        call_command("load_tax_code_notices", "--department", moj.slug, str(tmp_path / "missing.csv"))
    no_columns = tmp_path / "wrong.csv"
    no_columns.write_text("payroll,code\nE0001,1185L\n")
    with pytest.raises(CommandError, match="no column for: form"):
        call_command("load_tax_code_notices", "--department", moj.slug, str(no_columns))
    latin = tmp_path / "latin.csv"
    latin.write_bytes(HEADER.encode() + "P6,E0001,AB123456B,1185L,,2026-12-01,£5,\n".encode("cp1252"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("load_tax_code_notices", "--department", moj.slug, str(latin))
    with pytest.raises(CommandError, match="no department"):
        call_command("load_tax_code_notices", "--department", "nope", str(good))


# --- API ---------------------------------------------------------------------------------------------

def _api(moj):
    return f"/api/v1/departments/{moj.slug}/payroll/tax-code-notices/"


def test_the_api_receives_a_list_and_answers_with_each_notices_outcome(api_client, moj, dft, staff, in_department):
    api_client.force_login(moj.payroll_officer)
    today = timezone.localdate().isoformat()
    response = api_client.post(_api(moj), {"notices": [
        {"form": "P6B", "payroll_number": "E0001", "ni_number": "AB123456B", "tax_code": "1100L",
         "effective_from": today, "previous_pay": "8000.00", "previous_tax": "950.00"},
        {"form": "P6", "payroll_number": "E0002", "ni_number": "AB123456B", "tax_code": "1100L",
         "effective_from": today},
    ]}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["applied"], body["pending"], body["rejected"]) == (1, 0, 1)
    assert [notice["status"] for notice in body["notices"]] == ["applied", "rejected"]
    assert "not the National Insurance number" in body["notices"][1]["reason"]
    employee = _employee(moj, in_department, "E0001")
    assert employee.tax_code == "1100L"
    # the list shows them, narrowed by status; another department sees none of them
    listed = api_client.get(_api(moj), {"status": "rejected"}).json()
    assert [notice["payroll_number"] for notice in listed["results"]] == ["E0002"]
    api_client.force_login(dft.payroll_officer)
    assert api_client.get(f"/api/v1/departments/{dft.slug}/payroll/tax-code-notices/").json()["count"] == 0
    assert api_client.get(_api(moj)).status_code == 404


def test_the_api_refuses_malformed_notices_naming_the_field_and_needs_payroll_submit(api_client, moj, staff):
    api_client.force_login(moj.payroll_officer)
    response = api_client.post(_api(moj), {"notices": [
        {"form": "P6", "payroll_number": "E0001", "ni_number": "AB123456B", "tax_code": "1100L",
         "effective_from": "1st December"}]}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert any("effective_from" in error["field"] for error in response.json()["errors"])
    assert api_client.post(_api(moj), {"notices": []}, format="json").status_code == 400
    api_client.force_login(moj.auditor)
    assert api_client.get(_api(moj)).status_code == 200
    assert api_client.post(_api(moj), {"notices": []}, format="json").status_code == 403


# --- Pages -------------------------------------------------------------------------------------------

def _page(moj):
    return f"/departments/{moj.slug}/payroll/tax-codes/"


def test_a_payroll_officer_loads_a_file_and_sees_each_notice_with_its_status(client, moj, staff, in_department):
    client.force_login(moj.payroll_officer)
    text = HEADER + (f"P6,E0001,AB123456B,1185L,,{timezone.localdate()},,\n"
                     f"P6,E0009,AB123456B,1185L,,{timezone.localdate()},,\n")
    upload = client.post(_page(moj), {"file": _file("hmrc-p6.csv", text)})
    assert upload.status_code == 302
    page = client.get(upload.url).content.decode()
    assert "hmrc-p6.csv: 1 applied, 0 waiting for a later period, 1 rejected" in page
    assert "no employee has the payroll number E0009" in page
    assert "hmrc-p6.csv line 2" in page
    rejected_only = client.get(_page(moj), {"status": "rejected"}).content.decode()
    assert "E0009" in rejected_only
    assert "Esme Tester" not in rejected_only


def test_a_file_that_cannot_be_read_is_shown_in_the_error_summary(client, moj, staff, in_department):
    client.force_login(moj.payroll_officer)
    response = client.post(_page(moj), {"file": _file("notes.csv", "name,code\nE0001,1185L\n")})
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "The file has no column for: form" in page
    with in_department(moj):
        assert TaxCodeNotice.objects.count() == 0


def test_reading_needs_payroll_read_and_loading_needs_payroll_submit(client, moj, staff):
    client.force_login(moj.employee)
    assert client.get(_page(moj)).status_code == 403
    client.force_login(moj.auditor)
    page = client.get(_page(moj)).content.decode()
    assert "Load the notices" not in page
    assert client.post(_page(moj), {"file": _file("p6.csv", HEADER)}).status_code == 403


def _file(name, text):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_earlier_employments_pay_is_kept_on_a_p6b(moj, staff, in_department):
    _load(moj, HEADER + f"P6B,E0001,AB123456B,1185L,,{timezone.localdate()},8000.00,950.00\n")
    notice = _notices(moj, in_department)["2"]
    assert (notice.previous_pay, notice.previous_tax) == (Decimal("8000.00"), Decimal("950.00"))


def test_the_page_applies_waiting_notices_once_the_run_is_finalised(client, moj, staff, approved_run, in_department):
    # given a notice waiting for this period's approved run
    run = approved_run()
    _load(moj, HEADER + f"P6,E0001,AB123456B,1100L,,{timezone.localdate()},,\n")
    client.force_login(moj.payroll_officer)
    page = client.get(_page(moj)).content.decode()
    assert "Waiting for the Monthly run" in page
    # when the run is finalised and the officer applies what is now due
    services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
    response = client.post(f"{_page(moj)}apply/")
    # then the notice is applied and the employee's code changed
    assert "1 waiting notice applied" in client.get(response.url).content.decode()
    assert _employee(moj, in_department, "E0001").tax_code == "1100L"
