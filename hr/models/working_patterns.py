"""The department's working patterns: the hours someone on the pattern works on each day of the week."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from departments.models import DepartmentOwnedModel

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day_hours(label: str) -> models.DecimalField:
    return models.DecimalField(f"{label} hours", max_digits=4, decimal_places=2, default=Decimal("0"),
                               validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("24"))])


class WorkingPattern(DepartmentOwnedModel):
    """A named week of hours. Employments name their pattern (``Employment.working_pattern``), so a
    name from an older record or an import that matches no pattern stays valid."""

    name = models.CharField(max_length=100)
    monday_hours = _day_hours("Monday")
    tuesday_hours = _day_hours("Tuesday")
    wednesday_hours = _day_hours("Wednesday")
    thursday_hours = _day_hours("Thursday")
    friday_hours = _day_hours("Friday")
    saturday_hours = _day_hours("Saturday")
    sunday_hours = _day_hours("Sunday")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="hr_workingpattern_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def hours_by_weekday(self) -> tuple[Decimal, ...]:
        """Hours from Monday (index 0) to Sunday (index 6), as ``datetime.date.weekday()`` counts."""
        return tuple(getattr(self, f"{day}_hours") for day in WEEKDAYS)

    @property
    def weekly_hours(self) -> Decimal:
        return sum(self.hours_by_weekday, Decimal("0"))
