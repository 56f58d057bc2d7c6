"""The self-service API for leave and approval deputies: the caller's own leave requests and
balances, and the deputies they name (or deputise as), under ``/api/v1/me/departments/<slug>/``.

Every operation works on the caller's own employee record only: another employee's request or
delegation answers 404, as though it did not exist. The services are those the pages call.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response

from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, service_errors
from departments.roles import Scope
from hr import selectors, selectors_delegation, services
from hr.models import ApprovalDelegation, Employee, LeaveRequest
from hr.serializers import LeaveRequestOutputSerializer, by_code, by_payroll_number
from shared_services.core.problems import NotFound

TAGS = ["self-service"]


def _own_record(request: Request) -> Employee:
    """The caller's employee record in the department in context; 404 without one (an API
    client's token, or an account HR has not linked)."""
    employee = selectors.employee_of_user(user_id=request.user.pk) if request.user.is_authenticated else None
    if employee is None:
        raise NotFound("You have no employee record in this department.")
    return employee


def _own_leave_request(employee: Employee, request_id: int) -> LeaveRequest:
    leave_request = selectors.leave_requests_of(employee=employee).filter(pk=request_id).first()
    if leave_request is None:
        raise NotFound("You have no leave request with that id.")
    return leave_request


# --- Leave -----------------------------------------------------------------------------------------


class MyLeaveBalanceSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MeLeaveBalance"

    leave_type = serializers.CharField(source="leave_type.code")
    leave_type_name = serializers.CharField(source="leave_type.name")
    leave_year_start = serializers.DateField(source="year_start")
    entitled_hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    taken_hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    pending_hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    available_hours = serializers.DecimalField(max_digits=8, decimal_places=2,
                                               help_text="What can still be asked for: the balance less "
                                                         "requests not yet decided.")


class MyLeaveListApi(DepartmentScopedApi):
    """My leave requests, newest first (paged with ``limit`` and ``offset``), and my balance of each
    leave type with an entitlement for this leave year."""

    required_scopes = {"GET": Scope.SELF_SERVICE}

    @extend_schema(
        operation_id="me_leave_list", tags=TAGS,
        responses=inline_serializer("MeLeavePage", fields={
            "count": serializers.IntegerField(), "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": LeaveRequestOutputSerializer(many=True),
            "balances": MyLeaveBalanceSerializer(many=True),
        }),
    )
    def get(self, request: Request, department_slug: str) -> Response:
        employee = _own_record(request)
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(selectors.leave_requests_of(employee=employee), request, view=self)
        response = paginator.get_paginated_response(LeaveRequestOutputSerializer(page, many=True).data)
        with service_errors():
            balances = services.leave_balances_refresh(employee=employee, on=timezone.localdate())
        response.data["balances"] = MyLeaveBalanceSerializer(balances, many=True).data
        return response


class MyLeaveRequestApi(DepartmentScopedApi):
    """Ask for leave; it waits for my line manager (or their deputy), who is told by e-mail."""

    required_scopes = {"POST": Scope.SELF_SERVICE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MeLeaveRequestInput"

        leave_type = by_code(selectors.requestable_leave_types(), "leave type you can request",
                             help_text="A leave type's code, like ANNUAL.")
        start_date = serializers.DateField()
        end_date = serializers.DateField()
        hours = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=Decimal("0.25"),
                                         max_value=Decimal("2000"), help_text="Working hours away.")
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="",
                                       help_text="A note for the line manager.")

    @extend_schema(operation_id="me_leave_request", tags=TAGS, request=InputSerializer,
                   responses={201: LeaveRequestOutputSerializer})
    def post(self, request: Request, department_slug: str) -> Response:
        employee = _own_record(request)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            leave_request = services.leave_request_create(employee=employee, acting_user=caller(request),
                                                          **serializer.validated_data)
        return Response(LeaveRequestOutputSerializer(leave_request).data, status=status.HTTP_201_CREATED)


class MyLeaveDetailApi(DepartmentScopedApi):
    """One of my leave requests."""

    required_scopes = {"GET": Scope.SELF_SERVICE}

    @extend_schema(operation_id="me_leave_retrieve", tags=TAGS, responses=LeaveRequestOutputSerializer)
    def get(self, request: Request, department_slug: str, request_id: int) -> Response:
        leave_request = _own_leave_request(_own_record(request), request_id)
        return Response(LeaveRequestOutputSerializer(leave_request).data)


