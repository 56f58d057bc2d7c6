"""A pay run's recent bank details changes in the API: the report with its flags, and an approver's
acknowledgement of the flagged ones, which approval waits for (``services.pay_run_approve``).

Under /api/v1/departments/<slug>/payroll/runs/<run_id>/bank-changes/. Scopes: payroll:read to
list; payroll:approve to acknowledge (and, for a person, the payroll approver role). Account
numbers are always masked.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from departments import idempotency
from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, page_of, paginated
from departments.roles import Scope
from payroll import selectors, services
from payroll.apis import KEY_PARAMETER, PROBLEMS, TAGS, _step_errors
from payroll.models import PayrollIdempotencyKey
from payroll.selectors_bank_changes import FLAG_LABELS, pay_run_bank_changes
from payroll.services.bank_changes import NOTE_MAX_LENGTH

MAX_CHANGES_PER_REQUEST = 1000


class BankChangeFlagSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PayrollBankChangeFlag"

    code = serializers.ChoiceField(choices=list(FLAG_LABELS))
    label = serializers.CharField()  # type: ignore[assignment]  # the flag's label, not Field.label
    reason = serializers.CharField(help_text="Why the change is flagged, in plain English.")


class BankChangeAcknowledgementSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PayrollBankChangeAcknowledgement"

    acknowledged_by = serializers.CharField(source="acknowledged_by.get_full_name")
    acknowledged_at = serializers.DateTimeField()
    flags = serializers.ListField(child=serializers.CharField(), help_text="The flags the approver saw.")
    note = serializers.CharField()


class RunBankChangeOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "PayrollRunBankChange"

    id = serializers.IntegerField()
    employee = serializers.CharField(source="employee.payroll_number")
    employee_name = serializers.CharField(source="employee.display_name")
    source = serializers.CharField(  # type: ignore[assignment]  # who made the change, not Field.source
        source="change.source", help_text="employee, or hr (with a second person's check)")
    status = serializers.CharField(source="change.status", help_text="applied (in use) or scheduled")
    made_at = serializers.DateTimeField(source="change.requested_at")
    made_by = serializers.CharField(help_text="Who made the change: the employee, or HR and who checked it.")
    effective_from = serializers.DateField(source="change.effective_from")
    previous_account = serializers.CharField(help_text="Masked: the last two characters of each number.")
    new_account = serializers.CharField(help_text="Masked: the last two characters of each number.")
    flags = BankChangeFlagSerializer(many=True)
    needs_acknowledgement = serializers.BooleanField(
        help_text="Flagged and not yet acknowledged for this run (with every flag it has now): approval waits.")
    acknowledgement = BankChangeAcknowledgementSerializer(allow_null=True)


class PayRunBankChangeListApi(DepartmentScopedApi):
    """The run's recent bank details changes, flagged ones waiting for acknowledgement first: those
    in use or scheduled for its period, made since the schedule's previous regular run was approved
    (or in the 35 days before pay day), for the employees the run pays."""

    required_scopes = {"GET": Scope.PAYROLL_READ}

    @extend_schema(operation_id="payroll_run_bank_changes_list", tags=TAGS,
                   responses={200: page_of("PayrollRunBankChangePage", RunBankChangeOutputSerializer(many=True)),
                              **PROBLEMS})
    def get(self, request: Request, department_slug: str, run_id: int) -> Response:
        run = selectors.pay_run_get(run_id=run_id)
        return paginated(request, self, pay_run_bank_changes(run=run).changes, RunBankChangeOutputSerializer)


class PayRunBankChangeAcknowledgeApi(DepartmentScopedApi):
    """Acknowledge flagged bank details changes for the run, with a note of what was checked. All or
    nothing: an id that is not a flagged change of this run, a missing note, or a change the caller
    made or checked refuses the request. Answers the acknowledged changes."""

    required_scopes = {"POST": Scope.PAYROLL_APPROVE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PayrollRunBankChangeAcknowledgeInput"

        changes = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False,
                                        max_length=MAX_CHANGES_PER_REQUEST,
                                        help_text="Ids of flagged changes in the run's list.")
        note = serializers.CharField(max_length=NOTE_MAX_LENGTH, help_text="What the approver checked.")

    @extend_schema(operation_id="payroll_run_bank_changes_acknowledge", tags=TAGS, request=InputSerializer,
                   parameters=[KEY_PARAMETER],
                   responses={201: RunBankChangeOutputSerializer(many=True), **PROBLEMS})
    def post(self, request: Request, department_slug: str, run_id: int) -> Response:
        def perform() -> Response:
            run = selectors.pay_run_get(run_id=run_id)
            serializer = self.InputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            with _step_errors():
                services.pay_run_bank_changes_acknowledge(run=run, change_ids=data["changes"], note=data["note"],
                                                          acting_user=caller(request))
            report = pay_run_bank_changes(run=run)
            acknowledged = [item for item in report.changes if item.id in set(data["changes"])]
            return Response(RunBankChangeOutputSerializer(acknowledged, many=True).data,
                            status=status.HTTP_201_CREATED)

        return idempotency.idempotent(request, records=PayrollIdempotencyKey, perform=perform)
