"""The department's HR settings through the API: leave types with their entitlement policy, and
working patterns. Reads need ``hr:read``; changes ``settings:manage``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, routed_by_method, service_errors
from departments.roles import Scope
from hr import apis, selectors
from hr.models import LeavePolicy, LeaveType, WorkingPattern
from hr.models.working_patterns import WEEKDAYS
from hr.services.leave_types import leave_policy_set, leave_type_create, leave_type_update
from hr.services.working_patterns import working_pattern_create, working_pattern_update

TAGS = ["hr"]
HOURS_HELP = "Hours a year for a full-time employee, by completed years of service: [[0, \"187.50\"], [5, \"225.00\"]]."


class LeavePolicySerializer(serializers.Serializer):
    class Meta:
        ref_name = "HrLeavePolicy"

    hours_by_service = serializers.JSONField(help_text=HOURS_HELP)
    carry_over_cap_hours = serializers.DecimalField(max_digits=7, decimal_places=2)


class LeaveTypeDetailOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "HrLeaveTypeDetail"

    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    is_paid = serializers.BooleanField()
    uses_balance = serializers.BooleanField()
    is_active = serializers.BooleanField(help_text="False once retired: kept on records, offered for no new request.")
    policy = serializers.SerializerMethodField(help_text="The entitlement, for a type taken from a yearly balance.")

    @extend_schema_field(LeavePolicySerializer(allow_null=True))
    def get_policy(self, leave_type: LeaveType) -> dict[str, Any] | None:
        policy = LeavePolicy.objects.filter(leave_type=leave_type).first()
        return dict(LeavePolicySerializer(policy).data) if policy is not None else None


class LeaveTypeCreateApi(DepartmentScopedApi):
    """Add a leave type; one taken from a yearly balance starts with no hours until its policy is set."""

    required_scopes = {"POST": Scope.SETTINGS_MANAGE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrLeaveTypeCreateInput"

        code = serializers.CharField(max_length=30)
        name = serializers.CharField(max_length=100)
        kind = serializers.CharField(max_length=20, help_text=f"One of: {', '.join(LeaveType.Kind.values)}.")
        is_paid = serializers.BooleanField()
        uses_balance = serializers.BooleanField(default=False)

    @extend_schema(operation_id="hr_leave_types_create", tags=TAGS, request=InputSerializer,
                   responses={201: LeaveTypeDetailOutputSerializer})
    def post(self, request: Request, department_slug: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            leave_type = leave_type_create(department=self.department, acting_user=caller(request),
                                           **serializer.validated_data)
        return Response(LeaveTypeDetailOutputSerializer(leave_type).data, status=status.HTTP_201_CREATED)


# The list (``hr.apis.LeaveTypeListApi``) and the create share ``leave-types/``.
LeaveTypesApi = routed_by_method(apis.LeaveTypeListApi, LeaveTypeCreateApi)


class LeaveTypeDetailApi(DepartmentScopedApi):
    """One leave type, with its entitlement policy."""

    required_scopes = {"GET": Scope.HR_READ}

    @extend_schema(operation_id="hr_leave_type_get", tags=TAGS, responses={200: LeaveTypeDetailOutputSerializer})
    def get(self, request: Request, department_slug: str, code: str) -> Response:
        return Response(LeaveTypeDetailOutputSerializer(selectors.leave_type_get(code=code)).data)


class LeaveTypeUpdateApi(DepartmentScopedApi):
    """Change a leave type and, for one taken from a yearly balance, its policy; fields left out
    keep their value. Code and kind are fixed once leave has been requested or balanced under it."""

    required_scopes = {"PATCH": Scope.SETTINGS_MANAGE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HrLeaveTypeUpdateInput"

        code = serializers.CharField(max_length=30, required=False)
        name = serializers.CharField(max_length=100, required=False)
        kind = serializers.CharField(max_length=20, required=False,
                                     help_text=f"One of: {', '.join(LeaveType.Kind.values)}.")
        is_paid = serializers.BooleanField(required=False)
        uses_balance = serializers.BooleanField(required=False)
        is_active = serializers.BooleanField(required=False)
        policy = LeavePolicySerializer(required=False)

    @extend_schema(operation_id="hr_leave_type_update", tags=TAGS, request=InputSerializer,
                   responses={200: LeaveTypeDetailOutputSerializer})
    def patch(self, request: Request, department_slug: str, code: str) -> Response:
        leave_type = selectors.leave_type_get(code=code)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        policy = data.pop("policy", None)
        values = {"name": leave_type.name, "is_paid": leave_type.is_paid, "uses_balance": leave_type.uses_balance,
                  "is_active": leave_type.is_active, **data}
        with service_errors():
            leave_type = leave_type_update(leave_type=leave_type, acting_user=caller(request), **values)
        if policy is not None:
            with service_errors(nest_under="policy",
                                nested_fields=frozenset({"hours_by_service", "carry_over_cap_hours"})):
                leave_policy_set(leave_type=leave_type, acting_user=caller(request), **policy)
        return Response(LeaveTypeDetailOutputSerializer(leave_type).data)


LeaveTypeApi = routed_by_method(LeaveTypeDetailApi, LeaveTypeUpdateApi)


class WorkingPatternOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "HrWorkingPattern"

    id = serializers.IntegerField()
    name = serializers.CharField()
    monday_hours = serializers.DecimalField(max_digits=4, decimal_places=2)
    tuesday_hours = serializers.DecimalField(max_digits=4, decimal_places=2)
    wednesday_hours = serializers.DecimalField(max_digits=4, decimal_places=2)
    thursday_hours = serializers.DecimalField(max_digits=4, decimal_places=2)
    friday_hours = serializers.DecimalField(max_digits=4, decimal_places=2)
    saturday_hours = serializers.DecimalField(max_digits=4, decimal_places=2)
    sunday_hours = serializers.DecimalField(max_digits=4, decimal_places=2)
    weekly_hours = serializers.DecimalField(max_digits=5, decimal_places=2)
    is_active = serializers.BooleanField(help_text="False once withdrawn: not offered for new employments.")


class WorkingPatternInputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "HrWorkingPatternInput"

    name = serializers.CharField(max_length=100)
    monday_hours = serializers.DecimalField(max_digits=4, decimal_places=2, required=False)
    tuesday_hours = serializers.DecimalField(max_digits=4, decimal_places=2, required=False)
    wednesday_hours = serializers.DecimalField(max_digits=4, decimal_places=2, required=False)
    thursday_hours = serializers.DecimalField(max_digits=4, decimal_places=2, required=False)
    friday_hours = serializers.DecimalField(max_digits=4, decimal_places=2, required=False)
    saturday_hours = serializers.DecimalField(max_digits=4, decimal_places=2, required=False)
    sunday_hours = serializers.DecimalField(max_digits=4, decimal_places=2, required=False)


class WorkingPatternListApi(DepartmentScopedApi):
    """The department's working patterns, by name."""

    required_scopes = {"GET": Scope.HR_READ}

    @extend_schema(operation_id="hr_working_patterns_list", tags=TAGS,
                   responses={200: WorkingPatternOutputSerializer(many=True)})
    def get(self, request: Request, department_slug: str) -> Response:
        return Response(WorkingPatternOutputSerializer(selectors.working_patterns(), many=True).data)


