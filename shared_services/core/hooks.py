"""Extension points that each app fills from its AppConfig, so no central file lists them.

An app opts in by defining a method on its AppConfig:

- ``seed_demo(self, *, out)``: add this app's demo data (called in INSTALLED_APPS order, so an
  app sees the departments and people seeded before it); ``out`` is a ``TextIO`` for sign-ins.
- ``demo_sign_ins(self, *, out)``: print the sign-ins of this app's demo people.
- ``department_home_figures(self, *, department, access)``: figures for the department home page,
  each a ``HomeFigure``; ``access`` says which scopes the viewer holds.
"""

from __future__ import annotations

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


def app_configs_with(hook: str) -> Iterator[tuple[AppConfig, Any]]:
    for app_config in apps.get_app_configs():
        method = getattr(app_config, hook, None)
        if callable(method):
            yield app_config, method
