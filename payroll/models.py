"""Payroll data held per department: opening year-to-date balances, pay schedules, pay inputs, pay
runs and their payslips."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from departments.idempotency import IdempotencyRecord
from departments.models import DepartmentOwnedModel

ZERO = Decimal("0.00")


def _money(verbose_name: str = "") -> models.DecimalField:
    return models.DecimalField(verbose_name or None, max_digits=14, decimal_places=2, default=ZERO)


BALANCE_FIGURES = ("taxable_pay", "tax_paid", "ni_employee", "ni_employer", "student_loan", "postgraduate_loan",
                   "pension_employee")


class OpeningBalance(DepartmentOwnedModel):
    """One employee's year-to-date figures for a tax year, as the previous payroll system paid them.

    The first pay run reads them as the "to date before this period" figures. Once that run is
    finalised they are locked: they are history then, and changing them would falsify RTI returns.
    """

    # Enforced by the composite (department_id, employee_id) foreign key of the migration alone.
    employee = models.ForeignKey("hr.Employee", on_delete=models.PROTECT, related_name="+", db_constraint=False)
    tax_year = models.CharField(max_length=7, help_text="e.g. 2026-27")
    previous_payroll_id = models.CharField(max_length=35, blank=True,
                                           help_text="The payroll ID the previous system reported to HMRC (RTI).")
    taxable_pay = _money("taxable pay to date")
    tax_paid = _money("tax paid to date")
    ni_category = models.CharField("NI category letter", max_length=1, blank=True)
    ni_employee = _money("employee NI to date")
    ni_employer = _money("employer NI to date")
    student_loan = _money("student loan deductions to date")
    postgraduate_loan = _money("postgraduate loan deductions to date")
    pension_employee = _money("employee pension contributions to date")
    locked = models.BooleanField(default=False)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "employee", "tax_year"],
                                    name="payroll_openingbalance_one_per_employee_year"),
            models.CheckConstraint(condition=Q(locked=False) | Q(locked_at__isnull=False),
                                   name="payroll_openingbalance_locked_has_time"),
        ]
        indexes = [models.Index(fields=["department", "tax_year"], name="payroll_opening_dept_year")]

    def __str__(self) -> str:
        return f"Opening balance {self.tax_year} for employee {self.employee_id}"


class EarningsHistory(DepartmentOwnedModel):
    """What the previous payroll system paid an employee on one pay day: the earnings statutory pay's
    average weekly earnings are worked out from when the relevant period falls before the platform's
    own payslips (RATES.md §6). Loaded with the onboarding, or later from the legacy payroll's
    records."""

    employee = models.ForeignKey("hr.Employee", on_delete=models.PROTECT, related_name="+", db_constraint=False)
    pay_date = models.DateField()
    earnings = _money("earnings subject to Class 1 NICs paid on this day")
    source = models.CharField(max_length=100, blank=True, help_text="Where the figure came from, e.g. the file")
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pay_date"]
        constraints = [models.UniqueConstraint(fields=["department", "employee", "pay_date"],
                                               name="payroll_earningshistory_one_per_day")]

    def __str__(self) -> str:
        return f"Earnings of employee {self.employee_id} paid {self.pay_date}"


class PaySchedule(DepartmentOwnedModel):
    """How a group of staff is paid: how often, on which day, how part periods are pro-rated, and
    the employer's bank account the net pay leaves from."""

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        WEEKLY = "weekly", "Weekly"

    class Proration(models.TextChoices):
        CALENDAR_DAYS = "calendar_days", "Calendar days"
        WORKING_DAYS = "working_days", "Working days"

    name = models.CharField(max_length=100)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    pay_day_of_month = models.PositiveSmallIntegerField(default=0, help_text="0 means the last day of the month")
    pay_weekday = models.PositiveSmallIntegerField(default=4, help_text="0 is Monday; for weekly pay")
    proration = models.CharField(max_length=20, choices=Proration.choices, default=Proration.CALENDAR_DAYS)
    bank_sort_code = models.CharField(max_length=6, blank=True)
    bank_account_number = models.CharField(max_length=8, blank=True)
    bank_account_name = models.CharField(max_length=18, blank=True)
    pays_everyone_else = models.BooleanField(
        default=False, help_text="Pays every employee not moved onto another of the department's schedules")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="payroll_payschedule_name_unique"),
            # Exactly one schedule can be the one that pays everyone else, so nobody is paid twice.
            models.UniqueConstraint(fields=["department"], condition=Q(pays_everyone_else=True),
                                    name="payroll_payschedule_one_default"),
            models.CheckConstraint(condition=Q(pay_day_of_month__lte=31) & Q(pay_weekday__lte=6),
                                   name="payroll_payschedule_pay_day_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def pay_weekday_name(self) -> str:
        return ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[self.pay_weekday]


class PayScheduleMember(DepartmentOwnedModel):
    """An employee paid by a schedule other than the department's default one (weekly-paid staff,
    say). At most one row per employee, so no employee is on two schedules."""

    employee = models.ForeignKey("hr.Employee", on_delete=models.PROTECT, related_name="+")
    schedule = models.ForeignKey(PaySchedule, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "employee"], name="payroll_member_one_schedule"),
        ]
        indexes = [models.Index(fields=["department", "schedule"], name="payroll_member_schedule")]


