"""A pay run's review in the API: its exceptions by kind with counts, advisory ones acknowledged in
bulk, and blocking ones given another payment route (held, or paid by hand outside the Bacs file).
Approval waits until the review is settled (``services.pay_run_approve``, code ``review_unsettled``).

Under /api/v1/departments/<slug>/payroll/runs/<run_id>/. Scopes: payroll:read to read;
payroll:submit or payroll:approve to settle (``payroll.services.review`` says why either). The rows
themselves are listed, filtered and paged by ``runs/<run_id>/exceptions/``.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from departments import idempotency
from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, routed_by_method
from departments.roles import Scope
from payroll import selectors, selectors_review, services
from payroll.apis import KEY_PARAMETER, PROBLEMS, TAGS, PaymentRouteOutputSerializer, _step_errors
from payroll.models import PayrollIdempotencyKey, PayRunPaymentRoute
from payroll.review_kinds import Settled
from payroll.services.review import NOTE_MAX_LENGTH, REFERENCE_MAX_LENGTH

MAX_IDS_PER_REQUEST = 10_000
MAX_CODES_PER_REQUEST = 50
# Settling is open to payroll:submit and payroll:approve alike: the door asks for payroll:read, and
# the service refuses (403) a caller holding neither.
SETTLE_SCOPE = Scope.PAYROLL_READ


class ReviewKindOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PayrollReviewKind"

    code = serializers.CharField(source="kind.code")
    title = serializers.CharField(source="kind.title")
    blocking = serializers.BooleanField(source="kind.blocking")
    settled_by = serializers.ChoiceField(
        source="kind.settled_by", choices=[Settled.ACKNOWLEDGE, Settled.PAYMENT_ROUTE, Settled.RECALCULATE],
        help_text="acknowledge (advisory); payment_route (blocking: hold or manual payment, or fix and "
                  "recalculate); recalculate (blocking: only fixing and recalculating settles it).")
    total = serializers.IntegerField()
    open = serializers.IntegerField(help_text="Not yet acknowledged or resolved.")
    settled = serializers.IntegerField()


class ReviewOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PayrollRunReview"

    settled = serializers.BooleanField(help_text="Nothing open: the review no longer holds approval back.")
    total = serializers.IntegerField()
    open = serializers.IntegerField()
    kinds = ReviewKindOutputSerializer(many=True, help_text="Blocking kinds first.")


class PayRunReviewApi(DepartmentScopedApi):
    """The run's exceptions by kind: how many, how many still open, and whether each kind blocks."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_run_review", tags=TAGS, responses={200: ReviewOutputSerializer, **PROBLEMS})
    def get(self, request: Request, department_slug: str, run_id: int) -> Response:
        run = selectors.pay_run_get(run_id=run_id)
        return Response(ReviewOutputSerializer(selectors_review.pay_run_review(run=run)).data)


class PayRunExceptionsAcknowledgeApi(DepartmentScopedApi):
    """Acknowledge advisory exceptions with one note: whole kinds (``codes``), chosen rows
    (``exception_ids``), or both. All or nothing: a blocking kind or row, an id the run does not
    hold, or a missing note refuses the request. Rows acknowledged already keep their first
    acknowledgement. Answers how many were acknowledged and the review after."""

    required_scopes = {"POST": SETTLE_SCOPE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PayrollRunExceptionsAcknowledgeInput"

        codes = serializers.ListField(child=serializers.CharField(max_length=40), required=False,
                                      max_length=MAX_CODES_PER_REQUEST, help_text="Advisory kinds, whole.")
        exception_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False,
                                              max_length=MAX_IDS_PER_REQUEST, help_text="Rows of the run's list.")
        note = serializers.CharField(max_length=NOTE_MAX_LENGTH, help_text="What was checked.")

        def validate(self, attrs: dict) -> dict:
            if not attrs.get("codes") and not attrs.get("exception_ids"):
                raise serializers.ValidationError({"codes": ["Give codes, exception_ids or both."]})
            return attrs

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PayrollRunExceptionsAcknowledged"

        acknowledged = serializers.IntegerField()
        review = ReviewOutputSerializer()

    @extend_schema(operation_id="payroll_run_exceptions_acknowledge", tags=TAGS, request=InputSerializer,
                   parameters=[KEY_PARAMETER], responses={200: OutputSerializer, **PROBLEMS})
    def post(self, request: Request, department_slug: str, run_id: int) -> Response:
        def perform() -> Response:
            run = selectors.pay_run_get(run_id=run_id)
            serializer = self.InputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            with _step_errors():
                count = services.pay_run_exceptions_acknowledge(
                    run=run, acting_user=caller(request), note=data["note"], codes=data.get("codes"),
                    exception_ids=data.get("exception_ids"))
            return Response(self.OutputSerializer(
                {"acknowledged": count, "review": selectors_review.pay_run_review(run=run)}).data)

        return idempotency.idempotent(request, records=PayrollIdempotencyKey, perform=perform)


