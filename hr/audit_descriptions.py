"""hr's audit actions and fields in plain English (read through ``departments.audit_text``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Said = Any  # ``departments.audit_text.Said``

# Objects that belong to one employee, named by them in the log ("approved Grace Lee's leave").
_EMPLOYEE_OWNED = {
    "hr.leaverequest": "LeaveRequest",
    "hr.sicknessperiod": "SicknessPeriod",
    "hr.familyleave": "FamilyLeave",
    "hr.detailchangerequest": "DetailChangeRequest",
    "hr.bankdetailschange": "BankDetailsChange",
}


def object_details(object_type: str, object_ids: list[str]) -> dict[str, dict[str, str]]:
    """The employee each of these objects belongs to, read in one query."""
    model_name = _EMPLOYEE_OWNED.get(object_type)
    if model_name is None:
        return {}
    from django.apps import apps

    model = apps.get_model("hr", model_name)
    ids = [int(object_id) for object_id in object_ids if object_id.isdigit()]
    rows = model.objects.filter(pk__in=ids).select_related("employee")
    return {str(row.pk): {"person": row.employee.display_name} for row in rows}


def value_names(object_type: str, field: str, values: list[str]) -> dict[str, str]:
    """Names for the ids hr's changes store for references: a grade, a cost centre, a line manager."""
    if not object_type.startswith("hr."):
        return {}
    from django.apps import apps

    source = FIELD_SOURCES.get(object_type, {}).get(field, object_type)
    try:
        related = apps.get_model(source)._meta.get_field(field).related_model
    except LookupError:
        return {}
    if related is None or related._meta.app_label != "hr":
        return {}
    ids = [int(value) for value in values if value.isdigit()]
    return {str(row.pk): str(getattr(row, "display_name", None) or row)
            for row in related._default_manager.filter(pk__in=ids)}


def _whose(said: Said, thing: str) -> str:
    person = said.details.get("person")
    return f"{person}'s {thing}" if person else f"the {thing} {said.object}"


