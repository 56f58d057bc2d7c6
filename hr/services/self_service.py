"""An employee's own details: what they change themselves, and what they ask HR to change on evidence.

Contact details (address, phone, personal e-mail, emergency contact) are the employee's to change;
every change is audited as ``employee.personal_details_change`` whoever makes it, because payroll
reads those rows to flag a bank change made soon after one. Identity (name, date of birth, NI
number) changes only when an HR officer other than the person asking approves a request that came
with evidence.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from departments.models import Department, Notification
from departments.notifications import notify
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from hr.models import DetailChangeRequest, Employee
from hr.selectors_self_service import DETAILS_CHANGE_REQUEST_APPROVE, PERSONAL_DETAILS_CHANGE
from hr.services.common import _age_on
from hr.services.delegation import requester_notify_decided
from hr.services.employees import MINIMUM_AGE_AT_START
from hr.validators import normalise_ni_number, normalise_postcode, validate_ni_number, validate_postcode
from shared_services.accounts.models import User

__all__ = [
    "ADDRESS_FIELDS",
    "EMERGENCY_CONTACT_FIELDS",
    "FIELD_LABELS",
    "HR_DECIDED_FIELDS",
    "MAX_EVIDENCE_BYTES",
    "SELF_SERVICE_FIELDS",
    "detail_change_request_create",
    "detail_change_request_decide",
    "detail_change_request_withdraw",
    "employee_personal_details_change",
    "evidence_content_type",
]

ADDRESS_FIELDS = ("address_line_1", "address_line_2", "town", "postcode")
EMERGENCY_CONTACT_FIELDS = ("emergency_contact_name", "emergency_contact_relationship", "emergency_contact_phone")
# What policy lets an employee change without HR.
SELF_SERVICE_FIELDS = (*ADDRESS_FIELDS, "phone", "email", *EMERGENCY_CONTACT_FIELDS)
# What only HR changes, on a request with evidence.
HR_DECIDED_FIELDS = ("first_name", "last_name", "date_of_birth", "ni_number")
FIELD_LABELS = {
    "address_line_1": "Address line 1",
    "address_line_2": "Address line 2",
    "town": "Town or city",
    "postcode": "Postcode",
    "phone": "Phone number",
    "email": "Personal e-mail address",
    "emergency_contact_name": "Emergency contact's name",
    "emergency_contact_relationship": "Emergency contact's relationship",
    "emergency_contact_phone": "Emergency contact's phone number",
    "first_name": "First name",
    "last_name": "Last name",
    "date_of_birth": "Date of birth",
    "ni_number": "National Insurance number",
}
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
# Judged by the file's first bytes, never by its name or the type the browser claims.
EVIDENCE_TYPES: dict[str, bytes] = {
    "application/pdf": b"%PDF-",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
}
_PHONE = re.compile(r"^\+?[0-9 ()-]+$")
_PHONE_MESSAGE = "Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"
_EARLIEST_BIRTH = datetime.date(1900, 1, 1)


def evidence_content_type(head: bytes) -> str | None:
    """The content type of a file starting with ``head``, if it is one evidence may be."""
    return next((content_type for content_type, magic in EVIDENCE_TYPES.items() if head.startswith(magic)), None)


def _label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


def _lower_first(text: str) -> str:
    # "National Insurance number" keeps its capitals; "Town or city" reads "town or city".
    return text if text.startswith("National") else text[0].lower() + text[1:]


def _max_length_error(name: str, value: str) -> str | None:
    limit = getattr(Employee._meta.get_field(name), "max_length", None)
    if limit is not None and len(value) > limit:
        return f"{_label(name)} must be {limit} characters or fewer"
    return None


def _phone_error(value: str) -> str | None:
    digits = sum(character.isdigit() for character in value)
    return None if _PHONE.match(value) and 7 <= digits <= 15 else _PHONE_MESSAGE


def _refuse_other_fields(changes: Mapping[str, Any]) -> None:
    errors: dict[str, str] = {}
    for name in changes:
        if name in HR_DECIDED_FIELDS:
            errors[name] = (f"Your {_lower_first(_label(name))} is changed by HR: ask for the change and send "
                            "evidence for it.")
        elif name not in SELF_SERVICE_FIELDS:
            errors[name] = f"'{name}' is not a detail that can be changed here."
    if errors:
        raise ValidationError(errors)


def _address_errors(values: Mapping[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, message in (("address_line_1", "Enter address line 1, typically the building and street"),
                          ("town", "Enter town or city"), ("postcode", "Enter postcode")):
        if not values[name]:
            errors[name] = message
    if values["postcode"] and "postcode" not in errors:
        try:
            validate_postcode(values["postcode"])
        except ValidationError as error:
            errors["postcode"] = error.messages[0]
    return errors


def _email_error(value: str) -> str | None:
    if not value:
        return "Enter a personal e-mail address"
    try:
        validate_email(value)
    except ValidationError:
        return "Enter an e-mail address in the correct format, like name@example.com"
    return None


def _emergency_contact_errors(values: Mapping[str, str]) -> dict[str, str]:
    # All three, or none (an emergency contact removed).
    if not any(values[name] for name in EMERGENCY_CONTACT_FIELDS):
        return {}
    errors: dict[str, str] = {}
    for name, message in (("emergency_contact_name", "Enter your emergency contact's name"),
                          ("emergency_contact_relationship",
                           "Enter how your emergency contact is related to you, like partner or friend"),
                          ("emergency_contact_phone", "Enter your emergency contact's phone number")):
        if not values[name]:
            errors[name] = message
    if values["emergency_contact_phone"] and "emergency_contact_phone" not in errors:
        if (problem := _phone_error(values["emergency_contact_phone"])) is not None:
            errors["emergency_contact_phone"] = problem
    return errors


def _cleaned_contact_values(employee: Employee, changes: Mapping[str, Any]) -> dict[str, str]:
    """Every contact field as it would be after ``changes``, spaces tidied and formats normalised."""
    values = {name: getattr(employee, name) for name in SELF_SERVICE_FIELDS}
    errors: dict[str, str] = {}
    for name, value in changes.items():
        if value is not None and not isinstance(value, str):
            errors[name] = f"Enter the {_lower_first(_label(name))} as text."
        else:
            values[name] = " ".join((value or "").split())
    if errors:
        raise ValidationError(errors)
    if values["postcode"] and "postcode" in changes:
        values["postcode"] = normalise_postcode(values["postcode"])
    if "email" in changes:
        values["email"] = values["email"].replace(" ", "")
    return values


def _contact_values(employee: Employee, changes: Mapping[str, Any]) -> dict[str, str]:
    """The contact fields as they would be after ``changes``, cleaned, or ``ValidationError`` keyed
    by field. Address and emergency contact are checked as wholes when any part of them changes."""
    _refuse_other_fields(changes)
    values = _cleaned_contact_values(employee, changes)
    errors: dict[str, str] = {}
    if any(name in changes for name in ADDRESS_FIELDS):
        errors.update(_address_errors(values))
    if "phone" in changes:
        problem = _phone_error(values["phone"]) if values["phone"] else "Enter a phone number"
        if problem is not None:
            errors["phone"] = problem
    if "email" in changes and (problem := _email_error(values["email"])) is not None:
        errors["email"] = problem
    if any(name in changes for name in EMERGENCY_CONTACT_FIELDS):
        errors.update(_emergency_contact_errors(values))
    for name in changes:
        if name not in errors and (problem := _max_length_error(name, values[name])) is not None:
            errors[name] = problem
    if errors:
        raise ValidationError(errors)
    return values


def _when(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%-d %B %Y} at {local:%H:%M}"


def _details_link(department: Department) -> str:
    return reverse("hr:my-details", kwargs={"department_slug": department.slug})


def _notify_details_changed(*, department: Department, employee: Employee, changed: list[str], old_email: str,
                            by_employee: bool) -> None:
    """Tell the employee at their personal address; when that address is what changed, at the old
    one, so someone who took over the account cannot hide the change from its owner. Without a
    personal address, at the one they sign in with."""
    address = old_email or employee.email or employee.work_email or (employee.user.email if employee.user else "")
    what = ", ".join(_lower_first(_label(name)) for name in changed)
    who = "You changed" if by_employee else "HR changed"
    notify(
        department=department, kind=Notification.Kind.DETAILS_CHANGED, to_address=address, user=employee.user,
        subject="Your personal details were changed",
        body=(f"{who} the following details on your {department.name} record on {_when(timezone.now())}:\n\n"
              f"{what}\n\n"
              "If you did not make or expect this change, contact HR straight away."),
        link=_details_link(department),
    )


@transaction.atomic
def employee_personal_details_change(*, employee: Employee, changes: Mapping[str, Any], acting_user: User | None,
                                     reason: str = "") -> Employee:
    """Change the employee's contact details (``SELF_SERVICE_FIELDS`` only), by the employee or HR.

    Refused, with nothing written, for any other field, for values in the wrong form, or when
    nothing would change. The audit row names each changed field with its value before and after,
    and the employee is told by e-mail.
    """
    department = employee.department
    with department_context(department.id):
        if not changes:
            raise ValidationError({"__all__": "Say which details change."})
        # Locked first: two changes at once are applied one after the other, each audited.
        locked = Employee.objects.select_for_update().get(pk=employee.pk)
        values = _contact_values(locked, changes)
        before = {name: getattr(locked, name) for name in SELF_SERVICE_FIELDS}
        changed = [name for name in SELF_SERVICE_FIELDS if values[name] != before[name]]
        if not changed:
            raise ValidationError({next(iter(changes)): "These are the details already held: nothing changed"})
        for name in changed:
            setattr(locked, name, values[name])
        locked.save(update_fields=changed)
        audit_record(department=department, action=PERSONAL_DETAILS_CHANGE, acting_user=acting_user, target=locked,
                     changes=audit_changes({name: before[name] for name in changed},
                                           {name: values[name] for name in changed}),
                     reason=reason)
        by_employee = acting_user is not None and acting_user.pk is not None and acting_user.pk == locked.user_id  # type: ignore[attr-defined]
        _notify_details_changed(department=department, employee=locked, changed=changed,
                                old_email=before["email"] if "email" in changed else "", by_employee=by_employee)
        for name in changed:
            setattr(employee, name, values[name])
        return locked


# --- Requests HR decides ------------------------------------------------------------------------


def _as_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime.date) else str(value or "")


def _identity_values(employee: Employee, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The requested identity fields, cleaned, or ``ValidationError`` keyed by field."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name in SELF_SERVICE_FIELDS:
            errors[name] = (f"Change your {_lower_first(_label(name))} yourself on your details page; "
                            "it does not need HR.")
        elif name not in HR_DECIDED_FIELDS:
            errors[name] = f"'{name}' is not a detail HR can be asked to change here."
        elif name == "date_of_birth":
            if isinstance(value, str):
                try:
                    value = datetime.date.fromisoformat(value)
                except ValueError:
                    value = None
            if not isinstance(value, datetime.date):
                errors[name] = "Enter the date of birth as a real date"
            elif value >= timezone.localdate() or value < _EARLIEST_BIRTH:
                errors[name] = "Date of birth must be a real date in the past"
            elif _age_on(value, employee.start_date) < MINIMUM_AGE_AT_START:
                errors[name] = f"You must have been at least {MINIMUM_AGE_AT_START} when you started work here"
            else:
                values[name] = value
        else:
            text = " ".join(value.split()) if isinstance(value, str) else ""
            if name == "ni_number":
                text = normalise_ni_number(text)
                try:
                    validate_ni_number(text)
                except ValidationError as error:
                    errors[name] = error.messages[0]
            if not text:
                errors[name] = f"Enter the {_lower_first(_label(name))}"
            elif name not in errors and (problem := _max_length_error(name, text)) is not None:
                errors[name] = problem
            values[name] = text
    if errors:
        raise ValidationError(errors)
    return values


def _evidence_checked(evidence: IO[bytes] | None) -> tuple[bytes | None, str | None]:
    """The evidence's bytes, or the problem with it."""
    if evidence is None:
        return None, "Choose a file that shows the change, such as a marriage certificate or deed poll"
    size = getattr(evidence, "size", None)
    too_big = f"The file must be smaller than {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB"
    if size is not None and size > MAX_EVIDENCE_BYTES:
        return None, too_big
    content = evidence.read(MAX_EVIDENCE_BYTES + 1)
    if len(content) > MAX_EVIDENCE_BYTES:
        return None, too_big
    if not content:
        return None, "The selected file is empty"
    if evidence_content_type(content[:16]) is None:
        return None, "The selected file must be a PDF, JPG or PNG"
    return content, None


