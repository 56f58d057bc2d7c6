"""Shadow pay runs: a period calculated through the same pipeline as a regular run to be compared
with what the legacy payroll paid, any number of times, and never approved, finalised, paid or
counted in a later run's year to date; nor does it lock the period's records."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from payroll import services
from payroll.models import PayInput, PayRun, Payslip
from payroll.selectors import period_is_locked
from payroll.steps import steps_from
from payroll.tasks import start_calculation

pytestmark = pytest.mark.django_db


@pytest.fixture
def schedule(moj, finance_setting):
    return services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                        bank_sort_code="202959", bank_account_number="63748472",
                                        bank_account_name="MOJ PAYROLL")


def _calculated_shadow_run(moj, schedule, capture, in_department):
    run = services.pay_run_create(schedule=schedule, period_containing=timezone.localdate(), acting_user=None,
                                  kind=PayRun.Kind.SHADOW)
    services.pay_run_open(run=run, acting_user=moj.payroll_officer)
    with capture(execute=True):
        start_calculation(run=run, acting_user=moj.payroll_officer)
    with in_department(moj):
        run.refresh_from_db()
    return run


def test_a_shadow_run_calculates_like_a_regular_run_but_cannot_be_approved_or_finalised(
        moj, schedule, in_department, django_capture_on_commit_callbacks):
    # given a calculated shadow run beside a regular run of the same period
    shadow = _calculated_shadow_run(moj, schedule, django_capture_on_commit_callbacks, in_department)
    regular = services.pay_run_create(schedule=schedule, period_containing=timezone.localdate(), acting_user=None)
    services.pay_run_open(run=regular, acting_user=moj.payroll_officer)
    with django_capture_on_commit_callbacks(execute=True):
        start_calculation(run=regular, acting_user=moj.payroll_officer)
    assert shadow.status == PayRun.Status.CALCULATED
    with in_department(moj):
        shadow_pay = dict(Payslip.objects.filter(run=shadow).values_list("employee_id", "net_pay"))
        regular_pay = dict(Payslip.objects.filter(run=regular).values_list("employee_id", "net_pay"))
    # then it paid everyone the regular run pays, the same
    assert shadow_pay
    assert shadow_pay == regular_pay
    # and approving it is refused, and its page offers neither step
    with pytest.raises(ValidationError, match="shadow run is calculated only to compare"):
        services.pay_run_approve(run=shadow, acting_user=moj.payroll_approver)
    assert {"approve", "finalise"}.isdisjoint(step.name for step in steps_from(shadow.status, kind=shadow.kind))
    # and it can be calculated again
    with django_capture_on_commit_callbacks(execute=True):
        start_calculation(run=shadow, acting_user=moj.payroll_officer)
    with in_department(moj):
        shadow.refresh_from_db()
    assert (shadow.status, shadow.calculation_number) == (PayRun.Status.CALCULATED, 2)


def test_a_shadow_run_locks_no_records_and_a_second_one_of_the_period_is_allowed(
        moj, schedule, in_department, django_capture_on_commit_callbacks):
    # given a calculated shadow run
    shadow = _calculated_shadow_run(moj, schedule, django_capture_on_commit_callbacks, in_department)
    with in_department(moj):
        employee = Payslip.objects.filter(run=shadow).select_related("employee").first().employee
    # then its period is not locked: an input can still be added
    with in_department(moj):
        assert not period_is_locked(schedule=schedule, day=shadow.period_start)
    services.pay_input_add(employee=employee, schedule=schedule, period_containing=shadow.period_start, code="OT",
                           description="Overtime", kind=PayInput.Kind.TAXABLE_PAYMENT, amount=Decimal("10.00"),
                           acting_user=moj.payroll_officer)
    # and another shadow run of the same period can be made
    again = services.pay_run_create(schedule=schedule, period_containing=shadow.period_start, acting_user=None,
                                    kind=PayRun.Kind.SHADOW)
    assert again.pk != shadow.pk
