"""Forms for the HR pages: they parse what a person typed; the services decide what is allowed.

Messages follow the GOV.UK Design System ("Enter …", "… must be a real date"). A service's
``ValidationError`` is shown on the same form with ``add_service_errors`` (``shared_services.core.forms``).
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from hr import selectors
from hr.models import Employee, Employment
from hr.models.organisation import Location
from hr.selectors import EmployeeStatus
from shared_services.core.forms import GovUKDateField, MoneyField

# --- Fields ---------------------------------------------------------------------------


def _decimal(label: str, *, required: bool = True, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, widget=forms.TextInput, **kwargs,
        error_messages={"required": f"Enter the {label.lower()}", "invalid": f"Enter the {label.lower()} as a number"},
    )


def _text(label: str, *, required: bool = True, max_length: int = 100, **widget_attrs: str) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=max_length,
        widget=forms.TextInput(attrs=widget_attrs) if widget_attrs else forms.TextInput,
        error_messages={
            "required": f"Enter the {label[0].lower() + label[1:]}",
            "max_length": f"{label} must be {max_length} characters or fewer",
        },
    )


def _unit_label(*, code: str, name: str, depth: int) -> str:
    return f"{'– ' * depth}{name} ({code})"


def _grade_label(*, code: str, name: str) -> str:
    return f"{code}: {name}"


def _cost_centre_label(*, code: str, name: str) -> str:
    return f"{code} {name}"


class UnitChoiceField(forms.ModelChoiceField):
    """Organisation units, indented by depth so the select reads as the tree."""

    def label_from_instance(self, obj: Any) -> str:
        return _unit_label(code=obj.code, name=obj.name, depth=obj.depth)


class GradeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _grade_label(code=obj.code, name=obj.name)


class CostCentreChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _cost_centre_label(code=obj.code, name=obj.name)


def _choice(label: str, queryset: Any = None, *, required: bool = True, empty_label: str | None = None,
            field_class: type[forms.ModelChoiceField] = forms.ModelChoiceField) -> forms.ModelChoiceField:
    return field_class(
        queryset=queryset, label=label, required=required, to_field_name="code",
        empty_label=empty_label if empty_label is not None else f"Choose the {label.lower()}",
        error_messages={"required": f"Choose the {label.lower()}",
                        "invalid_choice": f"Choose a {label.lower()} from the list"},
    )


def _line_manager_field() -> forms.CharField:
    return _text("Line manager's payroll number", required=False, max_length=20, spellcheck="false")


def _clean_line_manager(value: str) -> Employee | None:
    if not value:
        return None
    manager = selectors.employee_find(payroll_number=value.strip())
    if manager is None:
        raise ValidationError(f"There is no employee with payroll number {value.strip()}")
    return manager


def _scope_choices(form: forms.Form, *, active_only: bool = True) -> None:
    """Point the organisation choices at the department in context (set per request, never at import)."""
    units, grades, centres = selectors.organisation_units(), selectors.grades(), selectors.cost_centres()
    if active_only:
        units, grades, centres = units.filter(is_active=True), grades.filter(is_active=True), \
            centres.filter(is_active=True)
    for name, queryset in (("organisation_unit", units), ("grade", grades), ("cost_centre", centres)):
        form.fields[name].queryset = queryset  # type: ignore[attr-defined]


class WorkingPatternField(forms.ChoiceField):
    """The department's working patterns, by name (employments keep the name, so records and
    imports naming a pattern the department does not keep stay valid). A department that keeps no
    patterns takes the pattern as free text, as before patterns could be kept."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid_choice": "Choose one of the department's working patterns"})
        super().__init__(*args, **kwargs)
        self.free_text = True

    def valid_value(self, value: str) -> bool:
        return self.free_text or super().valid_value(value)


