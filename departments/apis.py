from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from departments import selectors, services
from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, service_errors
from departments.audit_text import describe_events
from departments.models import ApiToken
from departments.roles import Scope


class DepartmentOutputSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, department: Any) -> str:
        request = self.context.get("request")
        path = f"/api/v1/departments/{department.slug}/"
        return request.build_absolute_uri(path) if request is not None else path


class ApiRootApi(APIView):
    """Where to start: the caller's identity, their departments, and the schema."""

    @extend_schema(operation_id="api_root", responses={200: dict})
    def get(self, request: Request) -> Response:
        def link(path: str) -> str:
            return request.build_absolute_uri(path)

        return Response(
            {
                "me": link("/api/v1/me/"),
                "departments": link("/api/v1/departments/"),
                "schema": link("/api/schema/"),
                "docs": link("/api/docs/"),
            }
        )


class MeApi(APIView):
    """Who the caller is, and how they reach departments."""

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MeOutput"

        email = serializers.EmailField()
        full_name = serializers.CharField()
        kind = serializers.CharField()
        api_token = serializers.DictField(allow_null=True)
        departments = DepartmentOutputSerializer(many=True)

    @extend_schema(responses=OutputSerializer, operation_id="me_retrieve")
    def get(self, request: Request) -> Response:
        api_token = request.auth if isinstance(request.auth, ApiToken) else None
        user = caller(request)
        data = {
            "email": user.email,
            "full_name": user.get_full_name(),
            "kind": user.kind,
            "api_token": (
                {"name": api_token.name, "department": api_token.department.slug, "scopes": api_token.scopes}
                if api_token
                else None
            ),
            "departments": list(selectors.departments_reachable_by(user=caller(request))),
        }
        return Response(self.OutputSerializer(data, context={"request": request}).data)


class DepartmentListApi(APIView):
    """The departments the caller can reach (a token reaches exactly one)."""

    @extend_schema(responses=DepartmentOutputSerializer(many=True), operation_id="departments_list")
    def get(self, request: Request) -> Response:
        departments = selectors.departments_reachable_by(user=caller(request))
        return Response(DepartmentOutputSerializer(departments, many=True, context={"request": request}).data)


class DepartmentDetailApi(DepartmentScopedApi):
    """One department's settings and headline figures."""

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "DepartmentDetailOutput"

        slug = serializers.SlugField()
        name = serializers.CharField()
        employer_paye_reference = serializers.CharField()
        accounts_office_reference = serializers.CharField()
        bacs_service_user_number = serializers.CharField()
        leave_year_start_month = serializers.IntegerField()
        leave_year_start_day = serializers.IntegerField()
        people_with_access = serializers.IntegerField()
        your_scopes = serializers.ListField(child=serializers.CharField())

    @extend_schema(responses=OutputSerializer, operation_id="department_retrieve")
    def get(self, request: Request, department_slug: str) -> Response:
        department = self.department
        data = {
            **{field: getattr(department, field) for field in (
                "slug", "name", "employer_paye_reference", "accounts_office_reference", "bacs_service_user_number",
                "leave_year_start_month", "leave_year_start_day")},
            "people_with_access": selectors.department_people_count(department=department),
            "your_scopes": sorted(self.department_access.scopes),
        }
        return Response(self.OutputSerializer(data).data)