class PayInput(DepartmentOwnedModel):
    """A payment or deduction for one employee in one pay period: an allowance, overtime, a one-off
    payment, salary sacrifice, a deduction from net pay, a reimbursement. Entered on a page,
    imported from CSV or posted through the API; locked once its period's run is opened."""

    class Kind(models.TextChoices):
        TAXABLE_PAYMENT = "taxable_payment", "Payment (taxed)"
        SALARY_SACRIFICE = "salary_sacrifice", "Salary sacrifice"
        REIMBURSEMENT = "reimbursement", "Reimbursement (not taxed)"
        NET_DEDUCTION = "net_deduction", "Deduction from net pay"

    employee = models.ForeignKey("hr.Employee", on_delete=models.PROTECT, related_name="+")
    schedule = models.ForeignKey(PaySchedule, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(help_text="The first day of the pay period it is paid in")
    code = models.CharField(max_length=20)
    description = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    hours = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True,
                                help_text="For overtime and other hourly pay: the amount is hours × rate")
    rate = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True)
    pensionable = models.BooleanField(default=False)
    source_reference = models.CharField(max_length=100, blank=True,
                                        help_text="Where it came from, e.g. an expense claim or an import row")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["department", "schedule", "period_start"], name="payroll_input_period")]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="payroll_payinput_amount_not_negative")]


