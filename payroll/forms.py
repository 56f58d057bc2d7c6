"""Forms for the payroll pages: they parse what a person typed; ``payroll.services`` decides what
is allowed, and its refusals are shown on the same form with ``shared_services.core.forms.add_service_errors``."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from payroll.models import PayInput, PaySchedule

WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday")]
YES_NO = [("yes", "Yes"), ("no", "No")]


class PayScheduleForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100,
                           error_messages={"required": "Enter a name for the pay schedule"})
    frequency = forms.ChoiceField(label="How often staff are paid", choices=PaySchedule.Frequency.choices,
                                  error_messages={"required": "Choose how often staff are paid"})
    pay_day_of_month = forms.IntegerField(
        label="Pay day of the month (monthly)", min_value=0, max_value=31, required=False,
        error_messages={"invalid": "Enter the pay day as a whole number from 0 to 31",
                        "min_value": "Enter the pay day as a whole number from 0 to 31",
                        "max_value": "Enter the pay day as a whole number from 0 to 31"})
    pay_weekday = forms.TypedChoiceField(label="Pay day of the week (weekly)", choices=WEEKDAYS, coerce=int,
                                         initial=4)
    proration = forms.ChoiceField(label="Part periods are paid by", choices=PaySchedule.Proration.choices,
                                  initial=PaySchedule.Proration.CALENDAR_DAYS)
    bank_sort_code = forms.CharField(label="Sort code of the account net pay is paid from", required=False,
                                     max_length=8)
    bank_account_number = forms.CharField(label="Account number", required=False, max_length=10)
    bank_account_name = forms.CharField(label="Account name", required=False, max_length=18)
    pays_everyone_else = forms.ChoiceField(
        label="Does this schedule pay everyone not moved onto another schedule?", choices=YES_NO, initial="no",
        error_messages={"required": "Choose yes or no"})

    def clean_bank_sort_code(self) -> str:
        return re.sub(r"[\s-]", "", self.cleaned_data["bank_sort_code"])

    def clean_bank_account_number(self) -> str:
        return re.sub(r"\s", "", self.cleaned_data["bank_account_number"])

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["pay_day_of_month"] = data["pay_day_of_month"] or 0
        data["pays_everyone_else"] = data["pays_everyone_else"] == "yes"
        return data


class MoveEmployeesForm(forms.Form):
    payroll_numbers = forms.CharField(
        label="Payroll numbers of the employees to move onto this schedule", widget=forms.Textarea,
        max_length=200_000, error_messages={"required": "Enter at least one payroll number"})

    def clean_payroll_numbers(self) -> list[str]:
        return [number for number in re.split(r"[\s,;]+", self.cleaned_data["payroll_numbers"]) if number]


class PayInputForm(forms.Form):
    """One payment or deduction for one employee, typed on the inputs page. Overtime is entered as
    hours and an hourly rate; the amount is then their product."""

    payroll_number = forms.CharField(label="Payroll number", max_length=20,
                                     error_messages={"required": "Enter the employee's payroll number"})
    code = forms.CharField(label="Code", max_length=20, error_messages={"required": "Enter a code, like OVERTIME"})
    description = forms.CharField(label="Description on the payslip", max_length=100, required=False)
    kind = forms.ChoiceField(label="Kind", choices=PayInput.Kind.choices,
                             error_messages={"required": "Choose the kind of payment or deduction"})
    amount = forms.DecimalField(label="Amount, in pounds", required=False, max_digits=12, decimal_places=2,
                                error_messages={"invalid": "Enter the amount in pounds and pence, like 125.50",
                                                "max_decimal_places": "Enter the amount to the nearest penny"})
    hours = forms.DecimalField(label="Or hours", required=False, max_digits=7, decimal_places=2,
                               error_messages={"invalid": "Enter the hours as a number, like 7.5"})
    hourly_rate = forms.DecimalField(label="at an hourly rate of, in pounds", required=False, max_digits=8,
                                     decimal_places=4,
                                     error_messages={"invalid": "Enter the hourly rate in pounds, like 18.75"})
    pensionable = forms.ChoiceField(label="Is it pensionable?", choices=YES_NO, initial="no")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        amount, hours, rate = data.get("amount"), data.get("hours"), data.get("hourly_rate")
        if "amount" in self.errors or "hours" in self.errors or "hourly_rate" in self.errors:
            return data
        if amount is None and hours is None and rate is None:
            self.add_error("amount", "Enter an amount, or hours and an hourly rate")
        elif amount is not None and (hours is not None or rate is not None):
            self.add_error("amount", "Enter an amount, or hours and an hourly rate, not both")
        elif amount is None and (hours is None or rate is None):
            self.add_error("hours" if hours is None else "hourly_rate",
                           "Enter both the hours and the hourly rate" )
        return data


class PayInputUploadForm(forms.Form):
    file = forms.FileField(label="Upload a CSV file of inputs",
                           error_messages={"required": "Choose a CSV file to upload"})


# --- A run's review: acknowledgements and payment routes (payroll.views_review) -----------------

REVIEW_NOTE_MAX_LENGTH = 500


class ExceptionsAcknowledgeForm(forms.Form):
    """Advisory exceptions someone checked: the rows ticked on the page shown, or the whole kind
    being looked at, with one note."""

    exceptions = forms.TypedMultipleChoiceField(
        coerce=int, required=False, label="Exceptions you have checked",
        error_messages={"invalid_choice": "Select only exceptions this page lists"})
    note = forms.CharField(label="What did you check?", required=False, max_length=REVIEW_NOTE_MAX_LENGTH,
                           error_messages={"max_length": f"The note must be {REVIEW_NOTE_MAX_LENGTH} characters "
                                                         "or fewer"},
                           widget=forms.Textarea(attrs={"rows": 3}))
    acknowledge = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, choices: list[tuple[int, str]], kind: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "acknowledge-%s")
        super().__init__(*args, **kwargs)
        self.fields["exceptions"].choices = choices  # type: ignore[attr-defined]
        self.kind = kind

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        whole_kind = data.get("acknowledge") == "kind" and bool(self.kind)
        data["codes"] = [self.kind] if whole_kind else []
        if not whole_kind:
            data["codes"] = []
            if not data.get("exceptions") and "exceptions" not in self.errors:
                self.add_error("exceptions", "Select the exceptions you have checked")
        else:
            data["exceptions"] = []
        if not (data.get("note") or "").strip() and "note" not in self.errors:
            self.add_error("note", "Enter what you checked, for example that the changes are expected")
        return data


class PaymentRouteForm(forms.Form):
    route = forms.ChoiceField(label="How is this net pay paid?", choices=[
        ("hold", "Hold it: pay nothing now, pay it in a later run or by hand once resolved"),
        ("manual", "Pay it by hand outside the Bacs file (CHAPS or cheque)")],
        widget=forms.RadioSelect, error_messages={"required": "Choose hold or manual payment"})
    reference = forms.CharField(label="Payment reference", required=False, max_length=35,
                                error_messages={"max_length": "The reference must be 35 characters or fewer"})
    note = forms.CharField(label="Why?", max_length=REVIEW_NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": "Enter why, for example that the employee is giving new "
                                                       "bank details",
                                           "max_length": f"The note must be {REVIEW_NOTE_MAX_LENGTH} characters "
                                                         "or fewer"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("route") == "manual" and not (data.get("reference") or "").strip() \
                and "reference" not in self.errors:
            self.add_error("reference", "Enter the reference of the manual payment, for example the CHAPS reference")
        return data


class StepConfirmForm(forms.Form):
    """The confirmation of a step that cannot be undone; cancelling also asks why."""

    reason = forms.CharField(label="Why is it cancelled?", required=False, max_length=500,
                             error_messages={"max_length": "The reason must be 500 characters or fewer"})
