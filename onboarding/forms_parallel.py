"""Forms of the parallel run pages: they parse what was typed or uploaded; the services decide."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms

from onboarding.models import CutoverSignOff, ImportMapping, ParallelRunDifference


def _previous_month(today: datetime.date) -> str:
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return f"{last:%Y-%m}"


class ParallelRunStartForm(forms.Form):
    upload = forms.FileField(label="Upload what the legacy payroll paid", error_messages={
        "required": "Select the legacy payroll's results file (CSV or Excel .xlsx)",
        "empty": "The selected file is empty",
        "invalid": "Select the legacy payroll's results file (CSV or Excel .xlsx)",
    })
    period = forms.RegexField(label="Pay period compared", regex=r"^\s*\d{4}-\d{1,2}\s*$", max_length=8,
                              help_text="Year and month, for example 2026-11", error_messages={
                                  "required": "Enter the pay period, like 2026-11",
                                  "invalid": "Enter the pay period as year and month, like 2026-11"})
    mapping = forms.TypedChoiceField(label="Column mapping", required=False, coerce=int, empty_value=None)
    tolerance = forms.DecimalField(label="Tolerance, in pounds", min_value=Decimal("0"), max_value=Decimal("100"),
                                   decimal_places=2, max_digits=5, initial=Decimal("0.00"), required=False,
                                   help_text="Differences up to this amount count as matched; 0.00 compares to the "
                                             "penny", error_messages={
                                       "invalid": "Enter the tolerance in pounds and pence, like 0.05",
                                       "min_value": "The tolerance cannot be negative",
                                       "max_value": "Enter a tolerance of £100 or less",
                                       "max_decimal_places": "Enter the tolerance in pounds and pence, like 0.05"})

    def __init__(self, *args: Any, mappings: list[ImportMapping], today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mappings = {mapping.pk: mapping for mapping in mappings}
        field = self.fields["mapping"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "The usual column headings"), *((mapping.pk, mapping.name) for mapping in mappings)]
        self.fields["period"].initial = _previous_month(today)

    def chosen_mapping(self) -> ImportMapping | None:
        chosen = self.cleaned_data.get("mapping")
        return self.mappings.get(chosen) if chosen else None


class DifferenceFilterForm(forms.Form):
    classification = forms.ChoiceField(label="Class", required=False,
                                       choices=[("", "All classes"), *ParallelRunDifference.Classification.choices])
    resolution = forms.ChoiceField(label="Resolution", required=False,
                                   choices=[("", "Any resolution"), *ParallelRunDifference.Resolution.choices])
    payroll_number = forms.CharField(label="Payroll number", required=False, max_length=20)


class ExplainForm(forms.Form):
    """A note, and the differences it explains (the ticked rows, or every open one of a class)."""

    note = forms.CharField(label="Why the figures differ", max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": "Say why the figures differ",
                                           "max_length": "The note must be 500 characters or fewer"})
    difference = forms.TypedMultipleChoiceField(coerce=int, required=False)
    every_open_of_class = forms.ChoiceField(required=False, choices=[
        ("", ""), *ParallelRunDifference.Classification.choices])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The ticked rows are the page's; the service checks they are the run's.
        field = self.fields["difference"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        ids = self.data.getlist("difference") if hasattr(self.data, "getlist") else []
        field.choices = [(value, value) for value in ids]


class SignOffForm(forms.Form):
    role = forms.ChoiceField(label="You sign as", choices=CutoverSignOff.Role.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose whether you sign as the HR or payroll lead or as the "
                                                         "finance lead"})
    note = forms.CharField(label="Note (optional)", required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(label="I accept the parallel run as the evidence that the department can cut over",
                                 error_messages={"required": "Confirm that you accept the parallel run"})


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="Why the sign-off is withdrawn", max_length=500,
                             error_messages={"required": "Say why the sign-off is withdrawn"})
