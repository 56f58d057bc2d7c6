"""What hr installs in a new department: the standard leave types with the annual leave policy, and
the standard working patterns, so its people can book leave and be given a pattern from day one."""

from __future__ import annotations

from typing import Any

from hr.services.leave import leave_types_install_defaults
from hr.services.working_patterns import working_patterns_install_defaults


def department_defaults_install(*, department: Any, acting_user: Any) -> None:
    leave_types_install_defaults(department=department, acting_user=acting_user)
    working_patterns_install_defaults(department=department, acting_user=acting_user)
