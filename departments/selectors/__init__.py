"""Reads of departments, access and audit, one module per concern; callers import from
``departments.selectors``, which re-exports each module's public names (its ``__all__``)."""

from departments.selectors.access import *  # noqa: F403
from departments.selectors.api_tokens import *  # noqa: F403
from departments.selectors.audit import *  # noqa: F403
from departments.selectors.members import *  # noqa: F403
from departments.selectors.operators import *  # noqa: F403
from departments.selectors.role_conflicts import *  # noqa: F403
from departments.selectors.sso import *  # noqa: F403
