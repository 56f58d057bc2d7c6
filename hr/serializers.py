"""Serializers the HR API's operations share: the records they answer with, and employment terms.

Sensitive fields are masked by ``hr.visibility`` for callers without ``hr:sensitive``; codes and
payroll numbers name records, resolved within the department.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hr import selectors
from hr.models import Employee, Employment
from hr.models.organisation import Location
from hr.visibility import MASK, SENSITIVE_EMPLOYEE_FIELDS, SENSITIVE_EMPLOYMENT_FIELDS, visible

MASK_NOTE = f"'{MASK}' without the hr:sensitive scope."


def by_code(queryset: QuerySet[Any], noun: str, **kwargs: Any) -> serializers.SlugRelatedField:
    """A department's record named by its code (the queryset is scoped when it runs)."""
    return serializers.SlugRelatedField(
        slug_field="code", queryset=queryset,
        error_messages={"does_not_exist": f"This department has no {noun} with the code '{{value}}'."}, **kwargs,
    )


def by_payroll_number(**kwargs: Any) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="payroll_number", queryset=Employee.objects.all(),
        error_messages={"does_not_exist": "This department has no employee with the payroll number '{value}'."},
        **kwargs,
    )


# --- Shared output serializers ---------------------------------------------------------------------


class MaskedSerializer(serializers.Serializer):
    """Masks ``sensitive`` keys unless the context's ``scopes`` allow them (no scopes: masked)."""

    sensitive: ClassVar[frozenset[str]] = frozenset()

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        return visible(data, scopes=self.context.get("scopes", ()), sensitive=self.sensitive)


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string", "enum": [MASK]}], "nullable": True})
class MaskableIntegerField(serializers.IntegerField):
    """An integer that may be replaced by the mask (the schema says so)."""


class CodeNameSerializer(serializers.Serializer):
    class Meta:
        ref_name = "HrCodeName"

    code = serializers.CharField()
    name = serializers.CharField()


class EmployeeRefSerializer(serializers.Serializer):
    class Meta:
        ref_name = "HrEmployeeRef"

    payroll_number = serializers.CharField()
    name = serializers.CharField(source="display_name")


class EmploymentOutputSerializer(MaskedSerializer):
    """One version of an employee's employment; pay is masked without hr:sensitive."""

    sensitive = SENSITIVE_EMPLOYMENT_FIELDS

    class Meta:
        ref_name = "HrEmploymentOutput"

    id = serializers.IntegerField(help_text="The version id; corrections address it.")
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True, help_text="The last day; null until changed.")
    post_title = serializers.CharField()
    organisation_unit = CodeNameSerializer()
    grade = CodeNameSerializer()
    cost_centre = CodeNameSerializer()
    line_manager = EmployeeRefSerializer(allow_null=True)
    location = serializers.CharField()
    contract_type = serializers.CharField()
    working_pattern = serializers.CharField()
    fte = serializers.DecimalField(max_digits=5, decimal_places=4)
    contracted_hours = serializers.DecimalField(max_digits=5, decimal_places=2)
    annual_salary = serializers.CharField(help_text=f"Full-time annual salary in pounds, like '31500.00'; {MASK_NOTE}")
    pay_range_point = MaskableIntegerField(allow_null=True, help_text=f"Null when not on a point; {MASK_NOTE}")
    change_reason = serializers.CharField()


