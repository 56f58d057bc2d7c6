"""Two people pressing the same button at the same moment, each on their own database connection:
the run's row lock lets exactly one through and the other is refused with the reason."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from departments.models import AuditEvent
from payroll import services
from payroll.models import PayRun, Payslip
from tests.payroll.settling import settle_review

pytestmark = pytest.mark.django_db(transaction=True)


def _at_once(*steps):
    """Run each step in its own thread from the same instant; return what each returned or raised."""
    barrier = threading.Barrier(len(steps))
    outcomes: list[object] = [None] * len(steps)

    def run(position, step):
        try:
            barrier.wait()
            outcomes[position] = step()
        except Exception as error:  # noqa: BLE001  (the refusal is the outcome)
            outcomes[position] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(position, step)) for position, step in enumerate(steps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.fixture
def open_run(moj, finance_setting):
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly",
                                            bank_sort_code="202959", bank_account_number="63748472",
                                            bank_account_name="MOJ PAYROLL")
    run = services.pay_run_create(schedule=schedule, period_containing=datetime.date(2026, 11, 10), acting_user=None)
    return services.pay_run_open(run=run, acting_user=moj.payroll_officer)


def test_two_calculations_started_at_once_make_one(moj, open_run, in_department):
    # when two payroll officers start the calculation at the same moment
    outcomes = _at_once(lambda: services.pay_run_calculate(run=open_run, acting_user=moj.payroll_officer),
                        lambda: services.pay_run_calculate(run=open_run, acting_user=moj.payroll_officer))
    # then one calculation started and the other was refused
    started = [outcome for outcome in outcomes if isinstance(outcome, services.CalculationStart)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, ValidationError)]
    assert len(started) == 1
    assert len(refused) == 1
    assert "being calculated already" in refused[0].messages[0]
    with in_department(moj):
        assert PayRun.objects.get(pk=open_run.pk).calculation_number == 1


def test_two_finalisations_at_once_finalise_once(moj, open_run, in_department):
    # given a calculated and approved run
    start = services.pay_run_calculate(run=open_run, acting_user=moj.payroll_officer)
    with in_department(moj):
        for chunk in start.chunks:
            services.calculate_employees(run_id=open_run.pk, calculation_number=start.calculation_number,
                                         employee_ids=chunk)
    settle_review(open_run)
    services.pay_run_approve(run=open_run, acting_user=moj.payroll_approver)
    # when it is finalised twice at the same moment
    outcomes = _at_once(lambda: services.pay_run_finalise(run=open_run, acting_user=moj.payroll_approver),
                        lambda: services.pay_run_finalise(run=open_run, acting_user=moj.payroll_approver))
    # then one finalised it, the other was told it already is, and one journal was posted
    finalised = [outcome for outcome in outcomes if isinstance(outcome, PayRun)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, ValidationError)]
    assert len(finalised) == 1
    assert len(refused) == 1
    assert "finalised" in refused[0].messages[0]
    with in_department(moj):
        assert AuditEvent.objects.filter(action="pay_run.finalise", object_id=str(open_run.pk)).count() == 1
        assert Payslip.objects.filter(run_id=open_run.pk).count() == 3