class AuditEventListApi(DepartmentScopedApi):
    """The department's audit log, newest first, paged with ``limit`` and ``offset``; each event says
    in ``description`` what happened in plain English. Filters: ``actor`` (an email address),
    ``object_type``, ``object_id``, ``action``, ``occurred_from`` and ``occurred_to`` (inclusive days)."""

    required_scopes = {"GET": Scope.AUDIT_READ}

    class FilterSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AuditEventListFilter"

        actor = serializers.EmailField(required=False)
        object_type = serializers.CharField(required=False, max_length=80)
        object_id = serializers.CharField(required=False, max_length=64)
        action = serializers.CharField(required=False, max_length=80)
        occurred_from = serializers.DateField(required=False)
        occurred_to = serializers.DateField(required=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            start, end = attrs.get("occurred_from"), attrs.get("occurred_to")
            if start and end and end < start:
                raise serializers.ValidationError({"occurred_to": ["Must be the same as or after occurred_from."]})
            return attrs

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AuditEventListOutput"

        id = serializers.IntegerField()
        occurred_at = serializers.DateTimeField()
        actor = serializers.EmailField(source="actor.email", allow_null=True, default=None)
        api_token = serializers.CharField(source="api_token.name", allow_null=True, default=None)
        via_operator_assignment = serializers.IntegerField(source="operator_assignment_id", allow_null=True)
        action = serializers.CharField()
        description = serializers.SerializerMethodField()
        object_type = serializers.CharField()
        object_id = serializers.CharField()
        object_repr = serializers.CharField()
        changes = serializers.DictField()
        reason = serializers.CharField()
        request_id = serializers.CharField()

        def get_description(self, event: Any) -> str:
            return str(self.context.get("descriptions", {}).get(event.pk, ""))

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer(many=True),
                   operation_id="department_audit_events_list")
    def get(self, request: Request, department_slug: str) -> Response:
        wanted = self.FilterSerializer(data=request.query_params)
        wanted.is_valid(raise_exception=True)
        data = wanted.validated_data
        filters = selectors.AuditFilters(
            actor_email=data.get("actor", ""), object_type=data.get("object_type", ""),
            object_id=data.get("object_id", ""), action=data.get("action", ""),
            occurred_from=data.get("occurred_from"), occurred_to=data.get("occurred_to"))
        events = selectors.audit_events_filtered(department=self.department, filters=filters)
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(events, request, view=self) or []
        # Described a page at a time, so each object type's details take one query.
        descriptions = {item.event.pk: item.description for item in describe_events(page)}
        output = self.OutputSerializer(page, many=True, context={"request": request, "descriptions": descriptions})
        return paginator.get_paginated_response(output.data)


class ApiClientListApi(DepartmentScopedApi):
    """The department's API clients (never their secrets). Session users with api_clients:manage."""

    required_scopes = {"GET": Scope.API_CLIENTS_MANAGE}

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ApiClientListOutput"

        id = serializers.IntegerField()
        name = serializers.CharField()
        scopes = serializers.ListField(child=serializers.CharField())
        key_prefix = serializers.CharField()
        created_at = serializers.DateTimeField()
        last_used_at = serializers.DateTimeField(allow_null=True)
        revoked_at = serializers.DateTimeField(allow_null=True)

    @extend_schema(responses=OutputSerializer(many=True), operation_id="department_api_clients_list")
    def get(self, request: Request, department_slug: str) -> Response:
        api_tokens = selectors.department_api_tokens(department=self.department)
        return Response(self.OutputSerializer(api_tokens, many=True).data)


class ApiClientCreateApi(DepartmentScopedApi):
    """Create an API client bound to this department. The token is in the response, and only there."""

    required_scopes = {"POST": Scope.API_CLIENTS_MANAGE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ApiClientCreateInput"

        name = serializers.CharField(max_length=100)
        scopes = serializers.ListField(child=serializers.CharField(max_length=40), allow_empty=False)

    class OutputSerializer(ApiClientListApi.OutputSerializer):
        class Meta:
            ref_name = "ApiClientCreateOutput"

        token = serializers.CharField()

    @extend_schema(
        request=InputSerializer, responses={201: OutputSerializer}, operation_id="department_api_clients_create"
    )
    def post(self, request: Request, department_slug: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            api_token, raw = services.api_token_create(
                department=self.department,
                acting_user=caller(request),
                grantor_scopes=self.department_access.scopes,
                **serializer.validated_data,
            )
        data = {**ApiClientListApi.OutputSerializer(api_token).data, "token": raw}
        return Response(data, status=status.HTTP_201_CREATED)


class ApiClientRevokeApi(DepartmentScopedApi):
    """Revoke an API client; its token stops working at once. Revoking twice changes nothing."""

    required_scopes = {"POST": Scope.API_CLIENTS_MANAGE}

    @extend_schema(request=None, responses={200: ApiClientListApi.OutputSerializer},
                   operation_id="department_api_clients_revoke")
    def post(self, request: Request, department_slug: str, api_client_id: int) -> Response:
        api_token = selectors.department_api_tokens(department=self.department).filter(id=api_client_id).first()
        if api_token is None:
            raise exceptions.NotFound("This department has no API client with that id.")
        api_token = services.api_token_revoke(api_token=api_token, acting_user=caller(request))
        return Response(ApiClientListApi.OutputSerializer(api_token).data)
