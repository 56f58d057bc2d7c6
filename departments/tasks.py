"""Access schedules for the Celery workers. Thin: each task calls one service."""

from __future__ import annotations

from departments.models import Department
from departments.selectors import department_ids
from departments.services import memberships_end_expired
from departments.tasking import DepartmentTask, PlatformTask
from shared_services.celery import app
from shared_services.core.hooks import app_configs_with

# Apps whose records give access by date (hr: line managers) answer this hook with
# ``department_access_refresh(*, department, acting_user)``, so access dated for today follows
# their records even when nobody touched them today.
ACCESS_REFRESH_HOOK = "department_access_refresh"


@app.task(base=PlatformTask, name="departments.end_leavers_access")
def end_leavers_access() -> int:
    """Celery beat, every ``LEAVERS_ACCESS_CHECK_SECONDS``: each department ends the memberships whose
    last day has passed, so its audit log records them (TENANCY.md §6: one task per department)."""
    ids = department_ids()
    for department_id in ids:
        end_leavers_access_in_department.delay(department_id)
    return len(ids)


@app.task(base=DepartmentTask, name="departments.end_leavers_access_in_department")
def end_leavers_access_in_department(department_id: int) -> int:
    """End this department's memberships whose ``valid_to`` is before today (a second run ends none),
    then let the apps that date access bring it in line with today's records."""
    department = Department.objects.get(pk=department_id)
    ended = memberships_end_expired(department=department)
    for _, refresh in app_configs_with(ACCESS_REFRESH_HOOK):
        refresh(department=department, acting_user=None)
    return ended

# Tasks kept in their own modules, registered with Celery by being imported here.
from departments.tasks_notifications import *  # noqa: E402,F403
