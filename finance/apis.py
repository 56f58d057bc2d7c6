"""The finance API: the chart of accounts, periods, journals (posting is idempotent on an
``Idempotency-Key``), the trial balance and exports, expense claims and budgets.

Every view is department-scoped, one operation per class; codes name accounts and cost centres,
resolved within the department.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from departments.api_base import DepartmentScopedApi
from departments.api_helpers import caller, page_of, paginated, routed_by_method, service_errors
from departments.roles import Scope
from finance import exports, selectors, services
from finance.models import Account, AccountingPeriod, ExpenseClaim, Journal
from hr import selectors as hr_selectors

TAGS = ["finance"]
IDEMPOTENCY_HEADER = "Idempotency-Key"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with what is already recorded."
    default_code = "conflict"


def _financial_year(request: Request) -> int:
    raw = request.query_params.get("financial_year", "")
    if not raw:
        return selectors.current_financial_year()
    if not raw.isascii() or not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise exceptions.ValidationError({"financial_year": ["Give the year the financial year starts in, "
                                                             "like 2026 for 2026-27."]})
    return int(raw)


def _period_number(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 12:
        raise exceptions.ValidationError({name: ["Give a period from 1 (April) to 12 (March)."]})
    return int(raw)


# --- Accounts --------------------------------------------------------------------------------------


class AccountOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "FinanceAccount"

    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Account.Kind.choices)
    purpose = serializers.CharField(help_text="What other modules post here (e.g. staff_costs); empty for none.")
    is_active = serializers.BooleanField()


class AccountListApi(DepartmentScopedApi):
    """The department's chart of accounts, by code."""

    required_scopes = {"GET": Scope.FINANCE_READ}

    @extend_schema(operation_id="finance_accounts_list", tags=TAGS, responses=AccountOutputSerializer(many=True))
    def get(self, request: Request, department_slug: str) -> Response:
        return Response(AccountOutputSerializer(selectors.accounts(), many=True).data)


