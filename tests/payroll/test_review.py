"""A run's review must be settled before approval: blocking exceptions resolved (recalculated, or
the pay held or paid by hand), advisory ones acknowledged with a note by payroll staff. What is
settled goes when the employee is recalculated; held and hand-paid net pay stays out of the Bacs
file and is listed on the finalised run, and stays owed in the journal until it is paid."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import Sum
from django.utils import timezone

from departments.models import AuditEvent
from finance import selectors as finance_selectors
from finance.models import JournalLine
from hr.models import Employee
from payroll import services
from payroll.absence_pay import STATUTORY_PAY_NOT_DUE
from payroll.bacs import read_standard18
from payroll.models import PayRun, PayRunException, PayRunPaymentRoute, Payslip
from payroll.review_kinds import KINDS, review_kind
from payroll.rti_mapping import EXCEPTION_PREFIX as RTI_PREFIX
from payroll.selectors_review import pay_run_review, pay_run_unpaid_net_pay
from payroll.tasks import start_calculation
from tests.factories.hr import EmployeeFactory
from tests.factories.payroll import PayRunExceptionFactory
from tests.payroll.settling import settle_review

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def calculated(moj, finance_setting, django_capture_on_commit_callbacks):
    """This month's run, calculated: Cal (E0002) has no bank account, Manon and Esme have one."""
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                            bank_sort_code="202959", bank_account_number="63748472",
                                            bank_account_name="MOJ PAYROLL")
    run = services.pay_run_create(schedule=schedule, period_containing=timezone.localdate(), acting_user=None)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    with django_capture_on_commit_callbacks(execute=True):
        start_calculation(run=run, acting_user=moj.payroll_officer)
    return run


def _employee(moj, in_department, number):
    with in_department(moj):
        return Employee.objects.get(payroll_number=number)


def _advisory(moj, in_department, run, number, code="net_pay_changed"):
    employee = _employee(moj, in_department, number)
    with in_department(moj):
        return PayRunExceptionFactory(department=moj.department, run=run, employee=employee, code=code,
                                      reason="Net pay changed by +40% since last period.")


def _refusal(error):
    return {field: [item.code for item in items] for field, items in error.value.error_dict.items()}


# --- The kinds ----------------------------------------------------------------------------------


def test_every_code_the_code_base_can_emit_is_registered():
    # given every exception code written in the code that produces them: the review's checks, a failed
    # calculation, statutory pay, and the FPS's checks (prefixed rti_)
    emitted = set(re.findall(r'found\.append\(\("([a-z_]+)"', (ROOT / "payroll/assembly.py").read_text()))
    emitted |= set(re.findall(r'employee_id, "([a-z_]+)", reason\)',
                              (ROOT / "payroll/services/calculation.py").read_text()))
    emitted.add(STATUTORY_PAY_NOT_DUE)
    rti = (ROOT / "payroll/engine/rti/exceptions.py").read_text()
    fields = set(re.findall(r'Reason\("([a-z_]+)"', rti)) | set(re.findall(r'_not_below\(reasons, "([a-z_]+)"', rti))
    fields |= {re.sub(r"\[.*", "", field) for field in re.findall(r'field = f"([a-z_]+)\[', rti)}
    emitted |= {f"{RTI_PREFIX}{field}" for field in fields} | {f"{RTI_PREFIX}data"}
    # then each one has a kind of its own, with a title
    assert {"calculation_failed", "no_bank_details", "net_pay_changed", "rti_nino", "rti_ni",
            "rti_taxable_pay_ytd"} <= emitted
    assert sorted(emitted - set(KINDS)) == []
    assert all(kind.title and kind.title[0].isupper() for kind in KINDS.values())


