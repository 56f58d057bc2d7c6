"""Grades and their pay ranges by location."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from departments.models import Department
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from hr.models import Grade, PayRange
from hr.services.common import _validated, _values
from shared_services.accounts.models import User

# Civil Service grades every department starts with; each department edits them and adds its own.
DEFAULT_GRADES: list[tuple[str, str, int]] = [
    ("AA", "Administrative Assistant", 1),
    ("AO", "Administrative Officer", 2),
    ("EO", "Executive Officer", 3),
    ("HEO", "Higher Executive Officer", 4),
    ("SEO", "Senior Executive Officer", 5),
    ("G7", "Grade 7", 6),
    ("G6", "Grade 6", 7),
    ("SCS1", "Senior Civil Service pay band 1", 8),
    ("SCS2", "Senior Civil Service pay band 2", 9),
    ("SCS3", "Senior Civil Service pay band 3", 10),
]


@transaction.atomic
def grade_create(*, department: Department, code: str, name: str, rank: int, acting_user: User | None) -> Grade:
    with department_context(department.id):
        if Grade.objects.filter(code=code).exists():
            raise ValidationError({"code": f"{department.name} already has a grade with the code {code!r}."})
        grade = Grade(department=department, code=code, name=name, rank=rank)
        _validated(grade)
        grade.save()
        audit_record(department=department, action="grade.create", acting_user=acting_user, target=grade,
                     changes=audit_changes({}, {"code": code, "name": name, "rank": rank}))
        return grade


@transaction.atomic
def grades_install_defaults(*, department: Department, acting_user: User | None) -> list[Grade]:
    """The Civil Service grades, for a department that has none of them yet (idempotent)."""
    with department_context(department.id):
        existing = set(Grade.objects.values_list("code", flat=True))
        return [
            grade_create(department=department, code=code, name=name, rank=rank, acting_user=acting_user)
            for code, name, rank in DEFAULT_GRADES if code not in existing
        ]


@transaction.atomic
def pay_range_set(*, grade: Grade, location: str, minimum: Decimal, maximum: Decimal,
                  acting_user: User | None) -> PayRange:
    """Create or change the pay range of a grade at a location."""
    with department_context(grade.department_id):  # type: ignore[attr-defined]
        pay_range = PayRange.objects.filter(grade=grade, location=location).first()
        before = _values(pay_range, ["minimum", "maximum"]) if pay_range else {}
        pay_range = pay_range or PayRange(department_id=grade.department_id, grade=grade,  # type: ignore[attr-defined]
                                          location=location)
        pay_range.minimum, pay_range.maximum = minimum, maximum
        if maximum < minimum:
            raise ValidationError({"maximum": "The maximum must be at least the minimum."})
        _validated(pay_range)
        pay_range.save()
        audit_record(department=grade.department, action="pay_range.set", acting_user=acting_user,
                     target=pay_range, changes=audit_changes(before, {"minimum": minimum, "maximum": maximum}))
        return pay_range
