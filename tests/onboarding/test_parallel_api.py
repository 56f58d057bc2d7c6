"""The parallel run API: start (multipart, 202), poll to compared, page through the differences
with both sides' inputs, explain, rerun, the CSV report; problem+json for a bad file; another
department's token is not found."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from departments.roles import Scope
from departments.services import api_token_create
from onboarding.models import ParallelRun
from tests.onboarding import test_parallel_run as shared
from tests.onboarding.test_parallel_run import results_csv

pytestmark = pytest.mark.django_db
# The service tests' fixtures: a schedule paying three employees, and what the platform pays them.
parallel_setting, platform_rows, start_run = shared.parallel_setting, shared.platform_rows, shared.start_run
PROBLEM = "application/problem+json"


def _url(department, tail=""):
    return f"/api/v1/departments/{department.slug}/parallel-runs/{tail}"


def _token(department, *scopes):
    _, raw = api_token_create(department=department.department, name="Cut-over", acting_user=None,
                              scopes=set(scopes))
    return raw


def test_a_planted_difference_is_found_classified_and_given_with_its_inputs(
        api_client, moj, platform_rows, django_capture_on_commit_callbacks):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {_token(moj, Scope.PAYROLL_READ, Scope.PAYROLL_SUBMIT)}")
    stale = dict(platform_rows[0], **{"Tax Code": "1100L"})
    stale["Tax"] = f"{Decimal(stale['Tax']) + Decimal('26.20'):.2f}"
    # when the results are uploaded
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(_url(moj), {"file": SimpleUploadedFile("results.csv", results_csv(
            [stale, *platform_rows[1:]])), "period": "2026-11"}, format="multipart")
    assert response.status_code == 202, response.content
    # then polling shows it compared, with the counts and totals
    run = api_client.get(response["Location"]).json()
    assert run["status"] == "compared"
    summary = run["summary"]
    assert (summary["employees_compared"], summary["employees_matched"], summary["employees_differing"]) == (3, 2, 1)
    assert summary["classes"] == {"tax_code": 1}
    assert summary["totals"]["income_tax"]["difference"] == "-26.20"
    # and the difference comes with both sides' inputs
    differences = api_client.get(run["links"]["differences"] + "?classification=tax_code").json()
    assert differences["count"] == 1
    [difference] = differences["results"]
    assert (difference["payroll_number"], difference["figure"], difference["classification"]) == (
        "E00001", "income_tax", "tax_code")
    assert difference["inputs"]["legacy"]["tax_code"] == "1100L"
    assert difference["inputs"]["platform"]["tax_code"] == "1257L"
    assert "tax" in difference["inputs"]["platform"]["year_to_date_before"]
    # when it is explained
    explained = api_client.post(run["links"]["explain"], {"differences": [difference["id"]],
                                                          "note": "HMRC's new code arrives next month."},
                                format="json")
    assert explained.json() == {"explained": 1}
    assert api_client.get(run["links"]["self"]).json()["summary"]["resolutions"]["explained"] == 1
    # and the CSV report has it
    report = api_client.get(run["links"]["report_csv"])
    assert "E00001,Income tax" in b"".join(report.streaming_content).decode()
    # and a rerun is accepted
    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.post(run["links"]["rerun"]).status_code == 202
    assert api_client.get(run["links"]["self"]).json()["summary"]["resolutions"]["explained"] == 1


def test_identical_results_are_100_percent_matched(api_client, moj, platform_rows,
                                                   django_capture_on_commit_callbacks):
    api_client.force_login(moj.payroll_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(_url(moj), {"file": SimpleUploadedFile("results.csv", results_csv(platform_rows)),
                                               "period": "2026-11"}, format="multipart")
    assert api_client.get(response["Location"]).json()["summary"]["matched_share"] == "100.00"


def test_a_bad_file_answers_problem_json_with_every_reason(api_client, moj, platform_rows):
    api_client.force_login(moj.payroll_officer)
    bad = [dict(platform_rows[0], **{"Net Pay": "lots"}), dict(platform_rows[1], Period="2026-09")]
    response = api_client.post(_url(moj), {"file": SimpleUploadedFile("results.csv", results_csv(bad)),
                                           "period": "2026-11"}, format="multipart")
    assert response.status_code == 400
    assert response["Content-Type"].startswith(PROBLEM)
    text = response.content.decode()
    assert "Row 2, Net Pay" in text
    assert "Row 3, Period" in text
    assert not ParallelRun.all_departments.exists()


def test_signing_off_needs_a_person_not_a_token(api_client, moj):
    from tests.factories.onboarding import ParallelRunFactory
    run = ParallelRunFactory.create(department=moj.department, status=ParallelRun.Status.COMPARED)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {_token(moj, Scope.PAYROLL_APPROVE)}")
    response = api_client.post(_url(moj, f"{run.pk}/sign-offs/"), {"role": "hr_payroll_lead"}, format="json")
    assert response.status_code == 403
    api_client.credentials()
    api_client.force_login(moj.payroll_approver)
    signed = api_client.post(_url(moj, f"{run.pk}/sign-offs/"), {"role": "hr_payroll_lead"}, format="json")
    assert signed.status_code == 201, signed.content
    assert signed.json()["accepted"]["matched_share"] == "0.00"


def test_another_departments_token_gets_not_found(api_client, moj, dft):
    from tests.factories.onboarding import ParallelRunFactory
    run = ParallelRunFactory.create(department=moj.department, status=ParallelRun.Status.COMPARED)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {_token(dft, Scope.PAYROLL_READ, Scope.PAYROLL_SUBMIT)}")
    for tail in ("", f"{run.pk}/", f"{run.pk}/differences/", f"{run.pk}/report.csv", f"{run.pk}/sign-offs/"):
        assert api_client.get(_url(moj, tail)).status_code == 404
        assert api_client.get(_url(dft, tail)).status_code == (200 if tail == "" else 404)
    assert api_client.post(_url(moj, f"{run.pk}/rerun/")).status_code == 404
