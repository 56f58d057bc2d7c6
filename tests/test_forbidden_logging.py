"""A refusal (403) is logged as one line naming the method, the path, the user and the reason, at
WARNING, without a traceback; the person still gets the "you cannot do this" page."""

from __future__ import annotations

import logging

import pytest

pytestmark = pytest.mark.django_db


def _refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if getattr(record, "status_code", None) == 403]


def test_a_page_refused_for_want_of_a_permission_logs_one_line_without_a_traceback(client, moj, caplog):
    # given an employee, who may not read the audit log
    client.force_login(moj.employee)
    # when they open it
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(f"/departments/{moj.slug}/audit-log/")
    # then they are refused, and one line says who, what and why
    assert response.status_code == 403
    refusals = _refusals(caplog)
    assert len(refusals) == 1
    record = refusals[0]
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert record.getMessage() == (f"Forbidden: GET /departments/{moj.slug}/audit-log/ (user {moj.employee.pk}): "
                                   "This page needs the 'audit:read' permission.")
    assert "Traceback" not in caplog.text


def test_a_platform_page_refused_to_a_department_member_is_logged_the_same_way(client, moj, caplog):
    client.force_login(moj.hr_admin)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.post("/platform/departments/new/", {"name": "X"})
    assert response.status_code == 403
    (record,) = _refusals(caplog)
    assert record.getMessage().startswith(f"Forbidden: POST /platform/departments/new/ (user {moj.hr_admin.pk}): ")
    assert record.exc_info is None


def test_a_refused_api_call_answers_problem_json_and_logs_no_traceback(api_client, moj, caplog):
    # given an employee's session, which does not reach HR's records
    api_client.force_authenticate(moj.employee)
    # when
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = api_client.get(f"/api/v1/departments/{moj.slug}/hr/employees/")
    # then
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert all(record.exc_info is None for record in _refusals(caplog))
    assert "Traceback" not in caplog.text


def test_a_path_cannot_write_a_second_line_into_the_log(client, moj, caplog):
    # given an address with a line break in it, refused to an employee
    client.force_login(moj.employee)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(f"/departments/{moj.slug}/hr/employees/P1%0AForged/")
    # then the line break is written escaped, on the one line
    assert response.status_code == 403
    (record,) = _refusals(caplog)
    assert "\n" not in record.getMessage()
    assert "P1\\nForged" in record.getMessage()
