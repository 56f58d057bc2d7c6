"""Form fields and helpers every app's pages share, in the GOV.UK Design System's manner.

Messages follow the Design System ("Enter …", "… must be a real date"). A service's
``ValidationError`` is shown on the same form with ``add_service_errors``.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class DateInputWidget(forms.Widget):
    """The GOV.UK date input: day, month and year boxes named ``<name>-day`` and so on.

    The day box carries the field's own id, so an error summary link to the field lands on it.
    """

    template_name = "core/widget_date_input.html"
    PARTS = (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4))

    def value_from_datadict(self, data: Mapping[str, Any], files: Any, name: str) -> tuple[str, ...]:
        return tuple(str(data.get(f"{name}-{part}", "")).strip() for part, _, _ in self.PARTS)

    def value_omitted_from_data(self, data: Mapping[str, Any], files: Any, name: str) -> bool:
        return all(f"{name}-{part}" not in data for part, _, _ in self.PARTS)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if isinstance(value, datetime.date):
            values: tuple[str, ...] = (str(value.day), str(value.month), str(value.year))
        elif isinstance(value, tuple | list) and len(value) == len(self.PARTS):
            values = tuple(str(part) for part in value)
        else:
            values = ("", "", "")
        base_id = context["widget"]["attrs"].get("id", name)
        context["widget"]["invalid"] = context["widget"]["attrs"].get("aria-invalid") == "true"
        context["widget"]["base_id"] = base_id
        context["widget"]["parts"] = [
            {"name": f"{name}-{part}", "id": base_id if index == 0 else f"{base_id}-{part}", "label": label,
             "width": width, "value": values[index]}
            for index, (part, label, width) in enumerate(self.PARTS)
        ]
        return context


class GovUKDateField(forms.Field):
    """A date typed as day, month and year, with the GOV.UK messages for each way it can be wrong."""

    widget = DateInputWidget

    def to_python(self, value: Any) -> datetime.date | None:
        if isinstance(value, datetime.date) or value in self.empty_values:
            return value or None
        day, month, year = value
        if not (day or month or year):
            return None
        name = str(self.label or "The date")
        missing = [part for part, typed in (("day", day), ("month", month), ("year", year)) if not typed]
        if missing:
            raise ValidationError(f"{name} must include a {' and a '.join(missing)}", code="incomplete")
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise ValidationError(f"{name} must be a real date", code="invalid")
        if len(year) != 4:
            raise ValidationError("Year must include 4 numbers", code="invalid_year")
        try:
            return datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"{name} must be a real date", code="invalid") from None


class MoneyField(forms.DecimalField):
    """An amount in pounds; "£30,000" is read as 30000."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> Any:  # a Decimal or None; the stubs type DecimalField as IntegerField
        if isinstance(value, str):
            value = value.replace("£", "").replace(",", "").strip()
        return super().to_python(value)


def add_service_errors(form: forms.Form, error: ValidationError, aliases: Mapping[str, str] | None = None) -> None:
    """Show a service's ``ValidationError`` on ``form``: each message on its field, the rest on the form.

    ``aliases`` maps a service's key to the form field that stands for it (e.g. ``valid_from``).
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, messages in error.message_dict.items():
        name = (aliases or {}).get(key, key)
        form.add_error(name if name in form.fields else None, messages)
