"""What payroll installs in a new department."""

from __future__ import annotations

from typing import Any


def department_defaults_install(*, department: Any, acting_user: Any) -> None:
    """Nothing: absence pay schemes fall back to hr's defaults, and a pay schedule needs the
    department's own bank account, so its payroll officer adds one."""
    return None
