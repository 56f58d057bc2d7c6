"""Step-up: approving and finalising a pay run ask for a second factor given within the last
STEP_UP_MAX_AGE_SECONDS; other steps do not; after the code the approver comes back to the run."""

from __future__ import annotations

import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from payroll.models import PayRun
from shared_services.accounts import services, two_factor
from tests.payroll.conftest import approved_run, finance_setting  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _code(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def _run_url(moj, run):
    return f"/departments/{moj.slug}/payroll/runs/{run.pk}/"


def test_approving_asks_for_a_second_factor_then_returns_to_the_run(client, moj, approved_run, in_department,  # noqa: F811
                                                                    django_capture_on_commit_callbacks):
    run = approved_run()
    device = services.totp_enrolment_begin(acting_user=moj.payroll_approver)
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    device.refresh_from_db()
    client.force_login(moj.payroll_approver)
    # when the approver tries to finalise without a recent second factor
    asked = client.post(_run_url(moj, run) + "confirm/finalise/", {"confirmed": "yes"})
    # then they are asked for it, and the run is unchanged
    assert asked.url.startswith("/accounts/confirm-its-you/?next=")
    with in_department(moj):
        assert PayRun.objects.get(pk=run.pk).status == PayRun.Status.APPROVED
    page = client.get(asked.url).content.decode()
    assert "Confirm it is you" in page
    # when they give a code, they come back to the confirmation, and finalising now works
    back = client.post(asked.url, {"code": _code(device)})
    assert back.url == _run_url(moj, run) + "confirm/finalise/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_run_url(moj, run) + "confirm/finalise/", {"confirmed": "yes"})
    with in_department(moj):
        assert PayRun.objects.get(pk=run.pk).status == PayRun.Status.FINALISED


def test_a_second_factor_given_too_long_ago_is_asked_for_again(client, moj, approved_run, settings):  # noqa: F811
    run = approved_run()
    settings.STEP_UP_MAX_AGE_SECONDS = 15 * 60
    client.force_login(moj.payroll_approver)
    session = client.session
    session[two_factor.VERIFIED_AT_KEY] = time.time() - 16 * 60
    session.save()
    asked = client.post(_run_url(moj, run) + "confirm/finalise/", {"confirmed": "yes"})
    assert asked.url.startswith("/accounts/confirm-its-you/")


def test_an_approver_without_a_second_factor_is_sent_to_set_one_up(client, moj, approved_run):  # noqa: F811
    run = approved_run()
    client.force_login(moj.payroll_approver)
    asked = client.post(_run_url(moj, run) + "confirm/finalise/", {"confirmed": "yes"})
    set_up = client.get(asked.url)
    assert set_up.url.startswith("/accounts/two-factor/set-up/?next=")


def test_steps_that_do_not_release_pay_do_not_step_up(client, moj, approved_run, in_department):  # noqa: F811
    run = approved_run()
    client.force_login(moj.payroll_officer)
    response = client.post(_run_url(moj, run) + "steps/reopen/", {"reason": "Late overtime"})
    assert response.url == _run_url(moj, run)
    with in_department(moj):
        assert PayRun.objects.get(pk=run.pk).status != PayRun.Status.APPROVED