class PayRun(DepartmentOwnedModel):
    """One pay period's run for a schedule, moved through its states by audited services only."""

    class Kind(models.TextChoices):
        REGULAR = "regular", "Regular"
        SUPPLEMENTARY = "supplementary", "Supplementary"
        # Calculated like a regular run to compare with what the legacy payroll paid before cut-over;
        # never approved or finalised, so it pays nobody and no later run counts it.
        SHADOW = "shadow", "Shadow (parallel run)"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open: inputs locked"
        CALCULATING = "calculating", "Calculating"
        CALCULATED = "calculated", "Calculated: ready to review"
        APPROVED = "approved", "Approved"
        FINALISED = "finalised", "Finalised"
        CANCELLED = "cancelled", "Cancelled"

    schedule = models.ForeignKey(PaySchedule, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REGULAR)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    period_start = models.DateField()
    period_end = models.DateField()
    pay_date = models.DateField()
    tax_year = models.CharField(max_length=7)
    tax_period = models.PositiveSmallIntegerField()
    employees_total = models.PositiveIntegerField(default=0)
    employees_calculated = models.PositiveIntegerField(default=0)
    employees_failed = models.PositiveIntegerField(default=0)
    calculation_number = models.PositiveIntegerField(default=0, help_text="Increases with every calculation started")
    progress_at = models.DateTimeField(null=True, blank=True,
                                       help_text="When the calculation last moved: started, resumed or a chunk written")
    automatic_resumes = models.PositiveSmallIntegerField(
        default=0, help_text="Times the current calculation was resumed because it stopped moving")
    automatically_resumed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    opened_at = models.DateTimeField(null=True)
    calculated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    calculated_at = models.DateTimeField(null=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    approved_at = models.DateTimeField(null=True)
    finalised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    finalised_at = models.DateTimeField(null=True)
    journal = models.ForeignKey("finance.Journal", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    bacs_file = models.CharField(max_length=255, blank=True, help_text="Where the Bacs net-pay file is stored")
    bacs_processing_day = models.DateField(null=True, blank=True)

    @property
    def reference(self) -> str:
        """How other modules (finance's journals and expense claims) name this run."""
        return f"pay-run-{self.pk}"

    class Meta:
        constraints = [
            # One regular run a period per schedule; cancelled runs step aside for a new one.
            models.UniqueConstraint(fields=["department", "schedule", "period_start"],
                                    condition=Q(kind="regular") & ~Q(status="cancelled"),
                                    name="payroll_payrun_one_regular_per_period"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="payroll_payrun_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} run {self.period_start:%B %Y} ({self.get_status_display()})"


class Payslip(DepartmentOwnedModel):
    """One employee's result in a run: calculated, or failed with a reason. Exactly one per run and
    employee; recalculating replaces it."""

    class Status(models.TextChoices):
        CALCULATED = "calculated", "Calculated"
        FAILED = "failed", "Failed"
        UNCHANGED = "unchanged", "Nothing more to pay"  # a supplementary run's employee already paid right

    # A run writes tens of thousands of payslips and lines: each reference is checked once, by the
    # composite (department_id, x_id) foreign keys of the migrations, and indexed once, by the
    # indexes that lead with department_id (which every query has, from the ORM or from RLS). The
    # department itself is vouched for by the run's (its composite key names the run's department).
    department = models.ForeignKey("departments.Department", on_delete=models.PROTECT, related_name="+",
                                   editable=False, db_constraint=False, db_index=False)
    run = models.ForeignKey(PayRun, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False)
    employee = models.ForeignKey("hr.Employee", on_delete=models.PROTECT, related_name="+", db_constraint=False,
                                 db_index=False)
    status = models.CharField(max_length=20, choices=Status.choices)
    failure_reason = models.CharField(max_length=500, blank=True)
    calculation_number = models.PositiveIntegerField(default=0, help_text="The run's calculation that wrote it")
    cost_centre = models.ForeignKey("hr.CostCentre", on_delete=models.PROTECT, null=True, related_name="+",
                                    db_constraint=False)
    tax_code = models.CharField(max_length=12, blank=True)
    week1_month1 = models.BooleanField(default=False)
    ni_category = models.CharField(max_length=1, blank=True)
    gross_pay = _money()
    taxable_pay = _money()
    income_tax = _money()
    employee_ni = _money()
    employer_ni = _money()
    pension_employee = _money()
    pension_employer = _money()
    student_loan = _money()
    postgraduate_loan = _money()
    net_pay = _money()
    year_to_date = models.JSONField(default=dict, help_text="Figures for the tax year including this payslip")
    working = models.JSONField(default=dict)
    calculated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "run", "employee"], name="payroll_payslip_one_per_employee"),
        ]
        indexes = [models.Index(fields=["department", "employee"], name="payroll_payslip_employee")]


class PayslipLine(DepartmentOwnedModel):
    # Checked by the composite foreign keys only, as on Payslip.
    department = models.ForeignKey("departments.Department", on_delete=models.PROTECT, related_name="+",
                                   editable=False, db_constraint=False, db_index=False)
    payslip = models.ForeignKey(Payslip, on_delete=models.CASCADE, related_name="+", db_constraint=False,
                                db_index=False)
    run = models.ForeignKey(PayRun, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    code = models.CharField(max_length=20)
    description = models.CharField(max_length=100)
    section = models.CharField(max_length=10)  # payment, deduction or employer
    after_tax = models.BooleanField(default=False, help_text="A reimbursement or a deduction from net pay")
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        indexes = [models.Index(fields=["department", "payslip"], name="payroll_line_payslip")]


class PayRunException(DepartmentOwnedModel):
    """Something to check before approval, for one employee in a run (``payroll.assembly``'s review)."""

    run = models.ForeignKey(PayRun, on_delete=models.PROTECT, related_name="+")
    employee = models.ForeignKey("hr.Employee", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=40)
    reason = models.CharField(max_length=500)
    # An advisory exception's acknowledgement (``payroll.review_kinds``). Recalculating the employee
    # replaces their exceptions, so an acknowledgement never outlives the figures it was given for.
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_note = models.CharField(max_length=500, blank=True, db_default="")

    class Meta:
        indexes = [models.Index(fields=["department", "run"], name="payroll_exception_run")]


class PayRunPaymentRoute(DepartmentOwnedModel):
    """How an employee's net pay goes out when it cannot go in the run's Bacs file: held (withheld
    and paid later) or paid by hand outside the file (CHAPS, cheque) with a reference. One per run and
    employee; recalculating the employee removes it, because the net pay it was decided for changed."""

    class Route(models.TextChoices):
        HOLD = "hold", "Hold: pay withheld, paid later"
        MANUAL = "manual", "Manual payment outside the Bacs file"

    run = models.ForeignKey(PayRun, on_delete=models.PROTECT, related_name="+")
    employee = models.ForeignKey("hr.Employee", on_delete=models.PROTECT, related_name="+")
    route = models.CharField(max_length=10, choices=Route.choices)
    note = models.CharField(max_length=500)
    reference = models.CharField(max_length=35, blank=True, help_text="The CHAPS or cheque reference")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "run", "employee"], name="payroll_paymentroute_one_per_run"),
            models.CheckConstraint(condition=Q(route="hold") | ~Q(reference=""),
                                   name="payroll_paymentroute_manual_has_reference"),
        ]


class BankChangeAcknowledgement(DepartmentOwnedModel):
    """An approver's word that they looked at a flagged bank details change before approving a run
    that pays into the new account: who, when, which flags they saw, and their note."""

    run = models.ForeignKey(PayRun, on_delete=models.PROTECT, related_name="+")
    bank_change = models.ForeignKey("hr.BankDetailsChange", on_delete=models.PROTECT, related_name="+")
    flags = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    note = models.CharField(max_length=500)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["department", "run", "bank_change"],
                                               name="payroll_bankchangeack_once_per_run")]


