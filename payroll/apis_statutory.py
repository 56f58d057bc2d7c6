"""The absence pay API: an employee's schedule of expected statutory and occupational payments, the
notice of why a statutory payment is not due, the department's recoverable amounts per tax month,
and the previous payroll's earnings history (load, and one employee's).

Under /api/v1/departments/<slug>/payroll/. Scopes: payroll:read for every GET; payroll:submit to
load earnings history.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from departments import idempotency
from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, page_of, paginated
from departments.roles import Scope
from hr.selectors import employee_get
from payroll import selectors_absence_pay, services
from payroll.apis import KEY_PARAMETER, PROBLEMS, TAGS
from payroll.engine.rates import available_tax_years
from payroll.models import PayrollIdempotencyKey
from payroll.selectors_recovery import statutory_recovery
from payroll.services.earnings_history import EarningsHistoryLoadError, EarningsHistoryRow

MAX_EARNINGS_ROWS_PER_REQUEST = 50_000


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2)


class WeekSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PayrollStatutoryQualifyingWeek"

    start = serializers.DateField()
    end = serializers.DateField()


class AverageWeeklyEarningsSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=7)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    payments_counted = serializers.IntegerField()


class ScheduleWeekSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="The week of the schedule, from 1 (the first week of the leave).")
    start = serializers.DateField()
    end = serializers.DateField()
    scheme_pay = serializers.CharField(source="step.pay", help_text="full, half, statutory or nil")
    scheme_step = serializers.IntegerField(source="step.step_number", help_text="0 outside the scheme's steps")
    statutory_week = serializers.IntegerField(source="statutory.number", allow_null=True, default=None)
    statutory_amount = _money()
    rate = serializers.CharField(source="statutory.rate", allow_null=True, default=None)
    paid = serializers.CharField(help_text="'paid', 'part paid' or '' (still to come)")
    keeping_in_touch_days = serializers.ListField(child=serializers.DateField())


class SchemeSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    is_default = serializers.BooleanField()


class LeaveScheduleSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="leave.pk")
    kind = serializers.CharField(source="leave.kind")
    status = serializers.CharField(source="leave.status")
    start_date = serializers.DateField(source="leave.start_date")
    end_date = serializers.DateField(source="leave.end_date")
    payment = serializers.CharField(source="pay.payment")
    payment_name = serializers.CharField()
    notice_form = serializers.CharField()
    eligible = serializers.BooleanField(source="pay.eligible")
    reasons = serializers.ListField(child=serializers.CharField(), source="pay.reasons")
    qualifying_week = WeekSerializer(source="pay.entitlement.qualifying_week", allow_null=True, default=None)
    average_weekly_earnings = AverageWeeklyEarningsSerializer(source="pay.entitlement.average_weekly_earnings",
                                                              allow_null=True, default=None)
    lower_earnings_limit = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True, default=None,
                                                    source="pay.entitlement.lower_earnings_limit")
    scheme = SchemeSerializer()
    occupational_note = serializers.CharField()
    statutory_total = _money()
    statutory_paid = _money()
    weeks = ScheduleWeekSerializer(many=True)


class AllowanceSerializer(serializers.Serializer):
    pay = serializers.CharField()
    allowed_days = serializers.IntegerField()
    used_days = serializers.IntegerField()
    remaining_days = serializers.IntegerField()


class SickPaySerializer(serializers.Serializer):
    scheme = SchemeSerializer()
    rolling_period_days = serializers.IntegerField(source="scheme.rolling_period_days")
    on = serializers.DateField()
    days_in_period = serializers.IntegerField()
    steps = AllowanceSerializer(many=True)


class EmployeeRefSerializer(serializers.Serializer):
    payroll_number = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()


class EmployeeAbsencePayApi(DepartmentScopedApi):
    """The employee's family leaves (requested or confirmed), each with the statutory test and its
    weeks beside the occupational scheme's step and what finalised payslips paid; and the sick pay
    allowance used and remaining in the rolling period."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PayrollEmployeeAbsencePay"

        employee = EmployeeRefSerializer()
        pay_frequency = serializers.CharField(source="frequency")
        family_leaves = LeaveScheduleSerializer(many=True, source="leaves")
        sick_pay = SickPaySerializer()

    @extend_schema(operation_id="payroll_employee_absence_pay", tags=TAGS,
                   responses={200: OutputSerializer, **PROBLEMS})
    def get(self, request: Request, department_slug: str, payroll_number: str) -> Response:
        schedule = selectors_absence_pay.absence_pay_schedule(payroll_number=payroll_number)
        return Response(self.OutputSerializer(schedule).data)