@transaction.atomic
def detail_change_request_create(*, employee: Employee, changes: Mapping[str, Any], reason: str,
                                 evidence: IO[bytes] | None, evidence_name: str = "",
                                 acting_user: User | None) -> DetailChangeRequest:
    """Ask HR to change the employee's name, date of birth or NI number, with a reason and evidence
    (a PDF, JPEG or PNG by content, at most 10 MB).

    Only fields whose value would change are requested, and a field may be in one waiting request
    at a time; the employee row is locked while that is checked, so two requests at once cannot
    both pass. The evidence is stored under the department's own folder with a random name.
    """
    department = employee.department
    with department_context(department.id):
        if not changes:
            raise ValidationError({"__all__": "Say which details should change."})
        locked = Employee.objects.select_for_update().get(pk=employee.pk)
        errors: dict[str, str] = {}
        try:
            values = _identity_values(locked, changes)
        except ValidationError as error:
            errors.update({name: messages[0] for name, messages in error.message_dict.items()})
            values = {}
        requested = {name: value for name, value in values.items() if value != getattr(locked, name)}
        if values and not requested:
            for name in values:
                errors[name] = f"This is the {_lower_first(_label(name))} already held: enter the correct one"
        waiting = DetailChangeRequest.objects.filter(employee=locked, status=DetailChangeRequest.Status.PENDING)
        pending = {name for row in waiting.values_list("requested", flat=True) for name in row}
        for name in sorted(set(requested) & pending):
            errors[name] = (f"A request to change the {_lower_first(_label(name))} is already waiting for HR; "
                            "withdraw it or wait for HR's decision.")
        reason = reason.strip()
        if not reason:
            errors["reason"] = "Enter why the details should change"
        elif len(reason) > 500:
            errors["reason"] = "The reason must be 500 characters or fewer"
        content, problem = _evidence_checked(evidence)
        if problem is not None:
            errors["evidence"] = problem
        if errors:
            raise ValidationError(errors)
        assert content is not None
        change = DetailChangeRequest(
            department=department, employee=locked, reason=reason, requested_by=acting_user,
            requested={name: _as_text(value) for name, value in requested.items()},
            current={name: _as_text(getattr(locked, name)) for name in requested},
            evidence_name=(evidence_name or "evidence").replace("\\", "/").rsplit("/", 1)[-1][:255],
        )
        change.evidence.save(change.evidence_name, ContentFile(content), save=False)
        change.save()
        audit_record(department=department, action="employee.details_change_request_create",
                     acting_user=acting_user, target=change,
                     changes=audit_changes({name: getattr(locked, name) for name in requested}, requested),
                     reason=reason)
        return change


