"""The form of the bank details page; the service checks the formats and says what is wrong."""

from __future__ import annotations

from django import forms


class BankDetailsForm(forms.Form):
    bank_sort_code = forms.CharField(label="Sort code", max_length=8,
                                     error_messages={"required": "Enter the sort code"},
                                     widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    bank_account_number = forms.CharField(label="Account number", max_length=10,
                                          error_messages={"required": "Enter the account number"},
                                          widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    building_society_roll_number = forms.CharField(
        label="Building society roll number (if you have one)", max_length=18, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
