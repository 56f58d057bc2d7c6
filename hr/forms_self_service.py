"""Forms of the self-service details pages and HR's decision on a change request.

They parse what a person typed, with the GOV.UK Design System's messages; the services in
``hr.services.self_service`` decide what is allowed and name the field that is wrong.
"""

from __future__ import annotations

from typing import Any

from django import forms

from hr.services.self_service import FIELD_LABELS
from shared_services.core.forms import GovUKDateField


def _text(name: str, *, required: bool = False, max_length: int = 200, **attrs: str) -> forms.CharField:
    # Required-ness is the service's to judge (it knows what the change leaves behind); the form
    # only bounds the length so a huge body is refused early.
    return forms.CharField(label=FIELD_LABELS[name], required=required, max_length=max_length, strip=True,
                           widget=forms.TextInput(attrs=attrs),
                           error_messages={"required": f"Enter the {FIELD_LABELS[name].lower()}",
                                           "max_length": f"{FIELD_LABELS[name]} must be {max_length} characters "
                                                         "or fewer"})


class DetailsChangeForm(forms.Form):
    """One section of the employee's contact details; ``changes()`` is what the service is given."""

    def changes(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}


class AddressForm(DetailsChangeForm):
    address_line_1 = _text("address_line_1", autocomplete="address-line1")
    address_line_2 = _text("address_line_2", autocomplete="address-line2")
    town = _text("town", max_length=100, autocomplete="address-level2")
    postcode = _text("postcode", max_length=10, autocomplete="postal-code")


class PhoneForm(DetailsChangeForm):
    phone = _text("phone", max_length=30, autocomplete="tel")


class EmailForm(DetailsChangeForm):
    email = _text("email", max_length=254, autocomplete="email", spellcheck="false")


class EmergencyContactForm(DetailsChangeForm):
    emergency_contact_name = forms.CharField(label="Full name", required=False, max_length=200,
                                             error_messages={"max_length": "Name must be 200 characters or fewer"})
    emergency_contact_relationship = forms.CharField(
        label="Relationship to you", required=False, max_length=100,
        error_messages={"max_length": "Relationship must be 100 characters or fewer"})
    emergency_contact_phone = forms.CharField(
        label="Phone number", required=False, max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"max_length": "Phone number must be 30 characters or fewer"})


class ChangeRequestForm(forms.Form):
    """A request to HR: the new value(s), why, and a file that shows it."""

    reason = forms.CharField(label="Why should it change?", max_length=500, widget=forms.Textarea,
                             error_messages={"required": "Enter why the details should change",
                                             "max_length": "The reason must be 500 characters or fewer"})
    evidence = forms.FileField(label="Upload evidence", error_messages={
        "required": "Choose a file that shows the change, such as a marriage certificate or deed poll",
        "invalid": "Choose a file that shows the change", "empty": "The selected file is empty"})

    requested_fields: tuple[str, ...] = ()

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.requested_fields}


class NameRequestForm(ChangeRequestForm):
    first_name = forms.CharField(label="First name", max_length=100, error_messages={
        "required": "Enter your first name", "max_length": "First name must be 100 characters or fewer"},
        widget=forms.TextInput(attrs={"autocomplete": "given-name", "spellcheck": "false"}))
    last_name = forms.CharField(label="Last name", max_length=100, error_messages={
        "required": "Enter your last name", "max_length": "Last name must be 100 characters or fewer"},
        widget=forms.TextInput(attrs={"autocomplete": "family-name", "spellcheck": "false"}))
    field_order = ["first_name", "last_name", "reason", "evidence"]
    requested_fields = ("first_name", "last_name")


class DateOfBirthRequestForm(ChangeRequestForm):
    date_of_birth = GovUKDateField(label="Date of birth", error_messages={"required": "Enter your date of birth"})
    field_order = ["date_of_birth", "reason", "evidence"]
    requested_fields = ("date_of_birth",)


class NiNumberRequestForm(ChangeRequestForm):
    ni_number = forms.CharField(label="National Insurance number", max_length=13, error_messages={
        "required": "Enter your National Insurance number",
        "max_length": "Enter a National Insurance number in the correct format, like QQ 12 34 56 C"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}))
    field_order = ["ni_number", "reason", "evidence"]
    requested_fields = ("ni_number",)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="Your decision", widget=forms.RadioSelect,
                                 choices=[("approve", "Approve: change the record"), ("reject", "Reject")],
                                 error_messages={"required": "Choose whether to approve or reject the request",
                                                 "invalid_choice": "Choose whether to approve or reject the request"})
    note = forms.CharField(label="Note to the employee (needed to reject)", required=False, max_length=500,
                           widget=forms.Textarea,
                           error_messages={"max_length": "The note must be 500 characters or fewer"})
