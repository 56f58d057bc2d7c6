"""Bulk import of employees (department onboarding): plan a batch, then write it set-based."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from departments.bulk import AnyOf, bulk_insert, refresh_statistics
from departments.models import Department
from departments.services import MASK, AuditEntry, audit_changes, audit_record_many
from departments.tenancy import department_context
from hr.models import Employee, Employment
from hr.models.organisation import Location
from hr.validators import validate_account_number, validate_ni_number, validate_postcode, validate_sort_code
from shared_services.accounts.models import User

IMPORT_PERSONAL_FIELDS = (
    "payroll_number", "title", "first_name", "last_name", "date_of_birth", "ni_number", "sex", "address_line_1",
    "address_line_2", "town", "postcode", "bank_sort_code", "bank_account_number", "start_date", "tax_code",
    "tax_basis", "ni_category", "student_loans", "pension_scheme", "previous_payroll_id", "work_email",
)
IMPORT_TERMS_FIELDS = ("post_title", "organisation_unit_id", "grade_id", "cost_centre_id", "annual_salary", "fte",
                       "contracted_hours")
# Personal fields an import may not change on an existing record: they anchor the employment history.
IMPORT_FIXED_FIELDS = ("start_date",)
# Personal fields a blank cell leaves as they are: a file without work e-mails unlinks no one.
IMPORT_KEPT_WHEN_BLANK = frozenset({"work_email"})


@dataclass(frozen=True)
class EmployeeImportRow:
    """One employee as an import supplies it: normalised personal fields and employment terms
    (references as ids inside the department)."""

    row_number: int
    personal: dict[str, Any]
    terms: dict[str, Any]


@dataclass
class EmployeeImportOutcome:
    """What an import did (or, planned, would do) with one row."""

    row: EmployeeImportRow
    action: str  # "create", "update", "unchanged" or "rejected"
    employee_id: int | None = None
    personal_changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    terms_changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field, message)


_IMPORT_VALIDATORS = (("ni_number", validate_ni_number), ("postcode", validate_postcode),
                      ("bank_sort_code", validate_sort_code), ("bank_account_number", validate_account_number))


def _import_row_problems(row: EmployeeImportRow) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    personal = row.personal
    if personal.get("work_email"):
        try:
            validate_email(personal["work_email"])
        except ValidationError as error:
            problems.append(("work_email", error.messages[0]))
    for name in ("payroll_number", "first_name", "last_name", "date_of_birth", "sex", "start_date"):
        if personal.get(name) in (None, ""):
            problems.append((name, f"{name.replace('_', ' ').capitalize()} is missing."))
    for name, validate in _IMPORT_VALIDATORS:
        if personal.get(name):
            try:
                validate(personal[name])
            except ValidationError as error:
                problems.append((name, error.messages[0]))
    for name in IMPORT_TERMS_FIELDS:
        if row.terms.get(name) in (None, ""):
            problems.append((name, f"{name.removesuffix('_id').replace('_', ' ').capitalize()} is missing."))
    return problems


def employees_import_plan(*, department: Department, rows: Sequence[EmployeeImportRow],
                          effective_from: datetime.date, fields_checked: bool = False) -> list[EmployeeImportOutcome]:
    """What importing ``rows`` would do, without writing: create, update (with the changes),
    unchanged, or rejected (with the field and reason). Three queries per batch, whatever its size.

    The payroll number is the key. A National Insurance number held by another employee, or a
    start date different from the record's, rejects the row. ``fields_checked`` skips the checks
    of each row's own fields (formats, missing values), for rows an earlier plan of this same
    import has already passed; what the department holds is always checked again.
    """
    with department_context(department.id):
        numbers = [row.personal.get("payroll_number") for row in rows]
        # Each list goes as one array parameter (AnyOf), not as thousands of IN parameters.
        existing = {values[1]: values for values in Employee.objects.filter(
            AnyOf(F("payroll_number"), numbers)).values_list("id", *IMPORT_PERSONAL_FIELDS)}
        ni_numbers = [row.personal["ni_number"] for row in rows if row.personal.get("ni_number")]
        # Excluding blanks lets PostgreSQL use the partial unique index on (department, NI number).
        ni_holders = dict(Employee.objects.filter(AnyOf(F("ni_number"), ni_numbers)).exclude(ni_number="")
                          .values_list("ni_number", "payroll_number")) if ni_numbers else {}
        work_emails = [row.personal["work_email"] for row in rows if row.personal.get("work_email")]
        email_holders = dict(Employee.objects.filter(AnyOf(F("work_email"), work_emails)).exclude(work_email="")
                             .values_list("work_email", "payroll_number")) if work_emails else {}
        # The version the import compares with: the one covering the effective date, else the latest.
        # Plain tuples rather than model instances: a re-import reads tens of thousands of them.
        versions: dict[int, tuple[Any, ...]] = {}
        covering: set[int] = set()
        known_ids = [values[0] for values in existing.values()]
        for employee_id, valid_from, valid_to, *terms in Employment.objects.filter(
            AnyOf(F("employee_id"), known_ids), superseded_at__isnull=True,
        ).order_by("employee_id", "valid_from").values_list(
            "employee_id", "valid_from", "valid_to", *IMPORT_TERMS_FIELDS) if known_ids else ():
            covers = valid_from <= effective_from and (valid_to is None or valid_to >= effective_from)
            if covers or employee_id not in covering:
                versions[employee_id] = tuple(terms)
                if covers:
                    covering.add(employee_id)
        outcomes = []
        for row in rows:
            outcome = EmployeeImportOutcome(row=row, action="create",
                                            problems=[] if fields_checked else _import_row_problems(row))
            number, ni_number = row.personal.get("payroll_number"), row.personal.get("ni_number")
            holder = ni_holders.get(ni_number) if ni_number else None
            if holder is not None and holder != number:
                outcome.problems.append(("ni_number", f"Employee {holder} in {department.name} already has this "
                                                      "National Insurance number."))
            email = row.personal.get("work_email")
            email_holder = email_holders.get(email) if email else None
            if email_holder is not None and email_holder != number:
                outcome.problems.append(("work_email", f"Employee {email_holder} in {department.name} already has "
                                                       "this work e-mail address."))
            stored = existing.get(number)
            if stored is not None and not outcome.problems:
                outcome.employee_id = stored[0]
                before = dict(zip(IMPORT_PERSONAL_FIELDS, stored[1:], strict=True))
                after = {**before, **{k: v for k, v in row.personal.items()
                                      if k in before and not (k in IMPORT_KEPT_WHEN_BLANK and not v)}}
                changes = {} if after == before else _plain_changes(before, after)
                for name in IMPORT_FIXED_FIELDS:
                    if name in changes:
                        outcome.problems.append((name, f"The record has {_shown_value(before[name])}; a different "
                                                       f"{name.replace('_', ' ')} cannot be imported over it."))
                version = versions.get(stored[0])
                if version is not None:
                    current = dict(zip(IMPORT_TERMS_FIELDS, version, strict=True))
                    proposed = {**current, **row.terms}
                    outcome.terms_changes = {} if proposed == current else _plain_changes(current, proposed)
                outcome.personal_changes = changes
                outcome.action = "update" if (changes or outcome.terms_changes) else "unchanged"
            if outcome.problems:
                outcome.action = "rejected"
            outcomes.append(outcome)
        return outcomes


def _shown_value(value: Any) -> str:
    return f"{value:%-d %B %Y}" if isinstance(value, datetime.date) else str(value)


def _plain_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    changed = {}
    for name, new in after.items():
        old = before.get(name)
        if isinstance(old, Decimal) and new is not None:
            same = old == Decimal(new)
        elif isinstance(old, list):
            same = sorted(old) == sorted(new or [])
        else:
            same = old == new
        if not same:
            changed[name] = {"before": old, "after": new}
    return changed


# The blanks of the fields an import does not set.
_IMPORT_BLANKS = tuple([] if name == "student_loans" else "" for name in IMPORT_PERSONAL_FIELDS)
_CREATED_FIELDS = (*IMPORT_PERSONAL_FIELDS, "preferred_name", "gender_identity", "email", "phone",
                   "building_society_roll_number", "leave_reason", "starter_declaration", "created_at")
_VERSION_FIELDS = ("employee", "valid_from", "recorded_at", "recorded_by", "change_reason", "working_pattern",
                   "contract_type", "location", *IMPORT_TERMS_FIELDS, "valid_to", "pay_range_point", "line_manager")


@functools.lru_cache(maxsize=64)
def _audit_order(names: tuple[str, ...]) -> tuple[tuple[str, bool], ...]:
    """The fields in the order ``audit_changes`` lists them, each with whether it is masked."""
    return tuple((name, audit_changes({}, {name: "x"})[name]["after"] != "x") for name in sorted(names))


def _created_changes(values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``audit_changes({}, values)`` for the plain values of an imported record (text, numbers,
    dates, ids), a few times faster: tens of thousands of starters each get one."""
    changes: dict[str, dict[str, Any]] = {}
    for name, masked in _audit_order(tuple(values)):
        value = values[name]
        if value is None:
            continue
        if masked and value != "":
            value = MASK
        elif isinstance(value, Decimal | datetime.date):
            value = str(value)
        elif not isinstance(value, str | int | float | bool):
            return audit_changes({}, values)  # anything else is left to the general rules
        changes[name] = {"before": None, "after": value}
    return changes


