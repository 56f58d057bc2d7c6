"""Reopening a pay run before it is finalised: back to open, the approval withdrawn, payslips kept
until the recalculation that must come before a new approval; audited, and refused from any other
state."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from departments.models import AuditEvent
from payroll import services
from payroll.models import PayInput, PayRun, Payslip
from payroll.tasks import start_calculation
from tests.payroll.settling import settle_review

pytestmark = pytest.mark.django_db


def test_an_approved_run_reopens_without_its_approval_and_must_be_recalculated(
        moj, approved_run, in_department, django_capture_on_commit_callbacks):
    # given an approved run with its payslips
    run = approved_run()
    with in_department(moj):
        slips_before = set(Payslip.objects.filter(run=run).values_list("pk", "net_pay"))
    assert slips_before
    # when the payroll officer reopens it
    reopened = services.pay_run_reopen(run=run, acting_user=moj.payroll_officer, reason="Late promotion for MJ1")
    # then it is open, without an approval, with the last calculation's payslips still there
    assert (reopened.status, reopened.approved_by, reopened.approved_at) == (PayRun.Status.OPEN, None, None)
    with in_department(moj):
        assert set(Payslip.objects.filter(run=run).values_list("pk", "net_pay")) == slips_before
        event = AuditEvent.objects.get(action="pay_run.reopen")
    assert (event.actor, event.reason, event.object_id) == (moj.payroll_officer, "Late promotion for MJ1", str(run.pk))
    assert event.changes["status"] == {"before": "approved", "after": "open"}
    assert event.changes["approved_by"] == {"before": moj.payroll_approver.pk, "after": None}
    # and it cannot be approved until it is calculated again
    settle_review(run)
    with pytest.raises(ValidationError, match="open: inputs locked, so it cannot be approved"):
        services.pay_run_approve(run=run, acting_user=moj.payroll_approver)
    with django_capture_on_commit_callbacks(execute=True):
        start_calculation(run=run, acting_user=moj.payroll_officer)
    settle_review(run)
    approved = services.pay_run_approve(run=run, acting_user=moj.payroll_approver)
    assert approved.status == PayRun.Status.APPROVED


def test_a_reopened_run_keeps_its_inputs_locked(moj, approved_run, in_department):
    # given a reopened run
    run = approved_run()
    services.pay_run_reopen(run=run, acting_user=moj.payroll_officer, reason="Check overtime")
    with in_department(moj):
        employee = Payslip.objects.filter(run=run).select_related("employee").first().employee
    # when an input for its period is added
    with pytest.raises(ValidationError) as refused:
        services.pay_input_add(employee=employee, schedule=run.schedule, period_containing=run.period_start,
                               code="OT", description="Overtime", kind=PayInput.Kind.TAXABLE_PAYMENT,
                               amount=Decimal("10.00"), acting_user=moj.payroll_officer)
    # then the period is still locked
    assert "period_containing" in refused.value.message_dict


def test_a_calculated_run_reopens_too(moj, approved_run):
    run = approved_run()
    services.pay_run_reopen(run=run, acting_user=moj.payroll_approver, reason="Send back")
    with pytest.raises(ValidationError, match="cannot be reopened"):
        services.pay_run_reopen(run=run, acting_user=moj.payroll_officer, reason="Twice")


@pytest.mark.parametrize("status", [PayRun.Status.DRAFT, PayRun.Status.OPEN, PayRun.Status.CALCULATING,
                                    PayRun.Status.FINALISED, PayRun.Status.CANCELLED])
def test_reopening_is_refused_from_any_other_state(moj, approved_run, in_department, status):
    # given a run in some other state
    run = approved_run()
    with in_department(moj):
        PayRun.objects.filter(pk=run.pk).update(status=status)
    # when / then
    with pytest.raises(ValidationError) as refused:
        services.pay_run_reopen(run=run, acting_user=moj.payroll_officer, reason="Because")
    assert refused.value.message_dict["status"] == [
        f"This run is {PayRun.Status(status).label.lower()}, so it cannot be reopened."]


def test_reopening_needs_a_reason(moj, approved_run, in_department):
    run = approved_run()
    with pytest.raises(ValidationError) as refused:
        services.pay_run_reopen(run=run, acting_user=moj.payroll_officer, reason="  ")
    assert list(refused.value.message_dict) == ["reason"]
    with in_department(moj):
        assert PayRun.objects.get(pk=run.pk).status == PayRun.Status.APPROVED


def test_the_run_page_offers_reopening_and_it_withdraws_the_approval(client, moj, approved_run, in_department):
    # given an approved run, seen by the payroll officer
    run = approved_run()
    client.force_login(moj.payroll_officer)
    page = client.get(f"/departments/{moj.slug}/payroll/runs/{run.pk}/").content.decode()
    assert "Reopen the run" in page
    # when they reopen it with a reason
    response = client.post(f"/departments/{moj.slug}/payroll/runs/{run.pk}/steps/reopen/", {"reason": "Late change"})
    after = client.get(response.url).content.decode()
    # then
    assert "The run is open again" in after
    with in_department(moj):
        assert PayRun.objects.get(pk=run.pk).status == PayRun.Status.OPEN
    # and without a reason the page says what is missing
    with in_department(moj):
        PayRun.objects.filter(pk=run.pk).update(status=PayRun.Status.CALCULATED)
    refused = client.post(f"/departments/{moj.slug}/payroll/runs/{run.pk}/steps/reopen/", {"reason": ""})
    assert "Say why the run is reopened." in client.get(refused.url).content.decode()
