"""People's roles in a department through the API: list, grant, change and end (HR admins signed in;
API tokens never carry ``members:manage``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from departments import selectors, services
from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, page_of, paginated, routed_by_method, service_errors
from departments.models import DepartmentMembership, MembershipRequest
from departments.roles import Role, Scope


class MembershipOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MembershipOutput"

    id = serializers.IntegerField()
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    role = serializers.CharField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    # DRF takes declared fields off the class, so this "source" never shadows Field.source at run time.
    source = serializers.CharField()  # type: ignore[assignment]
    reason = serializers.CharField()
    granted_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)


class MembershipRequestOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MembershipRequestOutput"

    request_id = serializers.IntegerField(source="id")
    status = serializers.CharField()
    email = serializers.EmailField(source="user.email")
    role = serializers.CharField()
    conflicts_with = serializers.CharField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    reason = serializers.CharField()


class MemberListApi(DepartmentScopedApi):
    """Roles that give access now or later, with their dates and source, paged with ``limit`` and ``offset``."""

    required_scopes = {"GET": Scope.MEMBERS_READ}

    @extend_schema(responses=page_of("MembershipPage", MembershipOutputSerializer(many=True)),
                   operation_id="department_members_list")
    def get(self, request: Request, department_slug: str) -> Response:
        return paginated(request, self, selectors.department_roles_granted(department=self.department),
                         MembershipOutputSerializer)


class MemberGrantApi(DepartmentScopedApi):
    """Grant a role to a person already in the department. 201 with the role; 202 with a request when
    the role conflicts with one they hold and needs another HR admin's approval."""

    required_scopes = {"POST": Scope.MEMBERS_MANAGE}

    class GrantInputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MemberGrantInput"

        email = serializers.EmailField()
        role = serializers.ChoiceField(choices=Role.choices)
        valid_from = serializers.DateField(required=False, allow_null=True, default=None)
        valid_to = serializers.DateField(required=False, allow_null=True, default=None)
        reason = serializers.CharField(max_length=300)

    @extend_schema(request=GrantInputSerializer, operation_id="department_members_grant",
                   responses={201: MembershipOutputSerializer, 202: MembershipRequestOutputSerializer})
    def post(self, request: Request, department_slug: str) -> Response:
        serializer = self.GrantInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            outcome = services.role_grant(department=self.department, acting_user=caller(request),
                                          **serializer.validated_data)
        if isinstance(outcome, MembershipRequest):
            return Response(MembershipRequestOutputSerializer(outcome).data, status=status.HTTP_202_ACCEPTED)
        return Response(MembershipOutputSerializer(outcome).data, status=status.HTTP_201_CREATED)


MemberListGrantApi = routed_by_method(MemberListApi, MemberGrantApi)


def _membership(view: DepartmentScopedApi, membership_id: int) -> DepartmentMembership:
    membership = selectors.membership_get(department=view.department, membership_id=membership_id)
    if membership is None:
        raise exceptions.NotFound("This department has no role with that id.")
    return membership


class ReasonInputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MemberEndInput"

    reason = serializers.CharField(max_length=300)


class MemberRetrieveApi(DepartmentScopedApi):
    required_scopes = {"GET": Scope.MEMBERS_READ}

    @extend_schema(responses=MembershipOutputSerializer, operation_id="department_member_retrieve")
    def get(self, request: Request, department_slug: str, membership_id: int) -> Response:
        return Response(MembershipOutputSerializer(_membership(self, membership_id)).data)


class MemberChangeApi(DepartmentScopedApi):
    """Change a granted role's dates, with a reason."""

    required_scopes = {"PATCH": Scope.MEMBERS_MANAGE}

    class ChangeInputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MemberChangeInput"

        valid_from = serializers.DateField(required=False)
        valid_to = serializers.DateField(required=False, allow_null=True)
        reason = serializers.CharField(max_length=300)

    @extend_schema(request=ChangeInputSerializer, responses=MembershipOutputSerializer,
                   operation_id="department_member_change")
    def patch(self, request: Request, department_slug: str, membership_id: int) -> Response:
        membership = _membership(self, membership_id)
        serializer = self.ChangeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = serializer.validated_data
        with service_errors():
            membership = services.membership_change(
                membership=membership, valid_from=data.get("valid_from", membership.valid_from),
                valid_to=data.get("valid_to", membership.valid_to), reason=data["reason"],
                acting_user=caller(request))
        return Response(MembershipOutputSerializer(membership).data)


class MemberDeleteApi(DepartmentScopedApi):
    """End a granted role now; the reason goes in the body. The same as POST …/end/."""

    required_scopes = {"DELETE": Scope.MEMBERS_MANAGE}

    @extend_schema(request=ReasonInputSerializer, responses=MembershipOutputSerializer,
                   operation_id="department_member_delete")
    def delete(self, request: Request, department_slug: str, membership_id: int) -> Response:
        return _end(self, request, membership_id)


MemberDetailApi = routed_by_method(MemberRetrieveApi, MemberChangeApi, MemberDeleteApi)


class MemberEndApi(DepartmentScopedApi):
    """End a granted role now, with a reason. Roles that follow the HR record cannot be ended here."""

    required_scopes = {"POST": Scope.MEMBERS_MANAGE}

    @extend_schema(request=ReasonInputSerializer, responses=MembershipOutputSerializer,
                   operation_id="department_member_end")
    def post(self, request: Request, department_slug: str, membership_id: int) -> Response:
        return _end(self, request, membership_id)


def _end(view: DepartmentScopedApi, request: Request, membership_id: int) -> Response:
    membership = _membership(view, membership_id)
    serializer = ReasonInputSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    with service_errors():
        membership = services.membership_revoke(membership=membership, reason=serializer.validated_data["reason"],
                                                acting_user=caller(request))
    return Response(MembershipOutputSerializer(membership).data)
