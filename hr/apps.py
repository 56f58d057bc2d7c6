import os
from typing import Any, TextIO

from django.apps import AppConfig


class HrConfig(AppConfig):
    """People and organisation: employees, employment history, organisation units, grades, leave."""

    name = "hr"
    verbose_name = "HR records"

    def seed_demo(self, *, out: TextIO) -> None:
        from hr.demo import seed

        # DJANGO_DEMO_EMPLOYEES=75000 gives a department of realistic size for benchmarks.
        seed(out=out, employees=int(os.environ.get("DJANGO_DEMO_EMPLOYEES", "2000")))

    def department_home_figures(self, *, department: Any, access: Any) -> list[Any]:
        from django.utils import timezone

        from departments.roles import Scope
        from hr.selectors import EmployeeStatus, employee_list
        from shared_services.core.hooks import HomeFigure

        if not access.allows(Scope.HR_READ):
            return []
        today = timezone.localdate()
        return [
            HomeFigure(label="Employees", value=employee_list(on=today).count(),
                       hint="Employed today", url=f"/departments/{department.slug}/hr/"),
            HomeFigure(label="Starting soon", value=employee_list(on=today, status=EmployeeStatus.STARTING).count(),
                       hint="Hired, with a start date to come",
                       url=f"/departments/{department.slug}/hr/?status=starting"),
        ]
