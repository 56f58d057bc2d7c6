from __future__ import annotations

import calendar

from django import forms

from departments.models import Department

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
