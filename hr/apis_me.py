"""The self-service API for the caller's own details, under ``/api/v1/me/departments/<slug>/``.

The same services as the pages: contact details are changed directly, name, date of birth and NI
number by a request to HR with evidence. The caller's employee record is the one linked to their
sign-in; everything is looked up from it, so another employee's request id is not found.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, page_of, paginated, service_errors
from departments.roles import Scope
from hr import selectors, selectors_self_service
from hr.models import DetailChangeRequest, Employee
from hr.services.self_service import (
    HR_DECIDED_FIELDS,
    SELF_SERVICE_FIELDS,
    detail_change_request_create,
    detail_change_request_withdraw,
    employee_personal_details_change,
)
from hr.visibility import MASK
from shared_services.core.problems import NotFound

TAGS = ["me"]
NO_RECORD = "Your sign-in is not linked to an employee record in this department."


def _ni_number_ending(value: str) -> str:
    return MASK + value[-3:] if value else ""


class OwnRecordApiMixin:
    """The caller's own employee record in the department in context, or a 404."""

    def own_employee(self, request: Request) -> Employee:
        own = selectors.employee_of_user(user_id=caller(request).pk)
        if own is None:
            raise NotFound(NO_RECORD)
        return own

    def own_request(self, request: Request, request_id: int) -> DetailChangeRequest:
        return selectors_self_service.detail_change_request_of(employee=self.own_employee(request),
                                                               request_id=request_id)


def _with_unknown(data: Any, known: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    """The validated values plus any field the operation does not take, which the service names in
    its refusal (so a caller learns, say, that a name change needs a request with evidence)."""
    unknown = {name: data.get(name) for name in data if name not in fields}
    return {**unknown, **known}


class MyDetailsOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MeDetails"

    payroll_number = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    preferred_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    ni_number = serializers.SerializerMethodField(help_text="Only the last three characters are shown.")
    address_line_1 = serializers.CharField()
    address_line_2 = serializers.CharField()
    town = serializers.CharField()
    postcode = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField(help_text="The personal e-mail address (not the one used to sign in).")
    emergency_contact_name = serializers.CharField()
    emergency_contact_relationship = serializers.CharField()
    emergency_contact_phone = serializers.CharField()
    changeable_fields = serializers.SerializerMethodField(
        help_text="Fields the employee changes directly, with PATCH on this address.")
    requestable_fields = serializers.SerializerMethodField(
        help_text="Fields HR changes: ask with a request and evidence (change-requests/).")
    fields_waiting_for_hr = serializers.SerializerMethodField(
        help_text="Fields with a request waiting for HR's decision.")

    def get_ni_number(self, employee: Employee) -> str:
        return _ni_number_ending(employee.ni_number)

    def get_changeable_fields(self, employee: Employee) -> list[str]:
        return list(SELF_SERVICE_FIELDS)

    def get_requestable_fields(self, employee: Employee) -> list[str]:
        return list(HR_DECIDED_FIELDS)

    def get_fields_waiting_for_hr(self, employee: Employee) -> list[str]:
        return sorted(selectors_self_service.pending_fields_of(employee=employee))


class DetailChangeRequestOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MeDetailChangeRequest"

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=DetailChangeRequest.Status.choices)
    requested = serializers.DictField(child=serializers.CharField(),
                                      help_text="The values asked for, by field name (dates as ISO dates).")
    current = serializers.SerializerMethodField(
        help_text="The values held when asked, by field name; the NI number shows its last three characters.")
    reason = serializers.CharField()
    evidence_name = serializers.CharField(help_text="The name of the file sent as evidence.")
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField(help_text="HR's reason, when it rejected the request.")

    def get_current(self, change_request: DetailChangeRequest) -> dict[str, str]:
        return {name: _ni_number_ending(value) if name == "ni_number" else value
                for name, value in change_request.current.items()}


class MyDetailsApi(OwnRecordApiMixin, DepartmentScopedApi):
    """The caller's personal and contact details, and which of them they may change."""

    required_scopes = {"GET": Scope.SELF_SERVICE}

    @extend_schema(operation_id="me_details_retrieve", tags=TAGS, responses=MyDetailsOutputSerializer)
    def get(self, request: Request, department_slug: str) -> Response:
        return Response(MyDetailsOutputSerializer(self.own_employee(request)).data)


