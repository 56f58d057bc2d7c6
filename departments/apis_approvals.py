"""The approvals inbox for the signed-in person, under ``/api/v1/me/departments/<slug>/approvals/``.

The same items, rules and services as the inbox page (``departments.approvals``): an item the
caller may not decide answers 404, however it came to be out of reach.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, service_errors
from departments.approvals import (
    MAX_BULK_ITEMS,
    MAX_NOTE_LENGTH,
    ApprovalItem,
    BulkOutcome,
    approval_decide,
    approval_sources,
    approvals_bulk_approve,
    approvals_counts,
    approvals_waiting,
)
from departments.roles import Scope

TAGS = ["self-service"]
OUTCOME_STATUS = {BulkOutcome.APPROVED: 200, BulkOutcome.NOT_WAITING: 404, BulkOutcome.REFUSED: 422}


class ApprovalItemOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MeApprovalItem"

    kind = serializers.CharField()
    kind_label = serializers.CharField()
    id = serializers.IntegerField()
    title = serializers.CharField()
    who = serializers.CharField(help_text="The person who asked.")
    submitted_at = serializers.DateTimeField(allow_null=True)
    summary = serializers.ListField(child=serializers.CharField(), help_text="Short lines: dates and hours, amounts.")
    url = serializers.SerializerMethodField(help_text="The item's own web page, where it has one the caller may open.")
    bulk_allowed = serializers.BooleanField()
    bulk_refused_reason = serializers.CharField(help_text="Why it may not be approved in bulk, when it may not.")
    acting_as_deputy_for = serializers.CharField(help_text="The manager the caller decides it for as deputy, or empty.")
    decide = serializers.SerializerMethodField(help_text="Where to POST the decision.")

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None and path else path

    def get_url(self, item: ApprovalItem) -> str:
        return self._absolute(item.url)

    def get_decide(self, item: ApprovalItem) -> str:
        slug = self.context["department_slug"]
        return self._absolute(f"/api/v1/me/departments/{slug}/approvals/{item.kind}/{item.id}/decide/")


def _kinds() -> str:
    return ", ".join(approval_sources())


class ApprovalListApi(DepartmentScopedApi):
    """What waits for the caller's decision, oldest first, with a count of each kind; ``kind``
    keeps one kind."""

    required_scopes = {"GET": Scope.SELF_SERVICE}

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MeApprovalList"

        counts = serializers.DictField(child=serializers.IntegerField(), help_text="Items waiting, by kind.")
        items = ApprovalItemOutputSerializer(many=True)

    @extend_schema(operation_id="me_approvals_list", tags=TAGS,
                   parameters=[OpenApiParameter("kind", str, description="leave or expense (and any later kind)")],
                   responses=OutputSerializer)
    def get(self, request: Request, department_slug: str) -> Response:
        kind = request.query_params.get("kind", "")
        if kind and kind not in approval_sources():
            raise exceptions.ValidationError({"kind": [f"Choose one of: {_kinds()}."]})
        user = caller(request)
        data = {"counts": approvals_counts(department=self.department, user=user),
                "items": approvals_waiting(department=self.department, user=user, kind=kind)}
        context = {"request": request, "department_slug": department_slug}
        return Response(self.OutputSerializer(data, context=context).data)


class ApprovalDecideApi(DepartmentScopedApi):
    """Approve or reject one item waiting for the caller; a rejection needs a ``note`` (the reason)."""

    required_scopes = {"POST": Scope.SELF_SERVICE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MeApprovalDecisionInput"

        approve = serializers.BooleanField()
        note = serializers.CharField(max_length=MAX_NOTE_LENGTH, required=False, allow_blank=True, default="",
                                     help_text="Needed to reject: the person who asked is told it.")

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MeApprovalDecision"

        kind = serializers.CharField()
        id = serializers.IntegerField()
        approved = serializers.BooleanField()
        title = serializers.CharField()
        who = serializers.CharField()

    @extend_schema(operation_id="me_approvals_decide", tags=TAGS, request=InputSerializer,
                   responses={200: OutputSerializer})
    def post(self, request: Request, department_slug: str, kind: str, item_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        approve = serializer.validated_data["approve"]
        with service_errors():
            item = approval_decide(department=self.department, kind=kind, item_id=item_id, approve=approve,
                                   note=serializer.validated_data["note"], acting_user=caller(request))
        return Response(self.OutputSerializer(
            {"kind": item.kind, "id": item.id, "approved": approve, "title": item.title, "who": item.who}).data)


class ApprovalBulkApproveApi(DepartmentScopedApi):
    """Approve several items at once, each on its own: the answer gives each item's result, and one
    that could not be approved (``status`` 404: not waiting for the caller; 422: refused, e.g. not
    allowed in bulk) is left as it was."""

    required_scopes = {"POST": Scope.SELF_SERVICE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MeApprovalBulkInput"

        class ItemSerializer(serializers.Serializer):
            class Meta:
                ref_name = "MeApprovalBulkItem"

            kind = serializers.CharField(max_length=50)
            id = serializers.IntegerField(min_value=1)

        items = ItemSerializer(many=True, allow_empty=False)

        def validate_items(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
            if len(items) > MAX_BULK_ITEMS:
                raise serializers.ValidationError(f"Approve at most {MAX_BULK_ITEMS} items at once.")
            return items

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MeApprovalBulkResult"

        class ResultSerializer(serializers.Serializer):
            class Meta:
                ref_name = "MeApprovalBulkItemResult"

            kind = serializers.CharField()
            id = serializers.IntegerField()
            result = serializers.ChoiceField(choices=list(OUTCOME_STATUS))
            status = serializers.IntegerField(help_text="200 approved; 404 not waiting for you; 422 refused.")
            detail = serializers.CharField()

        approved = serializers.IntegerField()
        not_approved = serializers.IntegerField()
        results = ResultSerializer(many=True)

    @extend_schema(operation_id="me_approvals_bulk_approve", tags=TAGS, request=InputSerializer,
                   responses={200: OutputSerializer})
    def post(self, request: Request, department_slug: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        items = [(entry["kind"], entry["id"]) for entry in serializer.validated_data["items"]]
        with service_errors():
            outcomes = approvals_bulk_approve(department=self.department, items=items, acting_user=caller(request))
        results: list[dict[str, Any]] = [
            {"kind": outcome.kind, "id": outcome.id, "result": outcome.result,
             "status": OUTCOME_STATUS[outcome.result], "detail": outcome.problem or "Approved."}
            for outcome in outcomes
        ]
        approved = sum(outcome.result == BulkOutcome.APPROVED for outcome in outcomes)
        return Response(self.OutputSerializer(
            {"approved": approved, "not_approved": len(outcomes) - approved, "results": results}).data)
