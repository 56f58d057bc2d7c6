"""The department settings pages hr offers, for the department's settings page."""

from __future__ import annotations

from typing import Any

from shared_services.core.hooks import SettingsLink


def settings_links(*, department: Any, access: Any) -> list[SettingsLink]:
    return []