class PayRunPaymentRouteListApi(DepartmentScopedApi):
    """The payment routes decided for the run: employees whose net pay is held or paid by hand."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_run_payment_routes_list", tags=TAGS,
                   responses={200: PaymentRouteOutputSerializer(many=True), **PROBLEMS})
    def get(self, request: Request, department_slug: str, run_id: int) -> Response:
        run = selectors.pay_run_get(run_id=run_id)
        routes = PayRunPaymentRoute.objects.filter(run=run).select_related("employee", "decided_by").order_by(
            "employee__last_name", "employee__first_name")
        return Response(PaymentRouteOutputSerializer(routes, many=True).data)


class PayRunPaymentRouteSetApi(DepartmentScopedApi):
    """Hold an employee's net pay or record that it is paid by hand (with its reference), leaving it
    out of the Bacs file: for an employee whose blocking exception (no bank account, net pay not
    positive) a route settles. Replaces an earlier route."""

    required_scopes = {"PUT": SETTLE_SCOPE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PayrollPaymentRouteInput"

        route = serializers.ChoiceField(choices=PayRunPaymentRoute.Route.choices)
        note = serializers.CharField(max_length=NOTE_MAX_LENGTH, help_text="Why.")
        reference = serializers.CharField(max_length=REFERENCE_MAX_LENGTH, required=False, allow_blank=True,
                                          help_text="Required for manual: the CHAPS or cheque reference.")

    @extend_schema(operation_id="payroll_run_payment_route_set", tags=TAGS, request=InputSerializer,
                   parameters=[KEY_PARAMETER], responses={200: PaymentRouteOutputSerializer, **PROBLEMS})
    def put(self, request: Request, department_slug: str, run_id: int, employee_id: int) -> Response:
        def perform() -> Response:
            run = selectors.pay_run_get(run_id=run_id)
            serializer = self.InputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            with _step_errors():
                route = services.pay_run_payment_route_set(
                    run=run, employee_id=employee_id, route=data["route"], note=data["note"],
                    reference=data.get("reference", ""), acting_user=caller(request))
            return Response(PaymentRouteOutputSerializer(route).data)

        return idempotency.idempotent(request, records=PayrollIdempotencyKey, perform=perform)


class PayRunPaymentRouteClearApi(DepartmentScopedApi):
    """Withdraw an employee's payment route: their blocking exception is open again."""

    required_scopes = {"DELETE": SETTLE_SCOPE}

    @extend_schema(operation_id="payroll_run_payment_route_clear", tags=TAGS, request=None,
                   responses={204: None, **PROBLEMS})
    def delete(self, request: Request, department_slug: str, run_id: int, employee_id: int) -> Response:
        run = selectors.pay_run_get(run_id=run_id)
        with _step_errors():
            services.pay_run_payment_route_clear(run=run, employee_id=employee_id, acting_user=caller(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


PayRunPaymentRouteApi = routed_by_method(PayRunPaymentRouteSetApi, PayRunPaymentRouteClearApi)

