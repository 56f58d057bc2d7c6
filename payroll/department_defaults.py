"""What payroll installs in a new department."""

from __future__ import annotations

from typing import Any


def department_defaults_install(*, department: Any, acting_user: Any) -> None:
    return None
