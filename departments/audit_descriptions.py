"""departments's audit actions and fields in plain English (read through ``departments.audit_text``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from departments.roles import Role

Said = Any  # ``departments.audit_text.Said``; typed loosely so this module imports nothing of it


def _role(said: Said) -> str:
    """The role as a sentence says it: "the HR officer role", "a shared-services payroll officer"."""
    code = said.after("role") or said.before("role")
    label = next((str(label) for value, label in Role.choices if value == code), str(code or ""))
    return label if label.startswith("HR") else label[:1].lower() + label[1:]


def _person(said: Said) -> str:
    """The person a membership or request is for: its name starts "Ben Hughes — …" or names them."""
    return str(said.repr_part(0)) if " — " in said.object_repr else str(said.after("user") or said.object)


DESCRIPTIONS: dict[str, str | Callable[[Said], str]] = {
    "department.create": "{actor} created the department {object}",
    "department.settings_update": "{actor} changed the department's settings",
    "api_token.create": "{actor} created the API client {after_name}",
    "api_token.revoke": "{actor} revoked the API client {object}",
    "membership.grant": lambda said: f"{said.actor} gave {_person(said)} the {_role(said)} role",
    "membership.provision": lambda said: (f"{said.actor} gave {said.shown('user')} the {_role(said)} role "
                                          "from their HR record"),
    "membership.change": lambda said: f"{said.actor} changed the dates of {_person(said)}'s access",
    "membership.dates_change": lambda said: f"{said.actor} changed the dates of {_person(said)}'s access",
    "membership.end": lambda said: f"{said.actor} ended {_person(said)}'s access",
    "membership_request.create": lambda said: (f"{said.actor} asked for {said.shown('user')} to be given the "
                                               f"{_role(said)} role"),
    "membership_request.approve": "{actor} approved the request: {object}",
    "membership_request.refuse": "{actor} refused the request: {object}",
    "operator_assignment.create": lambda said: (f"{said.actor} assigned {said.shown('user')} to serve the department "
                                                f"as a shared-services {_role(said)}"),
    "operator_assignment.approve": "{actor} approved the operator assignment of {object}",
    "operator_assignment.end": "{actor} ended the operator assignment of {object}",
    "role_conflict.add": "{actor} said the {after_role_a} and {after_role_b} roles conflict",
    "role_conflict.remove": "{actor} removed the conflict between the {before_role_a} and {before_role_b} roles",
    "sso.provider_created": "{actor} set up single sign-on with {object}",
    "sso.provider_configured": "{actor} changed the single sign-on settings of {object}",
    "sso.provider_enabled": "{actor} turned on single sign-on with {object}",
    "sso.provider_disabled": "{actor} turned off single sign-on with {object}",
    "notification_preference.set": "{actor} changed their email notification settings",
}

FIELD_LABELS: dict[str, dict[str, str]] = {
    "*": {"user": "Person", "valid_from": "First day", "valid_to": "Last day", "ended_at": "Ended",
          "reason": "Reason"},
    "departments.apitoken": {"name": "Client name", "scopes": "Permissions", "key_prefix": "Token starts with",
                             "revoked_at": "Revoked"},
    "departments.departmentmembership": {"role": "Role", "source": "Given through"},
    "departments.roleconflict": {"role_a": "First role", "role_b": "Second role", "handling": "When both are held"},
    "departments.notificationpreference": {"daily_digest": "Daily summary email"},
    "departments.identityprovider": {"is_enabled": "Turned on"},
    "departments.department": {"leave_year_start_month": "Leave year starts (month)",
                               "leave_year_start_day": "Leave year starts (day)",
                               "bank_holiday_region": "Bank holidays"},
}

FIELD_KINDS: dict[str, dict[str, str]] = {}