class PayrollIdempotencyKey(IdempotencyRecord):
    """An ``Idempotency-Key`` a caller sent to the payroll API, with the answer it got
    (``departments.idempotency``)."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["department", "user", "key"],
                                               name="payroll_idempotencykey_one_per_caller")]


class RtiSubmission(DepartmentOwnedModel):
    """One Full Payment Submission (for a finalised run) or Employer Payment Summary (for a tax month),
    from its built document through validation to HMRC's answer.

    Never sent twice: a submission moves forward through its states only, and a correction after a
    rejection is a new submission that names the one it replaces.
    """

    class Kind(models.TextChoices):
        FPS = "fps", "Full Payment Submission"
        EPS = "eps", "Employer Payment Summary"

    class Status(models.TextChoices):
        DRAFT = "draft", "Built"
        INVALID = "invalid", "Failed validation"
        VALIDATED = "validated", "Validated: ready to send"
        SUBMITTED = "submitted", "Sent: waiting for HMRC"
        ACCEPTED = "accepted", "Accepted by HMRC"
        REJECTED = "rejected", "Rejected by HMRC"
        FILE_ONLY = "file_only", "Validated: file only (no gateway configured)"

    kind = models.CharField(max_length=3, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    run = models.ForeignKey(PayRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    tax_year = models.CharField(max_length=7)
    tax_month = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1–12, for an EPS")
    is_final_for_year = models.BooleanField(default=False)
    replaces = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    document = models.CharField(max_length=255, blank=True, help_text="Where the XML is stored (media storage)")
    document_sha256 = models.CharField(max_length=64, blank=True)
    irmark = models.CharField(max_length=40, blank=True)
    employees = models.PositiveIntegerField(default=0)
    validation_errors = models.JSONField(default=list, blank=True)
    correlation_id = models.CharField(max_length=64, blank=True, help_text="The gateway's id for this submission")
    poll_url = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    hmrc_errors = models.JSONField(default=list, blank=True, help_text="HMRC's error list on a rejection")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One live FPS per run and one live EPS per tax month: a replacement waits for a rejection.
            models.UniqueConstraint(fields=["department", "run"], condition=Q(kind="fps") & ~Q(status="rejected"),
                                    name="payroll_rti_one_live_fps_per_run"),
            models.UniqueConstraint(fields=["department", "tax_year", "tax_month"],
                                    condition=Q(kind="eps") & ~Q(status="rejected"),
                                    name="payroll_rti_one_live_eps_per_month"),
            models.CheckConstraint(condition=Q(kind="eps") | Q(run__isnull=False), name="payroll_rti_fps_has_run"),
        ]
        indexes = [models.Index(fields=["department", "status"], name="payroll_rti_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.tax_year} ({self.get_status_display()})"


class TaxCodeNotice(DepartmentOwnedModel):
    """A tax code change from HMRC (P6, P6B, P9 or an online notice) for one employee, applied from the
    next pay period not yet locked, or rejected with its reason."""

    class Form(models.TextChoices):
        P6 = "P6", "P6: new code during the year"
        P6B = "P6B", "P6B: new code with previous pay and tax"
        P9 = "P9", "P9: code for the next tax year"
        P9X = "P9X", "P9X: general uplift for the next tax year"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the next period"
        APPLIED = "applied", "Applied"
        REJECTED = "rejected", "Rejected"

    employee = models.ForeignKey("hr.Employee", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    form = models.CharField(max_length=4, choices=Form.choices)
    payroll_number = models.CharField(max_length=35, blank=True)
    ni_number = models.CharField(max_length=9, blank=True)
    tax_code = models.CharField(max_length=12)
    week1_month1 = models.BooleanField(default=False)
    effective_from = models.DateField()
    previous_pay = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    previous_tax = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="The file and line, or 'api'")
    applied_from = models.DateField(null=True, blank=True, help_text="First day of the period it applies from")
    received_at = models.DateTimeField(auto_now_add=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["department", "status"], name="payroll_taxcode_status"),
                   models.Index(fields=["department", "employee"], name="payroll_taxcode_employee")]

    def __str__(self) -> str:
        return f"{self.form} {self.tax_code} for {self.payroll_number or self.ni_number}"


class DocumentBatch(DepartmentOwnedModel):
    """A background job producing many year-end documents (P60s for everyone employed on 5 April) as
    one download, with its progress."""

    class Kind(models.TextChoices):
        P60 = "p60", "P60s"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Producing"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    tax_year = models.CharField(max_length=7)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file = models.CharField(max_length=255, blank=True, help_text="Where the bundle is stored (media storage)")
    failure = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.tax_year} ({self.get_status_display()})"
