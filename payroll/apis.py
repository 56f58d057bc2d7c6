"""The payroll API: the stateless calculation, and each department's pay schedules, inputs, pay
runs (every state change, idempotent on an ``Idempotency-Key``), payslips and files."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from departments import idempotency
from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, page_of, paginated, routed_by_method, service_errors
from departments.roles import Scope
from hr.models import Employee
from payroll import downloads, selectors, selectors_review, services
from payroll.engine import calculate_batch
from payroll.models import (
    PayInput,
    PayrollIdempotencyKey,
    PayRun,
    PayRunException,
    PayRunPaymentRoute,
    PaySchedule,
    Payslip,
)
from payroll.review_kinds import review_kind
from payroll.selectors_review import EXCEPTION_STATES, exception_state
from payroll.selectors_review import STATES as REVIEW_STATES
from payroll.steps import STEPS
from payroll.tasks import take_step

MAX_CALCULATIONS_PER_REQUEST = 10_000
_EXCEPTION_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")


class CalculationInputSerializer(serializers.Serializer):
    """Documents the contract's input object; the engine itself validates each input."""

    id = serializers.CharField()
    tax_year = serializers.ChoiceField(choices=["2025-26", "2026-27"])
    frequency = serializers.ChoiceField(choices=["weekly", "monthly"])
    period = serializers.IntegerField(min_value=1, max_value=53)
    tax_code = serializers.CharField(help_text="As issued by HMRC: 1257L, S1257L, C1257L, K500, BR, D0, SD1, NT, 0T…")
    week1_month1 = serializers.BooleanField()
    ni_category = serializers.CharField(max_length=1)
    student_loans = serializers.ListField(
        child=serializers.ChoiceField(choices=["plan1", "plan2", "plan4", "plan5", "pgl"])
    )
    pension_scheme = serializers.ChoiceField(choices=["alpha"], allow_null=True)
    gross_pay = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    pensionable_pay = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    salary_sacrifice = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)
    ytd_taxable_pay_before = serializers.DecimalField(max_digits=12, decimal_places=2)
    ytd_tax_paid_before = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ref_name = "PayrollCalculationInput"


class CalculationResultSerializer(serializers.Serializer):
    id = serializers.CharField()
    error = serializers.CharField(required=False, help_text="Present instead of the figures when the input is bad.")
    pension_employee = serializers.CharField(required=False)
    taxable_pay = serializers.CharField(required=False)
    income_tax = serializers.CharField(required=False, help_text="Negative for a refund.")
    employee_ni = serializers.CharField(required=False)
    employer_ni = serializers.CharField(required=False)
    student_loan = serializers.CharField(required=False)
    postgraduate_loan = serializers.CharField(required=False)
    net_pay = serializers.CharField(required=False)
    working = serializers.DictField(required=False, help_text="How each figure was reached.")

    class Meta:
        ref_name = "PayrollCalculationResult"


class PayrollCalculationApi(APIView):
    """Stateless payroll calculation: a list of inputs in, a list of results out, in order.

    Nothing is stored and no department's data is read, so any signed-in caller or token may use
    it. A bad input gets a result with ``error`` naming the field; the others are still calculated.
    """

    throttle_scope = "payroll_calculations"

    @extend_schema(
        request=CalculationInputSerializer(many=True),
        responses={200: CalculationResultSerializer(many=True)},
        operation_id="payroll_calculations_create",
    )
    def post(self, request: Request) -> Response:
        inputs: Any = request.data
        if not isinstance(inputs, list):
            raise exceptions.ValidationError({"body": ["must be a JSON list of calculation inputs"]})
        if len(inputs) > MAX_CALCULATIONS_PER_REQUEST:
            raise exceptions.ValidationError(
                {"body": [f"at most {MAX_CALCULATIONS_PER_REQUEST} inputs per request; send several requests"]}
            )
        return Response(calculate_batch(inputs, with_working=True))


# --- Pay runs of a department ------------------------------------------------------------------
#
# Under /api/v1/departments/<slug>/payroll/. Scopes: payroll:read for every GET; payroll:submit to
# add schedules and inputs, create runs and open, calculate, cancel or reopen them; payroll:approve
# to approve and finalise. The acting user is the caller: a person (session) or the API client a
# token belongs to, so four eyes hold through the API too (``services.pay_run_approve``). Every
# POST accepts an ``Idempotency-Key`` header (``departments.idempotency``).

