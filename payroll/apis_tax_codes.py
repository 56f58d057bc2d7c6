"""API for HMRC's tax code notices (list, and a list of them received) and a leaver's P45 as PDF."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, page_of, paginated, routed_by_method, service_errors
from departments.idempotency import Conflict
from departments.roles import Scope
from payroll import selectors_tax_codes as selectors
from payroll import services
from payroll.models import TaxCodeNotice
from payroll.p45 import P45Error
from payroll.p45_document import p45_of_leaver, p45_pdf_response

TAGS = ["payroll"]
MAX_NOTICES_PER_REQUEST = 10_000
PROBLEMS = {
    400: OpenApiResponse(description="Invalid input: problem+json listing each field under 'errors'."),
    403: OpenApiResponse(description="A scope is missing."),
    404: OpenApiResponse(description="No such department or leaver reachable by the caller."),
}


class TaxCodeNoticeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    form = serializers.CharField()
    payroll_number = serializers.CharField()
    tax_code = serializers.CharField()
    week1_month1 = serializers.BooleanField()
    effective_from = serializers.DateField()
    previous_pay = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    previous_tax = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    status = serializers.CharField()
    reason = serializers.CharField(help_text="Why it was rejected, or what it waits for.")
    source = serializers.CharField()  # type: ignore[assignment]  # the notice's file and line, not Field.source
    applied_from = serializers.DateField(allow_null=True, help_text="First day of the pay period it applies from.")
    received_at = serializers.DateTimeField()
    applied_at = serializers.DateTimeField(allow_null=True)


class TaxCodeNoticeInputSerializer(serializers.Serializer):
    """One notice as HMRC sent it."""

    form = serializers.ChoiceField(choices=TaxCodeNotice.Form.choices)
    payroll_number = serializers.CharField(max_length=35)
    ni_number = serializers.CharField(max_length=13, help_text="Must be the employee's, like AB123456C.")
    tax_code = serializers.CharField(max_length=12, help_text="As HMRC prints it: 1257L, S1185L, K475, BR, 0T…")
    week1_month1 = serializers.BooleanField(default=False)
    effective_from = serializers.DateField()
    previous_pay = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True,
                                            default=None, help_text="P6B: pay in earlier employments this year.")
    previous_tax = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True,
                                            default=None, help_text="P6B: tax in earlier employments this year.")


class TaxCodeNoticeListApi(DepartmentScopedApi):
    """Tax code notices received, newest first; ``status`` narrows them."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_tax_code_notices_list", tags=TAGS,
                   parameters=[OpenApiParameter("status", str, enum=TaxCodeNotice.Status.values)],
                   responses={200: page_of("PayrollTaxCodeNoticePage", TaxCodeNoticeOutputSerializer(many=True)),
                              **PROBLEMS})
    def get(self, request: Request, department_slug: str) -> Response:
        wanted = request.query_params.get("status", "")
        if wanted and wanted not in TaxCodeNotice.Status.values:
            raise exceptions.ValidationError({"status": [f"Choose one of: {', '.join(TaxCodeNotice.Status.values)}."]})
        return paginated(request, self, selectors.tax_code_notices(status=wanted), TaxCodeNoticeOutputSerializer)


class TaxCodeNoticeReceiveApi(DepartmentScopedApi):
    """Receive HMRC's notices (P6, P6B, P9, P9X): each is stored, rejected with its reason or
    applied from the next pay period not yet locked (or waiting for it)."""

    required_scopes = {"POST": Scope.PAYROLL_SUBMIT}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PayrollTaxCodeNoticesReceiveInput"

        notices = TaxCodeNoticeInputSerializer(many=True, allow_empty=False,  # type: ignore[call-arg]
                                               max_length=MAX_NOTICES_PER_REQUEST)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PayrollTaxCodeNoticesReceiveOutput"

        applied = serializers.IntegerField()
        pending = serializers.IntegerField()
        rejected = serializers.IntegerField()
        notices = TaxCodeNoticeOutputSerializer(many=True)

    @extend_schema(operation_id="payroll_tax_code_notices_receive", tags=TAGS, request=InputSerializer,
                   responses={201: OutputSerializer, **PROBLEMS})
    def post(self, request: Request, department_slug: str) -> Response:
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lines = [services.NoticeLine(source=f"api item {index}", **item)
                 for index, item in enumerate(body.validated_data["notices"], start=1)]
        with service_errors():
            outcome = services.tax_code_notices_receive(department=self.department, lines=lines,
                                                        acting_user=caller(request), source="api")
        data: dict[str, Any] = {"applied": outcome.applied, "pending": outcome.pending, "rejected": outcome.rejected,
                                "notices": outcome.notices}
        return Response(self.OutputSerializer(data).data, status=status.HTTP_201_CREATED)


TaxCodeNoticesApi = routed_by_method(TaxCodeNoticeListApi, TaxCodeNoticeReceiveApi)


class LeaverP45PdfApi(DepartmentScopedApi):
    """A leaver's P45 (Parts 1A, 2 and 3) as a PDF, from their last finalised payslip."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_leaver_p45_pdf", tags=TAGS,
                   responses={(200, "application/pdf"): OpenApiTypes.BINARY,
                              409: OpenApiResponse(description="The final pay has not been finalised yet."),
                              **PROBLEMS})
    def get(self, request: Request, department_slug: str, payroll_number: str) -> HttpResponseBase:
        employee = selectors.leaver_get(payroll_number=payroll_number)
        try:
            p45 = p45_of_leaver(employee=employee, department=self.department)
        except P45Error as error:
            raise Conflict(str(error)) from None
        return p45_pdf_response(p45)