class StatutoryPayNoticeApi(DepartmentScopedApi):
    """The SMP1-style notice for one family leave: the employee, the payment, the dates and each
    reason it is not due (``due`` true and no reasons when it is)."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PayrollStatutoryPayNotice"

        form = serializers.CharField(help_text="SMP1, SAP1, SPP1, ShPP1, SPBP1 or SNCP1")
        employee = EmployeeRefSerializer()
        ni_number = serializers.CharField(source="employee.ni_number")
        payment = serializers.CharField(source="schedule.pay.payment")
        payment_name = serializers.CharField()
        leave = LeaveScheduleSerializer(source="schedule")
        due = serializers.BooleanField()
        reasons = serializers.ListField(child=serializers.CharField())
        issued_on = serializers.DateField()

    @extend_schema(operation_id="payroll_statutory_pay_notice", tags=TAGS,
                   responses={200: OutputSerializer, **PROBLEMS})
    def get(self, request: Request, department_slug: str, payroll_number: str, leave_id: int) -> Response:
        notice = selectors_absence_pay.statutory_pay_notice(payroll_number=payroll_number, leave_id=leave_id)
        return Response(self.OutputSerializer(notice).data)


class PaymentRecoverySerializer(serializers.Serializer):
    payment = serializers.CharField()
    paid = _money()
    recovered = _money()
    nic_compensation = _money()


class MonthRecoverySerializer(serializers.Serializer):
    tax_month = serializers.IntegerField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    paid = _money()
    recovered = _money()
    nic_compensation = _money()
    payments = PaymentRecoverySerializer(many=True)


class StatutoryRecoveryApi(DepartmentScopedApi):
    """Per tax month of ``tax_year``: the statutory family payments paid by finalised runs, what is
    recovered of them (92%, or 100% under small employers' relief) and the NIC compensation (the
    part above 100% under the relief), and the year to date, as the EPS reports it."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PayrollStatutoryRecovery"

        tax_year = serializers.CharField()
        small_employers_relief = serializers.BooleanField()
        rate = serializers.DecimalField(max_digits=9, decimal_places=6)
        months = MonthRecoverySerializer(many=True)
        year_to_date = MonthRecoverySerializer(help_text="Tax months 1 to 12 together")  # the method, called

    @extend_schema(operation_id="payroll_statutory_recovery", tags=TAGS,
                   parameters=[OpenApiParameter("tax_year", str, required=True, description="e.g. 2026-27")],
                   responses={200: OutputSerializer, **PROBLEMS})
    def get(self, request: Request, department_slug: str) -> Response:
        tax_year = request.query_params.get("tax_year", "")
        years = available_tax_years()
        if tax_year not in years:
            raise exceptions.ValidationError({"tax_year": [f"Give a tax year with rates: {', '.join(years)}."]})
        recovery = statutory_recovery(department=self.department, tax_year=tax_year)
        return Response(self.OutputSerializer(recovery).data)


class EarningsHistoryRecordSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PayrollEarningsHistoryRecord"

    pay_date = serializers.DateField()
    earnings = _money()
    source = serializers.CharField()  # type: ignore[assignment]  # the record's source, not Field.source
    loaded_at = serializers.DateTimeField()


class EarningsHistoryOfEmployeeApi(DepartmentScopedApi):
    """What the previous payroll paid the employee on each pay day, latest first."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_employee_earnings_history", tags=TAGS,
                   responses={200: page_of("PayrollEarningsHistoryPage", EarningsHistoryRecordSerializer(many=True)),
                              **PROBLEMS})
    def get(self, request: Request, department_slug: str, payroll_number: str) -> Response:
        employee = employee_get(payroll_number=payroll_number)
        return paginated(request, self, selectors_absence_pay.earnings_history_of(employee=employee),
                         EarningsHistoryRecordSerializer)


class EarningsHistoryRowInputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PayrollEarningsHistoryRow"

    # Text, checked by the service, so that every problem is named the same way as from a file.
    payroll_number = serializers.CharField(max_length=35, allow_blank=True)
    pay_date = serializers.CharField(max_length=30, allow_blank=True, help_text="e.g. 2026-03-27")
    earnings = serializers.CharField(max_length=30, allow_blank=True,
                                     help_text="Earnings subject to Class 1 NICs paid that day, e.g. 2500.00")


class EarningsHistoryLoadApi(DepartmentScopedApi):
    """Load the previous payroll's earnings: all or nothing. A bad row is answered under ``rows``
    at its position, by field; a day already loaded is replaced."""

    required_scopes = {"POST": Scope.PAYROLL_SUBMIT}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PayrollEarningsHistoryLoadInput"

        source = serializers.CharField(  # type: ignore[assignment]  # where the figures came from, not Field.source
            max_length=100, required=False, default="api", allow_blank=True,
            help_text="Where the figures came from, e.g. the legacy system's export")
        rows = EarningsHistoryRowInputSerializer(many=True, allow_empty=False,  # type: ignore[call-arg]
                                                 max_length=MAX_EARNINGS_ROWS_PER_REQUEST)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PayrollEarningsHistoryLoadOutput"

        added = serializers.IntegerField()
        replaced = serializers.IntegerField()

    @extend_schema(operation_id="payroll_earnings_history_load", tags=TAGS, request=InputSerializer,
                   parameters=[KEY_PARAMETER], responses={201: OutputSerializer, **PROBLEMS})
    def post(self, request: Request, department_slug: str) -> Response:
        def perform() -> Response:
            body = self.InputSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            rows = [EarningsHistoryRow(line=index, **row)
                    for index, row in enumerate(body.validated_data["rows"], start=1)]
            try:
                outcome = services.earnings_history_load(department=self.department, rows=rows,
                                                         acting_user=caller(request),
                                                         source=body.validated_data["source"] or "api")
            except EarningsHistoryLoadError as error:
                raise exceptions.ValidationError({"rows": _by_position(error, len(rows))}) from error
            except DjangoValidationError as error:
                raise exceptions.ValidationError(error.message_dict if hasattr(error, "error_dict")
                                                 else {"rows": error.messages}) from error
            data = {"added": outcome.added, "replaced": outcome.replaced}
            return Response(self.OutputSerializer(data).data, status=status.HTTP_201_CREATED)

        return idempotency.idempotent(request, records=PayrollIdempotencyKey, perform=perform)


def _by_position(error: EarningsHistoryLoadError, count: int) -> list[dict[str, list[str]]]:
    """The service's problems at the positions of the rows they belong to (DRF's shape for a list)."""
    found: list[dict[str, list[str]]] = [{} for _ in range(count)]
    for problem in error.row_errors:
        found[problem.line - 1].setdefault(problem.field, []).append(problem.message)
    return found
