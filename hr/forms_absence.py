"""Forms for family leave, unauthorised absence and the absence pay schemes: they parse what a person
typed; ``hr.services.absence`` decides what is allowed."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from hr.absence_schemes import FAMILY_PAY_STEPS, PAY_WORDS, SICK_PAY_STEPS, SICKNESS
from hr.models import FamilyLeave
from shared_services.core.forms import GovUKDateField

KIT_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %m %Y")


def _date(label: str, *, required: bool = False) -> GovUKDateField:
    return GovUKDateField(label=label, required=required, error_messages={"required": f"Enter the {label.lower()}"})


def _whole_number(label: str, *, required: bool = False, min_value: int = 0,
                  max_value: int = 9999) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=required, min_value=min_value, max_value=max_value, widget=forms.TextInput,
        error_messages={"required": f"Enter the {label.lower()}", "invalid": f"{label} must be a whole number",
                        "min_value": f"{label} must be {min_value} or more",
                        "max_value": f"{label} must be {max_value} or fewer"})


def parse_dates(text: str) -> list[datetime.date]:
    """Dates separated by commas, semicolons or new lines, like "6/1/2027, 2027-02-03"."""
    days = []
    for part in (piece.strip() for piece in re.split(r"[,;\n]+", text or "")):
        if not part:
            continue
        for pattern in KIT_DATE_FORMATS:
            try:
                days.append(datetime.datetime.strptime(part, pattern).date())  # noqa: DTZ007 (a date, no time)
                break
            except ValueError:
                continue
        else:
            raise ValidationError(f"“{part}” is not a date; write dates like 6/1/2027, separated by commas")
    return days


class FamilyLeaveForm(forms.Form):
    """HR records family leave (confirmed at once); the self-service form drops the receipt date."""

    kind = forms.ChoiceField(label="Kind of leave", choices=FamilyLeave.Kind.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose the kind of leave",
                                             "invalid_choice": "Choose the kind of leave"})
    start_date = _date("First day of leave", required=True)
    end_date = _date("Last day of leave", required=True)
    expected_date = _date("Expected week of childbirth, or expected date of placement")
    matched_date = _date("Date told of the match (adoption)")
    event_date = _date("Date of birth or placement (or, for bereavement, of the child's death)")
    evidence_date = _date("Date on the MATB1 or matching certificate")
    evidence_received_on = _date("Date the evidence was received")
    evidence_reference = forms.CharField(label="Evidence reference (optional)", required=False, max_length=100,
                                         error_messages={"max_length": "The reference must be 100 characters or fewer"})
    statutory_weeks = _whole_number("Weeks of statutory pay claimed", min_value=1, max_value=52)
    keeping_in_touch_days = forms.CharField(
        label="Keeping in touch (or SPLIT) days", required=False, max_length=400,
        error_messages={"max_length": "List at most 20 dates"})
    note = forms.CharField(label="Note (optional)", required=False, max_length=300,
                           error_messages={"max_length": "The note must be 300 characters or fewer"})

    def clean_keeping_in_touch_days(self) -> list[datetime.date]:
        return parse_dates(self.cleaned_data.get("keeping_in_touch_days", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The last day of leave must be on or after the first day")
        return cleaned

    def leave_fields(self) -> dict[str, Any]:
        """The cleaned values as the services take them."""
        return {name: self.cleaned_data.get(name) for name in self.fields}


class MyFamilyLeaveForm(FamilyLeaveForm):
    """The employee's request: HR records when the evidence reaches them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["evidence_received_on"]


class FamilyLeaveConfirmForm(forms.Form):
    evidence_received_on = _date("Date the evidence was received")


class FamilyLeaveCancelForm(forms.Form):
    reason = forms.CharField(label="Why is it cancelled?", max_length=300,
                             error_messages={"required": "Enter why the leave is cancelled",
                                             "max_length": "The reason must be 300 characters or fewer"})


class UnauthorisedAbsenceForm(forms.Form):
    start_date = _date("First day of absence", required=True)
    end_date = _date("Last day of absence", required=True)
    hours = forms.DecimalField(label="Hours absent (optional)", required=False, min_value=0, max_digits=7,
                               decimal_places=2, widget=forms.TextInput,
                               error_messages={"invalid": "Enter the hours as a number, like 7.4",
                                               "min_value": "Hours must be 0 or more"})
    note = forms.CharField(label="Note", required=False, max_length=300,
                           error_messages={"max_length": "The note must be 300 characters or fewer"})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The last day of absence must be on or after the first day")
        return cleaned


STEP_ROWS = 6


class AbsencePaySchemeForm(forms.Form):
    """A scheme's name and steps as rows of pay and length; empty rows are left out."""

    name = forms.CharField(label="Name", max_length=100,
                           error_messages={"required": "Enter the name of the scheme",
                                           "max_length": "The name must be 100 characters or fewer"})
    qualifying_service_weeks = _whole_number("Weeks of service needed", required=True, max_value=520)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.unit = "days" if kind == SICKNESS else "weeks"
        pays = SICK_PAY_STEPS if kind == SICKNESS else FAMILY_PAY_STEPS
        if kind == SICKNESS:
            self.fields["rolling_period_days"] = _whole_number("Rolling period, in days", required=True,
                                                               min_value=1, max_value=3653)
        for number in range(1, STEP_ROWS + 1):
            self.fields[f"step_{number}_pay"] = forms.ChoiceField(
                label=f"Step {number}: pay", required=False,
                choices=[("", "No step")] + [(pay, PAY_WORDS[pay].capitalize()) for pay in pays],
                error_messages={"invalid_choice": f"Step {number}: choose the pay from the list"})
            self.fields[f"step_{number}_length"] = _whole_number(f"Step {number}: {self.unit}", min_value=1,
                                                                 max_value=3653)

    def step_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"step_{number}_pay"], self[f"step_{number}_length"]) for number in range(1, STEP_ROWS + 1)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for number in range(1, STEP_ROWS + 1):
            pay, length = cleaned.get(f"step_{number}_pay"), cleaned.get(f"step_{number}_length")
            if pay and length is None and f"step_{number}_length" not in self.errors:
                self.add_error(f"step_{number}_length", f"Step {number}: enter the number of {self.unit}")
            if length is not None and not pay:
                self.add_error(f"step_{number}_pay", f"Step {number}: choose the pay")
        return cleaned

    def steps(self) -> list[dict[str, Any]]:
        return [{"pay": self.cleaned_data[f"step_{number}_pay"], self.unit: self.cleaned_data[f"step_{number}_length"]}
                for number in range(1, STEP_ROWS + 1) if self.cleaned_data.get(f"step_{number}_pay")]

    @staticmethod
    def initial_for(*, name: str, steps: Any, rolling_period_days: int | None,
                    qualifying_service_weeks: int, kind: str) -> dict[str, Any]:
        unit = "days" if kind == SICKNESS else "weeks"
        initial: dict[str, Any] = {"name": name, "rolling_period_days": rolling_period_days,
                                   "qualifying_service_weeks": qualifying_service_weeks}
        for number, step in enumerate(steps, start=1):
            initial[f"step_{number}_pay"], initial[f"step_{number}_length"] = step["pay"], step[unit]
        return initial
