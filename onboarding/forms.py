"""Forms of the import journey: they parse what was typed or uploaded; the services decide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from onboarding.columns import COLUMNS, COLUMNS_BY_KEY
from onboarding.legacy_results import RESULT_COLUMNS
from onboarding.models import ImportMapping


class ImportUploadForm(forms.Form):
    upload = forms.FileField(label="Upload the staff export", error_messages={
        "required": "Select the export file (CSV or Excel .xlsx)",
        "empty": "The selected file is empty",
        "invalid": "Select the export file (CSV or Excel .xlsx)",
    })
    mapping = forms.TypedChoiceField(label="Column mapping", required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, mappings: list[ImportMapping], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mappings = {mapping.pk: mapping for mapping in mappings}
        field = self.fields["mapping"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "The usual column headings"), *((mapping.pk, mapping.name) for mapping in mappings)]

    def chosen_mapping(self) -> ImportMapping | None:
        chosen = self.cleaned_data.get("mapping")
        return self.mappings.get(chosen) if chosen else None


class ImportCommitForm(forms.Form):
    accept_valid = forms.BooleanField(
        label="Import the valid rows even if some rows are rejected", required=False)
    accept_missing = forms.MultipleChoiceField(
        label="The file has no column for these fields. Tick each one to import without it", required=False,
        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, missing: Sequence[tuple[str, str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.missing = missing
        field = self.fields["accept_missing"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(key, label) for key, label, _ in missing]


class ImportMappingForm(forms.Form):
    """A name, a heading for each field (blank: the usual headings), and whether to create references."""

    name = forms.CharField(label="Name of the mapping", max_length=100,
                           error_messages={"required": "Enter a name for the column mapping"})
    create_missing_references = forms.BooleanField(
        label="Create grades, organisation units and cost centres that the file names but the department does "
              "not have yet", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for column in COLUMNS:
            self.fields[f"column_{column.key}"] = forms.CharField(
                label=column.label, required=False, max_length=100,
                help_text=f"Usual heading: {column.headings[0].title()}" + (" (required)" if column.required else ""))

        # The legacy payroll's results file (onboarding/LEGACY_RESULTS.md) shares the payroll number,
        # tax code and NI letter; its own figures follow.
        for result in RESULT_COLUMNS:
            if result.key not in COLUMNS_BY_KEY:
                self.fields[f"column_{result.key}"] = forms.CharField(
                    label=f"{result.label} (legacy results)", required=False, max_length=100,
                    help_text=f"Usual heading: {result.headings[0].title()}" + (" (required)" if result.required
                                                                                 else ""))

    def column_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("column_")
                and name.removeprefix("column_") in COLUMNS_BY_KEY]

    def result_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("column_")
                and name.removeprefix("column_") not in COLUMNS_BY_KEY]

    def columns(self) -> dict[str, str]:
        return {key.removeprefix("column_"): value.strip() for key, value in self.cleaned_data.items()
                if key.startswith("column_") and value and value.strip()}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        headings = [value.strip().lower() for key, value in cleaned.items() if key.startswith("column_") and value]
        if len(headings) != len(set(headings)):
            raise ValidationError("Each heading can stand for one field only.")
        return cleaned