@transaction.atomic
def employees_import(*, department: Department, rows: Sequence[EmployeeImportRow], acting_user: User | None,
                     effective_from: datetime.date, reason: str,
                     fields_checked: bool = False) -> list[EmployeeImportOutcome]:
    """Write a batch of imported employees in bulk: starters are created with their first employment
    version; changed records get their personal fields updated and, for changed terms, a new
    employment version from ``effective_from`` (the one it replaces is superseded, as
    ``employment_change`` does); unchanged records are left alone. Rejected rows are returned and
    not written. Each created or changed employee gets one audit entry, written in bulk.

    The rows are planned again here, in the writing transaction, so a record changed since an
    earlier plan is judged as it now is (``fields_checked``: see ``employees_import_plan``).
    A fixed number of statements per batch (set-based inserts), so tens of thousands load in seconds.
    """
    outcomes = employees_import_plan(department=department, rows=rows, effective_from=effective_from,
                                     fields_checked=fields_checked)
    with department_context(department.id):
        now = timezone.now()
        recorder = acting_user.pk if acting_user is not None and acting_user.pk else None
        creates = [outcome for outcome in outcomes if outcome.action == "create"]
        created = bulk_insert(Employee, _CREATED_FIELDS,
                              [(*map(outcome.row.personal.get, IMPORT_PERSONAL_FIELDS, _IMPORT_BLANKS),
                                "", "", "", "", "", "", "", now) for outcome in creates],
                              returning=("id", "payroll_number"))
        ids = {number: pk for pk, number in created}
        versions: list[tuple[Any, ...]] = []
        entries: list[AuditEntry] = []
        fixed = ("Imported", "Monday to Friday", Employment.ContractType.PERMANENT, Location.NATIONAL)
        for outcome in creates:
            personal, terms = outcome.row.personal, outcome.row.terms
            employee_id = outcome.employee_id = ids[personal["payroll_number"]]
            versions.append((employee_id, personal["start_date"], now, recorder, *fixed,
                             *map(terms.__getitem__, IMPORT_TERMS_FIELDS), None, None, None))
            entries.append(AuditEntry(
                action="employee.hire", object_type="hr.employee", object_id=str(employee_id),
                object_repr=f"{personal['first_name']} {personal['last_name']} ({personal['payroll_number']})",
                changes=_created_changes({"payroll_number": personal["payroll_number"],
                                          "ni_number": personal.get("ni_number"),
                                          "start_date": personal["start_date"], **terms}), reason=reason))
        updates = [outcome for outcome in outcomes if outcome.action == "update"]
        versions.extend(_apply_import_updates(updates, effective_from, recorder, now))
        for outcome in updates:
            changes = {**outcome.personal_changes, **outcome.terms_changes}
            personal = outcome.row.personal
            entries.append(AuditEntry(
                action="employee.import_change", object_type="hr.employee", object_id=str(outcome.employee_id),
                object_repr=f"{personal['first_name']} {personal['last_name']} ({personal['payroll_number']})",
                changes=audit_changes({k: v["before"] for k, v in changes.items()},
                                      {k: v["after"] for k, v in changes.items()}),
                reason=f"{reason}; effective {effective_from.isoformat()}" if outcome.terms_changes else reason))
        bulk_insert(Employment, _VERSION_FIELDS, versions, returning=())
        audit_record_many(department=department, acting_user=acting_user, entries=entries)
    return outcomes


