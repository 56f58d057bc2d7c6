"""Pay-run pages: start, open, calculate, approve as a second person, finalise; downloads; and the
employee's own payslips, published only when the run is finalised."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from payroll import services
from payroll.bacs import read_standard18
from payroll.models import PayRun, Payslip
from tests.payroll.settling import settle_review

pytestmark = pytest.mark.django_db


def _url(moj, rest=""):
    return f"/departments/{moj.slug}/payroll/{rest}"


def _step(client, moj, run, action, capture, **data):
    """Post a step; queued work (the calculation's chunks) runs when the request's transaction
    commits, before the page is read back."""
    with capture(execute=True):
        response = client.post(_url(moj, f"runs/{run.pk}/steps/{action}/"), data)
    return client.get(response.url) if response.status_code == 302 else response


def test_a_run_goes_from_start_to_finalised_through_the_pages(client, moj, finance_setting, in_department,
                                                              django_capture_on_commit_callbacks, stepped_up):
    # given a schedule and a payroll officer
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                            bank_sort_code="202959", bank_account_number="63748472")
    client.force_login(moj.payroll_officer)
    # when they start, open and calculate this month's run
    started = client.post(_url(moj), {"schedule": schedule.pk, "month": timezone.localdate().strftime("%Y-%m")})
    with in_department(moj):
        run = PayRun.objects.get()
    assert started.url == _url(moj, f"runs/{run.pk}/")
    _step(client, moj, run, "open", django_capture_on_commit_callbacks)
    calculated = _step(client, moj, run, "calculate", django_capture_on_commit_callbacks).content.decode()
    # then the run shows its results and what to check, by kind
    assert "Calculated: ready to review" in calculated
    assert "No bank account" in calculated
    settle_review(run, moj.payroll_officer)
    # and the same person cannot approve it
    assert _step(client, moj, run, "approve", django_capture_on_commit_callbacks).status_code == 403
    # when the approver, having just given their second factor, approves and finalises it
    client.force_login(moj.payroll_approver)
    stepped_up()
    _step(client, moj, run, "approve", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(_url(moj, f"runs/{run.pk}/confirm/finalise/"), {"confirmed": "yes"})
    finalised = client.get(confirmed.url).content.decode()
    # then
    assert "The run is finalised" in finalised
    bacs = client.get(_url(moj, f"runs/{run.pk}/downloads/bacs"))
    assert len(read_standard18(b"".join(bacs.streaming_content).decode("ascii")).payments) == 2
    register = client.get(_url(moj, f"runs/{run.pk}/downloads/register.csv")).content.decode()
    rows = list(csv.reader(io.StringIO(register)))
    assert rows[0][:3] == ["payroll_number", "surname", "first_name"]
    assert len(rows) == 4
    xlsx = client.get(_url(moj, f"runs/{run.pk}/downloads/register.xlsx"))
    assert xlsx.content[:2] == b"PK"


def test_employees_see_their_own_payslip_once_the_run_is_finalised(client, moj, finance_setting, approved_run,
                                                                   in_department):
    # given an approved, not yet finalised run
    run = approved_run()
    with in_department(moj):
        own = Payslip.objects.get(run=run, employee=finance_setting.claimant)
        other = Payslip.objects.get(run=run, employee=finance_setting.manager)
    client.force_login(moj.employee)
    own_url = _url(moj, f"runs/{run.pk}/payslips/{own.pk}/")
    # then nothing is published yet
    assert client.get(own_url).status_code == 404
    assert "No payslips have been published" in client.get(_url(moj, "me/payslips/")).content.decode()
    # when it is finalised
    services.pay_run_finalise(run=run, acting_user=moj.payroll_approver)
    # then the employee sees their own payslip and its PDF, never a colleague's
    page = client.get(own_url).content.decode()
    assert f"£{own.net_pay:,.2f}" in page
    assert "How this was worked out" in page
    pdf = client.get(own_url + "pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client.get(_url(moj, f"runs/{run.pk}/payslips/{other.pk}/")).status_code == 404
    assert "Your payslips" in client.get(f"/departments/{moj.slug}/").content.decode()


def test_payroll_pages_are_closed_to_other_roles_and_departments(client, moj, dft, finance_setting, approved_run):
    run = approved_run()
    client.force_login(moj.hr_officer)
    assert client.get(_url(moj)).status_code == 403
    client.force_login(dft.payroll_officer)
    assert client.get(_url(moj, f"runs/{run.pk}/")).status_code == 404
    client.force_login(moj.payroll_officer)
    assert client.get(_url(moj, f"runs/{run.pk}/")).status_code == 200
    assert client.get(_url(moj, f"runs/{run.pk}/downloads/nothing")).status_code == 404
    assert client.post(_url(moj, f"runs/{run.pk}/steps/explode/")).status_code == 404


def test_starting_a_run_with_a_bad_month_says_so(client, moj, finance_setting):
    services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly")
    client.force_login(moj.payroll_officer)
    response = client.post(_url(moj), {"schedule": "1", "month": "next month"}, follow=True)
    assert "Choose a pay schedule, and a month (like 2026-04) or a day in the pay period" in response.content.decode()
