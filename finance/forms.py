"""Forms for the finance pages: they parse what a person typed; the services decide what is allowed.

Messages follow the GOV.UK Design System. A service's ``ValidationError`` is shown on the same
form with ``add_service_errors`` (``shared_services.core.forms``), journal lines by their row.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from finance import selectors
from finance.models import Account, ExpenseLine
from hr import selectors as hr_selectors
from shared_services.core.forms import GovUKDateField, MoneyField

JOURNAL_ROWS = 6


def _money(label: str, *, required: bool = True, allow_zero: bool = False) -> MoneyField:
    return MoneyField(
        label=label, required=required, max_digits=14, decimal_places=2,
        min_value=Decimal("0") if allow_zero else Decimal("0.01"),
        error_messages={"required": f"Enter the {label.lower()}",
                        "invalid": f"Enter the {label.lower()} as an amount of money, like 12.50",
                        "min_value": f"The {label.lower()} must be more than £0.00"
                        if not allow_zero else f"The {label.lower()} cannot be negative",
                        "max_digits": f"The {label.lower()} is too large",
                        "max_decimal_places": f"Enter the {label.lower()} to the penny",
                        "max_whole_digits": f"The {label.lower()} is too large"},
    )


def _text(label: str, *, required: bool = True, max_length: int = 200) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length, error_messages={
        "required": f"Enter the {label[0].lower() + label[1:]}",
        "max_length": f"{label} must be {max_length} characters or fewer"})


class CostCentreChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{'– ' * obj.depth}{obj.code} {obj.name}"


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


def _centre_choice(label: str = "Cost centre", *, required: bool = True, empty_label: str = "Choose a cost centre"
                   ) -> CostCentreChoiceField:
    return CostCentreChoiceField(queryset=hr_selectors.cost_centres().none(), label=label, required=required,
                                 to_field_name="code", empty_label=empty_label,
                                 error_messages={"required": "Choose the cost centre",
                                                 "invalid_choice": "Choose a cost centre from the list"})


# --- Accounts --------------------------------------------------------------------------------------


class AccountForm(forms.Form):
    code = _text("Account code", max_length=20)
    name = _text("Account name")
    kind = forms.ChoiceField(label="Kind of account", choices=Account.Kind.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose the kind of account"})
    purpose = forms.ChoiceField(label="Used by other services for", required=False,
                                choices=[("", "Nothing in particular"), *Account.Purpose.choices])


class AccountEditForm(forms.Form):
    name = _text("Account name")
    purpose = forms.ChoiceField(label="Used by other services for", required=False,
                                choices=[("", "Nothing in particular"), *Account.Purpose.choices])
    is_active = forms.TypedChoiceField(label="Open to postings", coerce=lambda value: value == "yes",
                                       choices=[("yes", "Yes"), ("no", "No, closed")], widget=forms.RadioSelect,
                                       error_messages={"required": "Say whether the account is open to postings"})


# --- Journals --------------------------------------------------------------------------------------


class JournalForm(forms.Form):
    """A journal's header and up to ``JOURNAL_ROWS`` lines; empty rows are ignored."""

    posted_on = GovUKDateField(label="Journal date", error_messages={"required": "Enter the journal date"})
    description = _text("Description")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        accounts = selectors.accounts(active_only=True)
        centres = hr_selectors.cost_centres().filter(is_active=True)
        for row in range(JOURNAL_ROWS):
            number = row + 1
            self.fields[f"line-{row}-account"] = AccountChoiceField(
                queryset=accounts, label=f"Line {number} account", required=False, to_field_name="code",
                empty_label="Choose an account",
                error_messages={"invalid_choice": f"Line {number}: choose an account from the list"})
            self.fields[f"line-{row}-cost_centre"] = CostCentreChoiceField(
                queryset=centres, label=f"Line {number} cost centre", required=False, to_field_name="code",
                empty_label="None", error_messages={"invalid_choice": f"Line {number}: choose a cost centre "
                                                                      "from the list"})
            for side in ("debit", "credit"):
                field = _money(f"Line {number} {side}", required=False, allow_zero=True)
                self.fields[f"line-{row}-{side}"] = field
            self.fields[f"line-{row}-description"] = _text(f"Line {number} description", required=False)

    def rows(self) -> list[dict[str, Any]]:
        """The bound fields of each row, for the template."""
        return [{name: self[f"line-{row}-{name}"] for name in ("account", "cost_centre", "debit", "credit",
                                                              "description")} for row in range(JOURNAL_ROWS)]

    def lines(self) -> list[dict[str, Any]]:
        """The rows that were filled in, as ``journal_post`` lines; ``line_rows`` maps each back to its row."""
        lines: list[dict[str, Any]] = []
        self.line_rows: list[int] = []
        for row in range(JOURNAL_ROWS):
            values = {name: self.cleaned_data.get(f"line-{row}-{name}") for name in
                      ("account", "cost_centre", "debit", "credit", "description")}
            if not any(values.values()):
                continue
            if values["account"] is None:
                self.add_error(f"line-{row}-account", f"Line {row + 1}: choose an account")
                continue
            lines.append({"account": values["account"], "cost_centre": values["cost_centre"],
                          "debit": values["debit"] or Decimal("0"), "credit": values["credit"] or Decimal("0"),
                          "description": values["description"] or ""})
            self.line_rows.append(row)
        return lines

    def add_line_errors(self, error: ValidationError) -> None:
        """Put a service's ``lines[i].field`` errors on the row the line came from."""
        for key, messages in error.message_dict.items():
            if key.startswith("lines[") and "]." in key:
                index, name = int(key[6:key.index("]")]), key.split(".", 1)[1]
                row = self.line_rows[index] if index < len(self.line_rows) else 0
                self.add_error(f"line-{row}-{name}", messages)
            elif key in self.fields:
                self.add_error(key, messages)
            else:
                self.add_error(None, messages)