def _scope_working_patterns(form: forms.Form, *, blank_label: str) -> None:
    """Offer the department's patterns in use (set per request, never at import)."""
    field = form.fields["working_pattern"]
    assert isinstance(field, WorkingPatternField)
    names = list(selectors.working_patterns(active_only=True).values_list("name", flat=True))
    field.free_text = not names
    field.choices = [("", blank_label), *((name, name) for name in names)]


# --- Employee list filters ------------------------------------------------------------------------


class EmployeeFilterForm(forms.Form):
    STATUS_CHOICES = [
        (EmployeeStatus.CURRENT, "Current staff"),
        (EmployeeStatus.STARTING, "Starting soon"),
        (EmployeeStatus.LEAVERS, "Leavers"),
    ]

    search = forms.CharField(label="Name, payroll number or post", required=False, max_length=100)
    status = forms.ChoiceField(label="Status", choices=STATUS_CHOICES, required=False,
                               error_messages={"invalid_choice": "Choose a status from the list"})
    organisation_unit = _choice("Organisation unit", required=False, empty_label="All units",
                                field_class=UnitChoiceField)
    grade = _choice("Grade", required=False, empty_label="All grades", field_class=GradeChoiceField)
    cost_centre = _choice("Cost centre", required=False, empty_label="All cost centres",
                          field_class=CostCentreChoiceField)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scope_choices(self, active_only=False)

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for ``selectors.employee_list``; a value that did not validate is left out."""
        cleaned = getattr(self, "cleaned_data", {})
        return {
            "status": cleaned.get("status") or EmployeeStatus.CURRENT,
            "search": cleaned.get("search", ""),
            "organisation_unit": cleaned.get("organisation_unit"),
            "grade": cleaned.get("grade"),
            "cost_centre": cleaned.get("cost_centre"),
        }

    @property
    def is_filtered(self) -> bool:
        filters = self.filters()
        return bool(filters["search"] or filters["organisation_unit"] or filters["grade"] or filters["cost_centre"])

    @cached_property
    def option_lists(self) -> dict[str, list[tuple[str, str, bool]]]:
        """Each select's options as (value, label, selected), read as plain values: ``includes/select.html``
        loops over them where a widget would build an object per option (a department can have
        hundreds of units and cost centres). Values, labels and selection match the fields' own."""
        choices = selectors.organisation_choices()
        labelled = {
            "status": [(value, str(label)) for value, label in self.STATUS_CHOICES],
            "organisation_unit": [(code, _unit_label(code=code, name=name, depth=depth))
                                  for code, name, depth in choices["organisation_unit"]],
            "grade": [(code, _grade_label(code=code, name=name)) for code, name, _ in choices["grade"]],
            "cost_centre": [(code, _cost_centre_label(code=code, name=name))
                            for code, name, _ in choices["cost_centre"]],
        }
        lists = {}
        for name, options in labelled.items():
            field = self.fields[name]
            if isinstance(field, forms.ModelChoiceField) and field.empty_label is not None:
                options.insert(0, ("", str(field.empty_label)))
            chosen = self[name].value()
            chosen = "" if chosen is None else str(chosen)
            lists[name] = [(value, label, value == chosen) for value, label in options]
        return lists


# --- Starters, movers, leavers --------------------------------------------------------------------

PERSONAL_FORM_FIELDS = (
    "payroll_number", "title", "first_name", "last_name", "preferred_name", "date_of_birth", "ni_number", "sex",
    "email", "work_email", "phone", "address_line_1", "address_line_2", "town", "postcode", "bank_sort_code",
    "bank_account_number", "start_date", "starter_declaration", "tax_code", "student_loans",
)
STUDENT_LOAN_CHOICES = (("plan1", "Plan 1"), ("plan2", "Plan 2"), ("plan4", "Plan 4 (Scotland)"),
                        ("plan5", "Plan 5"), ("pgl", "Postgraduate loan"))
TERMS_FORM_FIELDS = (
    "post_title", "organisation_unit", "grade", "cost_centre", "location", "annual_salary", "fte",
    "contracted_hours", "working_pattern", "contract_type", "line_manager",
)


