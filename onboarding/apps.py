from typing import Any

from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    """Taking a department onto the platform: staff-record imports from a legacy payroll export,
    with a dry run, a reason for every bad row, idempotent re-runs, opening balances and reconciliation."""

    name = "onboarding"
    verbose_name = "Department onboarding"

    def department_home_figures(self, *, department: Any, access: Any) -> list[Any]:
        from departments.roles import Scope
        from onboarding.selectors import import_jobs
        from shared_services.core.hooks import HomeFigure

        if not access.allows(Scope.HR_WRITE):
            return []
        return [HomeFigure(label="Staff imports", value=import_jobs(department=department).count(),
                           hint="Files from the previous payroll system",
                           url=f"/departments/{department.slug}/onboarding/")]

    def navigation_sections(self, *, department: Any, access: Any) -> list[Any]:
        from onboarding.navigation import navigation_sections

        return navigation_sections(department=department, access=access)

    def attention_items(self, *, department: Any, access: Any) -> list[Any]:
        from onboarding.navigation import attention_items

        return attention_items(department=department, access=access)

    def audit_vocabulary(self) -> Any:
        from onboarding import audit_descriptions

        return audit_descriptions
