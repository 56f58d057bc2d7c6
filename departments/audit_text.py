"""The audit log in plain English: who did what to which object, and the changes as the forms show them.

Each app puts its own words in ``<app>/audit_descriptions.py`` (returned by its AppConfig's
``audit_vocabulary()``, read through ``shared_services.core.hooks.audit_vocabularies()``), so this
module never imports the apps above ``departments``. A vocabulary module may define:

- ``DESCRIPTIONS: dict[str, str | Callable[[Said], str]]``: by action code. A template is filled
  with ``str.format`` from ``{actor}``, ``{object}`` (the object's name without a trailing
  "(status)"), ``{object_repr}``, ``{reason}``, ``{before_<field>}`` and ``{after_<field>}`` (values
  as shown to people) and ``{detail_<key>}`` (from ``object_details``). A key ending in ``.*``
  describes every action starting with what precedes the ``*`` (actions built at run time).
- ``FIELD_LABELS: dict[str, dict[str, str]]``: labels by object type (``"payroll.payrun"``), or
  ``"*"`` for any object type. Fields not listed take the model field's ``verbose_name``.
- ``FIELD_SOURCES: dict[str, dict[str, str]]``: by object type, the model (``"finance.expenseline"``)
  whose field a change names, when an event on one object records another's fields (an expense
  item added to its claim); its labels and choices are used.
- ``FIELD_KINDS: dict[str, dict[str, str]]``: ``"money"``, ``"date"``, ``"yes_no"`` or ``"text"``
  for fields whose kind the model does not say (or says differently), by object type or ``"*"``.
- ``object_details(object_type, object_ids) -> dict[str, dict[str, str]]``: more words about many
  objects at once (an expense claim's claimant and total), read in the department's context.
- ``value_names(object_type, field, values) -> dict[str, str]``: names for the ids a change stores
  for a reference (a grade, a line manager), read in the department's context.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from types import ModuleType
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst

from departments.models import AuditEvent
from departments.services.audit import MASK
from shared_services.core.hooks import audit_vocabularies

__all__ = [
    "ChangeLine", "DescribedEvent", "Said", "action_choices", "actor_words", "change_lines", "describe",
    "describe_events", "description_for", "has_description", "object_type_choices", "readable_action",
]


EMPTY = "(none)"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_TRAILING_STATUS = re.compile(r"\s*\([^()]*\)$")
# Two-decimal numbers under these names are quantities, not money.
_NOT_MONEY = ("hours", "days", "fte", "rate", "percent", "miles", "weeks", "ratio", "factor", "units")


# --- what a description sees -------------------------------------------------------------------


@dataclass(frozen=True)
class Said:
    """One audit event in people's words, for a vocabulary's description callables."""

    actor: str
    object: str
    object_repr: str
    object_type: str
    object_id: str
    changes: Mapping[str, Mapping[str, Any]]
    reason: str
    details: Mapping[str, str] = field(default_factory=dict)

    def before(self, name: str) -> Any:
        return (self.changes.get(name) or {}).get("before")

    def after(self, name: str) -> Any:
        return (self.changes.get(name) or {}).get("after")

    def shown(self, name: str, which: str = "after") -> str:
        """The field's value as a form shows it ("Open: inputs locked", "£84.20", "6 April 2026")."""
        value = self.before(name) if which == "before" else self.after(name)
        return shown_value(self.object_type, name, value)

    def repr_part(self, index: int, separator: str = " — ") -> str:
        """A part of the object's name, for names such as "Ben Hughes — HR officer in Ministry of Justice"."""
        parts = self.object_repr.split(separator)
        return parts[index].strip() if -len(parts) <= index < len(parts) else self.object


@dataclass(frozen=True)
class ChangeLine:
    label: str
    before: str | None  # None when the field was set from nothing (a new object)
    after: str

    def __str__(self) -> str:
        if self.before is None:
            return f"{self.label}: {self.after}"
        return f"{self.label}: {self.before} → {self.after}"


@dataclass(frozen=True)
class DescribedEvent:
    """An audit event with its words, for the page, the CSV download and the API."""

    event: AuditEvent
    actor: str
    through: str
    description: str
    changes: list[ChangeLine]

    @property
    def changes_text(self) -> str:
        return "; ".join(str(line) for line in self.changes)


# --- vocabularies ------------------------------------------------------------------------------


def _vocabularies() -> list[ModuleType]:
    return list(audit_vocabularies())


@cache
def _descriptions() -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    exact: dict[str, Any] = {}
    prefixes: list[tuple[str, Any]] = []
    for module in _vocabularies():
        for code, description in getattr(module, "DESCRIPTIONS", {}).items():
            if code.endswith("*"):
                prefixes.append((code[:-1], description))
            else:
                exact[code] = description
    prefixes.sort(key=lambda item: -len(item[0]))  # the most specific prefix wins
    return exact, prefixes


