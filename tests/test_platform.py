"""Health, settings and the demo data, as an operator deploying the platform would check them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from departments.models import Department, DepartmentMembership, OperatorAssignment

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"]["ok"] is True
    assert response.json()["checks"]["broker"]["ok"] is True


@pytest.mark.django_db
def test_healthz_answers_503_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


def test_production_settings_pass_the_deployment_checks():
    # given the environment a production deployment sets
    environment = {
        **{name: value for name, value in os.environ.items() if name != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "shared_services.settings.base",
        "DJANGO_SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-key-0123456789",
        "DJANGO_ALLOWED_HOSTS": "hr.shared-services.example",
        "DJANGO_SECURE": "true",
        "DJANGO_DEBUG": "false",
    }
    # when
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )
    # then
    assert result.returncode == 0, result.stdout + result.stderr


def test_development_settings_would_fail_the_deployment_checks():
    """The check above is meaningful: without the production variables, check --deploy complains."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "shared_services.settings.base", "DJANGO_SECURE": "false"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


@pytest.mark.django_db
def test_seed_demo_creates_two_departments_personas_and_an_operator_and_is_idempotent(capsys):
    # when
    call_command("seed_demo")
    call_command("seed_demo")
    output = capsys.readouterr().out
    # then
    assert sorted(Department.objects.values_list("slug", flat=True)) == ["dft", "moj"]
    for slug in ("moj", "dft"):
        roles = set(DepartmentMembership.objects.filter(department__slug=slug).values_list("role", flat=True))
        assert roles == {"hr_admin", "hr_officer", "payroll_officer", "payroll_approver", "finance_officer",
                         "manager", "employee"}
    assert OperatorAssignment.objects.filter(user__email="olu.adeyemi@centre.example").count() == 2
    # The personas' fourteen granted roles, once however often it runs; and every demo employee with a
    # work e-mail has an account and an employee membership from the HR record.
    granted = DepartmentMembership.objects.filter(source=DepartmentMembership.Source.GRANTED)
    assert granted.count() == 14
    assert set(granted.values_list("user__email", flat=True)) >= {"amara.okafor@moj.example", "nina.rossi@dft.example"}
    from_hr = DepartmentMembership.objects.filter(source=DepartmentMembership.Source.HR_RECORD, role="employee")
    assert from_hr.filter(user__email__endswith="@justice.example").count() > 100
    assert from_hr.filter(user__email__endswith="@transport.example").count() > 100
    assert "amara.okafor@moj.example" in output


@pytest.mark.django_db
def test_seed_demo_if_empty_leaves_an_existing_platform_alone(capsys):
    Department.objects.create(slug="hmrc", name="HM Revenue and Customs")
    call_command("seed_demo", "--if-empty")
    assert list(Department.objects.values_list("slug", flat=True)) == ["hmrc"]
    assert "no demo data was added" in capsys.readouterr().out