class MyDetailsChangeApi(OwnRecordApiMixin, DepartmentScopedApi):
    """Change contact details (address, phone, personal e-mail, emergency contact). Any other field
    is refused with a 400 naming it; name, date of birth and NI number need a change request."""

    required_scopes = {"PATCH": Scope.SELF_SERVICE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MeDetailsChangeInput"

        address_line_1 = serializers.CharField(required=False, allow_blank=True, max_length=200)
        address_line_2 = serializers.CharField(required=False, allow_blank=True, max_length=200)
        town = serializers.CharField(required=False, allow_blank=True, max_length=100)
        postcode = serializers.CharField(required=False, allow_blank=True, max_length=10)
        phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
        email = serializers.CharField(required=False, allow_blank=True, max_length=254,
                                      help_text="The personal e-mail address; the old one is told of the change.")
        emergency_contact_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
        emergency_contact_relationship = serializers.CharField(required=False, allow_blank=True, max_length=100)
        emergency_contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=30)

    @extend_schema(operation_id="me_details_change", tags=TAGS, request=InputSerializer,
                   responses=MyDetailsOutputSerializer)
    def patch(self, request: Request, department_slug: str) -> Response:
        if not isinstance(request.data, Mapping):
            raise exceptions.ValidationError({"non_field_errors": ["Send an object of the details to change."]})
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        employee = self.own_employee(request)
        changes = _with_unknown(request.data, serializer.validated_data, serializer.fields)
        with service_errors():
            employee = employee_personal_details_change(employee=employee, changes=changes,
                                                        acting_user=caller(request))
        return Response(MyDetailsOutputSerializer(employee).data)


class MyDetailChangeRequestListApi(OwnRecordApiMixin, DepartmentScopedApi):
    """The caller's requests to HR, newest first, paged with ``limit`` and ``offset``."""

    required_scopes = {"GET": Scope.SELF_SERVICE}

    @extend_schema(operation_id="me_detail_change_requests_list", tags=TAGS,
                   responses=page_of("MeDetailChangeRequestPage", DetailChangeRequestOutputSerializer(many=True)))
    def get(self, request: Request, department_slug: str) -> Response:
        requests = selectors_self_service.detail_change_requests_of(employee=self.own_employee(request))
        return paginated(request, self, requests, DetailChangeRequestOutputSerializer)


class MyDetailChangeRequestCreateApi(OwnRecordApiMixin, DepartmentScopedApi):
    """Ask HR to change name, date of birth or NI number (multipart, with the evidence as a PDF,
    JPEG or PNG of at most 10 MB). One request per field may wait at a time."""

    required_scopes = {"POST": Scope.SELF_SERVICE}
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MeDetailChangeRequestInput"

        first_name = serializers.CharField(required=False, max_length=100)
        last_name = serializers.CharField(required=False, max_length=100)
        date_of_birth = serializers.DateField(required=False)
        ni_number = serializers.CharField(required=False, max_length=13)
        reason = serializers.CharField(max_length=500, help_text="Why the details should change.")
        evidence = serializers.FileField(help_text="A PDF, JPEG or PNG that shows the change, at most 10 MB.",
                                         error_messages={"required": "Attach a file that shows the change."})

    @extend_schema(operation_id="me_detail_change_requests_create", tags=TAGS,
                   request={"multipart/form-data": InputSerializer},
                   responses={201: DetailChangeRequestOutputSerializer})
    def post(self, request: Request, department_slug: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason, evidence = data.pop("reason"), data.pop("evidence")
        employee = self.own_employee(request)
        changes = _with_unknown(request.data, data, serializer.fields)
        with service_errors():
            change_request = detail_change_request_create(employee=employee, changes=changes, reason=reason,
                                                          evidence=evidence, evidence_name=evidence.name,
                                                          acting_user=caller(request))
        return Response(DetailChangeRequestOutputSerializer(change_request).data, status=status.HTTP_201_CREATED)


class MyDetailChangeRequestDetailApi(OwnRecordApiMixin, DepartmentScopedApi):
    """One of the caller's requests; anyone else's is not found."""

    required_scopes = {"GET": Scope.SELF_SERVICE}

    @extend_schema(operation_id="me_detail_change_requests_retrieve", tags=TAGS,
                   responses=DetailChangeRequestOutputSerializer)
    def get(self, request: Request, department_slug: str, request_id: int) -> Response:
        return Response(DetailChangeRequestOutputSerializer(self.own_request(request, request_id)).data)


class MyDetailChangeRequestWithdrawApi(OwnRecordApiMixin, DepartmentScopedApi):
    """Withdraw one of the caller's requests that HR has not decided yet."""

    required_scopes = {"POST": Scope.SELF_SERVICE}

    @extend_schema(operation_id="me_detail_change_requests_withdraw", tags=TAGS, request=None,
                   responses=DetailChangeRequestOutputSerializer)
    def post(self, request: Request, department_slug: str, request_id: int) -> Response:
        change_request = self.own_request(request, request_id)
        with service_errors():
            change_request = detail_change_request_withdraw(change_request=change_request,
                                                            acting_user=caller(request))
        return Response(DetailChangeRequestOutputSerializer(change_request).data)
