"""Reads of finance records, each in the caller's department context (the scoped managers need it)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from finance.models import (
    ZERO,
    Account,
    AccountingPeriod,
    Budget,
    ExpenseClaim,
    ExpenseLine,
    Journal,
    JournalLine,
    financial_year_of,
)
from hr.models import CostCentre, Employee, Employment
from shared_services.accounts.models import User

MONTH_LABELS = ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar")


def employee_for_user(*, user: User) -> Employee | None:
    """The employee record a signed-in person serves themselves through, in the current department."""
    if not user.is_authenticated:
        return None
    return Employee.objects.filter(user=user).order_by("-start_date").first()


# --- Accounts and periods --------------------------------------------------------------------------


def accounts(*, active_only: bool = False) -> QuerySet[Account]:
    rows = Account.objects.order_by("code")
    return rows.filter(is_active=True) if active_only else rows


def account_get(*, code: str) -> Account | None:
    return Account.objects.filter(code=code).first()


def account_for_purpose(*, purpose: str) -> Account | None:
    """The active account other modules post to for ``purpose`` (e.g. payroll's staff costs)."""
    return Account.objects.filter(purpose=purpose, is_active=True).first()


def periods(*, financial_year: int) -> QuerySet[AccountingPeriod]:
    return AccountingPeriod.objects.filter(financial_year=financial_year).select_related("closed_by") \
        .order_by("number")


def period_get(*, financial_year: int, number: int) -> AccountingPeriod | None:
    return AccountingPeriod.objects.filter(financial_year=financial_year, number=number).first()


def current_financial_year() -> int:
    return financial_year_of(timezone.localdate())


# --- Journals --------------------------------------------------------------------------------------


def journals(*, financial_year: int | None = None, source: str = "",
             account: Account | None = None) -> QuerySet[Journal]:
    """Journals newest first, with their period and who posted them; optionally one year, source or account."""
    rows = Journal.objects.select_related("period", "posted_by", "reverses", "reversed_by") \
        .annotate(total=Sum("lines__debit")).order_by("-posted_on", "-id")
    if financial_year is not None:
        rows = rows.filter(period__financial_year=financial_year)
    if source:
        rows = rows.filter(source=source)
    if account is not None:
        rows = rows.filter(lines__account=account).distinct()
    return rows


def journal_get(*, journal_id: int) -> Journal | None:
    lines = JournalLine.objects.select_related("account", "cost_centre").order_by("line_number")
    return (Journal.objects.select_related("period", "posted_by", "reverses", "reversed_by")
            .prefetch_related(Prefetch("lines", queryset=lines)).filter(pk=journal_id).first())


def journal_lines(*, financial_year: int, period_number: int | None = None) -> QuerySet[JournalLine]:
    """Every posted line of a year (or one month), in posting order, for exports."""
    rows = JournalLine.objects.filter(journal__period__financial_year=financial_year)
    if period_number is not None:
        rows = rows.filter(journal__period__number=period_number)
    return rows.select_related("journal", "journal__period", "account", "cost_centre") \
        .order_by("journal__posted_on", "journal_id", "line_number")


@dataclass(frozen=True)
class TrialBalanceRow:
    account: Account
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit


def trial_balance(*, financial_year: int, up_to_period: int = 12) -> list[TrialBalanceRow]:
    """Each account's total debits and credits posted in the year up to a period; accounts with
    no postings are left out. Debit totals equal credit totals, as every journal balances."""
    sums = (JournalLine.objects.filter(journal__period__financial_year=financial_year,
                                       journal__period__number__lte=up_to_period)
            .values("account_id").annotate(debit=Sum("debit"), credit=Sum("credit")))
    by_account = {row["account_id"]: row for row in sums}
    return [
        TrialBalanceRow(account, by_account[account.pk]["debit"] or ZERO, by_account[account.pk]["credit"] or ZERO)
        for account in Account.objects.filter(pk__in=by_account).order_by("code")
    ]


# --- Budgets and actuals ---------------------------------------------------------------------------


@dataclass
class BudgetMonth:
    label: str
    budget: Decimal = ZERO
    actual: Decimal = ZERO

    @property
    def variance(self) -> Decimal:
        """Budget left: positive is underspend, negative overspend."""
        return self.budget - self.actual


@dataclass
class BudgetReport:
    financial_year: int
    cost_centre: CostCentre | None
    months: list[BudgetMonth] = field(default_factory=list)
    by_cost_centre: list[tuple[CostCentre, Decimal, Decimal]] = field(default_factory=list)

    @property
    def budget(self) -> Decimal:
        return sum((month.budget for month in self.months), ZERO)

    @property
    def actual(self) -> Decimal:
        return sum((month.actual for month in self.months), ZERO)

    @property
    def variance(self) -> Decimal:
        return self.budget - self.actual


def budgets(*, financial_year: int) -> QuerySet[Budget]:
    return Budget.objects.filter(financial_year=financial_year).select_related("cost_centre") \
        .order_by("cost_centre__path")


def budget_vs_actual(*, financial_year: int, cost_centre: CostCentre | None = None) -> BudgetReport:
    """Budget and spend by month for a cost centre and its sub-centres, or the whole department.

    Spend is the net of posted income and expenditure lines (debits less credits), so payroll
    costs, approved expenses and reversals all count as soon as they are posted.
    """
    report = BudgetReport(financial_year, cost_centre, [BudgetMonth(label) for label in MONTH_LABELS])
    budget_rows = Budget.objects.filter(financial_year=financial_year)
    lines = JournalLine.objects.filter(journal__period__financial_year=financial_year,
                                       account__kind__in=[Account.Kind.EXPENSE, Account.Kind.INCOME])
    if cost_centre is not None:
        budget_rows = budget_rows.filter(cost_centre__path__startswith=cost_centre.path)
        lines = lines.filter(cost_centre__path__startswith=cost_centre.path)
    centre_budget: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for budget in budget_rows:
        for index, amount in enumerate(budget.monthly_amounts):
            report.months[index].budget += amount
        centre_budget[budget.cost_centre_id] += budget.total  # type: ignore[attr-defined]
    centre_actual: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in lines.values("journal__period__number", "cost_centre_id").annotate(debit=Sum("debit"),
                                                                                   credit=Sum("credit")):
        net = (row["debit"] or ZERO) - (row["credit"] or ZERO)
        report.months[row["journal__period__number"] - 1].actual += net
        if row["cost_centre_id"] is not None:
            centre_actual[row["cost_centre_id"]] += net
    # One row per direct child (or, for the department, per top-level centre), each with its subtree.
    if cost_centre is None:
        heads = CostCentre.objects.filter(parent__isnull=True)
    else:
        heads = CostCentre.objects.filter(parent=cost_centre)
    all_centres = list(CostCentre.objects.only("id", "path"))
    for head in heads.order_by("code"):
        ids = [centre.pk for centre in all_centres if centre.path.startswith(head.path)]
        report.by_cost_centre.append((head, sum((centre_budget[i] for i in ids), ZERO),
                                      sum((centre_actual[i] for i in ids), ZERO)))
    return report


# --- Expenses --------------------------------------------------------------------------------------

_CLAIM_RELATED = ("employee", "cost_centre", "manager_decided_by", "finance_decided_by")


def _with_totals(rows: QuerySet[ExpenseClaim]) -> QuerySet[ExpenseClaim]:
    return rows.select_related(*_CLAIM_RELATED).annotate(total=Sum("lines__amount"))


def expense_claim_get(*, claim_id: int) -> ExpenseClaim | None:
    lines = ExpenseLine.objects.order_by("incurred_on", "id")
    return (ExpenseClaim.objects.select_related(*_CLAIM_RELATED, "approval_journal", "payment_journal")
            .prefetch_related(Prefetch("lines", queryset=lines)).filter(pk=claim_id).first())


def expense_claims(*, status: str = "", payroll_number: str = "") -> QuerySet[ExpenseClaim]:
    rows = _with_totals(ExpenseClaim.objects.all()).order_by("-created_at", "-id")
    if status:
        rows = rows.filter(status=status)
    if payroll_number:
        rows = rows.filter(employee__payroll_number=payroll_number)
    return rows


def expense_claims_of(*, employee: Employee) -> QuerySet[ExpenseClaim]:
    return expense_claims().filter(employee=employee)


def _managed_by(manager_user_id: int) -> QuerySet[Employment]:
    today = timezone.localdate()
    return Employment.objects.filter(superseded_at__isnull=True, line_manager__user_id=manager_user_id,
                                     valid_from__lte=today).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))