class AccountCreateApi(DepartmentScopedApi):
    """Add an account to the chart."""

    required_scopes = {"POST": Scope.FINANCE_WRITE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "FinanceAccountCreateInput"

        code = serializers.CharField(max_length=20)
        name = serializers.CharField(max_length=200)
        kind = serializers.ChoiceField(choices=Account.Kind.choices)
        purpose = serializers.ChoiceField(choices=Account.Purpose.choices, required=False, allow_blank=True)

    @extend_schema(operation_id="finance_accounts_create", tags=TAGS, request=InputSerializer,
                   responses={201: AccountOutputSerializer})
    def post(self, request: Request, department_slug: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            account = services.account_create(department=self.department, acting_user=caller(request),
                                              **serializer.validated_data)
        return Response(AccountOutputSerializer(account).data, status=status.HTTP_201_CREATED)


class AccountUpdateApi(DepartmentScopedApi):
    """Rename an account, change its purpose, or close it to postings (``is_active``: false)."""

    required_scopes = {"PATCH": Scope.FINANCE_WRITE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "FinanceAccountUpdateInput"

        name = serializers.CharField(max_length=200, required=False)
        purpose = serializers.ChoiceField(choices=Account.Purpose.choices, required=False, allow_blank=True)
        is_active = serializers.BooleanField(required=False)

    @extend_schema(operation_id="finance_accounts_update", tags=TAGS, request=InputSerializer,
                   responses={200: AccountOutputSerializer})
    def patch(self, request: Request, department_slug: str, account_code: str) -> Response:
        account = selectors.account_get(code=account_code)
        if account is None:
            raise exceptions.NotFound("This department has no account with that code.")
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            account = services.account_update(account=account, acting_user=caller(request),
                                              **serializer.validated_data)
        return Response(AccountOutputSerializer(account).data)


# --- Periods ---------------------------------------------------------------------------------------


class PeriodOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "FinancePeriod"

    financial_year = serializers.IntegerField()
    number = serializers.IntegerField(help_text="1 is April, 12 is March.")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    status = serializers.ChoiceField(choices=AccountingPeriod.Status.choices)
    closed_at = serializers.DateTimeField(allow_null=True)


class PeriodListApi(DepartmentScopedApi):
    """The months of a financial year that have been used or closed."""

    required_scopes = {"GET": Scope.FINANCE_READ}

    @extend_schema(operation_id="finance_periods_list", tags=TAGS,
                   parameters=[OpenApiParameter("financial_year", int, description="e.g. 2026 for 2026-27")],
                   responses=PeriodOutputSerializer(many=True))
    def get(self, request: Request, department_slug: str) -> Response:
        return Response(PeriodOutputSerializer(selectors.periods(financial_year=_financial_year(request)),
                                               many=True).data)


class PeriodStatusApi(DepartmentScopedApi):
    """Close a month to postings, or reopen it."""

    required_scopes = {"POST": Scope.FINANCE_WRITE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "FinancePeriodStatusInput"

        status = serializers.ChoiceField(choices=AccountingPeriod.Status.choices)

    @extend_schema(operation_id="finance_periods_set_status", tags=TAGS, request=InputSerializer,
                   responses={200: PeriodOutputSerializer})
    def post(self, request: Request, department_slug: str, financial_year: int, number: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not 1 <= number <= 12:
            raise exceptions.NotFound("Periods are numbered 1 (April) to 12 (March).")
        period = selectors.period_get(financial_year=financial_year, number=number)
        with service_errors():
            if period is None:
                start = services.period_dates(financial_year, number)[0]
                period = services.accounting_period_for(department=self.department, day=start)
            if serializer.validated_data["status"] == AccountingPeriod.Status.CLOSED:
                period = services.accounting_period_close(period=period, acting_user=caller(request))
            else:
                period = services.accounting_period_reopen(period=period, acting_user=caller(request))
        return Response(PeriodOutputSerializer(period).data)


# --- Journals --------------------------------------------------------------------------------------


class JournalLineOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "FinanceJournalLine"

    line_number = serializers.IntegerField()
    account = serializers.CharField(source="account.code")
    cost_centre = serializers.CharField(source="cost_centre.code", allow_null=True, default=None)
    description = serializers.CharField()
    debit = serializers.DecimalField(max_digits=14, decimal_places=2)
    credit = serializers.DecimalField(max_digits=14, decimal_places=2)


class JournalSummarySerializer(serializers.Serializer):
    class Meta:
        ref_name = "FinanceJournalSummary"

    id = serializers.IntegerField()
    reference = serializers.CharField()
    posted_on = serializers.DateField()
    financial_year = serializers.IntegerField(source="period.financial_year")
    period = serializers.IntegerField(source="period.number")
    description = serializers.CharField()
    source = serializers.ChoiceField(choices=Journal.Source.choices)  # type: ignore[assignment]
    source_reference = serializers.CharField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="The debits (equal to the credits).")
    reverses = serializers.IntegerField(source="reverses_id", allow_null=True)
    recorded_at = serializers.DateTimeField()


class JournalDetailSerializer(JournalSummarySerializer):
    class Meta:
        ref_name = "FinanceJournal"

    total = serializers.SerializerMethodField()  # type: ignore[assignment]
    reversed_by = serializers.SerializerMethodField()
    lines = JournalLineOutputSerializer(many=True, source="lines.all")

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2))
    def get_total(self, journal: Journal) -> str:
        return f"{sum((line.debit for line in journal.lines.all()), Decimal('0.00')):.2f}"

    def get_reversed_by(self, journal: Journal) -> int | None:
        reversal = getattr(journal, "reversed_by", None)
        return reversal.pk if reversal is not None else None


class JournalListApi(DepartmentScopedApi):
    """Journals newest first; filter by ``financial_year`` and ``source``; paged with limit and offset."""

    required_scopes = {"GET": Scope.FINANCE_READ}

    @extend_schema(operation_id="finance_journals_list", tags=TAGS,
                   parameters=[OpenApiParameter("financial_year", int),
                               OpenApiParameter("source", str, enum=Journal.Source.values)],
                   responses=page_of("FinanceJournalPage", JournalSummarySerializer(many=True)))
    def get(self, request: Request, department_slug: str) -> Response:
        source = request.query_params.get("source", "")
        if source and source not in Journal.Source.values:
            raise exceptions.ValidationError({"source": [f"Choose one of: {', '.join(Journal.Source.values)}."]})
        rows = selectors.journals(financial_year=_financial_year(request), source=source)
        return paginated(request, self, rows, JournalSummarySerializer)


class JournalPostApi(DepartmentScopedApi):
    """Post a balanced journal. The ``Idempotency-Key`` header is required: the same key and body
    again returns the journal posted the first time (200); the same key with a different body is a
    409."""

    required_scopes = {"POST": Scope.FINANCE_WRITE}

    class LineInputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "FinanceJournalLineInput"

        account = serializers.CharField(max_length=20, help_text="An account code.")
        debit = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"),
                                         default=Decimal("0.00"))
        credit = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"),
                                          default=Decimal("0.00"))
        cost_centre = serializers.CharField(max_length=30, required=False, allow_blank=True, allow_null=True,
                                            help_text="A cost centre code; needed on income and expenditure lines.")
        description = serializers.CharField(max_length=200, required=False, allow_blank=True)

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "FinanceJournalPostInput"

        posted_on = serializers.DateField()
        description = serializers.CharField(max_length=200)
        lines = serializers.ListField(child=serializers.DictField(), allow_empty=True, max_length=5000)

    @extend_schema(
        operation_id="finance_journals_post", tags=TAGS,
        parameters=[OpenApiParameter(IDEMPOTENCY_HEADER, str, OpenApiParameter.HEADER, required=True,
                                     description="A unique key per journal (up to 100 characters), e.g. a UUID.")],
        request=inline_serializer("FinanceJournalPostBody", fields={
            "posted_on": serializers.DateField(), "description": serializers.CharField(max_length=200),
            "lines": LineInputSerializer(many=True)}),
        responses={201: JournalDetailSerializer, 200: JournalDetailSerializer,
                   409: OpenApiResponse(description="The key was used for a different journal.")},
    )
    def post(self, request: Request, department_slug: str) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if not key:
            raise exceptions.ValidationError({IDEMPOTENCY_HEADER: ["Send an Idempotency-Key header, e.g. a UUID, "
                                                                   "so a retried request posts only once."]})
        if len(key) > 100:
            raise exceptions.ValidationError({IDEMPOTENCY_HEADER: ["The key must be 100 characters or fewer."]})
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        line_errors: dict[str, Any] = {}
        lines = []
        for index, raw in enumerate(serializer.validated_data["lines"]):
            line = self.LineInputSerializer(data=raw)
            if line.is_valid():
                lines.append(services.JournalLineInput(**line.validated_data))
            else:
                line_errors[f"lines[{index}]"] = line.errors
        if line_errors:
            raise exceptions.ValidationError(line_errors)
        replay = services.journal_by_source(source=Journal.Source.API, source_reference=key)
        try:
            with service_errors():
                journal = services.journal_post(
                    department=self.department, acting_user=caller(request), lines=lines,
                    posted_on=serializer.validated_data["posted_on"],
                    description=serializer.validated_data["description"],
                    source=Journal.Source.API, source_reference=key)
        except exceptions.ValidationError as error:
            if replay is not None and "source_reference" in error.detail:  # type: ignore[operator]
                raise Conflict(f"The Idempotency-Key '{key}' was used for {replay.reference}, a different journal; "
                               "use a new key.") from error
            raise
        detail = selectors.journal_get(journal_id=journal.pk)
        response = Response(JournalDetailSerializer(detail).data,
                            status=status.HTTP_200_OK if replay is not None else status.HTTP_201_CREATED)
        if replay is not None:
            response["Idempotent-Replayed"] = "true"
        return response


