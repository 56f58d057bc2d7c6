"""Pay-run work for the Celery workers. Thin: each task calls one service in its department."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from departments.tasking import DepartmentTask
from payroll import services
from payroll.models import PayRun
from shared_services.accounts.models import User
from shared_services.celery import app


@app.task(base=DepartmentTask, name="payroll.calculate_pay_run_chunk")
def calculate_pay_run_chunk(department_id: int, run_id: int, calculation_number: int,
                            employee_ids: Sequence[int]) -> int:
    """One chunk of a run's employees. Acknowledged only when done (acks_late), so a chunk whose
    worker dies is run again by another worker, and replaces whatever it had written."""
    return services.calculate_employees(run_id=run_id, calculation_number=calculation_number,
                                        employee_ids=list(employee_ids))


def start_calculation(*, run: PayRun, acting_user: User) -> None:
    """Start a run's calculation and queue its chunks once the start is committed."""
    start = services.pay_run_calculate(run=run, acting_user=acting_user)

    def enqueue() -> None:
        for chunk in start.chunks:
            calculate_pay_run_chunk.delay(start.department_id, start.run_id, start.calculation_number, chunk)

    transaction.on_commit(enqueue)
