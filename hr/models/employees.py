"""Employees and their effective-dated, bitemporal employment history."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Func, Q
from django.db.models.functions import Upper
from django.utils import timezone

from departments.models import DepartmentOwnedModel
from hr.models.organisation import CostCentre, Grade, Location, OrganisationUnit
from hr.validators import validate_account_number, validate_ni_number, validate_postcode, validate_sort_code


class Employee(DepartmentOwnedModel):
    """A person employed by the department: identity, contact, bank and payroll profile.

    Job, pay and organisation live in ``Employment`` versions, which are dated.
    """

    class Sex(models.TextChoices):
        FEMALE = "F", "Female"
        MALE = "M", "Male"

    class TaxBasis(models.TextChoices):
        CUMULATIVE = "cumulative", "Cumulative"
        WEEK1_MONTH1 = "week1_month1", "Week 1 / Month 1"

    class StarterDeclaration(models.TextChoices):
        A = "A", "A: first job since 6 April, no benefits or pension"
        B = "B", "B: only job now, but had another since 6 April"
        C = "C", "C: another job or pension as well"

    class LeaveReason(models.TextChoices):
        RESIGNATION = "resignation", "Resignation"
        RETIREMENT = "retirement", "Retirement"
        END_OF_CONTRACT = "end_of_contract", "End of fixed-term contract"
        TRANSFER = "transfer", "Transfer to another department"
        DISMISSAL = "dismissal", "Dismissal"
        REDUNDANCY = "redundancy", "Redundancy"
        DEATH = "death", "Death in service"
        OTHER = "other", "Other"

    payroll_number = models.CharField(max_length=20)
    title = models.CharField(max_length=20, blank=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    # Upper-cased copies for "name starts with" search. Row-level security lets the database use an
    # index only for leakproof comparisons (=, <, >=), never UPPER() or LIKE, so search compares
    # these keys by range, in byte order.
    last_name_key = models.GeneratedField(expression=Upper("last_name"), db_persist=True,
                                          output_field=models.CharField(max_length=100, db_collation="C"))
    first_name_key = models.GeneratedField(expression=Upper("first_name"), db_persist=True,
                                           output_field=models.CharField(max_length=100, db_collation="C"))
    preferred_name_key = models.GeneratedField(expression=Upper("preferred_name"), db_persist=True,
                                               output_field=models.CharField(max_length=100, db_collation="C"))
    date_of_birth = models.DateField()
    ni_number = models.CharField("National Insurance number", max_length=9, blank=True,
                                 validators=[validate_ni_number])
    sex = models.CharField(max_length=1, choices=Sex.choices)
    gender_identity = models.CharField(max_length=50, blank=True)
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8, blank=True, validators=[validate_postcode])
    email = models.EmailField(blank=True)
    # db_default: bulk writes that name their columns (imports, benchmarks) need no value for it.
    work_email = models.EmailField(
        blank=True, db_default="",
        help_text="The address the employee signs in with; hiring with one provisions their account.",
    )
    phone = models.CharField(max_length=30, blank=True)
    # db_default: bulk writes that name their columns need no value for these.
    emergency_contact_name = models.CharField(max_length=200, blank=True, db_default="")
    emergency_contact_relationship = models.CharField(max_length=100, blank=True, db_default="")
    emergency_contact_phone = models.CharField(max_length=30, blank=True, db_default="")
    bank_sort_code = models.CharField(max_length=6, blank=True, validators=[validate_sort_code])
    bank_account_number = models.CharField(max_length=8, blank=True, validators=[validate_account_number])
    building_society_roll_number = models.CharField(max_length=18, blank=True)
    start_date = models.DateField()
    leave_date = models.DateField(null=True, blank=True)
    leave_reason = models.CharField(max_length=30, choices=LeaveReason.choices, blank=True)
    tax_code = models.CharField(max_length=10, default="1257L")
    tax_basis = models.CharField(max_length=20, choices=TaxBasis.choices, default=TaxBasis.CUMULATIVE)
    ni_category = models.CharField(max_length=1, default="A")
    student_loans = ArrayField(models.CharField(max_length=10), default=list, blank=True)
    pension_scheme = models.CharField(max_length=20, blank=True, help_text="'alpha', or empty for none")
    starter_declaration = models.CharField(max_length=1, choices=StarterDeclaration.choices, blank=True)
    previous_payroll_id = models.CharField(max_length=35, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", help_text="The account the employee signs in with.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name", "payroll_number"]
        constraints = [
            models.UniqueConstraint(fields=["department", "payroll_number"],
                                    name="hr_employee_payroll_number_unique_per_department"),
            models.UniqueConstraint(fields=["department", "ni_number"], condition=~Q(ni_number=""),
                                    name="hr_employee_ni_number_unique_per_department"),
            models.UniqueConstraint(fields=["department", "work_email"], condition=~Q(work_email=""),
                                    name="hr_employee_work_email_unique_per_department"),
            models.CheckConstraint(condition=Q(leave_date__isnull=True) | Q(leave_date__gte=models.F("start_date")),
                                   name="hr_employee_leaves_after_starting"),
        ]
        indexes = [
            # The list pages in name order; with the dates included, counting and skipping to a deep
            # page is an index-only scan, never a sort of the whole department.
            models.Index(fields=["department", "last_name", "first_name", "payroll_number"],
                         include=["start_date", "leave_date", "id"], name="hr_employee_dept_name_list"),
            models.Index(fields=["department", "last_name_key"], name="hr_employee_dept_last_key"),
            models.Index(fields=["department", "first_name_key"], name="hr_employee_dept_first_key"),
            models.Index(fields=["department", "preferred_name_key"], name="hr_employee_dept_pref_key"),
            # Leavers and those yet to start, by date with their ids: the list counts current staff
            # as everyone less these two, each an index-only count.
            models.Index(fields=["department", "leave_date"], include=["id"], name="hr_employee_dept_leave_ids"),
            models.Index(fields=["department", "start_date"], include=["id"], name="hr_employee_dept_start_ids"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.payroll_number})"

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.first_name} {self.last_name}"

    def is_current_on(self, day: datetime.date) -> bool:
        return self.start_date <= day and (self.leave_date is None or self.leave_date >= day)


class DateRangeInclusive(Func):
    """daterange(valid_from, valid_to, '[]'): valid_to is the last day, NULL for open-ended."""

    function = "DATERANGE"
    output_field = DateRangeField()

    def __init__(self, start: str, end: str) -> None:
        super().__init__(start, end, models.Value("[]"))


class Employment(DepartmentOwnedModel):
    """One version of an employee's job and pay, true from ``valid_from`` to ``valid_to``.

    Bitemporal: a version is never edited. A change or correction supersedes versions (sets
    ``superseded_at``) and records new ones, so the history as known on any date can be replayed.
    Among the versions not superseded, the database refuses overlapping dates per employee.
    """

    class ContractType(models.TextChoices):
        PERMANENT = "permanent", "Permanent"
        FIXED_TERM = "fixed_term", "Fixed term"
        LOAN = "loan", "Loan or secondment"

    # The composite (department_id, x_id) foreign keys of the migration enforce these references; a
    # second, plain constraint per column would only double the checks on every bulk insert.
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="employments", db_constraint=False)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Last day this version is true; empty: until changed")
    recorded_at = models.DateTimeField(default=timezone.now)
    superseded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    change_reason = models.CharField(max_length=200, blank=True)
    post_title = models.CharField(max_length=200)
    post_title_key = models.GeneratedField(expression=Upper("post_title"), db_persist=True,
                                           output_field=models.CharField(max_length=200, db_collation="C"))
    organisation_unit = models.ForeignKey(OrganisationUnit, on_delete=models.PROTECT, related_name="+",
                                          db_constraint=False)
    grade = models.ForeignKey(Grade, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    pay_range_point = models.PositiveSmallIntegerField(null=True, blank=True)
    annual_salary = models.DecimalField("full-time annual salary", max_digits=14, decimal_places=2,
                                        validators=[MinValueValidator(Decimal("0"))])
    fte = models.DecimalField("full-time equivalent", max_digits=5, decimal_places=4, default=Decimal("1"),
                              validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1"))])
    contracted_hours = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("37"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("60"))],
    )
    working_pattern = models.CharField(max_length=100, blank=True, default="Monday to Friday")
    contract_type = models.CharField(max_length=20, choices=ContractType.choices, default=ContractType.PERMANENT)
    cost_centre = models.ForeignKey(CostCentre, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    line_manager = models.ForeignKey(Employee, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     db_constraint=False)
    location = models.CharField(max_length=20, choices=Location.choices, default=Location.NATIONAL)

    class Meta:
        ordering = ["employee_id", "valid_from", "recorded_at"]
        constraints = [
            ExclusionConstraint(
                name="hr_employment_no_overlapping_versions",
                expressions=[
                    ("employee", RangeOperators.EQUAL),
                    (DateRangeInclusive("valid_from", "valid_to"), RangeOperators.OVERLAPS),
                ],
                condition=Q(superseded_at__isnull=True),
            ),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                                   name="hr_employment_dates_ordered"),
        ]
        indexes = [
            models.Index(fields=["department", "employee", "valid_from"], name="hr_employment_dept_emp_from",
                         condition=Q(superseded_at__isnull=True)),
            # The list's unit, grade and cost-centre filters read the matching employees from these
            # alone (index-only), without visiting the versions themselves.
            models.Index(fields=["department", "organisation_unit"], name="hr_employment_dept_unit_list",
                         include=["employee", "valid_from", "valid_to"], condition=Q(superseded_at__isnull=True)),
            models.Index(fields=["department", "grade"], name="hr_employment_dept_grade_list",
                         include=["employee", "valid_from", "valid_to"], condition=Q(superseded_at__isnull=True)),
            models.Index(fields=["department", "cost_centre"], name="hr_employment_dept_centre_list",
                         include=["employee", "valid_from", "valid_to"], condition=Q(superseded_at__isnull=True)),
            models.Index(fields=["department", "line_manager"], name="hr_employment_dept_manager",
                         condition=Q(superseded_at__isnull=True)),
            models.Index(fields=["department", "post_title_key"], name="hr_employment_dept_post_key",
                         condition=Q(superseded_at__isnull=True)),
        ]

    def __str__(self) -> str:
        until = self.valid_to.isoformat() if self.valid_to else "…"
        return f"{self.employee_id}: {self.post_title} {self.valid_from.isoformat()}–{until}"

    def covers(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)