class JournalDetailApi(DepartmentScopedApi):
    """One journal with its lines."""

    required_scopes = {"GET": Scope.FINANCE_READ}

    @extend_schema(operation_id="finance_journal_retrieve", tags=TAGS, responses=JournalDetailSerializer)
    def get(self, request: Request, department_slug: str, journal_id: int) -> Response:
        journal = selectors.journal_get(journal_id=journal_id)
        if journal is None:
            raise exceptions.NotFound("This department has no journal with that id.")
        return Response(JournalDetailSerializer(journal).data)


class JournalReverseApi(DepartmentScopedApi):
    """Reverse a journal: a new journal with debits and credits swapped (a journal is reversed once)."""

    required_scopes = {"POST": Scope.FINANCE_WRITE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "FinanceJournalReverseInput"

        posted_on = serializers.DateField(required=False, help_text="Today if not given.")
        description = serializers.CharField(max_length=200, required=False, allow_blank=True)

    @extend_schema(operation_id="finance_journal_reverse", tags=TAGS, request=InputSerializer,
                   responses={201: JournalDetailSerializer})
    def post(self, request: Request, department_slug: str, journal_id: int) -> Response:
        journal = selectors.journal_get(journal_id=journal_id)
        if journal is None:
            raise exceptions.NotFound("This department has no journal with that id.")
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            reversal = services.journal_reverse(journal=journal, acting_user=caller(request),
                                                **serializer.validated_data)
        return Response(JournalDetailSerializer(selectors.journal_get(journal_id=reversal.pk)).data,
                        status=status.HTTP_201_CREATED)


# --- Trial balance and exports ---------------------------------------------------------------------


class TrialBalanceApi(DepartmentScopedApi):
    """Debits and credits by account for a financial year, up to a period (12 by default)."""

    required_scopes = {"GET": Scope.FINANCE_READ}

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "FinanceTrialBalanceRow"

        account = serializers.CharField(source="account.code")
        name = serializers.CharField(source="account.name")
        kind = serializers.CharField(source="account.kind")
        debit = serializers.DecimalField(max_digits=16, decimal_places=2)
        credit = serializers.DecimalField(max_digits=16, decimal_places=2)
        balance = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="Debits less credits.")

    @extend_schema(operation_id="finance_trial_balance", tags=TAGS,
                   parameters=[OpenApiParameter("financial_year", int), OpenApiParameter("up_to_period", int)],
                   responses=OutputSerializer(many=True))
    def get(self, request: Request, department_slug: str) -> Response:
        rows = selectors.trial_balance(financial_year=_financial_year(request),
                                       up_to_period=_period_number(request, "up_to_period") or 12)
        return Response(self.OutputSerializer(rows, many=True).data)


