"""The HR API for family leave, unauthorised absence, sick pay allowances and the department's
absence pay schemes.

Department-scoped, one operation per class, as ``hr.apis``: views validate, call one service or
selector, and serialize; a service's refusal is a 400 problem naming the field.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, service_errors
from departments.roles import Role, Scope
from hr import selectors, selectors_absence, services
from hr.models import AbsencePayScheme, FamilyLeave

TAGS = ["hr"]
# Kinds are plain strings in the schema (the service names a wrong one under "kind"), because an enum
# would share its component name with the other "kind" enums.
KIND_HELP = f"One of: {', '.join(FamilyLeave.Kind.values)}."


def _on(request: Request) -> datetime.date:
    try:
        on = datetime.date.fromisoformat(request.query_params.get("on") or timezone.localdate().isoformat())
    except ValueError:
        raise exceptions.ValidationError({"on": ["Enter a date like 2026-04-01."]}) from None
    if not datetime.date(1900, 1, 1) <= on <= datetime.date(2199, 12, 31):
        raise exceptions.ValidationError({"on": ["Enter a date between 1900 and 2199."]})
    return on


class FamilyLeaveOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "HrFamilyLeave"

    id = serializers.IntegerField()
    employee = serializers.CharField(source="employee.payroll_number")
    kind = serializers.CharField(help_text=KIND_HELP)
    status = serializers.CharField(help_text="requested (waiting for HR), confirmed (paid), or cancelled")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    expected_date = serializers.DateField(allow_null=True)
    matched_date = serializers.DateField(allow_null=True)
    event_date = serializers.DateField(allow_null=True)
    evidence_date = serializers.DateField(allow_null=True)
    evidence_received_on = serializers.DateField(allow_null=True)
    evidence_reference = serializers.CharField()
    statutory_weeks = serializers.IntegerField(allow_null=True)
    keeping_in_touch_days = serializers.ListField(child=serializers.DateField())
    note = serializers.CharField()
    requested_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)


class FamilyLeaveFieldsSerializer(serializers.Serializer):
    """The dates and evidence of a family leave; which are needed depends on the kind."""

    class Meta:
        ref_name = "HrFamilyLeaveFields"

    start_date = serializers.DateField()
    end_date = serializers.DateField()
    expected_date = serializers.DateField(required=False, allow_null=True, default=None,
                                          help_text="A day in the expected week of childbirth, or the expected "
                                                    "date of placement (adoption).")
    matched_date = serializers.DateField(required=False, allow_null=True, default=None,
                                         help_text="Adoption: the day the adopter was told of the match.")
    event_date = serializers.DateField(required=False, allow_null=True, default=None,
                                       help_text="Birth or placement; for bereavement, the date of death.")
    evidence_date = serializers.DateField(required=False, allow_null=True, default=None,
                                          help_text="The date on the MATB1 or the matching certificate.")
    evidence_received_on = serializers.DateField(required=False, allow_null=True, default=None)
    evidence_reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    statutory_weeks = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1,
                                               max_value=52)
    keeping_in_touch_days = serializers.ListField(child=serializers.DateField(), required=False, default=list,
                                                  max_length=20)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


# --- Family leave ----------------------------------------------------------------------------------


class FamilyLeaveListApi(DepartmentScopedApi):
    """An employee's family leave, latest first, cancelled included."""

    required_scopes = {"GET": Scope.HR_READ}

    @extend_schema(operation_id="hr_family_leaves_list", tags=TAGS, responses=FamilyLeaveOutputSerializer(many=True))
    def get(self, request: Request, department_slug: str, payroll_number: str) -> Response:
        employee = selectors.employee_get(payroll_number=payroll_number)
        leaves = selectors_absence.family_leaves_of(employee=employee)
        return Response(FamilyLeaveOutputSerializer(leaves, many=True).data)


class FamilyLeaveRecordApi(DepartmentScopedApi):
    """Record family leave as HR: confirmed at once, so payroll pays it."""

    required_scopes = {"POST": Scope.HR_WRITE}

    class InputSerializer(FamilyLeaveFieldsSerializer):
        class Meta:
            ref_name = "HrFamilyLeaveRecordInput"

        kind = serializers.CharField(max_length=30, help_text=KIND_HELP)

    @extend_schema(operation_id="hr_family_leaves_record", tags=TAGS, request=InputSerializer,
                   responses={201: FamilyLeaveOutputSerializer})
    def post(self, request: Request, department_slug: str, payroll_number: str) -> Response:
        employee = selectors.employee_get(payroll_number=payroll_number)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            leave = services.family_leave_record(employee=employee, acting_user=caller(request),
                                                 **serializer.validated_data)
        return Response(FamilyLeaveOutputSerializer(leave).data, status=status.HTTP_201_CREATED)


