"""The upload journey in the web UI: upload, save a mapping, dry run, import, reports."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hr.models import Employee
from onboarding.models import ImportJob, ImportMapping
from tests.onboarding.conftest import csv_bytes, staff_row

pytestmark = pytest.mark.django_db


def _base(department):
    return f"/departments/{department.slug}/onboarding/"


def test_the_journey_from_upload_to_imported_records(client, moj, in_department,
                                                     django_capture_on_commit_callbacks):
    client.force_login(moj.hr_admin)
    # given a saved mapping that creates missing references
    response = client.post(_base(moj) + "mappings/new/", {"name": "Legacy", "create_missing_references": "on",
                                                          "column_payroll_number": "Payroll No"})
    assert response.status_code == 302
    with in_department(moj):
        mapping = ImportMapping.objects.get()
    # when a file is uploaded and checked
    upload = SimpleUploadedFile("staff.csv", csv_bytes([staff_row(1), staff_row(2, Postcode="NOWHERE")]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_base(moj) + "upload/", {"upload": upload, "mapping": mapping.pk})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    # then the dry run shows what would happen and the problem, in words
    assert "Dry run finished" in page
    assert "Enter a real UK postcode, like SW1A 2AA" in page
    assert "Which column holds which field" in page
    with in_department(moj):
        dry_run = ImportJob.objects.get()
    # when the valid rows are imported
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_base(moj) + f"imports/{dry_run.pk}/commit/", {"accept_valid": "on"})
    page = client.get(response["Location"]).content.decode()
    assert "Staff records imported" in page
    with in_department(moj):
        assert list(Employee.objects.values_list("payroll_number", flat=True)) == ["LP000001"]
        committed = ImportJob.objects.get(dry_run=False)
    reconciliation = client.get(_base(moj) + f"imports/{committed.pk}/reconciliation/").content.decode()
    assert "Headcount by grade" in reconciliation
    csv_report = client.get(_base(moj) + f"imports/{committed.pk}/reconciliation.csv")
    assert csv_report["Content-Type"].startswith("text/csv")
    assert "Rows,Created,1" in csv_report.content.decode()


def test_an_upload_without_a_file_shows_the_error_summary(client, moj):
    client.force_login(moj.hr_officer)
    page = client.post(_base(moj) + "upload/", {}).content.decode()
    assert "There is a problem" in page
    assert "Select the export file (CSV or Excel .xlsx)" in page


def test_a_file_that_is_not_an_export_is_refused_on_the_form(client, moj):
    client.force_login(moj.hr_officer)
    upload = SimpleUploadedFile("staff.pdf", b"%PDF-1.4 something")
    page = client.post(_base(moj) + "upload/", {"upload": upload}).content.decode()
    assert "This is a PDF" in page
    assert not ImportJob.all_departments.exists()


def test_progress_panel_refreshes_until_the_job_finishes(client, moj, in_department):
    from tests.factories import ImportJobFactory
    job = ImportJobFactory(department=moj.department, status=ImportJob.Status.VALIDATING, rows_total=1000,
                           rows_done=250)
    client.force_login(moj.hr_officer)
    panel = client.get(_base(moj) + f"imports/{job.pk}/progress/")
    assert 'hx-trigger="every 1s"' in panel.content.decode()
    assert "250 of about 1,000 rows checked" in panel.content.decode()
    assert "HX-Refresh" not in panel
    with in_department(moj):
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.VALIDATED)
    assert client.get(_base(moj) + f"imports/{job.pk}/progress/")["HX-Refresh"] == "true"


def test_the_pages_need_hr_write_and_another_departments_jobs_are_not_found(client, moj, dft):
    from tests.factories import ImportJobFactory
    job = ImportJobFactory(department=moj.department)
    client.force_login(moj.payroll_officer)
    assert client.get(_base(moj)).status_code == 403
    client.force_login(dft.hr_officer)
    assert client.get(_base(dft) + f"imports/{job.pk}/").status_code == 404
    assert client.get(_base(moj) + f"imports/{job.pk}/").status_code == 404


def test_an_oversized_upload_is_refused_before_it_is_read(client, moj, settings):
    settings.ONBOARDING_MAX_UPLOAD_BYTES = 1024
    client.force_login(moj.hr_officer)
    upload = SimpleUploadedFile("staff.csv", csv_bytes([staff_row(n) for n in range(1, 400)]))
    page = client.post(_base(moj) + "upload/", {"upload": upload}).content.decode()
    assert "There is a problem" in page
    assert "The file is larger than 0 MB, the largest accepted" in page
    assert not ImportJob.all_departments.exists()