TAGS = ["payroll"]
KEY_PARAMETER = OpenApiParameter(
    idempotency.HEADER, str, OpenApiParameter.HEADER, required=False,
    description="Optional, up to 100 characters (e.g. a UUID): the same key and body again replays the first "
                "answer (with Idempotent-Replayed: true); the same key for another request is a 409.")
PROBLEMS = {
    400: OpenApiResponse(description="Invalid input: problem+json listing each field under 'errors'."),
    403: OpenApiResponse(description="A scope is missing, or four eyes: someone else must approve."),
    404: OpenApiResponse(description="No such department, run or record reachable by the caller."),
    409: OpenApiResponse(description="The run is not in a state that allows this, or the Idempotency-Key "
                                     "was used for another request."),
}


@contextmanager
def _step_errors() -> Iterator[None]:
    """A service's refusal as the API's answer: a run in the wrong state is a 409, four eyes a 403,
    anything else a 400 naming the field."""
    try:
        with service_errors():
            yield
    except exceptions.ValidationError as error:
        cause = error.__cause__
        if isinstance(cause, DjangoValidationError) and hasattr(cause, "error_dict"):
            refusals = [item for items in cause.error_dict.values() for item in items]
            if any(item.code == "four_eyes" for item in refusals):
                raise exceptions.PermissionDenied(" ".join(cause.messages)) from cause
            if set(cause.error_dict) == {"status"}:
                raise idempotency.Conflict(" ".join(cause.messages)) from cause
        raise


def _query_choice(request: Request, name: str, choices: list[str]) -> str:
    value = request.query_params.get(name, "")
    if value and value not in choices:
        raise exceptions.ValidationError({name: [f"Choose one of: {', '.join(choices)}."]})
    return value


def _query_int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit():
        raise exceptions.ValidationError({name: ["Give a whole number (an id)."]})
    return int(raw)


# Schedules


class PayScheduleOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PayrollPaySchedule"

    id = serializers.IntegerField()
    name = serializers.CharField()
    frequency = serializers.CharField()
    pay_day_of_month = serializers.IntegerField(help_text="0 means the last working day of the month.")
    pay_weekday = serializers.IntegerField(help_text="0 is Monday; for weekly pay.")
    proration = serializers.CharField()
    bank_sort_code = serializers.CharField()
    bank_account_number = serializers.CharField()
    bank_account_name = serializers.CharField()
    pays_everyone_else = serializers.BooleanField(
        help_text="Pays every employee not moved onto another schedule (one schedule per department).")