DESCRIPTIONS: dict[str, str | Callable[[Said], str]] = {
    "hr.demo_seed": "{actor} loaded the demonstration employees",
    "employee.hire": "{actor} added {object} as a new employee",
    "employee.import_change": "{actor} updated {object}'s record from an import",
    "employee.leave": "{actor} recorded that {object} leaves on {after_leave_date}",
    "employee.tax_code": "{actor} changed {object}'s tax code to {after_tax_code}",
    "employee.bank_details_change": "{actor} changed where {object} is paid",
    "employee.personal_details_change": "{actor} changed {object}'s personal details",
    "employee.details_change_request_create": lambda said: f"{said.actor} asked to change {_whose(said, 'details')}",
    "employee.details_change_request_approve": lambda said: (f"{said.actor} approved the change to "
                                                             f"{_whose(said, 'details')}"),
    "employee.details_change_request_reject": lambda said: (f"{said.actor} rejected the change to "
                                                            f"{_whose(said, 'details')}"),
    "employee.details_change_request_withdraw": lambda said: (f"{said.actor} withdrew the change to "
                                                              f"{_whose(said, 'details')}"),
    "employment.change": "{actor} changed {object}'s employment",
    "employment.correct": "{actor} corrected {object}'s employment history",
    "bank_details_change.request": lambda said: f"{said.actor} asked to change {_whose(said, 'bank details')}",
    "bank_details_change.propose": lambda said: f"{said.actor} proposed a change to {_whose(said, 'bank details')}",
    "bank_details_change.confirm": lambda said: f"{said.actor} confirmed the change to {_whose(said, 'bank details')}",
    "bank_details_change.reject": lambda said: f"{said.actor} rejected the change to {_whose(said, 'bank details')}",
    "bank_details_change.cancel": lambda said: f"{said.actor} cancelled the change to {_whose(said, 'bank details')}",
    "approval_delegation.create": "{actor} asked {after_deputy} to approve for {after_manager}",
    "approval_delegation.cancel": "{actor} cancelled the approval delegation {object}",
    "grade.create": "{actor} added the grade {after_name} ({after_code})",
    "pay_range.set": "{actor} set the pay range of {object}",
    "organisation_unit.create": "{actor} added the organisation unit {after_name}",
    "cost_centre.create": "{actor} added the cost centre {after_name} ({after_code})",
    "leave_types.install_defaults": "{actor} set up the standard leave types",
    "leave_type.create": "{actor} added the leave type {object}",
    "leave_type.update": "{actor} changed the leave type {object}",
    "leave_policy.update": "{actor} changed the leave policy: {object}",
    "leave_request.create": lambda said: f"{said.actor} booked {_whose(said, 'leave')}: {said.object}",
    "leave_request.approve": lambda said: f"{said.actor} approved {_whose(said, 'leave')}: {said.object}",
    "leave_request.reject": lambda said: f"{said.actor} turned down {_whose(said, 'leave')}: {said.object}",
    "leave_request.cancel": lambda said: f"{said.actor} cancelled {_whose(said, 'leave')}: {said.object}",
    "sickness.record": lambda said: f"{said.actor} recorded {_whose(said, 'sickness')} from {said.shown('first_day')}",
    "unauthorised_absence.record": "{actor} recorded an unauthorised absence for {after_employee}",
    "family_leave.request": lambda said: f"{said.actor} asked for {_whose(said, 'family leave')}",
    "family_leave.record": lambda said: f"{said.actor} recorded {_whose(said, 'family leave')}",
    "family_leave.confirm": lambda said: f"{said.actor} confirmed {_whose(said, 'family leave')}",
    "family_leave.change": lambda said: f"{said.actor} changed {_whose(said, 'family leave')}",
    "family_leave.cancel": lambda said: f"{said.actor} cancelled {_whose(said, 'family leave')}",
    "absence_pay_scheme.set": "{actor} changed the absence pay scheme {object}",
    "absence_pay_scheme.reset": "{actor} put the absence pay scheme {object} back to the standard rules",
    "working_pattern.create": "{actor} added the working pattern {object}",
    "working_pattern.update": "{actor} changed the working pattern {object}",
    "working_patterns.install_defaults": "{actor} set up the standard working patterns",
}

FIELD_LABELS: dict[str, dict[str, str]] = {
    "*": {"employee": "Employee", "payroll_number": "Payroll number", "first_name": "First name",
          "last_name": "Last name", "preferred_name": "Preferred name", "ni_number": "National Insurance number",
          "date_of_birth": "Date of birth", "start_date": "Start date", "leave_date": "Leaving date",
          "leave_reason": "Reason for leaving", "tax_code": "Tax code", "tax_basis": "Tax basis",
          "annual_salary": "Annual salary", "line_manager": "Line manager", "grade": "Grade",
          "post_title": "Job title", "fte": "Full-time equivalent", "sort_code": "Sort code",
          "account_number": "Account number", "account_name": "Name on the account",
          "roll_number": "Building society roll number", "leave_type": "Leave type", "start": "First day",
          "end": "Last day", "first_day": "First day", "last_day": "Last day", "deputy": "Deputy",
          "manager": "Manager", "minimum": "Minimum", "maximum": "Maximum", "evidence": "Evidence",
          "leave_types": "Leave types", "working_patterns": "Working patterns", "employees": "Employees"},
}

# Employment terms are audited on the employee; their labels, choices and references are the employment's.
FIELD_SOURCES: dict[str, dict[str, str]] = {
    "hr.employee": {name: "hr.employment" for name in (
        "post_title", "organisation_unit", "grade", "pay_range_point", "annual_salary", "fte", "contracted_hours",
        "working_pattern", "contract_type", "cost_centre", "line_manager", "location")},
}

FIELD_KINDS: dict[str, dict[str, str]] = {
    "hr.payrange": {"minimum": "money", "maximum": "money"},
}