def test_blocking_kinds_are_those_that_stop_pay_going_out_right_and_unknown_codes_are_advisory():
    blocking = {code for code, kind in KINDS.items() if kind.blocking}
    assert blocking == {"calculation_failed", "tax_code_invalid", "no_bank_details", "net_pay_not_positive"}
    unknown = review_kind("something_new")
    assert (unknown.blocking, unknown.title) == (False, "Other check (something new)")


# --- The rule -----------------------------------------------------------------------------------


def test_approval_waits_for_the_review_then_goes_ahead(moj, calculated, in_department):
    # given Cal has no bank account (blocking) and Esme's net pay moved (advisory)
    _advisory(moj, in_department, calculated, "E0001")
    # when the approver approves
    with pytest.raises(ValidationError) as refused:
        services.pay_run_approve(run=calculated, acting_user=moj.payroll_approver)
    # then it is refused, naming what is open, and the run still waits
    assert _refusal(refused)["review"] == ["review_unsettled"]
    message = " ".join(refused.value.messages)
    assert "No bank account: 1" in message
    assert "Net pay changed a lot since last period: 1" in message
    # when the payroll officer acknowledges the advisory kind
    with in_department(moj):
        codes = [item.kind.code for item in pay_run_review(run=calculated).open_advisory]
    count = services.pay_run_exceptions_acknowledge(run=calculated, acting_user=moj.payroll_officer,
                                                    note="Back pay for October", codes=codes)
    assert count >= 1
    # then approval is still refused for the blocking one alone
    with pytest.raises(ValidationError) as still:
        services.pay_run_approve(run=calculated, acting_user=moj.payroll_approver)
    assert "advisory" not in " ".join(still.value.messages)
    # when Cal's pay is held
    cal = _employee(moj, in_department, "E0002")
    services.pay_run_payment_route_set(run=calculated, employee_id=cal.pk, route="hold",
                                       note="Waiting for his new account", acting_user=moj.payroll_officer)
    # then the run is approved, and each step is in the audit log
    assert services.pay_run_approve(run=calculated, acting_user=moj.payroll_approver).status == "approved"
    with in_department(moj):
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        acknowledged = PayRunException.objects.get(run=calculated, employee__payroll_number="E0001",
                                                   code="net_pay_changed")
    assert {"pay_run.exceptions_acknowledge", "pay_run.payment_route_set"} <= actions
    assert (acknowledged.acknowledged_by, acknowledged.acknowledgement_note) == (
        moj.payroll_officer, "Back pay for October")


def test_acknowledging_refuses_blocking_kinds_an_empty_note_unknown_rows_and_ones_own_pay(
        moj, calculated, in_department):
    _advisory(moj, in_department, calculated, "E0001")
    with in_department(moj):
        blocking_row = PayRunException.objects.get(run=calculated, code="no_bank_details")
    cases = [
        ({"codes": ["no_bank_details"], "note": "Seen"}, "codes"),
        ({"exception_ids": [blocking_row.pk], "note": "Seen"}, "exception_ids"),
        ({"codes": ["net_pay_changed"], "note": "  "}, "note"),
        ({"exception_ids": [999_999], "note": "Seen"}, "exception_ids"),
        ({"note": "Seen"}, "exceptions"),
    ]
    for arguments, field in cases:
        with pytest.raises(ValidationError) as refused:
            services.pay_run_exceptions_acknowledge(run=calculated, acting_user=moj.payroll_officer, **arguments)
        assert field in refused.value.error_dict, arguments
    # and the payroll officer's own row is left for someone else
    with in_department(moj):
        own = PayRunExceptionFactory(department=moj.department, run=calculated, code="tax_code_changed",
                                     employee=EmployeeFactory(department=moj.department, user=moj.payroll_officer))
    with pytest.raises(ValidationError, match="your own pay"):
        services.pay_run_exceptions_acknowledge(run=calculated, acting_user=moj.payroll_officer,
                                                exception_ids=[own.pk], note="Fine")
    with in_department(moj):
        assert not PayRunException.objects.filter(run=calculated, acknowledged_at__isnull=False).exists()


