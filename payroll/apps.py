from typing import Any, TextIO

from django.apps import AppConfig


class PayrollConfig(AppConfig):
    """Pay elements, pay runs, payslips, BACS and RTI files, year-end; the engine in payroll/engine/."""

    name = "payroll"
    verbose_name = "Payroll"

    def pay_period_lock(self, *, employee_id: int, day: Any) -> Any:
        from payroll import selectors

        return selectors.pay_period_lock(employee_id=employee_id, day=day)

    def pay_unfinalised_until(self, *, employee_id: int) -> Any:
        from payroll import selectors

        return selectors.pay_unfinalised_until(employee_id=employee_id)

    def seed_demo(self, *, out: TextIO) -> None:
        from payroll.demo import seed

        seed(out=out)

    def department_home_figures(self, *, department: Any, access: Any) -> list[Any]:
        from departments.roles import Scope
        from hr.selectors import employee_of_user
        from payroll import selectors
        from shared_services.core.hooks import HomeFigure

        base = f"/departments/{department.slug}/payroll/"
        figures = []
        if access.allows(Scope.PAYROLL_READ):
            # Shadow runs are only compared with the legacy payroll; they are onboarding's to show.
            runs = selectors.pay_runs().exclude(status="cancelled").exclude(kind="shadow")
            latest = runs.first()
            latest_period = latest.period_start.strftime("%B %Y") if latest else "None yet"
            figures += [
                HomeFigure(label="Latest pay run", value=latest_period,
                           hint=latest.get_status_display() if latest else "Start one from the pay runs page",
                           url=f"{base}runs/{latest.pk}/" if latest else base),
                HomeFigure(label="Pay runs not yet finalised", value=runs.exclude(status="finalised").count(),
                           hint="Every pay run, by period", url=base),
            ]
        own = employee_of_user(user_id=access.user.pk) if access.user is not None else None
        if own is not None and access.allows(Scope.SELF_SERVICE):
            figures.append(HomeFigure(label="Your payslips", value=selectors.published_payslips_of(
                employee_id=own.pk).count(), hint="Published when each pay run is finalised",
                url=f"{base}me/payslips/"))
        return figures

    def self_service_links(self, *, department: Any, access: Any) -> list[Any]:
        from departments.roles import Scope
        from hr.selectors import employee_of_user
        from shared_services.core.hooks import SelfServiceLink

        own = employee_of_user(user_id=access.user.pk) if access.user is not None else None
        if own is None or not access.allows(Scope.SELF_SERVICE):
            return []
        return [SelfServiceLink("Your documents", f"/departments/{department.slug}/payroll/me/documents/",
                                "Payslips, P60s, your P45 and a summary of each tax year")]

    def navigation_sections(self, *, department: Any, access: Any) -> list[Any]:
        from payroll.navigation import navigation_sections

        return navigation_sections(department=department, access=access)

    def attention_items(self, *, department: Any, access: Any) -> list[Any]:
        from payroll.navigation import attention_items

        return attention_items(department=department, access=access)

    def audit_vocabulary(self) -> Any:
        from payroll import audit_descriptions

        return audit_descriptions

    def department_created(self, *, department: Any, acting_user: Any) -> None:
        from payroll.department_defaults import department_defaults_install

        department_defaults_install(department=department, acting_user=acting_user)

    def settings_links(self, *, department: Any, access: Any) -> list[Any]:
        from payroll.settings_pages import settings_links

        return settings_links(department=department, access=access)
