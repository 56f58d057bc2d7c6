"""Forms of the bank details pages. The services check the formats and what is missing, so one
answer names every problem at once (a form's own "required" would hide the rest)."""

from __future__ import annotations

from django import forms

_NO_AUTOFILL = {"autocomplete": "off", "spellcheck": "false"}


class BankDetailsForm(forms.Form):
    """The account, as the employee gives it on their own page (and HR on its proposal)."""

    bank_sort_code = forms.CharField(label="Sort code", max_length=8, required=False,
                                     error_messages={"max_length": "Enter a sort code of 6 digits, like 30-99-50"},
                                     widget=forms.TextInput(attrs={**_NO_AUTOFILL, "inputmode": "numeric"}))
    bank_account_number = forms.CharField(label="Account number", max_length=10, required=False,
                                          error_messages={"max_length": "Enter an 8-digit account number"},
                                          widget=forms.TextInput(attrs={**_NO_AUTOFILL, "inputmode": "numeric"}))
    building_society_roll_number = forms.CharField(
        label="Building society roll number (if you have one)", max_length=24, required=False,
        error_messages={"max_length": "Enter a roll number of up to 18 letters and numbers"},
        widget=forms.TextInput(attrs=_NO_AUTOFILL))


class BankDetailsProposalForm(BankDetailsForm):
    """HR's change on an employee's behalf: the account, why, and the evidence for it."""

    reason = forms.CharField(label="Why the bank details are changing", max_length=500, required=False,
                             error_messages={"max_length": "The reason must be 500 characters or fewer"},
                             widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.FileField(label="Evidence", required=False,
                               error_messages={"invalid": "Choose the evidence file",
                                               "empty": "The evidence file is empty"})


class BankDetailsCheckForm(forms.Form):
    """The second person's decision on HR's proposal."""

    CONFIRM, REJECT = "confirm", "reject"

    decision = forms.ChoiceField(label="Your decision", widget=forms.RadioSelect,
                                 choices=[(CONFIRM, "Confirm the change"), (REJECT, "Reject the change")],
                                 error_messages={"required": "Choose whether to confirm or reject the change"})
    note = forms.CharField(label="Note or reason (a reason is needed to reject)", max_length=500, required=False,
                           error_messages={"max_length": "The note must be 500 characters or fewer"},
                           widget=forms.Textarea(attrs={"rows": 3}))
