"""The department settings pages payroll offers, for the department's settings page."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from departments.roles import Scope
from shared_services.core.hooks import SettingsLink


def settings_links(*, department: Any, access: Any) -> list[SettingsLink]:
    if not access.allows(Scope.PAYROLL_SUBMIT):
        return []
    return [SettingsLink("Pay schedules", reverse("payroll:settings-schedules",
                                                  kwargs={"department_slug": department.slug}),
                         "Each schedule's name, pay day and the account net pay is paid from")]
