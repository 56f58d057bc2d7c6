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

    def account_for_staff_number(self, *, department_id: int, staff_number: str) -> Any:
        """Asked by single sign-on in ``shared_services.accounts``, which may not import hr."""
        from hr.selectors_accounts import account_for_staff_number

        return account_for_staff_number(department_id=department_id, staff_number=staff_number)

    def department_accounts_provision(self, *, department: Any, acting_user: Any) -> dict[str, int]:
        """Asked by ``manage.py provision_accounts`` in departments, which may not import hr."""
        from hr.services.accounts import employee_accounts_provision

        return employee_accounts_provision(department=department, acting_user=acting_user)

    def department_access_refresh(self, *, department: Any, acting_user: Any) -> None:
        """Asked by the leavers' schedule: line-manager access dated for today."""
        from hr.services.accounts import line_manager_access_refresh

        line_manager_access_refresh(department=department, acting_user=acting_user)

    def approval_sources(self) -> list[Any]:
        """Leave requests, for the approvals inbox in ``departments``, which may not import hr."""
        from hr.approvals import LeaveApprovalSource

        return [LeaveApprovalSource()]

    def department_home_figures(self, *, department: Any, access: Any) -> list[Any]:
        from django.utils import timezone

        from departments.roles import Scope
        from hr import selectors
        from hr.models import LeaveRequest
        from shared_services.core.hooks import HomeFigure

        today, base = timezone.localdate(), f"/departments/{department.slug}/hr/"
        figures = []
        if access.allows(Scope.HR_READ):
            listing = selectors.employee_list(on=today)
            starting = selectors.employee_list(on=today, status=selectors.EmployeeStatus.STARTING)
            figures += [
                HomeFigure(label="Employees", value=listing.count(), hint="Employed today", url=base),
                HomeFigure(label="Starting soon", value=starting.count(),
                           hint="Hired, with a start date to come", url=f"{base}?status=starting"),
            ]
        own = selectors.employee_of_user(user_id=access.user.pk) if access.user is not None else None
        if own is not None and access.allows(Scope.TEAM_READ):
            figures += [
                HomeFigure(label="Your team", value=selectors.direct_reports(manager=own, on=today).count(),
                           hint="People who report to you", url=f"{base}team/"),
            ]
        # HR's queues (detail changes, bank details checks, family leave) lead the home page under
        # "What needs doing" when anything waits: ``hr.navigation.attention_items``.
        if own is not None and access.allows(Scope.SELF_SERVICE):
            waiting = selectors.leave_requests_of(employee=own).filter(status=LeaveRequest.Status.PENDING).count()
            figures.append(HomeFigure(label="Your leave requests waiting", value=waiting,
                                      hint="Book and see your leave", url=f"{base}me/leave/"))
        return figures

    def self_service_links(self, *, department: Any, access: Any) -> list[Any]:
        from departments.roles import Scope
        from hr import selectors
        from shared_services.core.hooks import SelfServiceLink

        own = selectors.employee_of_user(user_id=access.user.pk) if access.user is not None else None
        if own is None or not access.allows(Scope.SELF_SERVICE):
            return []
        base = f"/departments/{department.slug}/hr/me/"
        links = [
            SelfServiceLink("Your details", f"{base}details/", "Address, phone, e-mail and emergency contact"),
            SelfServiceLink("Your bank details", f"{base}bank-details/", "Where your pay goes"),
            SelfServiceLink("Your leave", f"{base}leave/", "Book leave and see what you have left"),
        ]
        if access.allows(Scope.TEAM_READ):
            links.append(SelfServiceLink("Deputies while you are away", f"{base}deputies/",
                                         "Someone to decide your team's requests for dates you choose"))
        return links

    def navigation_sections(self, *, department: Any, access: Any) -> list[Any]:
        from hr.navigation import navigation_sections

        return navigation_sections(department=department, access=access)

    def attention_items(self, *, department: Any, access: Any) -> list[Any]:
        from hr.navigation import attention_items

        return attention_items(department=department, access=access)

    def audit_vocabulary(self) -> Any:
        from hr import audit_descriptions

        return audit_descriptions

    def department_created(self, *, department: Any, acting_user: Any) -> None:
        from hr.department_defaults import department_defaults_install

        department_defaults_install(department=department, acting_user=acting_user)

    def settings_links(self, *, department: Any, access: Any) -> list[Any]:
        from hr.settings_pages import settings_links

        return settings_links(department=department, access=access)
