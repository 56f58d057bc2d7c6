"""The department's working patterns: the hours worked on each day of the week, by name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from departments.models import Department
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from hr.models import WorkingPattern
from hr.models.working_patterns import WEEKDAYS
from shared_services.accounts.models import User

__all__ = ["STANDARD_WORKING_PATTERNS", "working_pattern_create", "working_pattern_update",
           "working_patterns_install_defaults"]

# 37 hours a week full-time (7 hours 24 minutes a day), the Civil Service's standard week.
STANDARD_WORKING_PATTERNS: list[tuple[str, tuple[str, ...]]] = [
    ("Full-time, Monday to Friday", ("7.40", "7.40", "7.40", "7.40", "7.40", "0", "0")),
    ("Part-time, Monday to Wednesday", ("7.40", "7.40", "7.40", "0", "0", "0", "0")),
    ("Part-time, mornings Monday to Friday", ("3.70", "3.70", "3.70", "3.70", "3.70", "0", "0")),
]
MAX_DAY_HOURS = Decimal("24")
HOURS = Decimal("0.01")


def _clean(*, name: str, hours: Mapping[str, object], exclude_id: int | None) -> tuple[str, dict[str, Decimal]]:
    """The name and each day's hours, or a ``ValidationError`` naming every field at fault."""
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = "Enter a name for the working pattern."
    elif len(name) > 100:
        errors["name"] = "The name must be 100 characters or fewer."
    elif WorkingPattern.objects.filter(name__iexact=name).exclude(pk=exclude_id).exists():
        errors["name"] = f"There is already a working pattern called {name}."
    cleaned: dict[str, Decimal] = {}
    for day in WEEKDAYS:
        field = f"{day}_hours"
        raw = hours.get(field, Decimal("0"))
        try:
            value = Decimal(str(raw if raw not in (None, "") else "0"))
        except InvalidOperation:
            value = Decimal("-1")
        if not value.is_finite() or not Decimal("0") <= value <= MAX_DAY_HOURS or value != value.quantize(HOURS):
            errors[field] = f"{day.capitalize()} hours must be a number of hours from 0 to 24, like 7.4."
        else:
            cleaned[field] = value
    if not errors and not any(cleaned.values()):
        errors["monday_hours"] = "Enter the hours for at least one day of the week."
    if errors:
        raise ValidationError(errors)
    return name, cleaned


def _snapshot(pattern: WorkingPattern) -> dict[str, object]:
    return {"name": pattern.name, "is_active": pattern.is_active,
            **{f"{day}_hours": getattr(pattern, f"{day}_hours") for day in WEEKDAYS}}


@transaction.atomic
def working_pattern_create(*, department: Department, name: str, hours: Mapping[str, object],
                           acting_user: User | None) -> WorkingPattern:
    """A new pattern; ``hours`` maps ``monday_hours`` … ``sunday_hours`` to hours (missing days are 0)."""
    with department_context(department.id):
        name, cleaned = _clean(name=name, hours=hours, exclude_id=None)
        pattern = WorkingPattern.objects.create(name=name, **cleaned)
        audit_record(department=department, action="working_pattern.create", acting_user=acting_user,
                     target=pattern, changes=audit_changes({}, _snapshot(pattern)))
        return pattern


@transaction.atomic
def working_pattern_update(*, pattern: WorkingPattern, name: str, hours: Mapping[str, object],
                           is_active: bool = True, acting_user: User | None) -> WorkingPattern:
    """Change a pattern's name, hours or whether it is offered for new employments.

    Employments keep the name they were given, so a renamed or withdrawn pattern still reads on
    the records that used it."""
    department = pattern.department
    with department_context(department.id):
        pattern = WorkingPattern.objects.select_for_update().get(pk=pattern.pk)
        before = _snapshot(pattern)
        name, cleaned = _clean(name=name, hours=hours, exclude_id=pattern.pk)
        pattern.name, pattern.is_active = name, is_active
        for field, value in cleaned.items():
            setattr(pattern, field, value)
        pattern.save(update_fields=["name", "is_active", *cleaned])
        changes = audit_changes(before, _snapshot(pattern))
        if changes:
            audit_record(department=department, action="working_pattern.update", acting_user=acting_user,
                         target=pattern, changes=changes)
        return pattern


@transaction.atomic
def working_patterns_install_defaults(*, department: Department,
                                      acting_user: User | None) -> Sequence[WorkingPattern]:
    """The standard patterns, where the department has none of that name."""
    with department_context(department.id):
        existing = {name.lower() for name in WorkingPattern.objects.values_list("name", flat=True)}
        created = [WorkingPattern.objects.create(name=name, **{f"{day}_hours": Decimal(value)
                                                               for day, value in zip(WEEKDAYS, hours, strict=True)})
                   for name, hours in STANDARD_WORKING_PATTERNS if name.lower() not in existing]
        if created:
            audit_record(department=department, action="working_patterns.install_defaults", acting_user=acting_user,
                         changes=audit_changes({}, {"working_patterns": [pattern.name for pattern in created]}))
        return created