def _locked_request(change_request: DetailChangeRequest) -> DetailChangeRequest:
    locked = DetailChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if locked.status != DetailChangeRequest.Status.PENDING:
        raise ValidationError({"status": f"This request is {locked.get_status_display().lower()}; "
                                         "it is no longer waiting for HR."})
    return locked


@transaction.atomic
def detail_change_request_withdraw(*, change_request: DetailChangeRequest,
                                   acting_user: User | None) -> DetailChangeRequest:
    """The employee takes back a request HR has not decided yet."""
    department = change_request.department
    with department_context(department.id):
        locked = _locked_request(change_request)
        employee = locked.employee
        if acting_user is None or acting_user.pk not in (employee.user_id, locked.requested_by_id):  # type: ignore[attr-defined]
            raise ValidationError({"__all__": "Only the person who asked can withdraw this request."})
        locked.status, locked.decided_by, locked.decided_at = (DetailChangeRequest.Status.WITHDRAWN, acting_user,
                                                               timezone.now())
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(department=department, action="employee.details_change_request_withdraw",
                     acting_user=acting_user, target=locked,
                     changes=audit_changes({"status": DetailChangeRequest.Status.PENDING}, {"status": locked.status}))
        return locked


@transaction.atomic
def detail_change_request_decide(*, change_request: DetailChangeRequest, approve: bool, acting_user: User | None,
                                 note: str = "") -> DetailChangeRequest:
    """HR approves a request (the employee's record takes the requested values) or rejects it with a
    reason; either way the employee is told.

    Nobody decides a request about their own record or one they made. The values are checked
    again when approving, as the record may have changed since (another employee may now hold the
    NI number, which the department's unique key would refuse).
    """
    department = change_request.department
    with department_context(department.id):
        locked = _locked_request(change_request)
        employee = Employee.objects.select_for_update().get(pk=locked.employee_id)  # type: ignore[attr-defined]
        note = note.strip()
        if acting_user is None or acting_user.pk in (employee.user_id, locked.requested_by_id):  # type: ignore[attr-defined]
            raise ValidationError({"__all__": "You cannot decide a request about your own details or one you made; "
                                              "another HR officer must decide it."})
        if len(note) > 500:
            raise ValidationError({"note": "The note must be 500 characters or fewer"})
        if not approve and not note:
            raise ValidationError({"note": "Enter the reason for rejecting the request; the employee will see it"})
        if approve:
            values = _identity_values(employee, locked.requested)
            ni_number = values.get("ni_number")
            if ni_number and Employee.objects.filter(ni_number=ni_number).exclude(pk=employee.pk).exists():
                raise ValidationError({"ni_number": f"Another employee in {department.name} has this National "
                                                    "Insurance number; check the evidence before approving."})
            before = {name: getattr(employee, name) for name in values}
            for name, value in values.items():
                setattr(employee, name, value)
            employee.save(update_fields=list(values))
            audit_record(department=department, action=DETAILS_CHANGE_REQUEST_APPROVE, acting_user=acting_user,
                         target=employee, changes=audit_changes(before, values),
                         reason=f"Request {locked.pk}: {locked.reason}" + (f" ({note})" if note else ""))
        locked.status = DetailChangeRequest.Status.APPROVED if approve else DetailChangeRequest.Status.REJECTED
        locked.decided_by, locked.decided_at, locked.decision_note = acting_user, timezone.now(), note
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if not approve:
            audit_record(department=department, action="employee.details_change_request_reject",
                         acting_user=acting_user, target=locked,
                         changes=audit_changes({"status": DetailChangeRequest.Status.PENDING},
                                               {"status": locked.status}), reason=note)
        what = " and ".join(_lower_first(_label(name)) for name in locked.requested)
        outcome = "approved" if approve else "not approved"
        body = (f"HR has {outcome} your request to change your {what} on your {department.name} record."
                + ("\n\nYour record now shows the new details." if approve else f"\n\nThe reason: {note}")
                + ("" if approve else "\n\nYou can ask again with other evidence."))
        requester_notify_decided(department=department, employee=employee,
                                 subject=f"Your request to change your {what} was {outcome}", body=body,
                                 link=_details_link(department))
        return locked
