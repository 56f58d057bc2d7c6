"""The year-end API: P60s started and polled by a payroll client, the rollover, and bad input as
problem+json 400s naming the field."""

from __future__ import annotations

import datetime

import pytest
from rest_framework.test import APIClient

from departments import services as department_services

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def _client(moj, scopes):
    _, raw = department_services.api_token_create(department=moj.department, name="+".join(scopes),
                                                  acting_user=None, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _url(moj, path):
    return f"/api/v1/departments/{moj.slug}/payroll/year-end/{path}"


def test_a_client_produces_the_p60s_and_polls_them_until_ready(moj, monthly, pay, django_capture_on_commit_callbacks):
    # given 2025-26 paid, and a client that may run payroll
    pay(monthly, datetime.date(2026, 3, 10))
    client = _client(moj, ["payroll:read", "payroll:submit"])
    # when it asks for the 2025-26 P60s (the job runs once the request commits)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(_url(moj, "p60s/"), {"tax_year": "2025-26"}, format="json")
    # then it is accepted, and polling shows all three done
    assert started.status_code == 202
    assert (started.json()["status"], started.json()["total"]) == ("queued", 3)
    batch = client.get(_url(moj, f"p60s/{started.json()['id']}/")).json()
    assert (batch["status"], batch["done"], batch["ready"]) == ("done", 3, True)


def test_bad_input_is_a_400_naming_the_field(moj, monthly):
    client = _client(moj, ["payroll:read", "payroll:submit"])
    year_not_over = client.post(_url(moj, "p60s/"), {"tax_year": "2026-27"}, format="json")
    assert year_not_over.status_code == 400
    assert year_not_over["Content-Type"] == PROBLEM
    assert [error["field"] for error in year_not_over.json()["errors"]] == ["tax_year"]
    bad_uplift = client.post(_url(moj, "rollover/"), {"to_tax_year": "2027-28", "uplift_l": -3}, format="json")
    assert [error["field"] for error in bad_uplift.json()["errors"]] == ["uplift_l"]
    # and a client that may only read cannot start anything
    reader = _client(moj, ["payroll:read"])
    assert reader.post(_url(moj, "p60s/"), {"tax_year": "2025-26"}, format="json").status_code == 403


def test_the_rollover_through_the_api(moj, monthly, pay):
    pay(monthly, datetime.date(2027, 3, 10))
    client = _client(moj, ["payroll:read", "payroll:submit"])
    first = client.post(_url(moj, "rollover/"), {"to_tax_year": "2027-28", "uplift_l": 10}, format="json")
    assert first.status_code == 200
    assert first.json()["codes_uplifted"] == 3
    assert first.json()["first_periods"] == {"Monthly": "2027-04-30"}
    again = client.post(_url(moj, "rollover/"), {"to_tax_year": "2027-28", "uplift_l": 10}, format="json")
    assert again.json()["already_done"] is True