class PayScheduleListApi(DepartmentScopedApi):
    """The department's pay schedules, by name."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_schedules_list", tags=TAGS,
                   responses={200: PayScheduleOutputSerializer(many=True), **PROBLEMS})
    def get(self, request: Request, department_slug: str) -> Response:
        return Response(PayScheduleOutputSerializer(selectors.pay_schedules(), many=True).data)


class PayScheduleCreateApi(DepartmentScopedApi):
    """Add a pay schedule: how often staff are paid and the account net pay leaves from."""

    required_scopes = {"POST": Scope.PAYROLL_SUBMIT}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PayrollPayScheduleCreateInput"

        name = serializers.CharField(max_length=100)
        frequency = serializers.ChoiceField(choices=PaySchedule.Frequency.choices, default="monthly")
        pay_day_of_month = serializers.IntegerField(min_value=0, max_value=31, default=0)
        pay_weekday = serializers.IntegerField(min_value=0, max_value=6, default=4)
        proration = serializers.ChoiceField(choices=PaySchedule.Proration.choices, default="calendar_days")
        bank_sort_code = serializers.RegexField(r"^\d{6}$", required=False, allow_blank=True, default="",
                                                error_messages={"invalid": "Enter a sort code of 6 digits."})
        bank_account_number = serializers.RegexField(r"^\d{8}$", required=False, allow_blank=True, default="",
                                                     error_messages={"invalid": "Enter an account number of "
                                                                                "8 digits."})
        bank_account_name = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
        pays_everyone_else = serializers.BooleanField(
            required=False, allow_null=True, default=None,
            help_text="Left out: true for the department's first schedule, false for later ones.")

    @extend_schema(operation_id="payroll_schedules_create", tags=TAGS, request=InputSerializer,
                   parameters=[KEY_PARAMETER], responses={201: PayScheduleOutputSerializer, **PROBLEMS})
    def post(self, request: Request, department_slug: str) -> Response:
        def perform() -> Response:
            serializer = self.InputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            with service_errors():
                schedule = services.pay_schedule_create(department=self.department, acting_user=caller(request),
                                                        **serializer.validated_data)
            return Response(PayScheduleOutputSerializer(schedule).data, status=status.HTTP_201_CREATED)

        return idempotency.idempotent(request, records=PayrollIdempotencyKey, perform=perform)


PaySchedulesApi = routed_by_method(PayScheduleListApi, PayScheduleCreateApi)


class PayScheduleMembersMoveApi(DepartmentScopedApi):
    """Move employees, by payroll number, onto this schedule from whichever schedule paid them.
    All or nothing: an unknown payroll number, or a run in progress on either side, refuses it."""

    required_scopes = {"POST": Scope.PAYROLL_SUBMIT}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PayrollScheduleMembersMoveInput"

        payroll_numbers = serializers.ListField(child=serializers.CharField(max_length=20), min_length=1,
                                                max_length=100_000)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PayrollScheduleMembersMoveOutput"

        schedule = serializers.IntegerField()
        moved = serializers.IntegerField(help_text="How many employees changed schedule.")

    @extend_schema(operation_id="payroll_schedule_members_move", tags=TAGS, request=InputSerializer,
                   parameters=[KEY_PARAMETER], responses={200: OutputSerializer, **PROBLEMS})
    def post(self, request: Request, department_slug: str, schedule_id: int) -> Response:
        schedule = selectors.pay_schedule_get(schedule_id=schedule_id)

        def perform() -> Response:
            serializer = self.InputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            with service_errors():
                moved = services.pay_schedule_members_move(schedule=schedule, acting_user=caller(request),
                                                           **serializer.validated_data)
            return Response(self.OutputSerializer({"schedule": schedule.pk, "moved": moved}).data)

        return idempotency.idempotent(request, records=PayrollIdempotencyKey, perform=perform)


# Runs


class PayRunOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PayrollPayRun"

    id = serializers.IntegerField()
    reference = serializers.CharField(help_text="How finance's journals name the run.")
    schedule = serializers.IntegerField(source="schedule_id")
    schedule_name = serializers.CharField(source="schedule.name")
    kind = serializers.CharField()
    status = serializers.CharField(help_text=f"One of: {', '.join(PayRun.Status.values)}.")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    pay_date = serializers.DateField()
    tax_year = serializers.CharField()
    tax_period = serializers.IntegerField()
    employees_total = serializers.IntegerField()
    employees_calculated = serializers.IntegerField()
    employees_failed = serializers.IntegerField()
    percent = serializers.SerializerMethodField(help_text="How much of the latest calculation is done, 0 to 100.")
    calculation_number = serializers.IntegerField()
    progress_at = serializers.DateTimeField(
        allow_null=True, help_text="When the calculation last moved: started, resumed or a chunk written.")
    automatic_resumes = serializers.IntegerField(
        help_text="Times the latest calculation was resumed by itself after it stopped moving.")
    automatically_resumed_at = serializers.DateTimeField(allow_null=True)
    opened_at = serializers.DateTimeField(allow_null=True)
    calculated_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    finalised_at = serializers.DateTimeField(allow_null=True)
    journal = serializers.IntegerField(source="journal_id", allow_null=True,
                                       help_text="The payroll journal finance posted at finalising.")
    bacs_processing_day = serializers.DateField(allow_null=True)
    bacs_file_available = serializers.SerializerMethodField()

    def get_percent(self, run: PayRun) -> int:
        if run.employees_total:
            return min(100, (run.employees_calculated + run.employees_failed) * 100 // run.employees_total)
        return 100 if run.calculated_at is not None and run.status != PayRun.Status.CALCULATING else 0

    def get_bacs_file_available(self, run: PayRun) -> bool:
        return bool(run.bacs_file)


class PayRunListApi(DepartmentScopedApi):
    """Pay runs, newest period first; ``status`` narrows them."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_runs_list", tags=TAGS,
                   parameters=[OpenApiParameter("status", str, enum=PayRun.Status.values)],
                   responses={200: page_of("PayrollPayRunPage", PayRunOutputSerializer(many=True)), **PROBLEMS})
    def get(self, request: Request, department_slug: str) -> Response:
        wanted = _query_choice(request, "status", PayRun.Status.values)
        rows = selectors.pay_runs().filter(status=wanted) if wanted else selectors.pay_runs()
        return paginated(request, self, rows, PayRunOutputSerializer)


