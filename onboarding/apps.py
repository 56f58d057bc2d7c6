from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    """Taking a department onto the platform: staff-record imports from a legacy payroll export,
    with a dry run, a reason for every bad row, idempotent re-runs, opening balances and reconciliation."""

    name = "onboarding"
    verbose_name = "Department onboarding"