def description_for(action: str) -> Any:
    exact, prefixes = _descriptions()
    if action in exact:
        return exact[action]
    for prefix, description in prefixes:
        if action.startswith(prefix):
            return description
    return None


def has_description(action: str) -> bool:
    return description_for(action) is not None


@cache
def _by_object_type(attribute: str) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for module in _vocabularies():
        for object_type, entries in getattr(module, attribute, {}).items():
            merged.setdefault(object_type, {}).update(entries)
    return merged


def _model_field(object_type: str, name: str) -> models.Field[Any, Any] | None:
    source = _by_object_type("FIELD_SOURCES").get(object_type, {}).get(name)
    return _field_of(source or object_type, name)


@cache
def _field_of(object_type: str, name: str) -> models.Field[Any, Any] | None:
    if not object_type or "." not in object_type:
        return None
    try:
        model = apps.get_model(object_type)
        model_field = model._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):  # an unknown type or field just has no label
        return None
    return model_field if isinstance(model_field, models.Field) else None


def field_label(object_type: str, name: str) -> str:
    labels = _by_object_type("FIELD_LABELS")
    for key in (object_type, "*"):
        if name in labels.get(key, {}):
            return labels[key][name]
    model_field = _model_field(object_type, name)
    if model_field is not None and model_field.verbose_name:
        return capfirst(str(model_field.verbose_name))
    return capfirst(name.replace("_", " "))


def _field_kind(object_type: str, name: str) -> str:
    kinds = _by_object_type("FIELD_KINDS")
    for key in (object_type, "*"):
        if name in kinds.get(key, {}):
            return kinds[key][name]
    model_field = _model_field(object_type, name)
    if isinstance(model_field, models.BooleanField):
        return "yes_no"
    if isinstance(model_field, models.DateTimeField):
        return "datetime"
    if isinstance(model_field, models.DateField):
        return "date"
    if (isinstance(model_field, models.DecimalField) and model_field.decimal_places == 2
            and not any(word in name for word in _NOT_MONEY)):
        return "money"
    return ""


# --- values as people read them ----------------------------------------------------------------


