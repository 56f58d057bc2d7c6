"""No silent gaps: the dry run names every expected column a file lacks and what follows, and an
import with such gaps goes ahead only once each one is confirmed (command, page and API), the job
recording what was confirmed. A first import can create its grades, units and cost centres."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from hr.models import Employee
from onboarding import services
from onboarding.columns import gaps_of, shown_notes
from onboarding.legacy_export import EXPORT_HEADINGS
from onboarding.models import ImportJob, ImportMapping
from payroll.models import OpeningBalance
from tests.onboarding.conftest import csv_bytes, staff_row

pytestmark = pytest.mark.django_db

WITHOUT = ("Work Email", "YTD Student Loan", "Sort Code", "Account No")


def _file_without(*headings: str, rows: int = 2) -> bytes:
    return csv_bytes([staff_row(number) for number in range(1, rows + 1)],
                     [heading for heading in EXPORT_HEADINGS if heading not in headings])


def _dry_run(moj, content: bytes, mapping=None) -> ImportJob:
    job = services.import_job_create(department=moj.department, upload=io.BytesIO(content), original_name="s.csv",
                                     acting_user=moj.hr_admin, dry_run=True, mapping=mapping)
    return services.import_job_run(department=moj.department, job_id=job.pk)


def test_the_dry_run_names_every_missing_column_and_what_follows(moj, creating_mapping):
    # when
    job = _dry_run(moj, _file_without(*WITHOUT), creating_mapping)
    # then
    assert job.status == ImportJob.Status.VALIDATED
    assert gaps_of(job.notes).missing == ("bank_sort_code", "bank_account_number", "work_email", "ytd_student_loan")
    notes = " ".join(shown_notes(job.notes))
    assert "The file has no YTD student loan column: year-to-date student loan deductions will start at zero." \
        in notes
    assert "The file has no Work e-mail column: people cannot sign in with single sign-on until their work " \
           "e-mail is added." in notes
    assert "The file has no Sort code column: no Bacs payments: net pay cannot be paid" in notes


def test_a_full_export_has_no_gaps(moj, creating_mapping):
    job = _dry_run(moj, csv_bytes([staff_row(1)]), creating_mapping)

    assert gaps_of(job.notes).missing == ()
    assert not any("has no" in note for note in shown_notes(job.notes))


def test_a_commit_with_gaps_is_refused_naming_them_until_each_is_confirmed(moj, in_department, creating_mapping):
    # given a dry run of a file without four expected columns
    dry_run = _dry_run(moj, _file_without(*WITHOUT), creating_mapping)
    # when the import confirms only two of them
    with pytest.raises(ValidationError) as refused:
        services.import_job_commit(department=moj.department, source=dry_run, accept_valid=False,
                                   accept_missing=["work_email", "Sort Code"], acting_user=moj.hr_admin)
    # then it is refused naming the other two with what follows, and nothing is written
    message = refused.value.message_dict["accept_missing"][0]
    assert "Account number (no Bacs payments" in message
    assert "YTD student loan (year-to-date student loan deductions will start at zero)" in message
    assert "Work e-mail" not in message
    with in_department(moj):
        assert ImportJob.objects.filter(dry_run=False).count() == 0
    # when every gap is confirmed (by key, label or heading)
    job = services.import_job_commit(department=moj.department, source=dry_run, accept_valid=False,
                                     accept_missing=["work_email", "Sort Code", "Account number", "YTD Student Loan"],
                                     acting_user=moj.hr_admin)
    job = services.import_job_run(department=moj.department, job_id=job.pk)
    # then it imports, and the job records what was confirmed and by whom
    assert job.status == ImportJob.Status.COMMITTED
    gaps = gaps_of(job.notes)
    assert gaps.missing == gaps.accepted == ("bank_sort_code", "bank_account_number", "work_email",
                                             "ytd_student_loan")
    assert gaps.accepted_by == moj.hr_admin.email
    assert gaps.accepted_at
    with in_department(moj):
        assert Employee.objects.filter(payroll_number__startswith="LP").count() == 2
        assert set(OpeningBalance.objects.values_list("student_loan", flat=True)) == {0}


def test_confirming_a_column_that_is_no_field_is_refused(moj, creating_mapping):
    dry_run = _dry_run(moj, _file_without("Work Email"), creating_mapping)

    with pytest.raises(ValidationError, match="not columns an import can go ahead without: Favourite colour"):
        services.import_job_commit(department=moj.department, source=dry_run, accept_valid=False,
                                   accept_missing=["Favourite colour"], acting_user=moj.hr_admin)


def test_import_staff_refuses_gaps_without_accept_missing_and_writes_nothing(tmp_path, moj, in_department, capsys):
    # given
    path = tmp_path / "staff.csv"
    path.write_bytes(_file_without("Work Email", "YTD PG Loan"))
    # when the dry run reads it, it names each gap and the flag that confirms them
    with pytest.raises(CommandError):  # the department has none of the file's grades yet
        call_command("import_staff", str(path), "--department", moj.slug, "--dry-run")
    output = capsys.readouterr().out
    assert "Note: The file has no Work e-mail column: people cannot sign in" in output
    assert "Note: The file has no YTD postgraduate loan column: year-to-date postgraduate loan deductions will " \
           "start at zero" in output
    assert "add --accept-missing work_email,ytd_postgraduate_loan" in output
    # when the import has no confirmation
    with pytest.raises(CommandError, match="no column for work_email, ytd_postgraduate_loan. To import without "
                                           "them, add --accept-missing work_email,ytd_postgraduate_loan"):
        call_command("import_staff", str(path), "--department", moj.slug, "--create-missing-references")
    with in_department(moj):
        assert not Employee.objects.filter(payroll_number__startswith="LP").exists()
    # when it confirms only one
    with pytest.raises(CommandError, match="no column for ytd_postgraduate_loan"):
        call_command("import_staff", str(path), "--department", moj.slug, "--create-missing-references",
                     "--accept-missing", "work_email")
    # then with both it imports
    call_command("import_staff", str(path), "--department", moj.slug, "--create-missing-references",
                 "--accept-missing", "work_email,YTD PG Loan")
    with in_department(moj):
        assert Employee.objects.filter(payroll_number__startswith="LP").count() == 2
        job = ImportJob.objects.filter(status=ImportJob.Status.COMMITTED).get()
    assert gaps_of(job.notes).accepted == ("work_email", "ytd_postgraduate_loan")
    assert gaps_of(job.notes).accepted_by == "command line"


def test_import_staff_creates_the_references_of_a_first_import_with_a_flag(tmp_path, moj, in_department, capsys):
    # given a new department's first export, naming grades, units and cost centres it does not have
    path = tmp_path / "staff.csv"
    path.write_bytes(csv_bytes([staff_row(1), staff_row(2, Grade="HEO", **{"Cost Centre": "CC200"})]))
    # then without the flag every row is refused for them
    with pytest.raises(CommandError):
        call_command("import_staff", str(path), "--department", moj.slug)
    assert "Grade EO does not exist in the department" in capsys.readouterr().out
    # and with it they are created and the staff imported
    call_command("import_staff", str(path), "--department", moj.slug, "--create-missing-references")
    with in_department(moj):
        employees = Employee.objects.filter(payroll_number__startswith="LP")
        assert employees.count() == 2
        job = ImportJob.objects.filter(status=ImportJob.Status.COMMITTED).get()
    assert job.create_missing_references
    assert job.reconciliation["new_references"]["grade"] == ["EO", "HEO"]
    assert job.reconciliation["new_references"]["cost_centre"] == ["CC100", "CC200"]


def test_the_commit_page_lists_each_gap_as_a_checkbox_and_refuses_until_all_are_ticked(
        client, moj, in_department, creating_mapping):
    # given a dry run of a file without two expected columns
    client.force_login(moj.hr_admin)
    dry_run = _dry_run(moj, _file_without("Work Email", "Payroll ID"), creating_mapping)
    page_url = f"/departments/{moj.slug}/onboarding/imports/{dry_run.pk}/"
    page = client.get(page_url).content.decode()
    # then its page lists each with what follows, as checkboxes of the commit form
    assert 'name="accept_missing" type="checkbox" value="previous_payroll_id"' in page
    assert 'name="accept_missing" type="checkbox" value="work_email"' in page
    assert "People cannot sign in with single sign-on until their work e-mail is added" in page
    # when the import is asked for with one ticked
    response = client.post(page_url + "commit/", {"accept_missing": ["work_email"]})
    # then the page shows an error summary naming the other, and nothing is imported
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Confirm that the import goes ahead without these columns: Payroll ID" in page
    with in_department(moj):
        assert not ImportJob.objects.filter(dry_run=False).exists()
    # when both are ticked, the import starts
    response = client.post(page_url + "commit/", {"accept_missing": ["work_email", "previous_payroll_id"]})
    assert response.status_code == 302
    with in_department(moj):
        job = ImportJob.objects.get(dry_run=False)
    assert gaps_of(job.notes).accepted == ("previous_payroll_id", "work_email")


def test_the_api_commit_needs_accept_missing_naming_each_gap(api_client, moj, in_department, creating_mapping):
    # given a dry run without the work e-mail column, seen through the API
    dry_run = _dry_run(moj, _file_without("Work Email"), creating_mapping)
    api_client.force_login(moj.hr_officer)
    base = f"/api/v1/departments/{moj.slug}/imports/{dry_run.pk}/"
    detail = api_client.get(base).json()
    assert detail["missing_columns"] == [{
        "key": "work_email", "label": "Work e-mail", "accepted": False,
        "consequence": "people cannot sign in with single sign-on until their work e-mail is added"}]
    assert all(isinstance(note, str) for note in detail["notes"])
    # when the commit does not confirm it
    response = api_client.post(base + "commit/", {}, format="json")
    # then a problem names the missing column, and nothing is imported
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "Work e-mail (people cannot sign in" in str(response.json())
    # and with it, the import starts
    response = api_client.post(base + "commit/", {"accept_missing": ["work_email"]}, format="json")
    assert response.status_code == 202
    assert response.json()["missing_columns"] == []  # known once the new job has read the file


def test_a_saved_mapping_names_the_headings_of_the_staff_export_and_of_the_legacy_results(
        client, moj, in_department, creating_mapping):
    # given a mapping with a heading for the staff file and one for the results file
    client.force_login(moj.hr_admin)
    response = client.post(f"/departments/{moj.slug}/onboarding/mappings/new/", {
        "name": "Both", "column_payroll_number": "Employee Ref", "column_gross_pay": "Total Earnings"})
    assert response.status_code == 302
    with in_department(moj):
        mapping = ImportMapping.objects.get(name="Both")
    assert mapping.columns == {"payroll_number": "Employee Ref", "gross_pay": "Total Earnings"}
    # then a staff import with it is not upset by the results heading
    content = csv_bytes([staff_row(1)]).replace(b"Payroll No", b"Employee Ref", 1)
    job = _dry_run(moj, content, mapping)
    assert job.status == ImportJob.Status.VALIDATED, job.file_problem
