"""Finance records: the chart of accounts, accounting periods, journals, expense claims, budgets.

Every table is department-owned. Journals are immutable once written and must balance; the
database enforces both (migration 0001's triggers), so no code path can commit a journal whose
debits differ from its credits, or change one afterwards.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from departments.models import DepartmentOwnedModel
from hr.models import CostCentre, Employee

ACCOUNT_CODE_VALIDATOR = RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,19}$",
                                        "Use letters, digits, '-', '_' or '.' (up to 20)")
ZERO = Decimal("0.00")


class Account(DepartmentOwnedModel):
    """One account in a department's chart. ``purpose`` marks the accounts other modules post to
    (payroll's staff costs, the PAYE liability, the bank…), at most one account per purpose."""

    class Kind(models.TextChoices):
        ASSET = "asset", "Asset"
        LIABILITY = "liability", "Liability"
        EQUITY = "equity", "Taxpayers' equity"
        INCOME = "income", "Income"
        EXPENSE = "expense", "Expenditure"

    class Purpose(models.TextChoices):
        STAFF_COSTS = "staff_costs", "Staff costs: salaries and wages"
        EMPLOYER_NI = "employer_ni", "Employer National Insurance"
        EMPLOYER_PENSION = "employer_pension", "Employer pension contributions"
        PAYE_NI_LIABILITY = "paye_ni_liability", "PAYE and NI due to HMRC"
        STUDENT_LOAN_LIABILITY = "student_loan_liability", "Student loan deductions due to HMRC"
        PENSION_LIABILITY = "pension_liability", "Pension contributions due to the scheme"
        NET_PAY_CONTROL = "net_pay_control", "Net pay control"
        BANK = "bank", "Bank"
        EXPENSES = "expenses", "Staff expenses: travel and subsistence"
        EXPENSES_PAYABLE = "expenses_payable", "Expenses approved, not yet paid"
        PAY_DEDUCTIONS_PAYABLE = "pay_deductions_payable", "Deductions from pay due to others (sacrifice, net)"

    code = models.CharField(max_length=20, validators=[ACCOUNT_CODE_VALIDATOR])
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    purpose = models.CharField(max_length=30, choices=Purpose.choices, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["department", "code"], name="finance_account_code_unique"),
            models.UniqueConstraint(fields=["department", "purpose"], condition=~Q(purpose=""),
                                    name="finance_account_one_per_purpose"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def needs_cost_centre(self) -> bool:
        """Income and expenditure lines say which cost centre they belong to; balance sheet lines need not."""
        return self.kind in (self.Kind.INCOME, self.Kind.EXPENSE)


class AccountingPeriod(DepartmentOwnedModel):
    """A month of a financial year (April to March): period 1 is April, period 12 is March."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    financial_year = models.PositiveSmallIntegerField(help_text="The calendar year the financial year starts in.")
    number = models.PositiveSmallIntegerField()
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")

    class Meta:
        ordering = ["financial_year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["department", "financial_year", "number"],
                                    name="finance_period_unique"),
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=12), name="finance_period_number_valid"),
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")),
                                   name="finance_period_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.start_date:%B %Y} ({self.year_label} month {self.number})"

    @property
    def year_label(self) -> str:
        return f"{self.financial_year}-{(self.financial_year + 1) % 100:02d}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Journal(DepartmentOwnedModel):
    """A journal header. Written once, with its lines, by ``finance.services.journal_post``.

    ``(source, source_reference)`` is unique, so a caller that retries (a pay run, an API client
    with an Idempotency-Key) gets the journal it posted before instead of a second one.
    """

    class Source(models.TextChoices):
        MANUAL = "manual", "Manual journal"
        API = "api", "API"
        PAYROLL = "payroll", "Payroll"
        EXPENSES = "expenses", "Expenses"
        REVERSAL = "reversal", "Reversal"
        OPENING = "opening", "Opening balances"

    period = models.ForeignKey(AccountingPeriod, on_delete=models.PROTECT, related_name="journals")
    posted_on = models.DateField()
    description = models.CharField(max_length=200)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    source_reference = models.CharField(max_length=100, blank=True)
    fingerprint = models.CharField(max_length=64, editable=False,
                                   help_text="A digest of the date and lines: a retry or a different journal?")
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="reversed_by")
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    # Set by the database to the transaction's start: lines may be added only in that transaction.
    recorded_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        ordering = ["-posted_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["department", "source", "source_reference"],
                                    condition=~Q(source_reference=""), name="finance_journal_source_unique"),
        ]
        indexes = [
            models.Index(fields=["department", "posted_on"], name="finance_journal_dept_date"),
            models.Index(fields=["department", "period"], name="finance_journal_dept_period"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.description}"

    @property
    def reference(self) -> str:
        return f"J{self.pk:06d}" if self.pk else "J(new)"


class JournalLine(DepartmentOwnedModel):
    """One debit or one credit (never both, never neither) to an account, with its cost centre."""

    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="lines")
    line_number = models.PositiveSmallIntegerField()
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    cost_centre = models.ForeignKey(CostCentre, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    description = models.CharField(max_length=200, blank=True)
    debit = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    credit = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)

    class Meta:
        ordering = ["journal_id", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["department", "journal", "line_number"],
                                    name="finance_journalline_number_unique"),
            models.CheckConstraint(
                condition=(Q(debit__gt=0) & Q(credit=0)) | (Q(credit__gt=0) & Q(debit=0)),
                name="finance_journalline_one_side",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "account"], name="finance_line_dept_account"),
            models.Index(fields=["department", "cost_centre"], name="finance_line_dept_centre"),
        ]

    def __str__(self) -> str:
        side = f"Dr {self.debit}" if self.debit else f"Cr {self.credit}"
        return f"{self.journal_id}/{self.line_number} {side}"


class Budget(DepartmentOwnedModel):
    """A cost centre's budget for a financial year, phased by month (April first)."""

    cost_centre = models.ForeignKey(CostCentre, on_delete=models.PROTECT, related_name="+")
    financial_year = models.PositiveSmallIntegerField()
    monthly_amounts = ArrayField(
        models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(ZERO)]), size=12)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["financial_year", "cost_centre_id"]
        constraints = [
            models.UniqueConstraint(fields=["department", "cost_centre", "financial_year"],
                                    name="finance_budget_one_per_centre_year"),
            models.CheckConstraint(condition=Q(monthly_amounts__len=12), name="finance_budget_twelve_months"),
        ]

    def __str__(self) -> str:
        return f"Budget {self.financial_year}: cost centre {self.cost_centre_id}"

    @property
    def total(self) -> Decimal:
        return sum(self.monthly_amounts, ZERO)