class MyLeaveCancelApi(DepartmentScopedApi):
    """Withdraw one of my waiting or approved requests before the leave starts (after that, HR
    changes it)."""

    required_scopes = {"POST": Scope.SELF_SERVICE}

    @extend_schema(operation_id="me_leave_cancel", tags=TAGS, request=None,
                   responses={200: LeaveRequestOutputSerializer})
    def post(self, request: Request, department_slug: str, request_id: int) -> Response:
        leave_request = _own_leave_request(_own_record(request), request_id)
        with service_errors():
            leave_request = services.leave_request_cancel(request=leave_request, acting_user=caller(request),
                                                          as_employee=True)
        return Response(LeaveRequestOutputSerializer(leave_request).data)


# --- Approval deputies -----------------------------------------------------------------------------


class PersonSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MePerson"

    payroll_number = serializers.CharField()
    name = serializers.CharField(source="display_name")


def _state(delegation: ApprovalDelegation, today: datetime.date) -> str:
    if delegation.cancelled_at is not None:
        return "cancelled"
    if delegation.ends_on < today:
        return "ended"
    return "planned" if delegation.starts_on > today else "running"


class DelegationOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MeDelegation"

    id = serializers.IntegerField()
    role = serializers.SerializerMethodField(help_text="'manager' for a deputy I named; 'deputy' when I am "
                                                       "the deputy.")
    manager = PersonSerializer()
    deputy = PersonSerializer()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    note = serializers.CharField()
    state = serializers.SerializerMethodField(help_text="planned, running, ended or cancelled.")
    cancelled_at = serializers.DateTimeField(allow_null=True)

    def get_role(self, delegation: ApprovalDelegation) -> str:
        return "manager" if delegation.manager_id == self.context["employee"].pk else "deputy"  # type: ignore[attr-defined]

    def get_state(self, delegation: ApprovalDelegation) -> str:
        return _state(delegation, self.context["today"])


def _delegation_context(employee: Employee) -> dict[str, Any]:
    return {"employee": employee, "today": timezone.localdate()}


class MyDelegationListApi(DepartmentScopedApi):
    """The deputies I have named, and the managers who named me, latest first."""

    required_scopes = {"GET": Scope.SELF_SERVICE}

    @extend_schema(operation_id="me_deputies_list", tags=TAGS, responses=DelegationOutputSerializer(many=True))
    def get(self, request: Request, department_slug: str) -> Response:
        employee = _own_record(request)
        rows = [*selectors_delegation.delegations_of(manager=employee)[:100],
                *selectors_delegation.delegations_held_by(deputy=employee)[:100]]
        rows.sort(key=lambda delegation: (delegation.starts_on, delegation.pk), reverse=True)
        return Response(DelegationOutputSerializer(rows, many=True, context=_delegation_context(employee)).data)


class MyDelegationCreateApi(DepartmentScopedApi):
    """Name a deputy, who decides what waits for me (leave, expense claims) on the days given.

    Refused for someone who is not a line manager, a deputy who is myself, cannot sign in, has
    left or reports to me, days in the past, more than a year, or overlapping another of my
    delegations."""

    required_scopes = {"POST": Scope.SELF_SERVICE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MeDelegationInput"

        deputy = by_payroll_number(help_text="The deputy's payroll number.")
        starts_on = serializers.DateField(help_text="The first day, today or later.")
        ends_on = serializers.DateField(help_text="The last day, within a year of the first.")
        note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    @extend_schema(operation_id="me_deputies_create", tags=TAGS, request=InputSerializer,
                   responses={201: DelegationOutputSerializer})
    def post(self, request: Request, department_slug: str) -> Response:
        employee = _own_record(request)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors(rename={"manager": "non_field_errors"}):
            delegation = services.approval_delegation_create(manager=employee, acting_user=caller(request),
                                                             **serializer.validated_data)
        return Response(DelegationOutputSerializer(delegation, context=_delegation_context(employee)).data,
                        status=status.HTTP_201_CREATED)


class MyDelegationCancelApi(DepartmentScopedApi):
    """End a delegation I made, now; one I am the deputy of, or anyone else's, is not found."""

    required_scopes = {"POST": Scope.SELF_SERVICE}

    @extend_schema(operation_id="me_deputies_cancel", tags=TAGS, request=None,
                   responses={200: DelegationOutputSerializer})
    def post(self, request: Request, department_slug: str, delegation_id: int) -> Response:
        employee = _own_record(request)
        delegation = selectors_delegation.delegation_get(delegation_id=delegation_id, manager=employee)
        with service_errors():
            delegation = services.approval_delegation_cancel(delegation=delegation, acting_user=caller(request))
        return Response(DelegationOutputSerializer(delegation, context=_delegation_context(employee)).data)
