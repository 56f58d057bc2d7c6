"""Extension points that each app fills from its AppConfig, so no central file lists them.

An app opts in by defining a method on its AppConfig:

- ``seed_demo(self, *, out)``: add this app's demo data (called in INSTALLED_APPS order, so an
  app sees the departments and people seeded before it); ``out`` is a ``TextIO`` for sign-ins.
- ``demo_sign_ins(self, *, out)``: print the sign-ins of this app's demo people.
- ``department_home_figures(self, *, department, access)``: figures for the department home page,
  each a ``HomeFigure``; ``access`` says which scopes the viewer holds.
- ``pay_period_lock(self, *, employee_id, day)``: a ``PayPeriodLock`` when a change to the
  employee's record effective on ``day`` falls in a pay period whose inputs are locked, else None;
  called in the employee's department context. Lets ``hr`` respect payroll's locks without
  importing ``payroll``, which stands above it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import AppConfig, apps


@dataclass(frozen=True)
class HomeFigure:
    label: str
    value: int | str
    hint: str = ""
    url: str = ""


@dataclass(frozen=True)
class PayPeriodLock:
    message: str
    next_open_day: datetime.date


def pay_period_lock(*, employee_id: int, day: datetime.date) -> PayPeriodLock | None:
    for _, method in app_configs_with("pay_period_lock"):
        lock = method(employee_id=employee_id, day=day)
        if lock is not None:
            return lock  # type: ignore[no-any-return]
    return None


def app_configs_with(hook: str) -> Iterator[tuple[AppConfig, Any]]:
    for app_config in apps.get_app_configs():
        method = getattr(app_config, hook, None)
        if callable(method):
            yield app_config, method