class EmployeeHireForm(forms.Form):
    payroll_number = _text("Payroll number", max_length=20, spellcheck="false")
    title = _text("Title", required=False, max_length=20)
    first_name = _text("First name", autocomplete="off", spellcheck="false")
    last_name = _text("Last name", autocomplete="off", spellcheck="false")
    preferred_name = _text("Preferred first name", required=False, spellcheck="false")
    date_of_birth = GovUKDateField(label="Date of birth", error_messages={"required": "Enter the date of birth"})
    ni_number = _text("National Insurance number", required=False, max_length=13, spellcheck="false")
    sex = forms.ChoiceField(label="Sex, as recorded with HMRC", choices=Employee.Sex.choices, widget=forms.RadioSelect,
                            error_messages={"required": "Choose the sex recorded with HMRC"})
    email = forms.EmailField(label="E-mail address", required=False, max_length=254,
                             widget=forms.EmailInput(attrs={"spellcheck": "false"}),
                             error_messages={"invalid": "Enter an e-mail address in the correct format, "
                                                        "like name@example.gov.uk"})
    work_email = forms.EmailField(label="Work e-mail address", required=False, max_length=254,
                                  widget=forms.EmailInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
                                  error_messages={"invalid": "Enter a work e-mail address in the correct format, "
                                                             "like name@justice.gov.uk"})
    phone = _text("Phone number", required=False, max_length=30)
    address_line_1 = _text("Address line 1", required=False, max_length=200)
    address_line_2 = _text("Address line 2", required=False, max_length=200)
    town = _text("Town or city", required=False)
    postcode = _text("Postcode", required=False, max_length=10)
    bank_sort_code = _text("Sort code", required=False, max_length=8)
    bank_account_number = _text("Account number", required=False, max_length=10)
    start_date = GovUKDateField(label="Start date", error_messages={"required": "Enter the start date"})
    # The starter's tax: a P45's code, or else their starter checklist statement; the hire service
    # turns the statement into the code HMRC's rules give.
    starter_declaration = forms.ChoiceField(label="Starter checklist statement", required=False,
                                            choices=Employee.StarterDeclaration.choices, widget=forms.RadioSelect)
    tax_code = _text("Tax code from their P45", required=False, max_length=12, spellcheck="false")
    student_loans = forms.MultipleChoiceField(label="Student loans they are repaying", required=False,
                                              choices=STUDENT_LOAN_CHOICES, widget=forms.CheckboxSelectMultiple)
    post_title = _text("Post title", max_length=200)
    organisation_unit = _choice("Organisation unit", field_class=UnitChoiceField)
    grade = _choice("Grade", field_class=GradeChoiceField)
    cost_centre = _choice("Cost centre", field_class=CostCentreChoiceField)
    location = forms.ChoiceField(label="Pay location", choices=Location.choices, initial=Location.NATIONAL)
    annual_salary = MoneyField(label="Full-time annual salary", max_digits=14, decimal_places=2, min_value=0,
                               error_messages={"required": "Enter the full-time annual salary",
                                               "invalid": "Enter the salary as a number, like 30000",
                                               "min_value": "The salary cannot be negative"})
    fte = _decimal("Full-time equivalent", max_digits=5, decimal_places=4, initial=Decimal("1"))
    contracted_hours = _decimal("Contracted hours a week", max_digits=5, decimal_places=2, initial=Decimal("37"))
    working_pattern = WorkingPatternField(label="Working pattern", required=False)
    contract_type = forms.ChoiceField(label="Contract type", choices=Employment.ContractType.choices,
                                      initial=Employment.ContractType.PERMANENT)
    line_manager = _line_manager_field()
    salary_override_reason = _text("Reason for a salary outside the pay range", required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scope_choices(self)
        _scope_working_patterns(self, blank_label="Choose a working pattern")

    def clean_line_manager(self) -> Employee | None:
        return _clean_line_manager(self.cleaned_data["line_manager"])

    def personal(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in PERSONAL_FORM_FIELDS}

    def terms(self) -> dict[str, Any]:
        terms = {name: self.cleaned_data[name] for name in TERMS_FORM_FIELDS}
        if not terms["working_pattern"]:
            del terms["working_pattern"]  # the model's default applies
        return terms


class EmploymentChangeForm(forms.Form):
    """A dated change: only the fields filled in change; the rest carry on as they are."""

    effective_from = GovUKDateField(label="Date the change takes effect",
                                    error_messages={"required": "Enter the date the change takes effect"})
    post_title = _text("Post title", required=False, max_length=200)
    organisation_unit = _choice("Organisation unit", required=False, empty_label="No change",
                                field_class=UnitChoiceField)
    grade = _choice("Grade", required=False, empty_label="No change", field_class=GradeChoiceField)
    cost_centre = _choice("Cost centre", required=False, empty_label="No change", field_class=CostCentreChoiceField)
    location = forms.ChoiceField(label="Pay location", choices=[("", "No change"), *Location.choices], required=False)
    annual_salary = MoneyField(label="Full-time annual salary", required=False, max_digits=14, decimal_places=2,
                               min_value=0, error_messages={"invalid": "Enter the salary as a number, like 30000",
                                                            "min_value": "The salary cannot be negative"})
    fte = _decimal("Full-time equivalent", required=False, max_digits=5, decimal_places=4)
    contracted_hours = _decimal("Contracted hours a week", required=False, max_digits=5, decimal_places=2)
    working_pattern = WorkingPatternField(label="Working pattern", required=False)
    contract_type = forms.ChoiceField(label="Contract type", required=False,
                                      choices=[("", "No change"), *Employment.ContractType.choices])
    line_manager = _line_manager_field()
    reason = _text("Reason for the change", max_length=200)
    salary_override_reason = _text("Reason for a salary outside the pay range", required=False, max_length=200)
    when_period_locked = forms.ChoiceField(
        label="If the date falls in a pay period whose pay run is already open",
        choices=[("refuse", "Do not save the change, so I can talk to payroll"),
                 ("next_period", "Make the change from the start of the next pay period")],
        initial="refuse", required=False)

    CHANGE_FIELDS = TERMS_FORM_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scope_choices(self)
        _scope_working_patterns(self, blank_label="No change")

    def clean_line_manager(self) -> Employee | None:
        return _clean_line_manager(self.cleaned_data["line_manager"])

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.CHANGE_FIELDS
                if self.cleaned_data.get(name) not in (None, "")}


