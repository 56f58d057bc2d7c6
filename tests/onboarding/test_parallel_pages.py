"""The cut-over pages: the onboarding task list, starting a parallel run (every reason for a bad
file on the form), the run's page with its differences and both sides' inputs, explaining, the
report, and another department's people kept out."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onboarding.models import ParallelRun, ParallelRunDifference
from tests.onboarding import test_parallel_run as shared
from tests.onboarding.test_parallel_run import results_csv

pytestmark = pytest.mark.django_db
# The service tests' fixtures: a schedule paying three employees, and what the platform pays them.
parallel_setting, platform_rows, start_run = shared.parallel_setting, shared.platform_rows, shared.start_run


def _base(department) -> str:
    return f"/departments/{department.slug}/onboarding/"


def _planted(platform_rows):
    planted = dict(platform_rows[1])
    planted["NI EE"] = f"{Decimal(planted['NI EE']) + Decimal('12.40'):.2f}"
    return [platform_rows[0], planted, platform_rows[2]]


def test_a_planted_difference_is_shown_with_both_sides_inputs_and_can_be_explained(
        client, moj, platform_rows, in_department, django_capture_on_commit_callbacks):
    client.force_login(moj.payroll_officer)
    # when the payroll officer uploads results with one figure planted in one employee
    upload = SimpleUploadedFile("legacy-results.csv", results_csv(_planted(platform_rows)))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_base(moj) + "parallel-runs/new/", {"upload": upload, "period": "2026-11",
                                                                   "tolerance": "0.00"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    # then the page shows the counts, the chart and the difference beside both sides' inputs
    assert "Employees compared" in page
    assert "66.67% of everyone on either side" in page
    assert "<svg" in page
    assert "Pay differs (1)" in page
    assert "E00002" in page
    assert "Employee NI" in page
    assert "Tax code 1257L / 1257L; NI letter A / A" in page
    # and filtering by another class hides it
    with in_department(moj):
        run = ParallelRun.objects.get()
        difference = ParallelRunDifference.objects.get()
    assert "E00002" not in client.get(response["Location"] + "?classification=tax_code").content.decode()
    # when it is explained
    response = client.post(_base(moj) + f"parallel-runs/{run.pk}/explain/",
                           {"difference": [difference.pk], "note": "Legacy used last year's NI threshold."})
    page = client.get(response["Location"]).content.decode()
    assert "1 difference marked explained." in page
    assert "Legacy used last year&#x27;s NI threshold." in page
    # and the report lists it with its inputs
    report = client.get(_base(moj) + f"parallel-runs/{run.pk}/report.csv")
    text = b"".join(report.streaming_content).decode()
    assert "Difference,E00002,Employee NI" in text
    assert "Explained,Legacy used last year's NI threshold.,1257L,1257L,A,A" in text
    assert client.get(_base(moj) + f"parallel-runs/{run.pk}/report.xlsx")["Content-Type"].startswith(
        "application/vnd.openxmlformats")


def test_a_bad_file_lists_every_reason_in_the_error_summary_and_starts_nothing(client, moj, platform_rows):
    client.force_login(moj.hr_admin)
    bad = [dict(platform_rows[0], **{"Gross Pay": "£2,5OO"}), dict(platform_rows[1], **{"Tax Code": "1257X"})]
    upload = SimpleUploadedFile("legacy-results.csv", results_csv(bad))
    page = client.post(_base(moj) + "parallel-runs/new/", {"upload": upload, "period": "2026-11"}).content.decode()
    assert "There is a problem" in page
    assert "Row 2, Gross Pay" in page
    assert "Row 3, Tax Code" in page
    assert not ParallelRun.all_departments.exists()


def test_the_start_form_checks_its_own_fields(client, moj, parallel_setting):
    client.force_login(moj.hr_admin)
    page = client.post(_base(moj) + "parallel-runs/new/", {"period": "November", "tolerance": "-1"}).content.decode()
    assert "Select the legacy payroll&#x27;s results file" in page
    assert "Enter the pay period as year and month, like 2026-11" in page
    assert "The tolerance cannot be negative" in page


def test_the_overview_shows_the_steps_with_their_status(client, moj, platform_rows, start_run):
    client.force_login(moj.hr_admin)
    page = client.get(_base(moj) + "overview/").content.decode()
    assert "govuk-task-list" in page
    for title in ("Import staff records", "Reconcile the import", "Run parallel runs", "Sign off the cut-over",
                  "Run the first live payroll"):
        assert title in page
    assert page.count("Cannot start yet") == 4
    # and the imports page links to it
    assert "See every onboarding step" in client.get(_base(moj)).content.decode()


def test_payroll_and_finance_reach_the_overview_and_see_the_import_steps_without_links_they_cannot_follow(
        client, moj):
    # given the payroll officer, who may not open the staff imports
    client.force_login(moj.payroll_officer)
    # when they follow the link from the pay runs page
    assert _base(moj) + "overview/" in client.get(f"/departments/{moj.slug}/payroll/").content.decode()
    page = client.get(_base(moj) + "overview/").content.decode()
    # then the import steps are there, but not as links to the imports
    assert "Import staff records" in page
    assert f'href="{_base(moj)}"' not in page
    assert client.get(_base(moj)).status_code == 403


def test_progress_refreshes_until_the_comparison_is_done(client, moj, in_department):
    from tests.factories.onboarding import ParallelRunFactory
    run = ParallelRunFactory.create(department=moj.department, status=ParallelRun.Status.CALCULATING)
    client.force_login(moj.payroll_officer)
    panel = client.get(_base(moj) + f"parallel-runs/{run.pk}/progress/")
    assert 'hx-trigger="every 1s"' in panel.content.decode()
    assert "HX-Refresh" not in panel
    with in_department(moj):
        ParallelRun.objects.filter(pk=run.pk).update(status=ParallelRun.Status.COMPARED)
    assert client.get(_base(moj) + f"parallel-runs/{run.pk}/progress/")["HX-Refresh"] == "true"


def test_other_departments_and_roles_are_kept_out(client, moj, dft):
    from tests.factories.onboarding import ParallelRunFactory
    run = ParallelRunFactory.create(department=moj.department, status=ParallelRun.Status.COMPARED)
    # another department's HR admin: not found
    client.force_login(dft.hr_admin)
    assert client.get(_base(moj) + f"parallel-runs/{run.pk}/").status_code == 404
    assert client.get(_base(dft) + f"parallel-runs/{run.pk}/").status_code == 404
    # an employee of the department: forbidden
    client.force_login(moj.employee)
    assert client.get(_base(moj) + "parallel-runs/").status_code == 403
    assert client.get(_base(moj) + "overview/").status_code == 403
    # a finance officer reads but cannot start or explain
    client.force_login(moj.finance_officer)
    assert client.get(_base(moj) + f"parallel-runs/{run.pk}/").status_code == 200
    assert client.get(_base(moj) + "parallel-runs/new/").status_code == 403
    assert client.post(_base(moj) + f"parallel-runs/{run.pk}/explain/", {"note": "x"}).status_code == 403
