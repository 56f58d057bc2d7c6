"""The year-end API: HR's bundle of P60s (started, then polled for progress) and the rollover to the
next tax year. Thin: each operation calls one service or selector."""

from __future__ import annotations

import dataclasses
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, service_errors
from departments.roles import Scope
from payroll import selectors_year_end
from payroll.apis import PROBLEMS, TAGS
from payroll.models import DocumentBatch
from payroll.services.year_end import p60_batch_start, year_end_rollover
from payroll.tasks_year_end import start_p60_batch


class DocumentBatchOutputSerializer(serializers.ModelSerializer):
    ready = serializers.SerializerMethodField()

    class Meta:
        model = DocumentBatch
        fields = ["id", "kind", "tax_year", "status", "total", "done", "ready", "failure", "created_at",
                  "finished_at"]

    def get_ready(self, batch: DocumentBatch) -> bool:
        return batch.status == DocumentBatch.Status.DONE


class P60BatchStartApi(DepartmentScopedApi):
    """Produce the P60s of a tax year that has ended as one zip; poll the batch for its progress."""

    required_scopes = {"POST": Scope.PAYROLL_SUBMIT}

    class P60BatchStartInputSerializer(serializers.Serializer):
        tax_year = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="e.g. 2026-27")

    @extend_schema(operation_id="payroll_p60_batch_start", tags=TAGS, request=P60BatchStartInputSerializer,
                   responses={202: DocumentBatchOutputSerializer, **PROBLEMS})
    def post(self, request: Request, department_slug: str) -> Response:
        data = self.P60BatchStartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors():
            batch = p60_batch_start(department=self.department, tax_year=data.validated_data["tax_year"],
                                    acting_user=caller(request))
        start_p60_batch(batch)
        return Response(DocumentBatchOutputSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


class P60BatchDetailApi(DepartmentScopedApi):
    """A P60 batch's progress; once ready, its zip is at the P60 page's download."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_p60_batch_get", tags=TAGS, responses={200: DocumentBatchOutputSerializer,
                                                                              **PROBLEMS})
    def get(self, request: Request, department_slug: str, batch_id: int) -> Response:
        return Response(DocumentBatchOutputSerializer(selectors_year_end.document_batch_get(batch_id=batch_id)).data)


class YearEndRolloverApi(DepartmentScopedApi):
    """Roll over to a new tax year: week 1/month 1 bases cleared, P9X uplifts applied, the final FPS
    flagged. Refused while a run of the old year is not finalised; a repeat changes nothing."""

    required_scopes = {"POST": Scope.PAYROLL_SUBMIT}

    class RolloverInputSerializer(serializers.Serializer):
        to_tax_year = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="e.g. 2027-28")
        uplift_l = serializers.IntegerField(min_value=0, max_value=999, required=False, allow_null=True,
                                            help_text="Added to every L code; otherwise a loaded P9X notice decides")

    class RolloverOutputSerializer(serializers.Serializer):
        tax_year = serializers.CharField()
        already_done = serializers.BooleanField()
        week1_month1_cleared = serializers.IntegerField()
        codes_uplifted = serializers.IntegerField()
        uplifts = serializers.DictField(child=serializers.IntegerField())
        final_fps = serializers.IntegerField(allow_null=True, help_text="The FPS submission flagged final, if built")
        first_periods = serializers.DictField(child=serializers.DateField(), help_text="Schedule → first pay day")

    @extend_schema(operation_id="payroll_year_end_rollover", tags=TAGS, request=RolloverInputSerializer,
                   responses={200: RolloverOutputSerializer, **PROBLEMS})
    def post(self, request: Request, department_slug: str) -> Response:
        data = self.RolloverInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values: dict[str, Any] = data.validated_data
        with service_errors():
            outcome = year_end_rollover(department=self.department, to_tax_year=values["to_tax_year"],
                                        acting_user=caller(request), uplift_l=values.get("uplift_l"))
        return Response(self.RolloverOutputSerializer(dataclasses.asdict(outcome)).data)
