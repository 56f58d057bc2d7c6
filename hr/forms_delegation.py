"""The form a line manager names a deputy with; the service decides what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms

from hr import selectors
from hr.models import Employee
from shared_services.core.forms import GovUKDateField


class DeputySearchForm(forms.Form):
    """Find a deputy by name or payroll number (a plain search: no autocomplete to operate)."""

    q = forms.CharField(label="Name or payroll number", required=False, max_length=100)


class DelegationForm(forms.Form):
    """Who deputises, and for which days. With search results the deputy is chosen from them
    (radios); without, their payroll number is typed."""

    deputy = forms.CharField(label="Deputy's payroll number", max_length=20,
                             error_messages={"required": "Enter your deputy's payroll number",
                                             "max_length": "A payroll number is 20 characters or fewer"})
    starts_on = GovUKDateField(label="First day", error_messages={"required": "Enter the first day"})
    ends_on = GovUKDateField(label="Last day", error_messages={"required": "Enter the last day"})
    note = forms.CharField(label="Note for your deputy (optional)", required=False, max_length=300,
                           error_messages={"max_length": "The note must be 300 characters or fewer"})

    def __init__(self, *args: Any, candidates: list[Employee] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = candidates or []
        if self.candidates:
            self.fields["deputy"] = forms.ChoiceField(
                label="Choose your deputy", widget=forms.RadioSelect,
                choices=[(person.payroll_number, f"{person.display_name} ({person.payroll_number})")
                         for person in self.candidates],
                error_messages={"required": "Choose your deputy",
                                "invalid_choice": "Choose your deputy from the people found"},
            )

    def clean_deputy(self) -> Employee:
        payroll_number = str(self.cleaned_data["deputy"]).strip()
        person = selectors.employee_find(payroll_number=payroll_number) if payroll_number else None
        if person is None and payroll_number != payroll_number.upper():  # typed in lower case
            person = selectors.employee_find(payroll_number=payroll_number.upper())
        if person is None:
            raise forms.ValidationError("There is no one in this department with that payroll number")
        return person

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The last day must be the same as or after the first day")
        return cleaned
