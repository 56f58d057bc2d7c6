"""HR's bundle of P60s: started on a page, produced by a background job that records its progress
chunk by chunk, downloaded as a zip of one PDF per employee; and the same from the command line."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from payroll.models import DocumentBatch
from payroll.p60_document import p60_pdfs
from payroll.services.year_end import p60_batch_produce, p60_batch_start

pytestmark = pytest.mark.django_db
D = datetime.date


def _url(moj, rest=""):
    return f"/departments/{moj.slug}/payroll/{rest}"


def test_hr_starts_the_p60s_watches_them_finish_and_downloads_the_zip(client, moj, monthly, pay, in_department,
                                                                       django_capture_on_commit_callbacks):
    # given the last month of 2025-26 paid and finalised, and the payroll officer on the P60 page
    pay(monthly, D(2026, 3, 10))
    client.force_login(moj.payroll_officer)
    listing = client.get(_url(moj, "year-end/p60s/")).content.decode()
    assert "2025-26 (to 5 April 2026)" in listing
    # when they produce the 2025-26 P60s (the job runs once the request commits)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(_url(moj, "year-end/p60s/"), {"tax_year": "2025-26"})
    with in_department(moj):
        batch = DocumentBatch.objects.get()
    assert started.url == _url(moj, f"year-end/p60s/{batch.pk}/")
    # then the progress panel says all three are done and asks the page to reload
    progress = client.get(_url(moj, f"year-end/p60s/{batch.pk}/progress/"))
    assert "3 of 3 P60s produced" in progress.content.decode()
    assert progress["HX-Refresh"] == "true"
    page = client.get(started.url).content.decode()
    assert "P60s ready" in page
    # and the download is a zip of one PDF per employee, each their own P60
    download = client.get(_url(moj, f"year-end/p60s/{batch.pk}/download/"))
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert sorted(bundle.namelist()) == ["P60-2025-26-E0001.pdf", "P60-2025-26-E0002.pdf", "P60-2025-26-M0001.pdf"]
    text = PdfReader(io.BytesIO(bundle.read("P60-2025-26-E0002.pdf"))).pages[0].extract_text()
    assert "E0002" in text
    assert "Cal" in text


def test_progress_is_recorded_chunk_by_chunk(moj, monthly, pay, in_department):
    # given three employees to certify, produced one per chunk
    pay(monthly, D(2026, 3, 10))
    batch = p60_batch_start(department=moj.department, tax_year="2025-26", acting_user=moj.payroll_officer)
    seen = []

    def render(p60s):
        with in_department(moj):
            seen.append(DocumentBatch.objects.values_list("status", "done", "total").get(pk=batch.pk))
        return p60_pdfs(p60s)

    # when the job runs
    done = p60_batch_produce(department_id=moj.department.id, batch_id=batch.pk, chunk_size=1, render=render)
    # then each chunk saw the ones before it counted, and the batch ends done with its file
    assert seen == [("running", 0, 3), ("running", 1, 3), ("running", 2, 3)]
    assert (done.status, done.done, done.total) == ("done", 3, 3)
    assert done.file.endswith(".zip")
    # and running it again (a redelivered task) leaves it as it is
    again = p60_batch_produce(department_id=moj.department.id, batch_id=batch.pk)
    assert (again.status, again.file) == ("done", done.file)


def test_a_failed_job_says_why(moj, monthly, pay, in_department):
    pay(monthly, D(2026, 3, 10))
    batch = p60_batch_start(department=moj.department, tax_year="2025-26", acting_user=None)

    def broken(p60s):
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        p60_batch_produce(department_id=moj.department.id, batch_id=batch.pk, render=broken)
    with in_department(moj):
        batch.refresh_from_db()
    assert (batch.status, batch.failure) == ("failed", "OSError: disk full")


def test_a_year_not_yet_over_is_refused_on_the_page(client, moj, monthly, pay):
    # given only the current year paid
    client.force_login(moj.payroll_officer)
    # when someone asks for 2026-27's P60s (the year ends on 5 April 2027)
    response = client.post(_url(moj, "year-end/p60s/"), {"tax_year": "2026-27"})
    # then the page says what is wrong, naming the field
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Choose a tax year that has ended" in body


def test_the_service_refuses_a_year_not_over_and_a_second_batch(moj, monthly, pay):
    pay(monthly, D(2026, 3, 10))
    with pytest.raises(Exception, match="can be produced from 5 April 2027"):
        p60_batch_start(department=moj.department, tax_year="2026-27", acting_user=None)
    p60_batch_start(department=moj.department, tax_year="2025-26", acting_user=None)
    with pytest.raises(Exception, match="being produced already"):
        p60_batch_start(department=moj.department, tax_year="2025-26", acting_user=None)


def test_the_p60s_command_writes_the_zip(moj, monthly, pay, tmp_path, capsys):
    # given 2025-26 paid
    pay(monthly, D(2026, 3, 10))
    out = tmp_path / "p60s.zip"
    # when the command runs
    call_command("p60s", department=moj.slug, tax_year="2025-26", out=str(out))
    # then the zip holds everyone's P60
    assert len(zipfile.ZipFile(out).namelist()) == 3
    assert "3 P60s for 2025-26 written to" in capsys.readouterr().out
    # and bad input stops it with the reason
    with pytest.raises(CommandError, match="--tax-year: Enter a tax year like 2026-27"):
        call_command("p60s", department=moj.slug, tax_year="2026", out=str(out))
    with pytest.raises(CommandError, match="--department: no department with slug 'nope'"):
        call_command("p60s", department="nope", tax_year="2025-26", out=str(out))