class ExportApi(DepartmentScopedApi):
    """The trial balance or the journal lines of a year as a CSV or XLSX file for an ERP.
    ``period`` narrows journal lines to one month, and the trial balance up to it."""

    required_scopes = {"GET": Scope.FINANCE_READ}

    @extend_schema(operation_id="finance_export", tags=TAGS,
                   parameters=[OpenApiParameter("financial_year", int), OpenApiParameter("period", int)],
                   responses={(200, "text/csv"): OpenApiTypes.BINARY,
                              (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
                                  OpenApiTypes.BINARY})
    def get(self, request: Request, department_slug: str, report: str, file_format: str) -> HttpResponse:
        if report not in ("trial-balance", "journal-lines") or file_format not in exports.FORMATS:
            raise exceptions.NotFound("Exports are trial-balance or journal-lines, as csv or xlsx.")
        return exports.export_response(department=self.department, report=report, file_format=file_format,
                                       financial_year=_financial_year(request),
                                       period=_period_number(request, "period"))


# --- Expenses --------------------------------------------------------------------------------------


class ExpenseLineOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "FinanceExpenseLine"

    id = serializers.IntegerField()
    category = serializers.CharField()
    incurred_on = serializers.DateField()
    description = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    vat = serializers.DecimalField(max_digits=14, decimal_places=2)
    vehicle = serializers.CharField()
    miles = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    has_receipt = serializers.SerializerMethodField()

    def get_has_receipt(self, line: Any) -> bool:
        return bool(line.receipt)


class ExpenseClaimOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "FinanceExpenseClaim"

    id = serializers.IntegerField()
    reference = serializers.CharField()
    employee = serializers.CharField(source="employee.payroll_number")
    employee_name = serializers.CharField(source="employee.display_name")
    purpose = serializers.CharField()
    status = serializers.ChoiceField(choices=ExpenseClaim.Status.choices)
    cost_centre = serializers.CharField(source="cost_centre.code", allow_null=True, default=None)
    total = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    manager_decided_at = serializers.DateTimeField(allow_null=True)
    finance_decided_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField()
    pay_run_reference = serializers.CharField()
    paid_on = serializers.DateField(allow_null=True)


class ExpenseClaimDetailSerializer(ExpenseClaimOutputSerializer):
    class Meta:
        ref_name = "FinanceExpenseClaimDetail"

    total = serializers.SerializerMethodField()  # type: ignore[assignment]
    lines = ExpenseLineOutputSerializer(many=True, source="lines.all")

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2))
    def get_total(self, claim: ExpenseClaim) -> str:
        return f"{sum((line.amount for line in claim.lines.all()), Decimal('0.00')):.2f}"


