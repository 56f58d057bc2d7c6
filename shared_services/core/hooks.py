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
- ``pay_unfinalised_until(self, *, employee_id)``: the last day of the latest pay period of the
  employee's schedule whose run has started and is not yet finalised, else None. A change of where
  pay goes waits until after it, so that no run already under way pays into an account its
  approver did not see.
- ``approval_sources(self)``: the kinds of item this app puts in a line manager's approvals inbox
  (``departments.approvals``), each an object meeting ``departments.approvals.ApprovalSource``:
  it lists what waits for a person's decision and decides one. Lets the inbox in ``departments``
  hold leave, expenses and later kinds without importing the apps above it.
- ``self_service_links(self, *, department, access)``: the pages of a person's own records this
  app offers them (``SelfServiceLink``), listed on the department home under "Your records".
- ``navigation_sections(self, *, department, access)``: the sections of the service navigation this
  app gives a person with ``access`` (``NavigationSection``), ordered across apps by ``order``.
- ``attention_items(self, *, department, access)``: what needs doing in the department now
  (``AttentionItem``: runs to calculate or approve, exceptions, approvals and imports waiting,
  deadlines), for role home pages and the operators' platform home; called in the department's
  context.
- ``department_created(self, *, department, acting_user)``: install this app's defaults in a new
  department (leave types, working patterns, …), inside ``department_create``'s transaction.
- ``settings_links(self, *, department, access)``: the department settings pages this app offers
  a person with ``access`` (``SettingsLink``), listed on the department's settings page.
- ``audit_vocabulary(self)``: the module that puts this app's audit actions and fields in plain
  English (its shape is ``departments.audit_text``'s to define).
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
class SelfServiceLink:
    label: str
    url: str
    hint: str = ""


def self_service_links(*, department: Any, access: Any) -> list[SelfServiceLink]:
    return _gathered("self_service_links", department=department, access=access)


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


def pay_unfinalised_until(*, employee_id: int) -> datetime.date | None:
    ends = [end for _, method in app_configs_with("pay_unfinalised_until")
            if (end := method(employee_id=employee_id)) is not None]
    return max(ends) if ends else None


def approval_sources() -> list[Any]:
    """Every app's approval sources, in INSTALLED_APPS order (typed in ``departments.approvals``)."""
    sources: list[Any] = []
    for _, method in app_configs_with("approval_sources"):
        sources.extend(method())
    return sources


@dataclass(frozen=True)
class NavigationSection:
    key: str  # stable identifier, e.g. "pay-runs"; pages under ``url`` highlight it
    label: str
    url: str
    order: int = 100


def navigation_sections(*, department: Any, access: Any) -> list[NavigationSection]:
    sections: list[NavigationSection] = _gathered("navigation_sections", department=department, access=access)
    return sorted(sections, key=lambda section: (section.order, section.label))


@dataclass(frozen=True)
class AttentionItem:
    label: str
    count: int
    url: str
    hint: str = ""
    due: datetime.date | None = None  # a deadline, when the item has one


def attention_items(*, department: Any, access: Any) -> list[AttentionItem]:
    return _gathered("attention_items", department=department, access=access)


@dataclass(frozen=True)
class SettingsLink:
    label: str
    url: str
    hint: str = ""


def settings_links(*, department: Any, access: Any) -> list[SettingsLink]:
    return _gathered("settings_links", department=department, access=access)


def department_created(*, department: Any, acting_user: Any) -> None:
    for _, method in app_configs_with("department_created"):
        method(department=department, acting_user=acting_user)


def audit_vocabularies() -> list[Any]:
    return [method() for _, method in app_configs_with("audit_vocabulary")]


def _gathered(hook: str, **arguments: Any) -> list[Any]:
    """Every app's answer to a hook that returns a list, one list, in INSTALLED_APPS order."""
    gathered: list[Any] = []
    for _, method in app_configs_with(hook):
        gathered.extend(method(**arguments))
    return gathered


def app_configs_with(hook: str) -> Iterator[tuple[AppConfig, Any]]:
    for app_config in apps.get_app_configs():
        method = getattr(app_config, hook, None)
        if callable(method):
            yield app_config, method