class WorkingPatternCreateApi(DepartmentScopedApi):
    """Add a working pattern: hours for each day of the week (days left out are 0)."""

    required_scopes = {"POST": Scope.SETTINGS_MANAGE}

    @extend_schema(operation_id="hr_working_patterns_create", tags=TAGS, request=WorkingPatternInputSerializer,
                   responses={201: WorkingPatternOutputSerializer})
    def post(self, request: Request, department_slug: str) -> Response:
        serializer = WorkingPatternInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        with service_errors():
            pattern = working_pattern_create(department=self.department, name=data.pop("name"), hours=data,
                                             acting_user=caller(request))
        return Response(WorkingPatternOutputSerializer(pattern).data, status=status.HTTP_201_CREATED)


WorkingPatternsApi = routed_by_method(WorkingPatternListApi, WorkingPatternCreateApi)


class WorkingPatternDetailApi(DepartmentScopedApi):
    """One working pattern."""

    required_scopes = {"GET": Scope.HR_READ}

    @extend_schema(operation_id="hr_working_pattern_get", tags=TAGS, responses={200: WorkingPatternOutputSerializer})
    def get(self, request: Request, department_slug: str, pattern_id: int) -> Response:
        return Response(WorkingPatternOutputSerializer(selectors.working_pattern_get(pattern_id=pattern_id)).data)


class WorkingPatternUpdateApi(DepartmentScopedApi):
    """Change a working pattern's name, hours, or whether it is offered; fields left out keep their value."""

    required_scopes = {"PATCH": Scope.SETTINGS_MANAGE}

    class InputSerializer(WorkingPatternInputSerializer):
        class Meta:
            ref_name = "HrWorkingPatternUpdateInput"

        name = serializers.CharField(max_length=100, required=False)
        is_active = serializers.BooleanField(required=False)

    @extend_schema(operation_id="hr_working_pattern_update", tags=TAGS, request=InputSerializer,
                   responses={200: WorkingPatternOutputSerializer})
    def patch(self, request: Request, department_slug: str, pattern_id: int) -> Response:
        pattern: WorkingPattern = selectors.working_pattern_get(pattern_id=pattern_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        hours = {f"{day}_hours": data.get(f"{day}_hours", getattr(pattern, f"{day}_hours")) for day in WEEKDAYS}
        with service_errors():
            pattern = working_pattern_update(pattern=pattern, name=data.get("name", pattern.name), hours=hours,
                                             is_active=data.get("is_active", pattern.is_active),
                                             acting_user=caller(request))
        return Response(WorkingPatternOutputSerializer(pattern).data)


WorkingPatternApi = routed_by_method(WorkingPatternDetailApi, WorkingPatternUpdateApi)
