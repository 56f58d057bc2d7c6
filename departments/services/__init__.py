"""Every write to departments, access and audit. Each is atomic and writes its audit row.

One module per concern; callers import from ``departments.services``, which re-exports each
module's public names (its ``__all__``).
"""

from departments.services.api_tokens import *  # noqa: F403
from departments.services.audit import *  # noqa: F403
from departments.services.departments import *  # noqa: F403
from departments.services.memberships import *  # noqa: F403
from departments.services.operators import *  # noqa: F403
from departments.services.provisioning import *  # noqa: F403
from departments.services.role_conflicts import *  # noqa: F403
from departments.services.sso import *  # noqa: F403