class EmployeeLeaveForm(forms.Form):
    leave_date = GovUKDateField(label="Last working day", error_messages={"required": "Enter the last working day"})
    leave_reason = forms.ChoiceField(label="Reason for leaving", choices=Employee.LeaveReason.choices,
                                     widget=forms.RadioSelect,
                                     error_messages={"required": "Choose the reason for leaving"})



# --- Self-service ---------------------------------------------------------------------------------

class LeaveRequestForm(forms.Form):
    """An employee asks for leave; the service checks the dates, overlaps and the balance."""

    leave_type = _choice("Type of leave")
    start_date = GovUKDateField(label="First day of leave", error_messages={"required": "Enter the first day of leave"})
    end_date = GovUKDateField(label="Last day of leave", error_messages={"required": "Enter the last day of leave"})
    hours = _decimal("Hours of leave", min_value=Decimal("0.25"), max_value=Decimal("2000"), decimal_places=2)
    reason = _text("Note for your manager (optional)", required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leave_type"].queryset = selectors.requestable_leave_types()  # type: ignore[attr-defined]
        hours = self.fields["hours"]
        hours.error_messages.update({
            "min_value": "Hours of leave must be at least 0.25",
            "max_value": "Hours of leave must be 2,000 or fewer",
            "max_decimal_places": "Enter hours of leave to no more than 2 decimal places, like 7.5",
        })

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The last day of leave must be on or after the first day")
        return cleaned
