"""The import API: upload (202), poll, reports, commit after a dry run; problem+json for bad input."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from hr.models import Employee
from onboarding.models import ImportJob
from tests.onboarding.conftest import csv_bytes, staff_row

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def _url(department, tail=""):
    return f"/api/v1/departments/{department.slug}/imports/{tail}"


def _upload(api_client, department, content, capture, **fields):
    with capture(execute=True):
        return api_client.post(_url(department), {"file": SimpleUploadedFile("staff.csv", content), **fields},
                               format="multipart")


def test_upload_runs_the_job_and_the_reports_can_be_fetched(api_client, moj, creating_mapping, in_department,
                                                            django_capture_on_commit_callbacks):
    api_client.force_login(moj.hr_officer)
    content = csv_bytes([staff_row(1), staff_row(2, **{"Forename": "=HYPERLINK(\"http://x.invalid\")"})])
    # when a file is uploaded for a dry run
    response = _upload(api_client, moj, content, django_capture_on_commit_callbacks, mapping="Legacy")
    # then the job is accepted, and polling shows it finished
    assert response.status_code == 202, response.content
    job_url = response["Location"]
    job = api_client.get(job_url).json()
    assert (job["status"], job["dry_run"]) == ("validated", True)
    assert job["counts"] == {"read": 2, "created": 1, "updated": 0, "unchanged": 0, "rejected": 1, "problems": 1}
    errors = api_client.get(job_url + "errors/").json()
    assert errors["results"] == [{"row": 3, "column": "Forename", "value": '=HYPERLINK("http://x.invalid")',
                                  "reason": "It looks like a spreadsheet formula, not a value. Enter the value "
                                            "itself."}]
    # and the CSV report never lets a spreadsheet run the formula
    report = b"".join(api_client.get(job_url + "errors.csv").streaming_content).decode()
    assert list(csv.reader(io.StringIO(report)))[1][2] == "'=HYPERLINK(\"http://x.invalid\")"
    with in_department(moj):
        assert not Employee.objects.exists()


def test_commit_after_a_dry_run_imports_and_reconciles(api_client, moj, creating_mapping, in_department,
                                                       django_capture_on_commit_callbacks):
    api_client.force_login(moj.hr_officer)
    dry = _upload(api_client, moj, csv_bytes([staff_row(1), staff_row(2)]), django_capture_on_commit_callbacks,
                  mapping="Legacy").json()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(_url(moj, f"{dry['id']}/commit/"), {"accept_valid": False}, format="json")
    assert response.status_code == 202
    job = api_client.get(response["Location"]).json()
    assert (job["status"], job["counts"]["created"]) == ("committed", 2)
    reconciliation = api_client.get(_url(moj, f"{job['id']}/reconciliation/")).json()
    assert all(check["ok"] for check in reconciliation["checks"])
    workbook = load_workbook(io.BytesIO(api_client.get(_url(moj, f"{job['id']}/reconciliation.xlsx")).content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0] == ("Section", "Item", "From the file", "On the platform", "Agrees")
    assert ("Rows", "Created", 2, None, None) in rows
    with in_department(moj):
        assert Employee.objects.count() == 2


def test_an_upload_without_a_file_is_a_problem_naming_the_field(api_client, moj):
    api_client.force_login(moj.hr_officer)
    response = api_client.post(_url(moj), {"dry_run": "true"}, format="multipart")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert [error["field"] for error in response.json()["errors"]] == ["file"]


def test_an_empty_file_is_a_problem_naming_the_file(api_client, moj, django_capture_on_commit_callbacks):
    api_client.force_login(moj.hr_officer)
    response = _upload(api_client, moj, b"", django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file"


def test_an_unknown_mapping_is_a_problem_naming_the_mapping(api_client, moj, django_capture_on_commit_callbacks):
    api_client.force_login(moj.hr_officer)
    response = _upload(api_client, moj, csv_bytes([staff_row(1)]), django_capture_on_commit_callbacks,
                       mapping="Nope")
    assert response.status_code == 400
    assert response.json()["errors"][0] == {"field": "mapping", "message": "There is no column mapping called "
                                                                         "'Nope'.", "code": "invalid"}


def test_another_departments_import_is_not_found(api_client, moj, dft, creating_mapping,
                                                 django_capture_on_commit_callbacks):
    api_client.force_login(moj.hr_officer)
    job = _upload(api_client, moj, csv_bytes([staff_row(1)]), django_capture_on_commit_callbacks).json()
    api_client.force_login(dft.hr_officer)
    assert api_client.get(_url(dft, f"{job['id']}/")).status_code == 404
    assert api_client.get(_url(moj, f"{job['id']}/")).status_code == 404


def test_uploading_needs_the_hr_write_scope(api_client, moj, django_capture_on_commit_callbacks):
    api_client.force_login(moj.payroll_officer)
    response = _upload(api_client, moj, csv_bytes([staff_row(1)]), django_capture_on_commit_callbacks)
    assert response.status_code == 403
    assert not ImportJob.all_departments.exists()