def _claim_or_404(claim_id: int) -> ExpenseClaim:
    claim = selectors.expense_claim_get(claim_id=claim_id)
    if claim is None:
        raise exceptions.NotFound("This department has no expense claim with that id.")
    return claim


class ExpenseClaimListApi(DepartmentScopedApi):
    """Expense claims, newest first; filter by ``status`` and ``employee`` (payroll number)."""

    required_scopes = {"GET": Scope.FINANCE_READ}

    @extend_schema(operation_id="finance_expense_claims_list", tags=TAGS,
                   parameters=[OpenApiParameter("status", str, enum=ExpenseClaim.Status.values),
                               OpenApiParameter("employee", str)],
                   responses=page_of("FinanceExpenseClaimPage", ExpenseClaimOutputSerializer(many=True)))
    def get(self, request: Request, department_slug: str) -> Response:
        wanted = request.query_params.get("status", "")
        if wanted and wanted not in ExpenseClaim.Status.values:
            raise exceptions.ValidationError({"status": [f"Choose one of: {', '.join(ExpenseClaim.Status.values)}."]})
        rows = selectors.expense_claims(status=wanted, payroll_number=request.query_params.get("employee", ""))
        return paginated(request, self, rows, ExpenseClaimOutputSerializer)


class ExpenseClaimDetailApi(DepartmentScopedApi):
    """One expense claim with its lines."""

    required_scopes = {"GET": Scope.FINANCE_READ}

    @extend_schema(operation_id="finance_expense_claim_retrieve", tags=TAGS, responses=ExpenseClaimDetailSerializer)
    def get(self, request: Request, department_slug: str, claim_id: int) -> Response:
        return Response(ExpenseClaimDetailSerializer(_claim_or_404(claim_id)).data)