def test_an_api_token_does_not_let_its_creator_settle_their_own_pay(moj, calculated, in_department):
    # given the payroll officer's own exception, and an API token the officer created
    from departments.services import api_token_create

    token, _ = api_token_create(department=moj.department, name="Payroll robot", scopes=["payroll:submit"],
                                acting_user=moj.payroll_officer)
    with in_department(moj):
        own_employee = EmployeeFactory(department=moj.department, user=moj.payroll_officer)
        own = PayRunExceptionFactory(department=moj.department, run=calculated, code="tax_code_changed",
                                     employee=own_employee)
    # when the token acknowledges that row, then it is refused as the officer would be
    with pytest.raises(ValidationError, match="your own pay"):
        services.pay_run_exceptions_acknowledge(run=calculated, acting_user=token.user,
                                                exception_ids=[own.pk], note="Fine")
    # and acknowledging the whole kind leaves the officer's row open
    services.pay_run_exceptions_acknowledge(run=calculated, acting_user=token.user, codes=["tax_code_changed"],
                                            note="Checked")
    with in_department(moj):
        assert PayRunException.objects.get(pk=own.pk).acknowledged_at is None


def test_only_payroll_officers_and_approvers_settle_the_review(moj, calculated, in_department):
    row = _advisory(moj, in_department, calculated, "E0001")
    # an HR admin may not
    with pytest.raises(ValidationError) as refused:
        services.pay_run_exceptions_acknowledge(run=calculated, acting_user=moj.hr_admin, note="Seen",
                                                exception_ids=[row.pk])
    assert _refusal(refused) == {"__all__": ["four_eyes"]}
    # an approver may, and so may the officer who calculated the run
    assert services.pay_run_exceptions_acknowledge(run=calculated, acting_user=moj.payroll_approver, note="Seen",
                                                   exception_ids=[row.pk]) == 1
    cal = _employee(moj, in_department, "E0002")
    route = services.pay_run_payment_route_set(run=calculated, employee_id=cal.pk, route="manual",
                                               reference="CHAPS 4471", note="Paid by CHAPS today",
                                               acting_user=moj.payroll_officer)
    assert (route.route, route.reference, route.decided_by) == ("manual", "CHAPS 4471", moj.payroll_officer)


def test_a_payment_route_needs_its_reference_and_a_blocking_exception_a_route_settles(
        moj, calculated, in_department):
    cal, esme = _employee(moj, in_department, "E0002"), _employee(moj, in_department, "E0001")
    with pytest.raises(ValidationError) as no_reference:
        services.pay_run_payment_route_set(run=calculated, employee_id=cal.pk, route="manual", note="CHAPS",
                                           acting_user=moj.payroll_officer)
    assert set(no_reference.value.error_dict) == {"reference"}
    with pytest.raises(ValidationError) as bad_route:
        services.pay_run_payment_route_set(run=calculated, employee_id=cal.pk, route="cash", note="Hmm",
                                           acting_user=moj.payroll_officer)
    assert set(bad_route.value.error_dict) == {"route"}
    # Esme is paid by Bacs: nothing to route
    with pytest.raises(ValidationError) as nothing:
        services.pay_run_payment_route_set(run=calculated, employee_id=esme.pk, route="hold", note="Hold",
                                           acting_user=moj.payroll_officer)
    assert set(nothing.value.error_dict) == {"employee_id"}
    # a failed calculation is fixed and recalculated, never routed
    with in_department(moj):
        PayRunExceptionFactory(department=moj.department, run=calculated, employee=cal, code="calculation_failed",
                               reason="employment: no employment version covers this period")
    with pytest.raises(ValidationError, match="fixed and recalculated"):
        services.pay_run_payment_route_set(run=calculated, employee_id=cal.pk, route="hold", note="Hold",
                                           acting_user=moj.payroll_officer)


