"""A pay schedule's details through the API: read one, and change what is safe to change
(``pay_schedule_update`` refuses what would alter a run already under way)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from departments import idempotency
from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, routed_by_method, service_errors
from departments.roles import Scope
from payroll import selectors
from payroll.apis import KEY_PARAMETER, PROBLEMS, TAGS, PayScheduleOutputSerializer
from payroll.models import PayrollIdempotencyKey, PaySchedule
from payroll.services.schedules import pay_schedule_update


class PayScheduleDetailApi(DepartmentScopedApi):
    """One pay schedule."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_schedule_get", tags=TAGS,
                   responses={200: PayScheduleOutputSerializer, **PROBLEMS})
    def get(self, request: Request, department_slug: str, schedule_id: int) -> Response:
        return Response(PayScheduleOutputSerializer(selectors.pay_schedule_get(schedule_id=schedule_id)).data)


class PayScheduleUpdateApi(DepartmentScopedApi):
    """Change a schedule's name, pay day, proration or the account net pay leaves from; fields left
    out keep their value. Frequency is fixed once the schedule has a run; pay day, proration and
    account wait while a run is under way."""

    required_scopes = {"PATCH": Scope.PAYROLL_SUBMIT}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PayrollPayScheduleUpdateInput"

        name = serializers.CharField(max_length=100, required=False)
        frequency = serializers.CharField(max_length=10, required=False,
                                          help_text=f"One of: {', '.join(PaySchedule.Frequency.values)}; fixed once "
                                                    "the schedule has a run.")
        pay_day_of_month = serializers.IntegerField(min_value=0, max_value=31, required=False)
        pay_weekday = serializers.IntegerField(min_value=0, max_value=6, required=False)
        proration = serializers.CharField(max_length=20, required=False,
                                          help_text=f"One of: {', '.join(PaySchedule.Proration.values)}.")
        bank_sort_code = serializers.RegexField(r"^\d{6}$", required=False, allow_blank=True,
                                                error_messages={"invalid": "Enter a sort code of 6 digits."})
        bank_account_number = serializers.RegexField(r"^\d{8}$", required=False, allow_blank=True,
                                                     error_messages={"invalid": "Enter an account number of "
                                                                                "8 digits."})
        bank_account_name = serializers.CharField(max_length=18, required=False, allow_blank=True)

    @extend_schema(operation_id="payroll_schedule_update", tags=TAGS, request=InputSerializer,
                   parameters=[KEY_PARAMETER], responses={200: PayScheduleOutputSerializer, **PROBLEMS})
    def patch(self, request: Request, department_slug: str, schedule_id: int) -> Response:
        schedule = selectors.pay_schedule_get(schedule_id=schedule_id)

        def perform() -> Response:
            serializer = self.InputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            with service_errors():
                updated = pay_schedule_update(schedule=schedule, acting_user=caller(request),
                                              **serializer.validated_data)
            return Response(PayScheduleOutputSerializer(updated).data)

        return idempotency.idempotent(request, records=PayrollIdempotencyKey, perform=perform)


PayScheduleApi = routed_by_method(PayScheduleDetailApi, PayScheduleUpdateApi)
