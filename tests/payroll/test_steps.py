"""A pay run's steps live in one table: each has a service, an API endpoint with the table's scope,
and a button on the run page in the statuses the table allows; the services refuse it elsewhere."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import resolve

from payroll import services
from payroll.models import PayRun
from payroll.steps import STEPS, steps_from
from payroll.tasks import STEP_SERVICES
from tests.payroll.settling import settle_review

Status = PayRun.Status


def test_every_step_has_one_service_and_every_service_a_step():
    assert set(STEP_SERVICES) == set(STEPS)


@pytest.mark.parametrize("name", list(STEPS))
def test_each_steps_endpoint_asks_for_the_tables_scope(name):
    view = resolve(f"/api/v1/departments/moj/payroll/runs/1/{name}/").func.view_class
    assert view.required_scopes == {"POST": STEPS[name].scope}


@pytest.mark.parametrize(("status", "offered"), [
    (Status.DRAFT, ["open", "cancel"]),
    (Status.OPEN, ["calculate", "cancel"]),
    (Status.CALCULATING, ["resume"]),
    (Status.CALCULATED, ["approve", "recalculate-failed", "calculate", "reopen", "cancel"]),
    (Status.APPROVED, ["finalise", "reopen", "cancel"]),
    (Status.FINALISED, []),
    (Status.CANCELLED, []),
])
def test_the_run_page_offers_the_steps_its_status_allows_in_order(status, offered):
    assert [step.name for step in steps_from(status)] == offered


@pytest.mark.django_db
def test_a_step_its_status_does_not_allow_is_refused_in_the_tables_words(moj, organisation):
    # given a draft run
    schedule = services.pay_schedule_create(department=moj.department, acting_user=None, name="Monthly")
    run = services.pay_run_create(schedule=schedule, period_containing=datetime.date(2026, 11, 1),
                                  acting_user=None)
    # when it is approved before it is calculated, it is refused, naming what was tried
    settle_review(run)
    with pytest.raises(ValidationError) as refused:
        services.pay_run_approve(run=run, acting_user=moj.payroll_approver)
    assert refused.value.message_dict == {"status": [f"This run is draft, so it cannot be {STEPS['approve'].doing}."]}
