"""Absence and leave: leave types and policies, requests, a balance ledger, sickness periods, family
leave with its evidence, and the department's occupational pay schemes for absence."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from departments.models import DepartmentOwnedModel
from hr.models.employees import Employee
from hr.models.organisation import CODE_VALIDATOR


class LeaveType(DepartmentOwnedModel):
    class Kind(models.TextChoices):
        ANNUAL = "annual", "Annual leave"
        SICK = "sick", "Sick leave"
        MATERNITY = "maternity", "Maternity leave"
        PATERNITY = "paternity", "Paternity leave"
        ADOPTION = "adoption", "Adoption leave"
        SHARED_PARENTAL = "shared_parental", "Shared parental leave"
        PARENTAL_BEREAVEMENT = "parental_bereavement", "Parental bereavement leave"
        NEONATAL_CARE = "neonatal_care", "Neonatal care leave"
        UNPAID = "unpaid", "Unpaid leave"
        UNAUTHORISED = "unauthorised", "Unauthorised absence"
        SPECIAL = "special", "Special leave"

    code = models.CharField(max_length=30, validators=[CODE_VALIDATOR])
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    is_paid = models.BooleanField(default=True)
    uses_balance = models.BooleanField(default=False, help_text="Taken from a yearly entitlement (annual leave).")
    # A retired type stays on the records that used it but is offered for no new request.
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["department", "code"], name="hr_leavetype_code_unique")]

    def __str__(self) -> str:
        return self.name


class LeavePolicy(DepartmentOwnedModel):
    """Entitlement to a leave type in hours a year for a full-time employee, by completed years of
    service, e.g. ``[[0, "187.50"], [5, "225.00"]]``; pro-rated by FTE and for part years."""

    leave_type = models.OneToOneField(LeaveType, on_delete=models.PROTECT, related_name="policy")
    hours_by_service = models.JSONField(default=list)
    carry_over_cap_hours = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal("0"),
                                               validators=[MinValueValidator(Decimal("0"))])

    def __str__(self) -> str:
        return f"Policy for {self.leave_type}"


class LeaveRequest(DepartmentOwnedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="leave_requests")
    leave_type = models.ForeignKey(LeaveType, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField()
    end_date = models.DateField()
    hours = models.DecimalField(max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")),
                                   name="hr_leaverequest_dates_ordered"),
        ]
        indexes = [models.Index(fields=["department", "employee", "start_date"], name="hr_leave_dept_emp_start"),
                   models.Index(fields=["department", "status"], name="hr_leave_dept_status")]

    def __str__(self) -> str:
        return f"{self.leave_type} {self.start_date}–{self.end_date} ({self.get_status_display()})"


class LeaveBalanceEntry(DepartmentOwnedModel):
    """One line of an employee's leave ledger for a leave year; the balance is their sum.

    Accrual, taken and carry-over lines are rebuilt from policy and approved requests whenever
    either changes (deterministically); adjustments are entered by people and kept.
    """

    class Kind(models.TextChoices):
        ACCRUAL = "accrual", "Entitlement"
        CARRY_OVER = "carry_over", "Carried over"
        TAKEN = "taken", "Taken"
        ADJUSTMENT = "adjustment", "Adjustment"

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    leave_type = models.ForeignKey(LeaveType, on_delete=models.PROTECT, related_name="+")
    leave_year_start = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    hours = models.DecimalField(max_digits=8, decimal_places=2)
    request = models.ForeignKey(LeaveRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["leave_year_start", "created_at", "id"]
        indexes = [models.Index(fields=["department", "employee", "leave_type", "leave_year_start"],
                                name="hr_leaveledger_dept_emp_year")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.hours} h"


class SicknessPeriod(DepartmentOwnedModel):
    """A period of sickness; ``reason`` is health information (sensitive)."""

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="sickness_periods")
    first_day = models.DateField()
    last_day = models.DateField(null=True, blank=True, help_text="Empty while the employee is still off sick")
    reason = models.CharField(max_length=300, blank=True)
    qualifying_days = ArrayField(models.PositiveSmallIntegerField(), default=list,
                                 help_text="Weekdays the employee normally works (0 = Monday … 6 = Sunday)")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__isnull=True) | Q(last_day__gte=models.F("first_day")),
                                   name="hr_sickness_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"Sickness from {self.first_day}"


class FamilyLeave(DepartmentOwnedModel):
    """A period of maternity, adoption, paternity, shared parental, parental bereavement or neonatal
    care leave, with the dates and evidence its statutory pay depends on.

    Requested by the employee in self-service (``requested``) or entered by HR (``confirmed``); only
    confirmed leave is paid. Which dates matter depends on the kind: the expected week of childbirth
    for birth, the date the adopter was told of the match for adoption, the date of death for
    bereavement.
    """

    class Kind(models.TextChoices):
        MATERNITY = "maternity", "Maternity leave"
        ADOPTION = "adoption", "Adoption leave"
        PATERNITY_BIRTH = "paternity_birth", "Paternity leave (birth)"
        PATERNITY_ADOPTION = "paternity_adoption", "Paternity leave (adoption)"
        SHARED_PARENTAL = "shared_parental", "Shared parental leave"
        PARENTAL_BEREAVEMENT = "parental_bereavement", "Parental bereavement leave"
        NEONATAL_CARE = "neonatal_care", "Neonatal care leave"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Waiting for HR"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="family_leaves")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    start_date = models.DateField()
    end_date = models.DateField()
    expected_date = models.DateField(
        null=True, blank=True,
        help_text="A day in the expected week of childbirth, or the expected date of placement for adoption")
    matched_date = models.DateField(null=True, blank=True,
                                    help_text="Adoption: the day the adopter was told they had been matched")
    event_date = models.DateField(null=True, blank=True,
                                  help_text="The day the child was born or placed, or (bereavement) died")
    evidence_date = models.DateField(null=True, blank=True,
                                     help_text="The date on the MATB1 or the matching certificate")
    evidence_received_on = models.DateField(null=True, blank=True)
    evidence_reference = models.CharField(max_length=100, blank=True)
    statutory_weeks = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Weeks of statutory pay claimed (paternity, shared parental, neonatal care)")
    keeping_in_touch_days = ArrayField(models.DateField(), default=list, blank=True,
                                       help_text="Days worked during the leave (KIT, or SPLIT for shared parental)")
    note = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")),
                                   name="hr_familyleave_dates_ordered"),
        ]
        indexes = [models.Index(fields=["department", "employee", "start_date"], name="hr_family_dept_emp_start"),
                   models.Index(fields=["department", "status", "start_date"], name="hr_family_dept_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.start_date}"


class AbsencePayScheme(DepartmentOwnedModel):
    """A department's occupational pay for one kind of absence: steps of full, half, statutory-only or
    no contractual pay, in order, with statutory pay always paid within them when it is due.

    ``steps`` is a list of ``{"pay": "full"|"half"|"statutory"|"nil", "weeks": n}`` for family leave,
    or ``{"pay": "full"|"half", "days": n}`` for sickness, where the days are calendar days of
    sickness counted over the rolling period before each day of sickness; after the last step nothing
    contractual is paid.
    """

    class Kind(models.TextChoices):
        SICKNESS = "sickness", "Sick pay"
        MATERNITY = "maternity", "Maternity pay"
        ADOPTION = "adoption", "Adoption pay"
        PATERNITY = "paternity", "Paternity pay"
        SHARED_PARENTAL = "shared_parental", "Shared parental pay"
        PARENTAL_BEREAVEMENT = "parental_bereavement", "Parental bereavement pay"
        NEONATAL_CARE = "neonatal_care", "Neonatal care pay"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    name = models.CharField(max_length=100)
    steps = models.JSONField(default=list)
    rolling_period_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Sickness: the rolling period over which the allowances are counted")
    qualifying_service_weeks = models.PositiveSmallIntegerField(
        default=0, help_text="Weeks of service needed for the occupational steps; others get statutory pay only")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind"]
        constraints = [models.UniqueConstraint(fields=["department", "kind"], name="hr_absencepayscheme_kind_unique")]

    def __str__(self) -> str:
        return self.name
