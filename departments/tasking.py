"""Celery task bases (TENANCY.md §6). Every project task uses DepartmentTask or PlatformTask."""

from __future__ import annotations

from typing import Any

from celery import Task

from departments.tenancy import department_context, no_department_context


class GuardedTask(Task):  # type: ignore[misc]
    """The app's default: runs with no department, so touching department data raises."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with no_department_context():
            return super().__call__(*args, **kwargs)


class DepartmentTask(GuardedTask):
    """A task over one department's data: ``(department_id: int, …)``, run in that context.

    The context opens a transaction, so the task's writes commit together or not at all.
    """

    def __call__(self, department_id: int, *args: Any, **kwargs: Any) -> Any:
        with no_department_context(), department_context(department_id):
            return Task.__call__(self, department_id, *args, **kwargs)


class PlatformTask(GuardedTask):
    """Platform-wide work (schedules, fan-out). Reads global tables only; for department data it
    enqueues one DepartmentTask per department."""


class DepartmentStepsTask(DepartmentTask):
    """A long department task that commits in steps, so people can watch its progress:
    ``(department_id: int, …)``. The body enters ``department_context(department_id)`` for each
    step itself (each is its own transaction); outside those steps it has no department at all."""

    def __call__(self, department_id: int, *args: Any, **kwargs: Any) -> Any:
        if isinstance(department_id, bool) or not isinstance(department_id, int) or department_id <= 0:
            raise ValueError(f"A department id is a positive integer, not {department_id!r}.")
        with no_department_context():
            return Task.__call__(self, department_id, *args, **kwargs)
