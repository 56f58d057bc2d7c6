"""The department settings pages hr offers, for the department's settings page."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from departments.roles import Role, Scope
from shared_services.core.hooks import SettingsLink


def settings_links(*, department: Any, access: Any) -> list[SettingsLink]:
    if not access.allows(Scope.SETTINGS_MANAGE):
        return []
    slug = {"department_slug": department.slug}
    links = [
        SettingsLink("Leave types and entitlements", reverse("hr:settings-leave-types", kwargs=slug),
                     "What leave people can ask for, and the yearly entitlement by years of service"),
        SettingsLink("Working patterns", reverse("hr:settings-working-patterns", kwargs=slug),
                     "The hours worked each day of the week, offered when an employment is recorded"),
    ]
    # The absence pay schemes page is for HR admins in person (it checks the role, not the scope).
    if Role.HR_ADMIN in access.roles:
        links.append(SettingsLink("Absence pay schemes", reverse("hr:absence-pay-schemes", kwargs=slug),
                                  "What the department pays during sickness and family leave"))
    return links
