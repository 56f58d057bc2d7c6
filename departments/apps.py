from __future__ import annotations

from typing import Any, TextIO

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DepartmentsConfig(AppConfig):
    """Tenants, access (memberships, operator assignments, API tokens), the audit log and the walls."""

    name = "departments"
    verbose_name = "Departments"

    def ready(self) -> None:
        from departments import grants

        post_migrate.connect(grants.grant_application_roles, sender=self)

    def seed_demo(self, *, out: TextIO) -> None:
        from departments.demo import seed

        seed(out=out)

    def demo_sign_ins(self, *, out: TextIO) -> None:
        from departments.demo import print_sign_ins

        print_sign_ins(out=out)

    def second_factor_required_for(self, user: Any) -> bool:
        """Asked by the sign-in flow in ``shared_services.accounts``, which may not import departments."""
        from departments.selectors import second_factor

        return second_factor.second_factor_required_for(user=user)

    def sso_provider_for_email(self, *, email: str) -> Any:
        """Asked by the sign-in page in ``shared_services.accounts``, which may not import departments."""
        from departments.selectors import sso

        return sso.sso_provider_for_email(email=email)

    def sso_provider_get(self, *, provider_id: int) -> Any:
        from departments.selectors import sso

        return sso.sso_provider_get(provider_id=provider_id)

    def sso_member_account(self, *, department_id: int, email: str) -> Any:
        from departments.selectors import sso

        return sso.sso_member_account(department_id=department_id, email=email)

    def department_home_figures(self, *, department: Any, access: Any) -> list[Any]:
        from departments import selectors
        from departments.roles import Scope
        from shared_services.core.hooks import HomeFigure

        figures = [
            HomeFigure(
                label="People with access",
                value=selectors.department_people_count(department=department),
                hint="Staff and employees who can sign in to this department",
                url=f"/departments/{department.slug}/people/" if access.allows(Scope.MEMBERS_READ) else "",
            ),
            HomeFigure(
                label="Shared-services operators",
                value=selectors.department_operators(department=department).count(),
                hint="Centre staff currently assigned to this department",
            ),
        ]
        if access.allows(Scope.AUDIT_READ):
            figures.append(
                HomeFigure(
                    label="Audited changes in the last 30 days",
                    value=selectors.audit_events_since(department=department, days=30),
                    url=f"/departments/{department.slug}/audit-log/",
                )
            )
        return figures

    def navigation_sections(self, *, department: Any, access: Any) -> list[Any]:
        from departments.navigation import navigation_sections

        return navigation_sections(department=department, access=access)

    def attention_items(self, *, department: Any, access: Any) -> list[Any]:
        from departments.navigation import attention_items

        return attention_items(department=department, access=access)

    def audit_vocabulary(self) -> Any:
        from departments import audit_descriptions

        return audit_descriptions