def expense_claims_awaiting_manager(*, manager_user_id: int) -> QuerySet[ExpenseClaim]:
    """Submitted claims from the people this user line-manages today (never their own)."""
    return (expense_claims(status=ExpenseClaim.Status.SUBMITTED)
            .filter(employee__in=_managed_by(manager_user_id).values("employee_id"))
            .exclude(employee__user_id=manager_user_id).order_by("submitted_at", "id"))


def expense_claims_awaiting_finance() -> QuerySet[ExpenseClaim]:
    return expense_claims(status=ExpenseClaim.Status.MANAGER_APPROVED).order_by("manager_decided_at", "id")


def expense_claims_payable_through_payroll(*, approved_on_or_before: datetime.date | None = None
                                           ) -> QuerySet[ExpenseClaim]:
    """Approved claims not yet in a pay run or paid: what the next pay run reimburses, free of tax
    and NI, to each claimant. ``total`` on each row is the amount to pay."""
    rows = expense_claims(status=ExpenseClaim.Status.APPROVED)
    if approved_on_or_before is not None:
        rows = rows.filter(finance_decided_at__date__lte=approved_on_or_before)
    return rows.order_by("employee__payroll_number", "id")


def expense_claims_in_pay_run(*, pay_run_reference: str) -> QuerySet[ExpenseClaim]:
    return expense_claims(status=ExpenseClaim.Status.QUEUED_FOR_PAYROLL).filter(
        pay_run_reference=pay_run_reference).order_by("employee__payroll_number", "id")


def business_miles_in_tax_year(*, employee: Employee, vehicle: str, on: datetime.date) -> Decimal:
    from finance.mileage import tax_year_start

    start = tax_year_start(on)
    return (ExpenseLine.objects.filter(claim__employee=employee, category=ExpenseLine.Category.MILEAGE,
                                       vehicle=vehicle, incurred_on__gte=start,
                                       incurred_on__lt=start.replace(year=start.year + 1))
            .exclude(claim__status=ExpenseClaim.Status.REJECTED).aggregate(total=Sum("miles"))["total"]
            or Decimal("0"))
