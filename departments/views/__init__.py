"""Department and platform pages, one module per concern; ``departments.urls`` names them through here."""

from departments.views.approvals import *  # noqa: F403
from departments.views.audit import *  # noqa: F403
from departments.views.members import *  # noqa: F403
from departments.views.pages import *  # noqa: F403
from departments.views.platform import *  # noqa: F403
from departments.views.settings import *  # noqa: F403