def _long_date(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _money(value: Any) -> str | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


def shown_value(object_type: str, name: str, value: Any) -> str:
    """A stored audit value as the forms show it; masked values stay masked."""
    if value is None or value == "" or value == []:
        return EMPTY
    if value == MASK:
        return MASK
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(shown_value(object_type, name, item) for item in value) or EMPTY
    if isinstance(value, dict):
        return "; ".join(f"{capfirst(str(key).replace('_', ' '))}: {shown_value(object_type, str(key), item)}"
                         for key, item in value.items()) or EMPTY
    kind = _field_kind(object_type, name)
    if kind == "yes_no" and str(value).lower() in ("true", "false"):
        return "Yes" if str(value).lower() == "true" else "No"
    if kind == "money":
        return _money(value) or str(value)
    model_field = _model_field(object_type, name)
    if model_field is not None and model_field.choices:
        for choice, label in model_field.flatchoices:
            if str(choice) == str(value):
                return str(label)
    text = str(value)
    if _DATE.match(text):
        try:
            return _long_date(datetime.date.fromisoformat(text))
        except ValueError:
            return text
    if _DATETIME.match(text):
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            return text
        return f"{_long_date(moment.date())} at {moment:%H:%M}"
    return text


ValueNames = Mapping[tuple[str, str], Mapping[str, str]]  # (object type, field) → {stored id: name}


def change_lines(event: AuditEvent, *, names: ValueNames | None = None) -> list[ChangeLine]:
    def shown(name: str, value: Any) -> str:
        named = (names or {}).get((event.object_type, name), {}).get(str(value)) if value is not None else None
        return named or shown_value(event.object_type, name, value)

    lines = []
    for name, change in (event.changes or {}).items():
        if not isinstance(change, Mapping):
            lines.append(ChangeLine(field_label(event.object_type, name), None, shown(name, change)))
            continue
        before, after = change.get("before"), change.get("after")
        lines.append(ChangeLine(label=field_label(event.object_type, name),
                                before=None if before is None else shown(name, before), after=shown(name, after)))
    return lines


def _value_names(events: Sequence[AuditEvent]) -> ValueNames:
    """Names of the references the events' changes store as ids, one lookup per (object type, field)."""
    wanted: dict[tuple[str, str], set[str]] = {}
    for event in events:
        for name, change in (event.changes or {}).items():
            model_field = _model_field(event.object_type, name)
            if model_field is None or not model_field.many_to_one or not isinstance(change, Mapping):
                continue
            for value in (change.get("before"), change.get("after")):
                if value not in (None, "", MASK):
                    wanted.setdefault((event.object_type, name), set()).add(str(value))
    found: dict[tuple[str, str], dict[str, str]] = {}
    lookups = [lookup for module in _vocabularies() if (lookup := getattr(module, "value_names", None))]
    for (object_type, name), values in wanted.items():
        for lookup in lookups:
            found.setdefault((object_type, name), {}).update(lookup(object_type, name, sorted(values)) or {})
    return found


# --- who, and what -----------------------------------------------------------------------------


def actor_words(event: AuditEvent) -> str:
    """The person's name, the API client's name, or "System"; an operator says so."""
    if event.api_token is not None:
        words = f"API client {event.api_token.name}"
    elif event.actor is not None:
        words = str(event.actor.full_name or event.actor.email)
    else:
        words = "System"
    if event.operator_assignment_id is not None:
        words += " (as a shared-services operator)"
    return words


def through_words(event: AuditEvent) -> str:
    parts = []
    if event.api_token is not None:
        parts.append(f"API client {event.api_token.name}")
    assignment = event.operator_assignment
    if assignment is not None:
        until = _long_date(assignment.valid_to) if assignment.valid_to else "no end date"
        parts.append(f"operator assignment {assignment.pk} ({assignment.get_kind_display().lower()}, "
                     f"{assignment.get_role_display()}, {_long_date(assignment.valid_from)} to {until}): "
                     f"{assignment.reason}")
    return "; ".join(parts)


def readable_action(action: str) -> str:
    """A code nobody described, in words: ``pay_run.bank_change_acknowledge`` → "Pay run: bank change acknowledge"."""
    parts = [part.replace("_", " ") for part in action.split(".") if part]
    if not parts:
        return "Change"
    if len(parts) == 1:
        return capfirst(parts[0])
    return f"{capfirst(' '.join(parts[:-1]))}: {parts[-1]}"


def _said(event: AuditEvent, actor: str, details: Mapping[str, str]) -> Said:
    return Said(actor=actor, object=_TRAILING_STATUS.sub("", event.object_repr) or event.object_repr,
                object_repr=event.object_repr, object_type=event.object_type, object_id=event.object_id,
                changes=event.changes or {}, reason=event.reason, details=details)


def _filled(template: str, said: Said) -> str:
    # A field the template names that this event lacks raises KeyError: the code in words is shown instead.
    words = dict(actor=said.actor, object=said.object, object_repr=said.object_repr, reason=said.reason)
    for name in said.changes:
        words[f"before_{name}"] = said.shown(name, "before")
        words[f"after_{name}"] = said.shown(name, "after")
    for key, value in said.details.items():
        words[f"detail_{key}"] = value
    return template.format_map(words)


def describe(event: AuditEvent, *, details: Mapping[str, str] | None = None) -> str:
    """One sentence saying what happened: "Chloe Patel opened the December 2026 pay run"."""
    actor = actor_words(event)
    said = _said(event, actor, details or {})
    description = description_for(event.action)
    try:
        if callable(description):
            text = description(said)
        elif isinstance(description, str):
            text = _filled(description, said)
        else:
            text = ""
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        text = ""  # a description that does not fit this event's shape falls back to the code in words
    if text:
        return " ".join(text.split())
    suffix = f" ({said.object})" if said.object else ""
    return f"{actor}: {readable_action(event.action).lower()}{suffix}"


def _details_for(events: Sequence[AuditEvent]) -> dict[tuple[str, str], Mapping[str, str]]:
    ids_by_type: dict[str, set[str]] = {}
    for event in events:
        if event.object_type and event.object_id:
            ids_by_type.setdefault(event.object_type, set()).add(event.object_id)
    details: dict[tuple[str, str], Mapping[str, str]] = {}
    for module in _vocabularies():
        lookup: Callable[[str, list[str]], Mapping[str, Mapping[str, str]]] | None = getattr(
            module, "object_details", None)
        if lookup is None:
            continue
        for object_type, ids in ids_by_type.items():
            for object_id, words in (lookup(object_type, sorted(ids)) or {}).items():
                details[(object_type, str(object_id))] = words
    return details


def describe_events(events: Iterable[AuditEvent]) -> list[DescribedEvent]:
    """Events with their words; details of their objects are read in one query per object type."""
    events = list(events)
    details = _details_for(events)
    names = _value_names(events)
    return [
        DescribedEvent(event=event, actor=actor_words(event), through=through_words(event),
                       description=describe(event, details=details.get((event.object_type, event.object_id))),
                       changes=change_lines(event, names=names))
        for event in events
    ]


# --- filter choices ----------------------------------------------------------------------------


def action_choices(actions: Iterable[str]) -> list[tuple[str, str]]:
    """Kinds of action for a filter: each code with its words, in order of the words."""
    return sorted(((code, readable_action(code)) for code in set(actions)), key=lambda item: item[1])


def object_type_choices(object_types: Iterable[str]) -> list[tuple[str, str]]:
    choices = []
    for object_type in set(object_types):
        if not object_type:
            continue
        try:
            label = capfirst(str(apps.get_model(object_type)._meta.verbose_name))
        except (LookupError, ValueError):
            label = capfirst(object_type.split(".")[-1])
        choices.append((object_type, label))
    return sorted(choices, key=lambda item: item[1])
