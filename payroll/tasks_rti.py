"""RTI work for the Celery workers: an FPS built when a run is finalised, and submissions sent to
HMRC's gateway and polled for the answer. Thin: each task calls one service in its department."""

from __future__ import annotations

from departments.selectors import department_ids
from departments.tasking import DepartmentTask, PlatformTask
from payroll.models import PayRun, RtiSubmission
from shared_services.accounts.models import User
from shared_services.celery import app

__all__ = [
    "rti_fps_build_task",
    "rti_submission_poll_task",
    "rti_submission_send_task",
    "rti_submissions_due_in_department_task",
    "rti_submissions_due_task",
]


@app.task(base=DepartmentTask, name="payroll.rti_fps_build")
def rti_fps_build_task(department_id: int, run_id: int, acting_user_id: int | None = None) -> int:
    """The FPS of a run just finalised: built, stored, validated and recorded (then queued for the
    gateway by the service when valid)."""
    from payroll.services import fps_submission_build

    acting_user = User.objects.filter(pk=acting_user_id).first() if acting_user_id else None
    return fps_submission_build(run=PayRun.objects.get(pk=run_id), acting_user=acting_user).pk


@app.task(base=DepartmentTask, name="payroll.rti_submission_send")
def rti_submission_send_task(department_id: int, submission_id: int) -> str:
    from payroll.services import rti_submission_send

    submission = rti_submission_send(submission=RtiSubmission.objects.get(pk=submission_id))
    return submission.status


@app.task(base=DepartmentTask, name="payroll.rti_submission_poll")
def rti_submission_poll_task(department_id: int, submission_id: int) -> str:
    from payroll.services import rti_submission_poll

    submission = rti_submission_poll(submission=RtiSubmission.objects.get(pk=submission_id))
    return submission.status


@app.task(base=PlatformTask, name="payroll.rti_submissions_due")
def rti_submissions_due_task() -> int:
    """Celery beat, every minute: each department sends and polls what is due (TENANCY.md §6: one
    department task per department)."""
    ids = department_ids()
    for department_id in ids:
        rti_submissions_due_in_department_task.delay(department_id)
    return len(ids)


@app.task(base=DepartmentTask, name="payroll.rti_submissions_due_in_department")
def rti_submissions_due_in_department_task(department_id: int) -> int:
    """Each due submission in its own task, so one slow gateway answer holds up no other."""
    from payroll.selectors_rti import rti_submissions_due

    due = list(rti_submissions_due().values_list("pk", "status"))
    for submission_id, status in due:
        task = rti_submission_send_task if status == RtiSubmission.Status.VALIDATED else rti_submission_poll_task
        task.delay(department_id, submission_id)
    return len(due)
