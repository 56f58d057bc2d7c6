from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from payroll.engine import calculate_batch

MAX_CALCULATIONS_PER_REQUEST = 10_000


class CalculationInputSerializer(serializers.Serializer):
    """Documents the contract's input object; the engine itself validates each input."""

    id = serializers.CharField()
    tax_year = serializers.ChoiceField(choices=["2025-26", "2026-27"])
    frequency = serializers.ChoiceField(choices=["weekly", "monthly"])
    period = serializers.IntegerField(min_value=1, max_value=52)
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
