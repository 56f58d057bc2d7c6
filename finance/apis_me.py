"""The self-service API for expenses: the caller's own expense claims, under
``/api/v1/me/departments/<slug>/``.

Every operation works on the caller's own employee record only: another employee's claim
answers 404, as though it did not exist. The services are those the pages call.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, page_of, paginated, service_errors
from departments.roles import Scope
from finance import selectors, services
from finance.apis import ExpenseClaimDetailSerializer, ExpenseClaimOutputSerializer
from finance.models import ExpenseClaim, ExpenseLine
from hr.models import Employee
from shared_services.core.problems import NotFound

TAGS = ["self-service"]


def _own_record(request: Request) -> Employee:
    """The caller's employee record in the department in context; 404 without one (an API
    client's token, or an account HR has not linked)."""
    employee = selectors.employee_for_user(user=caller(request))
    if employee is None:
        raise NotFound("You have no employee record in this department.")
    return employee


def _own_claim(employee: Employee, claim_id: int) -> ExpenseClaim:
    claim = selectors.expense_claim_get(claim_id=claim_id)
    if claim is None or claim.employee_id != employee.pk:  # type: ignore[attr-defined]
        raise NotFound("You have no expense claim with that id.")
    return claim


class MyExpenseClaimListApi(DepartmentScopedApi):
    """My expense claims, newest first, paged with ``limit`` and ``offset``."""

    required_scopes = {"GET": Scope.SELF_SERVICE}

    @extend_schema(operation_id="me_expenses_list", tags=TAGS,
                   responses=page_of("MeExpenseClaimPage", ExpenseClaimOutputSerializer(many=True)))
    def get(self, request: Request, department_slug: str) -> Response:
        return paginated(request, self, selectors.expense_claims_of(employee=_own_record(request)),
                         ExpenseClaimOutputSerializer)


class MyExpenseClaimCreateApi(DepartmentScopedApi):
    """Make a draft claim with its expenses in one go: all of it, or nothing (a problem is named
    ``lines[<index>].<field>``). Mileage is paid at HMRC's approved rates on the business miles,
    so its amount is worked out, not sent. Receipts are added on the claim's page. Submit the
    claim to send it to my line manager."""

    required_scopes = {"POST": Scope.SELF_SERVICE}

    class LineInputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MeExpenseLineInput"

        category = serializers.ChoiceField(choices=ExpenseLine.Category.choices)
        incurred_on = serializers.DateField()
        description = serializers.CharField(max_length=200)
        amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True,
                                          default=None, help_text="In pounds, VAT included; not for mileage.")
        vat = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"),
                                       default=Decimal("0.00"), help_text="In pounds; not for mileage.")
        vehicle = serializers.ChoiceField(choices=ExpenseLine.Vehicle.choices, required=False, allow_blank=True,
                                          default="", help_text="For mileage only.")
        miles = serializers.DecimalField(max_digits=8, decimal_places=1, required=False, allow_null=True,
                                         default=None, help_text="Business miles, for mileage only.")

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MeExpenseClaimInput"

        purpose = serializers.CharField(max_length=200, help_text="What the expenses were for.")
        lines = serializers.ListField(child=serializers.DictField(), min_length=1,
                                      max_length=services.MAX_LINES_AT_ONCE,
                                      error_messages={"min_length": "Add at least one expense to the claim."})

    @extend_schema(
        operation_id="me_expenses_create", tags=TAGS,
        request=inline_serializer("MeExpenseClaimBody", fields={
            "purpose": serializers.CharField(max_length=200), "lines": LineInputSerializer(many=True)}),
        responses={201: ExpenseClaimDetailSerializer},
    )
    def post(self, request: Request, department_slug: str) -> Response:
        employee = _own_record(request)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        line_errors: dict[str, Any] = {}
        lines = []
        for index, raw in enumerate(serializer.validated_data["lines"]):
            line = self.LineInputSerializer(data=raw)
            if line.is_valid():
                lines.append(services.ExpenseLineInput(**line.validated_data))
            else:
                line_errors.update({f"lines[{index}].{field}": messages for field, messages in line.errors.items()})
        if line_errors:
            raise exceptions.ValidationError(line_errors)
        with service_errors():
            claim = services.expense_claim_create_with_lines(employee=employee, acting_user=caller(request),
                                                             purpose=serializer.validated_data["purpose"],
                                                             lines=lines)
        return Response(ExpenseClaimDetailSerializer(_own_claim(employee, claim.pk)).data,
                        status=status.HTTP_201_CREATED)


class MyExpenseClaimDetailApi(DepartmentScopedApi):
    """One of my expense claims, with its expenses."""

    required_scopes = {"GET": Scope.SELF_SERVICE}

    @extend_schema(operation_id="me_expense_retrieve", tags=TAGS, responses=ExpenseClaimDetailSerializer)
    def get(self, request: Request, department_slug: str, claim_id: int) -> Response:
        return Response(ExpenseClaimDetailSerializer(_own_claim(_own_record(request), claim_id)).data)


class MyExpenseClaimSubmitApi(DepartmentScopedApi):
    """Send one of my draft claims to my line manager (and their deputy), who are told by e-mail."""

    required_scopes = {"POST": Scope.SELF_SERVICE}

    @extend_schema(operation_id="me_expense_submit", tags=TAGS, request=None,
                   responses={200: ExpenseClaimDetailSerializer})
    def post(self, request: Request, department_slug: str, claim_id: int) -> Response:
        employee = _own_record(request)
        claim = _own_claim(employee, claim_id)
        with service_errors():
            services.expense_claim_submit(claim=claim, acting_user=caller(request))
        return Response(ExpenseClaimDetailSerializer(_own_claim(employee, claim_id)).data)