def employees_import_statistics_refresh(*, only_if_stale: bool = False) -> None:
    """Let the planner see what bulk imports added (the application role cannot ANALYZE itself)."""
    refresh_statistics(Employee, Employment, only_if_stale=only_if_stale)


def _apply_import_updates(updates: list[EmployeeImportOutcome], effective_from: datetime.date,
                          recorder: int | None, now: datetime.datetime) -> list[tuple[Any, ...]]:
    """Personal fields updated in place; changed terms supersede the versions from ``effective_from``
    on and are recorded again (split at the date). Returns the new versions' rows to insert."""
    if not updates:
        return []
    people = Employee.objects.in_bulk([outcome.employee_id for outcome in updates])
    changed_personal: set[str] = set()
    for outcome in updates:
        person = people[outcome.employee_id]
        for name, change in outcome.personal_changes.items():
            setattr(person, name, change["after"])
            changed_personal.add(name)
    if changed_personal:
        Employee.objects.bulk_update([people[o.employee_id] for o in updates if o.personal_changes],
                                     sorted(changed_personal), batch_size=1000)
    moving = {outcome.employee_id: outcome for outcome in updates if outcome.terms_changes}
    if not moving:
        return []
    live = list(Employment.objects.filter(employee_id__in=list(moving), superseded_at__isnull=True)
                .select_for_update().order_by("employee_id", "valid_from"))
    superseded, rows = [], []
    for version in live:
        if version.valid_to is not None and version.valid_to < effective_from:
            continue  # history before the change stays as it was
        outcome = moving[version.employee_id]
        superseded.append(version.pk)
        day = max(effective_from, version.valid_from)
        terms = {name: getattr(version, name) for name in IMPORT_TERMS_FIELDS}
        common = (version.employee_id, now, recorder)
        other = (version.working_pattern, version.contract_type, version.location)
        if version.valid_from < day:
            rows.append((*common[:1], version.valid_from, *common[1:], version.change_reason, *other,
                         *terms.values(), day - datetime.timedelta(days=1), version.pay_range_point,
                         version.line_manager_id))
        rows.append((*common[:1], day, *common[1:], "Import change", *other,
                     *{**terms, **outcome.row.terms}.values(), version.valid_to, version.pay_range_point,
                     version.line_manager_id))
    Employment.objects.filter(pk__in=superseded).update(superseded_at=now)
    return rows