class PayRunCreateApi(DepartmentScopedApi):
    """Start a run (draft) for the pay period of a schedule containing a day."""

    required_scopes = {"POST": Scope.PAYROLL_SUBMIT}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PayrollPayRunCreateInput"

        schedule = serializers.PrimaryKeyRelatedField(
            queryset=PaySchedule.objects.all(),
            error_messages={"does_not_exist": "This department has no pay schedule with the id {pk_value}."})
        period_containing = serializers.DateField(help_text="Any day of the pay period, e.g. 2026-11-01.")
        kind = serializers.ChoiceField(choices=PayRun.Kind.choices, default="regular")

    @extend_schema(operation_id="payroll_runs_create", tags=TAGS, request=InputSerializer,
                   parameters=[KEY_PARAMETER], responses={201: PayRunOutputSerializer, **PROBLEMS})
    def post(self, request: Request, department_slug: str) -> Response:
        def perform() -> Response:
            serializer = self.InputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            with service_errors():
                run = services.pay_run_create(acting_user=caller(request), **serializer.validated_data)
            return Response(PayRunOutputSerializer(selectors.pay_run_get(run_id=run.pk)).data,
                            status=status.HTTP_201_CREATED)

        return idempotency.idempotent(request, records=PayrollIdempotencyKey, perform=perform)


PayRunsApi = routed_by_method(PayRunListApi, PayRunCreateApi)


class PayRunDetailApi(DepartmentScopedApi):
    """One run: its state and the progress of its calculation (poll it while it calculates)."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_run_retrieve", tags=TAGS, responses={200: PayRunOutputSerializer, **PROBLEMS})
    def get(self, request: Request, department_slug: str, run_id: int) -> Response:
        return Response(PayRunOutputSerializer(selectors.pay_run_get(run_id=run_id)).data)


class ReasonInputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PayrollPayRunReasonInput"

    reason = serializers.CharField(max_length=500, help_text="Why; kept in the audit log.")


def _step(request: Request, run_id: int, step: str, *, answer_status: int = status.HTTP_200_OK) -> Response:
    """One of a run's steps (``payroll.steps.STEPS``): find the run, validate the body, take the
    step, answer the run as it is now; once per Idempotency-Key."""

    def perform() -> Response:
        run = selectors.pay_run_get(run_id=run_id)
        data: dict[str, Any] = {}
        if STEPS[step].takes_reason:
            serializer = ReasonInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        with _step_errors():
            take_step(step, run=run, acting_user=caller(request), reason=data.get("reason", ""))
        return Response(PayRunOutputSerializer(selectors.pay_run_get(run_id=run_id)).data, status=answer_status)

    return idempotency.idempotent(request, records=PayrollIdempotencyKey, perform=perform)


class PayRunOpenApi(DepartmentScopedApi):
    """Open a draft run: the period's inputs are locked and who is on the run is fixed."""

    required_scopes = {"POST": STEPS["open"].scope}

    @extend_schema(operation_id="payroll_run_open", tags=TAGS, request=None, parameters=[KEY_PARAMETER],
                   responses={200: PayRunOutputSerializer, **PROBLEMS})
    def post(self, request: Request, department_slug: str, run_id: int) -> Response:
        return _step(request, run_id, "open")


class PayRunCalculateApi(DepartmentScopedApi):
    """Start (or restart) the calculation; it runs on the workers, so poll the run for progress."""

    required_scopes = {"POST": STEPS["calculate"].scope}

    @extend_schema(operation_id="payroll_run_calculate", tags=TAGS, request=None, parameters=[KEY_PARAMETER],
                   responses={202: PayRunOutputSerializer, **PROBLEMS})
    def post(self, request: Request, department_slug: str, run_id: int) -> Response:
        return _step(request, run_id, "calculate", answer_status=status.HTTP_202_ACCEPTED)


