"""Forms for the department's HR settings: leave types, their entitlement, and working patterns."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from hr.models import LeaveType
from hr.models.working_patterns import WEEKDAYS
from hr.services.leave_types import MAX_BANDS, MAX_ENTITLEMENT_HOURS, MAX_SERVICE_YEARS

YES_NO = [("yes", "Yes"), ("no", "No")]
ENTITLEMENT_ROWS = MAX_BANDS


def _yes_no(label: str, *, required_message: str) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=YES_NO, error_messages={"required": required_message})


def _hours(label: str, *, message: str, max_value: Decimal, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, min_value=Decimal("0"), max_value=max_value,
                              decimal_places=2, max_digits=6,
                              error_messages={key: message for key in ("required", "invalid", "min_value",
                                                                       "max_value", "max_decimal_places",
                                                                       "max_digits", "max_whole_digits")})


class LeaveTypeForm(forms.Form):
    """A leave type to add or change; ``in_use`` fixes its code and kind, ``is_new`` hides retiring."""

    code = forms.CharField(label="Code", max_length=30,
                           error_messages={"required": "Enter a code, like CARERS",
                                           "max_length": "The code must be 30 characters or fewer"})
    name = forms.CharField(label="Name", max_length=100,
                           error_messages={"required": "Enter a name for the leave type",
                                           "max_length": "The name must be 100 characters or fewer"})
    kind = forms.ChoiceField(label="Kind of leave", choices=[("", "Choose a kind"), *LeaveType.Kind.choices],
                             error_messages={"required": "Choose what kind of leave this is"})
    is_paid = _yes_no("Is this leave paid?", required_message="Choose whether this leave is paid")
    uses_balance = _yes_no("Is it taken from a yearly entitlement?",
                           required_message="Choose whether it is taken from a yearly entitlement")
    is_active = _yes_no("Can people ask for it?", required_message="Choose whether people can ask for it")

    def __init__(self, *args: Any, in_use: bool = False, is_new: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.in_use = in_use
        if in_use:
            # Requests and balances name the type by code and kind, so those stay as they are.
            for name in ("code", "kind"):
                self.fields[name].disabled = True
        if is_new:
            del self.fields["is_active"]

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip().upper()

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        arguments: dict[str, Any] = {"name": data["name"], "is_paid": data["is_paid"] == "yes",
                                     "uses_balance": data["uses_balance"] == "yes"}
        if "is_active" in self.fields:
            arguments["is_active"] = data["is_active"] == "yes"
        if not self.in_use:
            arguments.update(code=data["code"], kind=data["kind"])
        return arguments

    @staticmethod
    def initial_for(leave_type: LeaveType) -> dict[str, Any]:
        def word(value: bool) -> str:
            return "yes" if value else "no"

        return {"code": leave_type.code, "name": leave_type.name, "kind": leave_type.kind,
                "is_paid": word(leave_type.is_paid), "uses_balance": word(leave_type.uses_balance),
                "is_active": word(leave_type.is_active)}


class LeavePolicyForm(forms.Form):
    """Entitlement by completed years of service, a row each, and the carry-over cap."""

    carry_over_cap_hours = _hours(
        "Most hours that can be carried into the next leave year", max_value=MAX_ENTITLEMENT_HOURS,
        message=f"The carry-over cap must be a number of hours from 0 to {MAX_ENTITLEMENT_HOURS}, like 75")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in range(1, ENTITLEMENT_ROWS + 1):
            self.fields[f"years_{row}"] = forms.IntegerField(
                label=f"Band {row}: years of service", required=row == 1, min_value=0, max_value=MAX_SERVICE_YEARS,
                error_messages={key: f"Band {row}: years of service must be a whole number from 0 to "
                                     f"{MAX_SERVICE_YEARS}" for key in ("required", "invalid", "min_value",
                                                                        "max_value")})
            self.fields[f"hours_{row}"] = _hours(
                f"Band {row}: hours a year", required=False, max_value=MAX_ENTITLEMENT_HOURS,
                message=f"Band {row}: hours a year must be a number of hours from 0 to {MAX_ENTITLEMENT_HOURS}")
        self.order_fields([name for row in range(1, ENTITLEMENT_ROWS + 1) for name in (f"years_{row}", f"hours_{row}")]
                          + ["carry_over_cap_hours"])

    @property
    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"years_{row}"], self[f"hours_{row}"]) for row in range(1, ENTITLEMENT_ROWS + 1)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        seen: set[int] = set()
        for row in range(1, ENTITLEMENT_ROWS + 1):
            years, hours = data.get(f"years_{row}"), data.get(f"hours_{row}")
            if years is None and hours is None:
                continue
            if years is not None and hours is None and f"hours_{row}" not in self.errors:
                self.add_error(f"hours_{row}", f"Entitlement for {years} years' service must be a number of hours "
                                               f"from 0 to {MAX_ENTITLEMENT_HOURS}")
            elif years is None and hours is not None and f"years_{row}" not in self.errors:
                self.add_error(f"years_{row}", f"Band {row}: enter the years of service the {hours} hours start at")
            elif years is not None and years in seen:
                self.add_error(f"years_{row}", f"Band {row}: there is already a band for {years} years' service")
            if years is not None:
                seen.add(years)
        return data

    def hours_by_service(self) -> list[list[object]]:
        data = self.cleaned_data
        return [[data[f"years_{row}"], str(data[f"hours_{row}"])] for row in range(1, ENTITLEMENT_ROWS + 1)
                if data.get(f"years_{row}") is not None and data.get(f"hours_{row}") is not None]

    @staticmethod
    def initial_for(hours_by_service: list[list[object]], carry_over_cap_hours: Decimal) -> dict[str, Any]:
        initial: dict[str, Any] = {"carry_over_cap_hours": carry_over_cap_hours}
        for row, (years, hours) in enumerate(sorted(hours_by_service, key=lambda band: int(str(band[0]))), start=1):
            if row <= ENTITLEMENT_ROWS:
                initial[f"years_{row}"], initial[f"hours_{row}"] = years, hours
        return initial


class WorkingPatternForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100,
                           error_messages={"required": "Enter a name for the working pattern",
                                           "max_length": "The name must be 100 characters or fewer"})
    is_active = _yes_no("Can it be given to employments?",
                        required_message="Choose whether it can be given to employments")

    def __init__(self, *args: Any, is_new: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in WEEKDAYS:
            self.fields[f"{day}_hours"] = _hours(
                f"{day.capitalize()}", required=False, max_value=Decimal("24"),
                message=f"{day.capitalize()} hours must be a number of hours from 0 to 24, like 7.4")
        self.order_fields(["name", *(f"{day}_hours" for day in WEEKDAYS), "is_active"])
        if is_new:
            del self.fields["is_active"]

    @property
    def day_fields(self) -> list[forms.BoundField]:
        return [self[f"{day}_hours"] for day in WEEKDAYS]

    def hours(self) -> dict[str, object]:
        return {f"{day}_hours": self.cleaned_data.get(f"{day}_hours") or Decimal("0") for day in WEEKDAYS}
