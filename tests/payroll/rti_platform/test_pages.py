"""The RTI pages: from a finalised run to its FPS, HMRC's errors on a rejection, the XML, building
it again, an EPS with its errors on the form, and the department wall."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from payroll.engine.rti import validate_eps
from payroll.models import RtiSubmission

pytestmark = pytest.mark.django_db


def _url(department, rest=""):
    return f"/departments/{department.slug}/payroll/{rest}"


def test_the_run_page_leads_to_its_fps_and_its_xml(client, moj, finalised_run, in_department):
    # given a finalised run, its FPS built on finalising
    run = finalised_run()
    client.force_login(moj.payroll_officer)
    # when the officer follows the run page's link
    page = client.get(_url(moj, f"runs/{run.pk}/")).content.decode()
    assert f"rti/?run={run.pk}" in page
    listed = client.get(_url(moj, f"rti/?run={run.pk}")).content.decode()
    with in_department(moj):
        submission = RtiSubmission.objects.get(run=run)
    # then the submission is listed with its state, and its page offers the XML
    assert "Validated: file only (no gateway configured)" in listed
    detail = client.get(_url(moj, f"rti/{submission.pk}/")).content.decode()
    assert submission.irmark in detail
    download = client.get(_url(moj, f"rti/{submission.pk}/xml"))
    assert download["Content-Type"] == "application/xml"
    assert b"".join(download.streaming_content) == default_storage.open(submission.document).read()


def test_a_rejection_shows_hmrcs_errors_and_is_built_again(client, moj, finalised_run, in_department):
    run = finalised_run()
    with in_department(moj):
        submission = RtiSubmission.objects.get(run=run)
        RtiSubmission.objects.filter(pk=submission.pk).update(
            status=RtiSubmission.Status.REJECTED,
            hmrc_errors=[{"number": "7805", "text": "The NINO is not valid", "type": "business",
                          "location": "/IRenvelope/FullPaymentSubmission/Employee[1]", "raised_by": "ChRIS"}])
    # an auditor sees HMRC's message but cannot build it again
    client.force_login(moj.auditor)
    seen = client.get(_url(moj, f"rti/{submission.pk}/")).content.decode()
    assert "The NINO is not valid" in seen
    assert 'data-testid="rti-resubmit"' not in seen
    assert client.post(_url(moj, f"rti/{submission.pk}/resubmit/")).status_code == 403
    # the payroll officer builds it again: a new submission that replaces the rejected one
    client.force_login(moj.payroll_officer)
    answer = client.post(_url(moj, f"rti/{submission.pk}/resubmit/"))
    with in_department(moj):
        again = RtiSubmission.objects.exclude(pk=submission.pk).get(run=run)
    assert answer.url == _url(moj, f"rti/{again.pk}/")
    assert again.replaces_id == submission.pk
    assert "The rejected submission" in client.get(answer.url).content.decode()


def test_an_eps_is_built_from_the_page_and_a_bad_month_is_shown_on_the_form(client, moj, hmrc_ready, in_department):
    client.force_login(moj.payroll_officer)
    refused = client.post(_url(moj, "rti/"), {"tax_year": "2026-27", "tax_month": "13"})
    assert refused.status_code == 200
    assert "govuk-error-summary" in refused.content.decode()
    assert "Enter a tax month from 1 to 12" in refused.content.decode()
    built = client.post(_url(moj, "rti/"), {"tax_year": "2026-27", "tax_month": "3", "final": "on"})
    with in_department(moj):
        submission = RtiSubmission.objects.get(kind=RtiSubmission.Kind.EPS)
    assert built.url == _url(moj, f"rti/{submission.pk}/")
    assert submission.status == RtiSubmission.Status.FILE_ONLY
    assert submission.is_final_for_year
    assert validate_eps(default_storage.open(submission.document).read()) == []
    # the same month again is refused, on the form
    again = client.post(_url(moj, "rti/"), {"tax_year": "2026-27", "tax_month": "3"})
    assert "already has an EPS" in again.content.decode()


def test_another_departments_submission_is_not_found(client, moj, dft, finalised_run, in_department):
    run = finalised_run()
    with in_department(moj):
        submission = RtiSubmission.objects.get(run=run)
    client.force_login(dft.payroll_officer)
    assert client.get(_url(dft, f"rti/{submission.pk}/")).status_code == 404
    assert client.get(_url(dft, f"rti/{submission.pk}/xml")).status_code == 404
    assert client.get(_url(moj, f"rti/{submission.pk}/")).status_code == 404