class PayRunResumeApi(DepartmentScopedApi):
    """Queue again the employees a calculation has not reached (its worker stopped part-way)."""

    required_scopes = {"POST": STEPS["resume"].scope}

    @extend_schema(operation_id="payroll_run_resume", tags=TAGS, request=None, parameters=[KEY_PARAMETER],
                   responses={202: PayRunOutputSerializer, **PROBLEMS})
    def post(self, request: Request, department_slug: str, run_id: int) -> Response:
        return _step(request, run_id, "resume", answer_status=status.HTTP_202_ACCEPTED)


class PayRunRecalculateFailedApi(DepartmentScopedApi):
    """Calculate again, alone, the employees whose calculation failed (their records since fixed);
    everyone else's payslip stays as it is."""

    required_scopes = {"POST": STEPS["recalculate-failed"].scope}

    @extend_schema(operation_id="payroll_run_recalculate_failed", tags=TAGS, request=None,
                   parameters=[KEY_PARAMETER], responses={202: PayRunOutputSerializer, **PROBLEMS})
    def post(self, request: Request, department_slug: str, run_id: int) -> Response:
        return _step(request, run_id, "recalculate-failed", answer_status=status.HTTP_202_ACCEPTED)


class PayRunApproveApi(DepartmentScopedApi):
    """Approve a calculated run: a payroll approver (or a token with payroll:approve) who neither
    opened nor calculated it, nor created the token that did."""

    required_scopes = {"POST": STEPS["approve"].scope}

    @extend_schema(operation_id="payroll_run_approve", tags=TAGS, request=None, parameters=[KEY_PARAMETER],
                   responses={200: PayRunOutputSerializer, **PROBLEMS})
    def post(self, request: Request, department_slug: str, run_id: int) -> Response:
        return _step(request, run_id, "approve")


class PayRunFinaliseApi(DepartmentScopedApi):
    """Finalise an approved run: payslips published, the journal posted, the Bacs file written."""

    required_scopes = {"POST": STEPS["finalise"].scope}

    @extend_schema(operation_id="payroll_run_finalise", tags=TAGS, request=None, parameters=[KEY_PARAMETER],
                   responses={200: PayRunOutputSerializer, **PROBLEMS})
    def post(self, request: Request, department_slug: str, run_id: int) -> Response:
        return _step(request, run_id, "finalise")


class PayRunCancelApi(DepartmentScopedApi):
    """Cancel a run before it is finalised; its queued expense claims go back to finance."""

    required_scopes = {"POST": STEPS["cancel"].scope}

    @extend_schema(operation_id="payroll_run_cancel", tags=TAGS, request=ReasonInputSerializer,
                   parameters=[KEY_PARAMETER], responses={200: PayRunOutputSerializer, **PROBLEMS})
    def post(self, request: Request, department_slug: str, run_id: int) -> Response:
        return _step(request, run_id, "cancel")


class PayRunReopenApi(DepartmentScopedApi):
    """Send a calculated or approved run back to open; it must be recalculated before approval."""

    required_scopes = {"POST": STEPS["reopen"].scope}

    @extend_schema(operation_id="payroll_run_reopen", tags=TAGS, request=ReasonInputSerializer,
                   parameters=[KEY_PARAMETER], responses={200: PayRunOutputSerializer, **PROBLEMS})
    def post(self, request: Request, department_slug: str, run_id: int) -> Response:
        return _step(request, run_id, "reopen")


# Inputs


class PayInputOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PayrollPayInput"

    id = serializers.IntegerField()
    employee = serializers.CharField(source="employee.payroll_number", help_text="The payroll number.")
    schedule = serializers.IntegerField(source="schedule_id")
    period_start = serializers.DateField()
    code = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    hours = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    hourly_rate = serializers.DecimalField(source="rate", max_digits=8, decimal_places=4, allow_null=True)
    pensionable = serializers.BooleanField()
    source_reference = serializers.CharField()
    created_at = serializers.DateTimeField()