class ExpenseClaim(DepartmentOwnedModel):
    """An employee's claim. It moves draft → submitted → manager approved → approved (by
    finance) → queued for payroll → paid, or is paid directly, or is rejected on the way."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Waiting for line manager"
        MANAGER_APPROVED = "manager_approved", "Waiting for finance"
        APPROVED = "approved", "Approved for payment"
        QUEUED_FOR_PAYROLL = "queued_for_payroll", "In a pay run"
        PAID = "paid", "Paid"
        REJECTED = "rejected", "Rejected"

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    cost_centre = models.ForeignKey(CostCentre, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    help_text="Taken from the claimant's employment when the claim is submitted.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    manager_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                           blank=True, related_name="+")
    manager_decided_at = models.DateTimeField(null=True, blank=True)
    finance_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                           blank=True, related_name="+")
    finance_decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=300, blank=True)
    approval_journal = models.ForeignKey(Journal, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    pay_run_reference = models.CharField(max_length=100, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    payment_journal = models.ForeignKey(Journal, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["department", "status"], name="finance_claim_dept_status"),
            models.Index(fields=["department", "employee"], name="finance_claim_dept_employee"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.purpose}"

    @property
    def reference(self) -> str:
        return f"EX{self.pk:06d}" if self.pk else "EX(new)"


class ExpenseLine(DepartmentOwnedModel):
    """One item on a claim: a receipted cost, or a journey paid by the mile at HMRC's rates."""

    class Category(models.TextChoices):
        TRAVEL = "travel", "Travel (fares, parking, tolls)"
        SUBSISTENCE = "subsistence", "Subsistence (meals)"
        ACCOMMODATION = "accommodation", "Accommodation"
        TRAINING = "training", "Training and conferences"
        OTHER = "other", "Other business expense"
        MILEAGE = "mileage", "Mileage in a private vehicle"

    class Vehicle(models.TextChoices):
        CAR = "car", "Car or van"
        MOTORCYCLE = "motorcycle", "Motorcycle"
        BICYCLE = "bicycle", "Bicycle"

    claim = models.ForeignKey(ExpenseClaim, on_delete=models.CASCADE, related_name="lines")
    category = models.CharField(max_length=20, choices=Category.choices)
    incurred_on = models.DateField()
    description = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=14, decimal_places=2, help_text="The amount claimed, VAT included.")
    vat = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    vehicle = models.CharField(max_length=20, choices=Vehicle.choices, blank=True)
    miles = models.DecimalField(max_digits=8, decimal_places=1, null=True, blank=True)
    receipt = models.FileField(upload_to="finance/receipts/", max_length=300, blank=True)
    receipt_name = models.CharField(max_length=200, blank=True)
    receipt_content_type = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["incurred_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="finance_expenseline_amount_positive"),
            models.CheckConstraint(condition=Q(vat__gte=0) & Q(vat__lte=models.F("amount")),
                                   name="finance_expenseline_vat_within_amount"),
            models.CheckConstraint(
                condition=(Q(category="mileage") & Q(miles__gt=0) & ~Q(vehicle=""))
                | (~Q(category="mileage") & Q(miles__isnull=True) & Q(vehicle="")),
                name="finance_expenseline_mileage_has_miles",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.incurred_on}: £{self.amount}"


def financial_year_of(day: datetime.date) -> int:
    """The financial year (April to March) a date falls in, named by the year it starts."""
    return day.year if day.month >= 4 else day.year - 1


def period_number_of(day: datetime.date) -> int:
    return (day.month - 4) % 12 + 1