class ReverseForm(forms.Form):
    posted_on = GovUKDateField(label="Date of the reversal", error_messages={"required": "Enter the date of the "
                                                                                         "reversal"})


# --- Budgets ---------------------------------------------------------------------------------------

MONTHS = ("April", "May", "June", "July", "August", "September", "October", "November", "December", "January",
          "February", "March")


class BudgetForm(forms.Form):
    cost_centre = _centre_choice()
    financial_year = forms.TypedChoiceField(label="Financial year", coerce=int,
                                            error_messages={"required": "Choose the financial year"})
    annual_amount = _money("Annual budget", required=False, allow_zero=True)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cost_centre"].queryset = hr_selectors.cost_centres().filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["financial_year"].choices = [(year, f"{year} to {year + 1}") for year in years]  # type: ignore[attr-defined]
        for index, month in enumerate(MONTHS):
            self.fields[f"month-{index}"] = _money(month, required=False, allow_zero=True)

    def month_fields(self) -> list[Any]:
        return [self[f"month-{index}"] for index in range(12)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        months = [cleaned.get(f"month-{index}") for index in range(12)]
        given = [value for value in months if value is not None]
        if cleaned.get("annual_amount") is None and not given and not self.errors:
            self.add_error("annual_amount", "Enter an annual budget, or an amount for each month")
        elif given and len(given) != 12:
            self.add_error("month-0", "Enter an amount for every month, or leave them all empty and give an "
                                      "annual budget")
        elif given and cleaned.get("annual_amount") is not None:
            self.add_error("annual_amount", "Give an annual budget or monthly amounts, not both")
        cleaned["monthly_amounts"] = months if given else None
        return cleaned


# --- Expenses --------------------------------------------------------------------------------------


class ClaimForm(forms.Form):
    purpose = forms.CharField(label="What the expenses were for", max_length=200, error_messages={
        "required": "Enter what the expenses were for",
        "max_length": "What the expenses were for must be 200 characters or fewer"})


class ExpenseLineForm(forms.Form):
    category = forms.ChoiceField(label="Kind of expense", widget=forms.RadioSelect,
                                 choices=[c for c in ExpenseLine.Category.choices if c[0] != "mileage"],
                                 error_messages={"required": "Choose the kind of expense"})
    incurred_on = GovUKDateField(label="Date of the expense", error_messages={"required": "Enter the date of the "
                                                                                          "expense"})
    description = _text("Description")
    amount = _money("Amount, including VAT")
    vat = _money("VAT", required=False, allow_zero=True)
    receipt = forms.FileField(label="Receipt", required=False, error_messages={
        "invalid": "Choose a receipt file", "empty": "The receipt file is empty"})


class MileageForm(forms.Form):
    vehicle = forms.ChoiceField(label="Vehicle", choices=ExpenseLine.Vehicle.choices, widget=forms.RadioSelect,
                                error_messages={"required": "Choose the vehicle"})
    incurred_on = GovUKDateField(label="Date of the journey", error_messages={"required": "Enter the date of the "
                                                                                          "journey"})
    description = _text("From, to and why")
    miles = forms.DecimalField(label="Business miles", max_digits=8, decimal_places=1, min_value=Decimal("0.1"),
                               widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                               error_messages={"required": "Enter the business miles",
                                               "invalid": "Enter the miles as a number, like 42.5",
                                               "min_value": "The miles must be more than 0",
                                               "max_decimal_places": "Enter the miles to one decimal place",
                                               "max_digits": "That is too many miles for one journey",
                                               "max_whole_digits": "That is too many miles for one journey"})


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="Your decision", widget=forms.RadioSelect,
                                 choices=[("approve", "Approve"), ("reject", "Reject")],
                                 error_messages={"required": "Choose approve or reject"})
    reason = forms.CharField(label="Reason (needed to reject)", required=False, max_length=300,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"max_length": "The reason must be 300 characters or fewer"})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == "reject" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Give the reason for rejecting the claim")
        return cleaned