def test_recalculating_starts_the_review_again(moj, calculated, in_department, django_capture_on_commit_callbacks):
    # given the review is settled
    settle_review(calculated, moj.payroll_officer)
    with in_department(moj):
        assert pay_run_review(run=calculated).settled
    # when the run is calculated again (the figures may have changed)
    with django_capture_on_commit_callbacks(execute=True):
        start_calculation(run=calculated, acting_user=moj.payroll_officer)
    # then the acknowledgements and payment routes are gone, and approval waits again
    with in_department(moj):
        assert not pay_run_review(run=calculated).settled
        assert not PayRunPaymentRoute.objects.filter(run=calculated).exists()
    with pytest.raises(ValidationError, match="Settle the run's review"):
        services.pay_run_approve(run=calculated, acting_user=moj.payroll_approver)


def test_held_and_hand_paid_pay_stays_out_of_the_bacs_file_and_is_listed_on_the_finalised_run(
        moj, calculated, in_department):
    # given Cal's pay (no account) is held and Esme's is paid by CHAPS instead of Bacs
    esme = _employee(moj, in_department, "E0001")
    with in_department(moj):
        PayRunExceptionFactory(department=moj.department, run=calculated, employee=esme, code="no_bank_details",
                               reason="The account is being closed.")
    settle_review(calculated, moj.payroll_officer)
    services.pay_run_payment_route_set(run=calculated, employee_id=esme.pk, route="manual", reference="CHAPS 9001",
                                       note="Paid to her new account by CHAPS", acting_user=moj.payroll_officer)
    services.pay_run_approve(run=calculated, acting_user=moj.payroll_approver)
    # when it is finalised
    run = services.pay_run_finalise(run=calculated, acting_user=moj.payroll_approver)
    # then the Bacs file pays Manon alone
    with default_storage.open(run.bacs_file) as stored:
        payments = read_standard18(stored.read().decode("ascii")).payments
    with in_department(moj):
        slips = {slip.employee.payroll_number: slip.net_pay for slip in
                 Payslip.objects.filter(run=run).select_related("employee")}
        unpaid = pay_run_unpaid_net_pay(run=run)
        bank = finance_selectors.account_for_purpose(purpose="bank")
        bank_credit = JournalLine.objects.filter(journal=run.journal, account=bank).aggregate(
            total=Sum("credit"))["total"]
    assert [payment.amount_pence for payment in payments] == [int(slips["M0001"] * 100)]
    # and the unpaid net pay is listed with its route and totals
    assert sorted((item.employee.payroll_number, item.route, item.reference) for item in unpaid.items) == [
        ("E0001", "manual", "CHAPS 9001"), ("E0002", "hold", "")]
    assert unpaid.totals == {"hold": slips["E0002"], "manual": slips["E0001"]}
    # and the journal pays out of the bank what left it (Bacs and CHAPS), while Cal's held pay stays
    # owed on net pay control
    assert bank_credit == slips["M0001"] + slips["E0001"]
    with in_department(moj):
        control = finance_selectors.account_for_purpose(purpose="net_pay_control")
        owed = JournalLine.objects.filter(journal=run.journal, account=control).aggregate(
            credit=Sum("credit"), debit=Sum("debit"))
    assert owed["credit"] - owed["debit"] == slips["E0002"]


def test_a_shadow_or_finalised_run_is_not_settled(moj, calculated, in_department):
    settle_review(calculated, moj.payroll_officer)
    services.pay_run_approve(run=calculated, acting_user=moj.payroll_approver)
    with pytest.raises(ValidationError) as approved:
        services.pay_run_exceptions_acknowledge(run=calculated, acting_user=moj.payroll_officer, note="Late",
                                                codes=["net_pay_changed"])
    assert set(approved.value.error_dict) == {"status"}
    with in_department(moj):
        assert PayRun.objects.get(pk=calculated.pk).status == PayRun.Status.APPROVED