class EmployeeDetailOutputSerializer(MaskedSerializer):
    """An employee's personal record; identity, bank and birth date are masked without hr:sensitive."""

    sensitive = SENSITIVE_EMPLOYEE_FIELDS

    class Meta:
        ref_name = "HrEmployeeDetailOutput"

    payroll_number = serializers.CharField()
    name = serializers.CharField(source="display_name")
    title = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    preferred_name = serializers.CharField()
    date_of_birth = serializers.CharField(help_text=f"An ISO date; {MASK_NOTE}")
    ni_number = serializers.CharField(help_text=f"Masked to its last two characters; {MASK_NOTE}")
    sex = serializers.CharField()
    gender_identity = serializers.CharField()
    address_line_1 = serializers.CharField()
    address_line_2 = serializers.CharField()
    town = serializers.CharField()
    postcode = serializers.CharField()
    email = serializers.CharField()
    work_email = serializers.CharField(help_text="The address the employee signs in with; empty if none.")
    phone = serializers.CharField()
    bank_sort_code = serializers.CharField(help_text=MASK_NOTE)
    bank_account_number = serializers.CharField(help_text=MASK_NOTE)
    building_society_roll_number = serializers.CharField(help_text=MASK_NOTE)
    start_date = serializers.DateField()
    leave_date = serializers.DateField(allow_null=True)
    leave_reason = serializers.CharField()
    tax_code = serializers.CharField()
    tax_basis = serializers.CharField()
    ni_category = serializers.CharField()
    student_loans = serializers.ListField(child=serializers.CharField())
    pension_scheme = serializers.CharField()
    starter_declaration = serializers.CharField()
    previous_payroll_id = serializers.CharField()
    employment = serializers.SerializerMethodField(
        help_text="Today's employment; a future starter's first, a leaver's last. Null if none."
    )

    @extend_schema_field(EmploymentOutputSerializer(allow_null=True))
    def get_employment(self, employee: Employee) -> dict[str, Any] | None:
        # A caller that read the version with the employee (selectors.employee_with_employment_shown)
        # passes it in the context; otherwise it is read here.
        shown = self.context.get("employment_shown", {})
        version = shown[employee.pk] if employee.pk in shown else selectors.employment_shown(employee=employee)
        return EmploymentOutputSerializer(version, context=self.context).data if version else None


class OrganisationUnitOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "HrOrganisationUnitOutput"

    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    # A field named "parent" shadows Field.parent only for type checkers: DRF moves fields off the class.
    parent = serializers.CharField(  # type: ignore[assignment]
        source="parent.code", allow_null=True, help_text="The parent unit's code."
    )
    depth = serializers.IntegerField()
    is_active = serializers.BooleanField()


class PayRangeOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "HrPayRangeOutput"

    location = serializers.CharField()
    minimum = serializers.DecimalField(max_digits=14, decimal_places=2)
    maximum = serializers.DecimalField(max_digits=14, decimal_places=2)


class GradeOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "HrGradeOutput"

    code = serializers.CharField()
    name = serializers.CharField()
    rank = serializers.IntegerField()
    is_active = serializers.BooleanField()
    pay_ranges = PayRangeOutputSerializer(many=True, source="pay_ranges.all")


class LeaveRequestOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "HrLeaveRequest"

    id = serializers.IntegerField()
    employee = serializers.CharField(source="employee.payroll_number")
    leave_type = serializers.CharField(source="leave_type.code")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    hours = serializers.DecimalField(max_digits=7, decimal_places=2)
    status = serializers.CharField()
    reason = serializers.CharField()
    decision_note = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)


# --- Shared input serializers ----------------------------------------------------------------------


class EmploymentTermsInputSerializer(serializers.Serializer):
    """Employment fields, all optional (a change or correction sends only what changes)."""

    class Meta:
        ref_name = "HrEmploymentTermsInput"

    post_title = serializers.CharField(max_length=200, required=False)
    organisation_unit = by_code(selectors.organisation_units(), "organisation unit", required=False)
    grade = by_code(selectors.grades(), "grade", required=False)
    cost_centre = by_code(selectors.cost_centres(), "cost centre", required=False)
    line_manager = by_payroll_number(required=False, allow_null=True)
    location = serializers.ChoiceField(choices=Location.choices, required=False)
    annual_salary = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False,
                                             help_text="Full-time annual salary in pounds.")
    fte = serializers.DecimalField(max_digits=5, decimal_places=4, required=False)
    contracted_hours = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    contract_type = serializers.ChoiceField(choices=Employment.ContractType.choices, required=False)
    working_pattern = serializers.CharField(max_length=100, required=False, allow_blank=True)
    pay_range_point = serializers.IntegerField(min_value=0, required=False, allow_null=True)