class PayInputListApi(DepartmentScopedApi):
    """Pay inputs, newest period first; ``schedule`` and ``period_start`` narrow them."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_inputs_list", tags=TAGS,
                   parameters=[OpenApiParameter("schedule", int), OpenApiParameter("period_start", OpenApiTypes.DATE)],
                   responses={200: page_of("PayrollPayInputPage", PayInputOutputSerializer(many=True)), **PROBLEMS})
    def get(self, request: Request, department_slug: str) -> Response:
        rows = selectors.pay_inputs()
        schedule = _query_int(request, "schedule")
        if schedule is not None:
            rows = rows.filter(schedule_id=schedule)
        raw_start = request.query_params.get("period_start", "")
        if raw_start:
            try:
                rows = rows.filter(period_start=datetime.date.fromisoformat(raw_start))
            except ValueError:
                raise exceptions.ValidationError({"period_start": ["Give a date as YYYY-MM-DD."]}) from None
        return paginated(request, self, rows, PayInputOutputSerializer)


class PayInputCreateApi(DepartmentScopedApi):
    """Add a payment or deduction for one employee in the pay period containing a day (refused
    once that period's run is open)."""

    required_scopes = {"POST": Scope.PAYROLL_SUBMIT}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PayrollPayInputCreateInput"

        employee = serializers.SlugRelatedField(
            slug_field="payroll_number", queryset=Employee.objects.all(), help_text="The payroll number.",
            error_messages={"does_not_exist": "This department has no employee with the payroll number '{value}'."})
        schedule = serializers.PrimaryKeyRelatedField(
            queryset=PaySchedule.objects.all(),
            error_messages={"does_not_exist": "This department has no pay schedule with the id {pk_value}."})
        period_containing = serializers.DateField()
        code = serializers.CharField(max_length=20)
        description = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        kind = serializers.ChoiceField(choices=PayInput.Kind.choices)
        amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"), required=False,
                                          allow_null=True, default=None,
                                          help_text="Leave out for hourly pay and give hours and hourly_rate.")
        hours = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True,
                                         default=None)
        hourly_rate = serializers.DecimalField(max_digits=8, decimal_places=4, required=False, allow_null=True,
                                               default=None, help_text="The amount is hours × rate, to the penny.")
        pensionable = serializers.BooleanField(default=False)
        source_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    @extend_schema(operation_id="payroll_inputs_create", tags=TAGS, request=InputSerializer,
                   parameters=[KEY_PARAMETER], responses={201: PayInputOutputSerializer, **PROBLEMS})
    def post(self, request: Request, department_slug: str) -> Response:
        def perform() -> Response:
            serializer = self.InputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
            with service_errors(rename={"rate": "hourly_rate"}):
                pay_input = services.pay_input_add(acting_user=caller(request), rate=data.pop("hourly_rate"), **data)
            return Response(PayInputOutputSerializer(pay_input).data, status=status.HTTP_201_CREATED)

        return idempotency.idempotent(request, records=PayrollIdempotencyKey, perform=perform)


PayInputsApi = routed_by_method(PayInputListApi, PayInputCreateApi)


# What a run gives out


class PayRunExceptionAcknowledgementSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PayrollPayRunExceptionAcknowledgement"

    acknowledged_by = serializers.CharField(source="acknowledged_by.get_full_name")
    acknowledged_at = serializers.DateTimeField()
    note = serializers.CharField(source="acknowledgement_note")


class PaymentRouteOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PayrollPaymentRoute"

    employee_id = serializers.IntegerField()
    employee = serializers.CharField(source="employee.payroll_number", help_text="The payroll number.")
    employee_name = serializers.CharField(source="employee.display_name")
    route = serializers.ChoiceField(choices=PayRunPaymentRoute.Route.choices,
                                    help_text="hold: withheld, paid later; manual: paid outside the Bacs file.")
    reference = serializers.CharField(help_text="The manual payment's reference (CHAPS, cheque); empty for hold.")
    note = serializers.CharField()
    decided_by = serializers.CharField(source="decided_by.get_full_name")
    decided_at = serializers.DateTimeField()


class PayRunExceptionOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PayrollPayRunException"

    id = serializers.IntegerField()
    employee = serializers.CharField(source="employee.payroll_number")
    employee_id = serializers.IntegerField()
    employee_name = serializers.SerializerMethodField()
    code = serializers.CharField()
    title = serializers.SerializerMethodField(help_text="The kind of exception in plain English.")
    blocking = serializers.SerializerMethodField(
        help_text="Blocking: resolved (recalculated, or the pay held or paid by hand) before approval; "
                  "advisory: acknowledged with a note.")
    reason = serializers.CharField()
    state = serializers.SerializerMethodField(help_text="open, acknowledged or routed (held or paid by hand).")
    acknowledgement = serializers.SerializerMethodField()
    payment_route = serializers.SerializerMethodField()

    def get_employee_name(self, item: PayRunException) -> str:
        return f"{item.employee.first_name} {item.employee.last_name}"

    def get_title(self, item: PayRunException) -> str:
        return review_kind(item.code).title

    def get_blocking(self, item: PayRunException) -> bool:
        return review_kind(item.code).blocking

    @extend_schema_field(serializers.ChoiceField(choices=list(EXCEPTION_STATES)))
    def get_state(self, item: PayRunException) -> str:
        return exception_state(item)

    @extend_schema_field(PayRunExceptionAcknowledgementSerializer(allow_null=True))
    def get_acknowledgement(self, item: PayRunException) -> dict[str, Any] | None:
        return PayRunExceptionAcknowledgementSerializer(item).data if item.acknowledged_at else None

    @extend_schema_field(PaymentRouteOutputSerializer(allow_null=True))
    def get_payment_route(self, item: PayRunException) -> dict[str, Any] | None:
        route = self.context.get("routes", {}).get(item.employee_id)  # type: ignore[attr-defined]
        return PaymentRouteOutputSerializer(route).data if route is not None else None


class PayRunExceptionListApi(DepartmentScopedApi):
    """What to check before approving a run, blocking kinds first, then by employee: each row with
    its kind, whether it blocks approval, and its state (acknowledgement or payment route). Filters:
    ``kind`` (an exception code) and ``state`` (open or settled)."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_run_exceptions_list", tags=TAGS,
                   parameters=[OpenApiParameter("kind", str, description="An exception code, e.g. no_bank_details."),
                               OpenApiParameter("state", str, enum=list(REVIEW_STATES),
                                                description="open: not yet settled; settled: acknowledged or "
                                                            "routed.")],
                   responses={200: page_of("PayrollPayRunExceptionPage", PayRunExceptionOutputSerializer(many=True)),
                              **PROBLEMS})
    def get(self, request: Request, department_slug: str, run_id: int) -> Response:
        run = selectors.pay_run_get(run_id=run_id)
        kind = request.query_params.get("kind", "")
        if kind and not _EXCEPTION_CODE.fullmatch(kind):
            raise exceptions.ValidationError({"kind": ["Give an exception code: lower-case letters and underscores."]})
        state = _query_choice(request, "state", list(REVIEW_STATES))
        rows = selectors_review.pay_run_review_rows(run=run, code=kind, state=state)
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(rows, request, view=self) or []
        routes = selectors_review.payment_routes_of(run=run, employee_ids=[row.employee_id for row in page])  # type: ignore[attr-defined]
        return paginator.get_paginated_response(
            PayRunExceptionOutputSerializer(page, many=True, context={"routes": routes}).data)


class PayslipOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PayrollPayslip"

    id = serializers.IntegerField()
    employee = serializers.CharField(source="employee.payroll_number")
    employee_name = serializers.SerializerMethodField()
    status = serializers.CharField(help_text="calculated, or failed with failure_reason.")
    failure_reason = serializers.CharField()
    cost_centre = serializers.CharField(source="cost_centre.code", allow_null=True, default=None)
    tax_code = serializers.CharField()
    ni_category = serializers.CharField()
    gross_pay = serializers.DecimalField(max_digits=14, decimal_places=2)
    taxable_pay = serializers.DecimalField(max_digits=14, decimal_places=2)
    income_tax = serializers.DecimalField(max_digits=14, decimal_places=2)
    employee_ni = serializers.DecimalField(max_digits=14, decimal_places=2)
    employer_ni = serializers.DecimalField(max_digits=14, decimal_places=2)
    pension_employee = serializers.DecimalField(max_digits=14, decimal_places=2)
    pension_employer = serializers.DecimalField(max_digits=14, decimal_places=2)
    student_loan = serializers.DecimalField(max_digits=14, decimal_places=2)
    postgraduate_loan = serializers.DecimalField(max_digits=14, decimal_places=2)
    net_pay = serializers.DecimalField(max_digits=14, decimal_places=2)

    def get_employee_name(self, slip: Payslip) -> str:
        return f"{slip.employee.first_name} {slip.employee.last_name}"


class PayslipLineOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PayrollPayslipLine"

    code = serializers.CharField()
    description = serializers.CharField()
    section = serializers.CharField(help_text="payment, deduction or employer.")
    after_tax = serializers.BooleanField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class PayslipListApi(DepartmentScopedApi):
    """A run's payslips (one per employee), by surname; ``status`` narrows them."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_payslips_list", tags=TAGS,
                   parameters=[OpenApiParameter("status", str, enum=Payslip.Status.values)],
                   responses={200: page_of("PayrollPayslipPage", PayslipOutputSerializer(many=True)), **PROBLEMS})
    def get(self, request: Request, department_slug: str, run_id: int) -> Response:
        run = selectors.pay_run_get(run_id=run_id)
        wanted = _query_choice(request, "status", Payslip.Status.values)
        rows = selectors.payslips_of_run(run=run)
        return paginated(request, self, rows.filter(status=wanted) if wanted else rows, PayslipOutputSerializer)