class FamilyLeaveDetailApi(DepartmentScopedApi):
    """One family leave."""

    required_scopes = {"GET": Scope.HR_READ}

    @extend_schema(operation_id="hr_family_leave_retrieve", tags=TAGS, responses=FamilyLeaveOutputSerializer)
    def get(self, request: Request, department_slug: str, leave_id: int) -> Response:
        return Response(FamilyLeaveOutputSerializer(selectors_absence.family_leave_get(leave_id=leave_id)).data)


class FamilyLeaveChangeApi(DepartmentScopedApi):
    """Change a requested or confirmed leave's dates, evidence, weeks or KIT days (only the fields sent)."""

    required_scopes = {"PATCH": Scope.HR_WRITE}

    class ChangeSerializer(FamilyLeaveFieldsSerializer):
        class Meta:
            ref_name = "HrFamilyLeaveChangeInput"

    @extend_schema(operation_id="hr_family_leave_change", tags=TAGS, request=ChangeSerializer,
                   responses={200: FamilyLeaveOutputSerializer})
    def patch(self, request: Request, department_slug: str, leave_id: int) -> Response:
        leave = selectors_absence.family_leave_get(leave_id=leave_id)
        serializer = self.ChangeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        sent = {name: value for name, value in serializer.validated_data.items() if name in request.data}
        with service_errors():
            leave = services.family_leave_change(leave=leave, changes=sent, acting_user=caller(request))
        return Response(FamilyLeaveOutputSerializer(leave).data)