class ExpenseClaimFinanceDecisionApi(DepartmentScopedApi):
    """Finance approves a claim its line manager approved (posting its cost), or rejects it with a reason."""

    required_scopes = {"POST": Scope.EXPENSES_APPROVE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "FinanceExpenseDecisionInput"

        approve = serializers.BooleanField()
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(operation_id="finance_expense_claim_decide", tags=TAGS, request=InputSerializer,
                   responses={200: ExpenseClaimDetailSerializer})
    def post(self, request: Request, department_slug: str, claim_id: int) -> Response:
        claim = _claim_or_404(claim_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            services.expense_claim_finance_decide(claim=claim, acting_user=caller(request),
                                                  **serializer.validated_data)
        return Response(ExpenseClaimDetailSerializer(_claim_or_404(claim_id)).data)


class ExpenseClaimMarkPaidApi(DepartmentScopedApi):
    """Record an approved claim as paid directly (not through payroll)."""

    required_scopes = {"POST": Scope.EXPENSES_APPROVE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "FinanceExpenseMarkPaidInput"

        paid_on = serializers.DateField(required=False, help_text="Today if not given.")

    @extend_schema(operation_id="finance_expense_claim_mark_paid", tags=TAGS, request=InputSerializer,
                   responses={200: ExpenseClaimDetailSerializer})
    def post(self, request: Request, department_slug: str, claim_id: int) -> Response:
        claim = _claim_or_404(claim_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            services.expense_claims_mark_paid(department=self.department, claims=[claim],
                                              acting_user=caller(request), **serializer.validated_data)
        return Response(ExpenseClaimDetailSerializer(_claim_or_404(claim_id)).data)


# --- Budgets ---------------------------------------------------------------------------------------


class BudgetOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "FinanceBudget"

    cost_centre = serializers.CharField(source="cost_centre.code")
    financial_year = serializers.IntegerField()
    monthly_amounts = serializers.ListField(child=serializers.DecimalField(max_digits=14, decimal_places=2),
                                            help_text="Twelve amounts, April to March.")
    total = serializers.DecimalField(max_digits=16, decimal_places=2)


class BudgetListApi(DepartmentScopedApi):
    """Budgets of a financial year, by cost centre."""

    required_scopes = {"GET": Scope.FINANCE_READ}

    @extend_schema(operation_id="finance_budgets_list", tags=TAGS, parameters=[OpenApiParameter("financial_year", int)],
                   responses=BudgetOutputSerializer(many=True))
    def get(self, request: Request, department_slug: str) -> Response:
        return Response(BudgetOutputSerializer(selectors.budgets(financial_year=_financial_year(request)),
                                               many=True).data)


class BudgetSetApi(DepartmentScopedApi):
    """Set a cost centre's budget for a year: twelve monthly amounts, or an annual amount phased evenly."""

    required_scopes = {"POST": Scope.FINANCE_WRITE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "FinanceBudgetSetInput"

        cost_centre = serializers.SlugRelatedField(
            slug_field="code", queryset=hr_selectors.cost_centres(),
            error_messages={"does_not_exist": "This department has no cost centre with the code '{value}'."})
        financial_year = serializers.IntegerField(min_value=2000, max_value=2100)
        monthly_amounts = serializers.ListField(
            child=serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0")),
            min_length=12, max_length=12, required=False)
        annual_amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"),
                                                 required=False)

    @extend_schema(operation_id="finance_budgets_set", tags=TAGS, request=InputSerializer,
                   responses={200: BudgetOutputSerializer})
    def post(self, request: Request, department_slug: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            budget = services.budget_set(department=self.department, acting_user=caller(request),
                                         **serializer.validated_data)
        return Response(BudgetOutputSerializer(budget).data)


class BudgetVsActualApi(DepartmentScopedApi):
    """Budget and spend by month for the department, or one cost centre and its sub-centres."""

    required_scopes = {"GET": Scope.FINANCE_READ}

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "FinanceBudgetVsActual"

        financial_year = serializers.IntegerField()
        cost_centre = serializers.CharField(source="cost_centre.code", allow_null=True, default=None)
        budget = serializers.DecimalField(max_digits=16, decimal_places=2)
        actual = serializers.DecimalField(max_digits=16, decimal_places=2)
        variance = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="Budget less actual.")
        months = inline_serializer("FinanceBudgetMonth", many=True, fields={
            "label": serializers.CharField(),
            "budget": serializers.DecimalField(max_digits=16, decimal_places=2),
            "actual": serializers.DecimalField(max_digits=16, decimal_places=2),
            "variance": serializers.DecimalField(max_digits=16, decimal_places=2),
        })

    @extend_schema(operation_id="finance_budget_vs_actual", tags=TAGS,
                   parameters=[OpenApiParameter("financial_year", int), OpenApiParameter("cost_centre", str)],
                   responses=OutputSerializer)
    def get(self, request: Request, department_slug: str) -> Response:
        code = request.query_params.get("cost_centre", "")
        centre = hr_selectors.cost_centres().filter(code=code).first() if code else None
        if code and centre is None:
            raise exceptions.ValidationError({"cost_centre": [f"This department has no cost centre with the code "
                                                              f"'{code}'."]})
        report = selectors.budget_vs_actual(financial_year=_financial_year(request), cost_centre=centre)
        return Response(self.OutputSerializer(report).data)


AccountsApi = routed_by_method(AccountListApi, AccountCreateApi)
JournalsApi = routed_by_method(JournalListApi, JournalPostApi)
BudgetsApi = routed_by_method(BudgetListApi, BudgetSetApi)
