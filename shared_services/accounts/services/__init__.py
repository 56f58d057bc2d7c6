"""Every write to accounts: sign-in throttling, security events, identities, second factors, sessions.

One module per concern; callers import from ``shared_services.accounts.services``, which re-exports
each module's public names (its ``__all__``).
"""

from shared_services.accounts.services.identities import *  # noqa: F403
from shared_services.accounts.services.security import *  # noqa: F403
from shared_services.accounts.services.sessions import *  # noqa: F403
from shared_services.accounts.services.sign_in import *  # noqa: F403
from shared_services.accounts.services.two_factor import *  # noqa: F403
