from __future__ import annotations

import calendar
from typing import Any

from django import forms

from departments.models import Department, OperatorAssignment, RoleConflict
from departments.roles import Role
from departments.selectors import operators
from shared_services.accounts.models import User
from shared_services.core.forms import GovUKDateField

MONTHS = [(number, calendar.month_name[number]) for number in range(1, 13)]


class DepartmentCreateForm(forms.Form):
    """A new department, its settings and its first HR admin (platform operators only)."""

    name = forms.CharField(label="Department name", max_length=200,
                           error_messages={"required": "Enter the department's name"})
    slug = forms.SlugField(label="Short name for addresses", max_length=40,
                           error_messages={"required": "Enter a short name, like dwp",
                                           "invalid": "Use lower-case letters, digits and hyphens only, like dwp"})
    employer_paye_reference = forms.CharField(label="HMRC employer PAYE reference", max_length=14, required=False)
    accounts_office_reference = forms.CharField(label="HMRC accounts office reference", max_length=13,
                                                required=False)
    bacs_service_user_number = forms.CharField(label="BACS service user number", max_length=6, required=False)
    pay_frequency = forms.ChoiceField(label="How often staff are paid", choices=Department.PayFrequency.choices,
                                      initial=Department.PayFrequency.MONTHLY)
    leave_year_start_day = forms.IntegerField(label="Leave year starts: day", min_value=1, max_value=31, initial=1,
                                              error_messages={"required": "Enter the day the leave year starts"})
    leave_year_start_month = forms.TypedChoiceField(label="Leave year starts: month", choices=MONTHS, coerce=int,
                                                    initial=4)
    hr_admin_name = forms.CharField(label="First HR admin: full name", max_length=200, required=False)
    hr_admin_email = forms.EmailField(label="First HR admin: e-mail address",
                                      error_messages={"required": "Enter the first HR admin's e-mail address",
                                                      "invalid": "Enter an e-mail address like name@example.gov.uk"})

    SETTINGS = ("slug", "name", "employer_paye_reference", "accounts_office_reference", "bacs_service_user_number",
                "pay_frequency", "leave_year_start_month", "leave_year_start_day")

    def settings(self) -> dict[str, object]:
        return {name: self.cleaned_data[name] for name in self.SETTINGS}


ROLE_CHOICES = [("", "Choose a role"), *Role.choices]


class RoleGrantForm(forms.Form):
    """An HR admin gives a person in the department a role, for a period, with a reason."""

    email = forms.EmailField(label="E-mail address", error_messages={
        "required": "Enter the person's e-mail address", "invalid": "Enter an e-mail address like name@example.gov.uk"})
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES, error_messages={"required": "Choose a role"})
    valid_from = GovUKDateField(label="First day", required=False)
    valid_to = GovUKDateField(label="Last day", required=False)
    reason = forms.CharField(label="Reason", max_length=300, error_messages={
        "required": "Say why the role is being granted",
        "max_length": "The reason must be 300 characters or fewer"})


class RoleChangeForm(forms.Form):
    valid_from = GovUKDateField(label="First day", error_messages={"required": "Enter the first day"})
    valid_to = GovUKDateField(label="Last day", required=False)
    reason = forms.CharField(label="Reason for the change", max_length=300,
                             error_messages={"required": "Say why the dates are changing"})


class ReasonForm(forms.Form):
    """A reason, and nothing else: ending a role or an assignment, refusing a request."""

    reason = forms.CharField(label="Reason", max_length=300, error_messages={"required": "Give a reason"})


class RoleConflictForm(forms.Form):
    role_a = forms.ChoiceField(label="First role", choices=ROLE_CHOICES, error_messages={"required": "Choose a role"})
    role_b = forms.ChoiceField(label="Second role", choices=ROLE_CHOICES,
                               error_messages={"required": "Choose a role"})
    handling = forms.ChoiceField(label="When someone holding one is granted the other",
                                 choices=RoleConflict.Handling.choices, initial=RoleConflict.Handling.SECOND_APPROVAL,
                                 widget=forms.RadioSelect)


class OperatorAssignmentForm(forms.Form):
    """A platform administrator assigns an operator to a department for a time-boxed period."""

    operator = forms.ModelChoiceField(label="Operator", queryset=User.objects.none(),
                                      empty_label="Choose an operator",
                                      error_messages={"required": "Choose an operator"})
    department = forms.ModelChoiceField(label="Department", queryset=Department.objects.filter(is_active=True),
                                        empty_label="Choose a department",
                                        error_messages={"required": "Choose a department"})
    role = forms.ChoiceField(label="Role in the department", choices=ROLE_CHOICES,
                             error_messages={"required": "Choose a role"})
    kind = forms.ChoiceField(label="Kind of assignment", choices=OperatorAssignment.Kind.choices,
                             initial=OperatorAssignment.Kind.STANDARD, widget=forms.RadioSelect)
    valid_from = GovUKDateField(label="First day", required=False)
    valid_to = GovUKDateField(label="Last day", required=False)
    reason = forms.CharField(label="Reason", max_length=300,
                             error_messages={"required": "Say why the operator needs to serve this department"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["operator"].queryset = operators()  # type: ignore[attr-defined]


class DepartmentSettingsForm(forms.Form):
    """The settings a department's HR admins change themselves: the leave year and bank holidays."""

    leave_year_start_day = forms.IntegerField(
        label="Leave year starts: day", min_value=1, max_value=31,
        error_messages={"required": "Enter the day the leave year starts",
                        "invalid": "Enter the day the leave year starts as a number from 1 to 31",
                        "min_value": "Enter the day the leave year starts as a number from 1 to 31",
                        "max_value": "Enter the day the leave year starts as a number from 1 to 31"})
    leave_year_start_month = forms.TypedChoiceField(label="Leave year starts: month", choices=MONTHS, coerce=int,
                                                    error_messages={"required": "Choose the month the leave year "
                                                                                "starts"})
    bank_holiday_region = forms.ChoiceField(
        label="Whose bank holidays do the department's people have off?",
        choices=Department.BankHolidayRegion.choices,
        error_messages={"required": "Choose whose bank holidays the department's people have off",
                        "invalid_choice": "Choose England and Wales, Scotland or Northern Ireland"})
