"""The self-service API for e-mail notifications, under ``/api/v1/me/departments/<slug>/``: how
the caller hears about items waiting for their decision, and the e-mails written to them lately.

Both are about the caller only: there is no id to ask for anyone else's.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, page_of, paginated
from departments.models import Notification
from departments.notifications import (
    absolute_url,
    notification_preference_daily_digest,
    notification_preference_set,
    notifications_of,
)
from departments.roles import Scope

TAGS = ["self-service"]
PROBLEMS = {
    400: OpenApiResponse(description="Invalid input: problem+json listing each field under 'errors'."),
    403: OpenApiResponse(description="The caller has no self-service access here (an API client's token)."),
    404: OpenApiResponse(description="No such department reachable by the caller."),
}


class NotificationPreferenceSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MeNotificationPreference"

    daily_digest = serializers.BooleanField(
        help_text="true: items waiting for the caller's decision come together in one e-mail each morning; "
                  "false: one e-mail for each item. Other e-mails always come one at a time.")


class MyNotificationPreferenceGetApi(DepartmentScopedApi):
    """How I hear about items waiting for my decision in this department."""

    required_scopes = {"GET": Scope.SELF_SERVICE}

    @extend_schema(operation_id="me_notification_preference_retrieve", tags=TAGS,
                   responses={200: NotificationPreferenceSerializer, **PROBLEMS})
    def get(self, request: Request, department_slug: str) -> Response:
        daily_digest = notification_preference_daily_digest(user=caller(request))
        return Response(NotificationPreferenceSerializer({"daily_digest": daily_digest}).data)


class MyNotificationPreferenceSetApi(DepartmentScopedApi):
    """Choose one e-mail for each item waiting for my decision, or a daily digest. Audited."""

    required_scopes = {"PUT": Scope.SELF_SERVICE}

    @extend_schema(operation_id="me_notification_preference_update", tags=TAGS,
                   request=NotificationPreferenceSerializer,
                   responses={200: NotificationPreferenceSerializer, **PROBLEMS})
    def put(self, request: Request, department_slug: str) -> Response:
        serializer = NotificationPreferenceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        preference = notification_preference_set(department=self.department, user=caller(request),
                                                 daily_digest=serializer.validated_data["daily_digest"],
                                                 acting_user=caller(request))
        return Response(NotificationPreferenceSerializer(preference).data)


class MyNotificationOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MeNotification"

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Notification.Kind.choices)
    subject = serializers.CharField()
    body = serializers.CharField(help_text="The e-mail's text, as sent.")
    link = serializers.SerializerMethodField(help_text="The page on the service the e-mail is about.")
    to_address = serializers.EmailField()
    status = serializers.ChoiceField(choices=Notification.Status.choices)
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)

    def get_link(self, notification: Any) -> str:
        return absolute_url(notification.link)


class MyNotificationListApi(DepartmentScopedApi):
    """The e-mails written to me in this department, newest first (paged with ``limit`` and ``offset``)."""

    required_scopes = {"GET": Scope.SELF_SERVICE}

    @extend_schema(operation_id="me_notifications_list", tags=TAGS,
                   responses={200: page_of("MeNotificationPage", MyNotificationOutputSerializer(many=True)),
                              **PROBLEMS})
    def get(self, request: Request, department_slug: str) -> Response:
        return paginated(request, self, notifications_of(user=caller(request)), MyNotificationOutputSerializer)