class FamilyLeaveConfirmApi(DepartmentScopedApi):
    """Confirm a requested leave once the evidence is in hand; payroll pays it from then on."""

    required_scopes = {"POST": Scope.HR_WRITE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrFamilyLeaveConfirmInput"

        evidence_received_on = serializers.DateField(
            required=False, allow_null=True, default=None,
            help_text="When the MATB1 or matching certificate was received; needed for maternity and adoption.")

    @extend_schema(operation_id="hr_family_leave_confirm", tags=TAGS, request=InputSerializer,
                   responses={200: FamilyLeaveOutputSerializer})
    def post(self, request: Request, department_slug: str, leave_id: int) -> Response:
        leave = selectors_absence.family_leave_get(leave_id=leave_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            leave = services.family_leave_confirm(leave=leave, acting_user=caller(request),
                                                  **serializer.validated_data)
        return Response(FamilyLeaveOutputSerializer(leave).data)


class FamilyLeaveCancelApi(DepartmentScopedApi):
    """Cancel a requested or confirmed leave."""

    required_scopes = {"POST": Scope.HR_WRITE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrFamilyLeaveCancelInput"

        reason = serializers.CharField(max_length=300)

    @extend_schema(operation_id="hr_family_leave_cancel", tags=TAGS, request=InputSerializer,
                   responses={200: FamilyLeaveOutputSerializer})
    def post(self, request: Request, department_slug: str, leave_id: int) -> Response:
        leave = selectors_absence.family_leave_get(leave_id=leave_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            leave = services.family_leave_cancel(leave=leave, acting_user=caller(request),
                                                 reason=serializer.validated_data["reason"])
        return Response(FamilyLeaveOutputSerializer(leave).data)


# --- Unauthorised absence and sick pay -------------------------------------------------------------


class UnauthorisedAbsenceRecordApi(DepartmentScopedApi):
    """Record unauthorised absence: approved unpaid leave, so payroll stops pay for the days."""

    required_scopes = {"POST": Scope.HR_WRITE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrUnauthorisedAbsenceInput"

        start_date = serializers.DateField()
        end_date = serializers.DateField()
        hours = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=Decimal("0.01"), required=False,
                                         allow_null=True, default=None,
                                         help_text="Hours absent; the contracted hours of the weekdays if not given.")
        note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrUnauthorisedAbsence"

        id = serializers.IntegerField()
        employee = serializers.CharField(source="employee.payroll_number")
        leave_type = serializers.CharField(source="leave_type.code")
        start_date = serializers.DateField()
        end_date = serializers.DateField()
        hours = serializers.DecimalField(max_digits=7, decimal_places=2)
        status = serializers.CharField()
        note = serializers.CharField(source="reason")

    @extend_schema(operation_id="hr_unauthorised_absence_record", tags=TAGS, request=InputSerializer,
                   responses={201: OutputSerializer})
    def post(self, request: Request, department_slug: str, payroll_number: str) -> Response:
        employee = selectors.employee_get(payroll_number=payroll_number)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            absence = services.unauthorised_absence_record(employee=employee, acting_user=caller(request),
                                                           **serializer.validated_data)
        return Response(self.OutputSerializer(absence).data, status=status.HTTP_201_CREATED)


class SickPayAllowanceApi(DepartmentScopedApi):
    """The sick pay scheme's allowances for an employee on a day (``on``, default today): days
    allowed, used in the rolling period, and remaining, for each step."""

    required_scopes = {"GET": Scope.HR_READ}

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrSickPayAllowance"

        scheme = serializers.CharField(source="scheme.name")
        is_default = serializers.BooleanField(source="scheme.is_default")
        on = serializers.DateField()
        period_start = serializers.DateField(help_text="The first day of the rolling period counted.")
        qualifies = serializers.BooleanField(help_text="False when service is shorter than the scheme needs.")
        steps = serializers.SerializerMethodField()

        def get_steps(self, allowance: selectors_absence.SickPayAllowance) -> list[dict[str, Any]]:
            return [{"pay": step.pay, "allowed_days": step.allowed_days, "used_days": step.used_days,
                     "remaining_days": step.remaining_days} for step in allowance.steps]

    @extend_schema(operation_id="hr_sick_pay_allowance", tags=TAGS, parameters=[OpenApiParameter("on", str)],
                   responses=OutputSerializer)
    def get(self, request: Request, department_slug: str, payroll_number: str) -> Response:
        employee = selectors.employee_get(payroll_number=payroll_number)
        allowance = selectors_absence.sick_pay_allowance_for(employee=employee, on=_on(request))
        return Response(self.OutputSerializer(allowance).data)


# --- Absence pay schemes ---------------------------------------------------------------------------


class AbsencePaySchemeOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "HrAbsencePayScheme"

    kind = serializers.CharField(help_text=f"One of: {', '.join(AbsencePayScheme.Kind.values)}.")
    name = serializers.CharField()
    steps = serializers.ListField(child=serializers.DictField(),
                                  help_text='Like [{"pay": "full", "weeks": 26}] ({"pay": …, "days": n} for sickness).')
    rolling_period_days = serializers.IntegerField(allow_null=True)
    qualifying_service_weeks = serializers.IntegerField()
    is_default = serializers.BooleanField(help_text="True where the department has not set its own.")


def _hr_admin_only(view: DepartmentScopedApi) -> None:
    """A person changing the schemes must be an HR admin; a token needs only its hr:write scope."""
    access = view.department_access
    if access.api_token is None and Role.HR_ADMIN not in access.roles:
        raise exceptions.PermissionDenied("The absence pay schemes are changed by the department's HR admins.")


class AbsencePaySchemeListApi(DepartmentScopedApi):
    """Every kind's scheme in effect: the department's own, or the default."""

    required_scopes = {"GET": Scope.HR_READ}

    @extend_schema(operation_id="hr_absence_pay_schemes_list", tags=TAGS,
                   responses=AbsencePaySchemeOutputSerializer(many=True))
    def get(self, request: Request, department_slug: str) -> Response:
        schemes = selectors_absence.absence_pay_schemes()
        return Response(AbsencePaySchemeOutputSerializer(
            [schemes[kind] for kind in AbsencePayScheme.Kind.values], many=True).data)


class AbsencePaySchemeSetApi(DepartmentScopedApi):
    """Set the department's scheme for one kind (replacing its own or the default)."""

    required_scopes = {"PUT": Scope.HR_WRITE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrAbsencePaySchemeInput"

        name = serializers.CharField(max_length=100)
        steps = serializers.JSONField(help_text='Like [{"pay": "full", "weeks": 26}, {"pay": "statutory", '
                                                '"weeks": 13}], or {"pay": "full", "days": 183} for sickness.')
        rolling_period_days = serializers.IntegerField(required=False, allow_null=True, default=None,
                                                       help_text="Sickness only.")
        qualifying_service_weeks = serializers.IntegerField(required=False, default=0)

    @extend_schema(operation_id="hr_absence_pay_scheme_set", tags=TAGS, request=InputSerializer,
                   responses={200: AbsencePaySchemeOutputSerializer})
    def put(self, request: Request, department_slug: str, kind: str) -> Response:
        _hr_admin_only(self)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            services.absence_pay_scheme_set(department=self.department, kind=kind, acting_user=caller(request),
                                            **serializer.validated_data)
        return Response(AbsencePaySchemeOutputSerializer(selectors_absence.absence_pay_schemes()[kind]).data)


class AbsencePaySchemeResetApi(DepartmentScopedApi):
    """Go back to the default scheme for one kind."""

    required_scopes = {"DELETE": Scope.HR_WRITE}

    @extend_schema(operation_id="hr_absence_pay_scheme_reset", tags=TAGS, request=None,
                   responses={200: AbsencePaySchemeOutputSerializer})
    def delete(self, request: Request, department_slug: str, kind: str) -> Response:
        _hr_admin_only(self)
        with service_errors():
            services.absence_pay_scheme_reset(department=self.department, kind=kind, acting_user=caller(request))
        return Response(AbsencePaySchemeOutputSerializer(selectors_absence.absence_pay_schemes()[kind]).data)