class PayslipDetailApi(DepartmentScopedApi):
    """One payslip with its lines and the year-to-date figures after it."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    class OutputSerializer(PayslipOutputSerializer):
        class Meta:
            ref_name = "PayrollPayslipDetail"

        lines = serializers.SerializerMethodField()
        year_to_date = serializers.DictField(child=serializers.CharField())

        @extend_schema_field(PayslipLineOutputSerializer(many=True))
        def get_lines(self, slip: Payslip) -> Any:
            return PayslipLineOutputSerializer(selectors.payslip_lines(payslip=slip), many=True).data

    @extend_schema(operation_id="payroll_payslip_retrieve", tags=TAGS, responses={200: OutputSerializer, **PROBLEMS})
    def get(self, request: Request, department_slug: str, run_id: int, payslip_id: int) -> Response:
        return Response(self.OutputSerializer(selectors.payslip_get(run_id=run_id, payslip_id=payslip_id)).data)


class PayslipPdfApi(DepartmentScopedApi):
    """A calculated payslip as the employee reads it, as a PDF."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_payslip_pdf", tags=TAGS,
                   responses={(200, "application/pdf"): OpenApiTypes.BINARY, **PROBLEMS})
    def get(self, request: Request, department_slug: str, run_id: int, payslip_id: int) -> HttpResponseBase:
        payslip = selectors.payslip_get(run_id=run_id, payslip_id=payslip_id)
        if payslip.status != Payslip.Status.CALCULATED:
            raise exceptions.NotFound("This payslip failed to calculate, so it has no document; see failure_reason.")
        return downloads.payslip_pdf_response(payslip, self.department.name)


class PayRunRegisterApi(DepartmentScopedApi):
    """The payroll register: one row per employee on the run, as CSV or XLSX."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_run_register", tags=TAGS,
                   responses={(200, "text/csv"): OpenApiTypes.BINARY,
                              (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
                                  OpenApiTypes.BINARY, **PROBLEMS})
    def get(self, request: Request, department_slug: str, run_id: int, file_format: str) -> HttpResponseBase:
        response = downloads.run_file_response(run=selectors.pay_run_get(run_id=run_id),
                                               department_slug=self.department.slug, what=f"register.{file_format}")
        if response is None:
            raise exceptions.NotFound("The register is register.csv or register.xlsx.")
        return response


class PayRunBacsFileApi(DepartmentScopedApi):
    """The Bacs Standard 18 net-pay file, written when the run was finalised."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_run_bacs_file", tags=TAGS,
                   responses={(200, "text/plain"): OpenApiTypes.BINARY, **PROBLEMS})
    def get(self, request: Request, department_slug: str, run_id: int) -> HttpResponseBase:
        response = downloads.run_file_response(run=selectors.pay_run_get(run_id=run_id),
                                               department_slug=self.department.slug, what="bacs")
        if response is None:
            raise exceptions.NotFound("The Bacs file is written when the run is finalised; this run is not.")
        return response
