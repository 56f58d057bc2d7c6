"""Import jobs, saved column mappings and the rows an import rejected; parallel runs against the
legacy payroll, their differences and the cut-over sign-off."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from departments.models import DepartmentOwnedModel


def import_upload_path(job: ImportJob, filename: str) -> str:
    # Files live outside row-level security, so every path starts with its department (TENANCY.md §12).
    return f"onboarding/department-{job.department_id}/{job.token}/upload"  # type: ignore[attr-defined]


class ImportMapping(DepartmentOwnedModel):
    """Which column of a department's legacy export holds which field, saved under a name.

    ``columns`` maps a field key (``payroll_number``, ``ni_number``…) to the column heading in
    the file. Fields it leaves out are looked for under their usual headings.
    """

    name = models.CharField(max_length=100)
    columns = models.JSONField(default=dict, blank=True)
    create_missing_references = models.BooleanField(
        default=False, help_text="Create grades, organisation units and cost centres the file names but the "
                                 "department does not have yet.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["department", "name"],
                                    name="onboarding_mapping_name_unique_per_department"),
        ]

    def __str__(self) -> str:
        return self.name


class ImportJob(DepartmentOwnedModel):
    """One run of a staff-record import: what was asked, how far it got, and what it found."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        VALIDATING = "validating", "Checking rows"
        WRITING = "writing", "Saving records"
        VALIDATED = "validated", "Dry run finished"
        COMMITTED = "committed", "Imported"
        REJECTED = "rejected", "Not imported: the file has problems"
        FAILED = "failed", "Stopped by an error"

    FINISHED = (Status.VALIDATED, Status.COMMITTED, Status.REJECTED, Status.FAILED)

    token = models.CharField(max_length=32, help_text="Random; names the job's folder of files.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    dry_run = models.BooleanField(default=True)
    accept_valid = models.BooleanField(default=False, help_text="Load the valid rows even if others are rejected.")
    upload = models.FileField(upload_to=import_upload_path, max_length=300)
    original_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=10, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    mapping = models.ForeignKey(ImportMapping, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    mapping_columns = models.JSONField(default=dict, blank=True, help_text="The mapping as it was when the job ran.")
    create_missing_references = models.BooleanField(default=False)
    effective_from = models.DateField(help_text="Changes to existing records take effect from this date.")
    tax_year = models.CharField(max_length=7, help_text="Tax year of the opening year-to-date balances.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(null=True, blank=True, help_text="Estimated before the file is read.")
    rows_done = models.PositiveIntegerField(default=0)
    rows_read = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    file_problem = models.TextField(blank=True, help_text="Why the file as a whole could not be read.")
    notes = models.JSONField(default=list, blank=True, help_text="Warnings about the file that reject no row.")
    reconciliation = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["department", "token"], name="onboarding_job_token_unique_per_department"),
        ]
        indexes = [models.Index(fields=["department", "-created_at"], name="onboarding_job_dept_created")]

    def __str__(self) -> str:
        kind = "Dry run" if self.dry_run else "Import"
        return f"{kind} of {self.original_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent_done(self) -> int:
        if self.status in self.FINISHED or self.status == self.Status.WRITING:
            return 100
        if not self.rows_total:
            return 0
        return min(100, int(self.rows_done * 100 / self.rows_total))

    @property
    def seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class ImportRowError(DepartmentOwnedModel):
    """One problem with one row (or, with row 0, the file as a whole), in words an HR officer acts on."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField(help_text="As a spreadsheet numbers it: the heading row is 1.")
    column = models.CharField(max_length=100, blank=True)
    value = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["job_id", "row_number", "id"]
        indexes = [models.Index(fields=["department", "job", "row_number"], name="onboarding_rowerror_dept_job")]

    def __str__(self) -> str:
        return f"Row {self.row_number}, {self.column}: {self.reason}"


def legacy_results_upload_path(parallel_run: ParallelRun, filename: str) -> str:
    return f"onboarding/department-{parallel_run.department_id}/parallel-{parallel_run.token}/legacy-results"  # type: ignore[attr-defined]


class ParallelRun(DepartmentOwnedModel):
    """A period calculated by the platform as a shadow pay run and compared, employee by employee and
    figure by figure, with what the legacy payroll paid for it; the evidence for cut-over."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        CALCULATING = "calculating", "Calculating the shadow run"
        COMPARING = "comparing", "Comparing"
        COMPARED = "compared", "Compared"
        REJECTED = "rejected", "Not compared: the results file has problems"
        FAILED = "failed", "Stopped by an error"

    FINISHED = (Status.COMPARED, Status.REJECTED, Status.FAILED)

    token = models.CharField(max_length=32, help_text="Random; names the parallel run's folder of files.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    schedule = models.ForeignKey("payroll.PaySchedule", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(help_text="The first day of the pay period compared")
    shadow_run = models.ForeignKey("payroll.PayRun", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    upload = models.FileField(upload_to=legacy_results_upload_path, max_length=300)
    original_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=10, blank=True)
    mapping = models.ForeignKey(ImportMapping, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    mapping_columns = models.JSONField(default=dict, blank=True,
                                       help_text="The mapping as it was when the run started.")
    tolerance = models.DecimalField(max_digits=9, decimal_places=2, default=0,
                                    help_text="Differences up to this many pounds count as matched")
    file_problem = models.TextField(blank=True)
    employees_compared = models.PositiveIntegerField(default=0)
    employees_matched = models.PositiveIntegerField(default=0)
    employees_differing = models.PositiveIntegerField(default=0)
    only_in_legacy = models.PositiveIntegerField(default=0)
    only_on_platform = models.PositiveIntegerField(default=0)
    totals = models.JSONField(default=dict, blank=True, help_text="Per figure: legacy total, platform total")
    classes = models.JSONField(default=dict, blank=True, help_text="Differences counted by class")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["department", "token"], name="onboarding_parallel_token_unique"),
        ]
        indexes = [models.Index(fields=["department", "period_start"], name="onboarding_parallel_dept_per")]

    def __str__(self) -> str:
        return f"Parallel run for {self.period_start:%B %Y} ({self.get_status_display()})"


class LegacyResult(DepartmentOwnedModel):
    """What the legacy payroll paid one employee in the compared period, as its results file says."""

    parallel_run = models.ForeignKey(ParallelRun, on_delete=models.CASCADE, related_name="legacy_results")
    row_number = models.PositiveIntegerField()
    payroll_number = models.CharField(max_length=20)
    employee = models.ForeignKey("hr.Employee", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 db_constraint=False)
    figures = models.JSONField(default=dict, help_text="Figure name to amount (a decimal string)")
    tax_code = models.CharField(max_length=20, blank=True)
    ni_category = models.CharField(max_length=1, blank=True)

    class Meta:
        ordering = ["parallel_run_id", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["department", "parallel_run", "payroll_number"],
                                    name="onboarding_legacyresult_one_per_employee"),
        ]

    def __str__(self) -> str:
        return f"Legacy result for {self.payroll_number}"


class LegacyResultRowError(DepartmentOwnedModel):
    """Why a row of a legacy results file (or, with row 0, the file) could not be compared."""

    parallel_run = models.ForeignKey(ParallelRun, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField()
    column = models.CharField(max_length=100, blank=True)
    value = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["parallel_run_id", "row_number", "id"]

    def __str__(self) -> str:
        return f"Row {self.row_number}, {self.column}: {self.reason}"


class ParallelRunDifference(DepartmentOwnedModel):
    """One figure of one employee that differs between the platform and the legacy payroll (or an
    employee found on one side only), with its class, both sides' inputs, and its resolution."""

    class Classification(models.TextChoices):
        TAX_CODE = "tax_code", "Tax code differs"
        NI_LETTER = "ni_letter", "NI letter differs"
        YEAR_TO_DATE = "year_to_date", "Year-to-date figures differ"
        PAY = "pay", "Pay differs"
        ROUNDING = "rounding", "Rounding"
        ONLY_LEGACY = "only_legacy", "Only in the legacy payroll"
        ONLY_PLATFORM = "only_platform", "Only on the platform"

    class Resolution(models.TextChoices):
        OPEN = "open", "To explain"
        EXPLAINED = "explained", "Explained"
        FIXED = "fixed", "Fixed"

    parallel_run = models.ForeignKey(ParallelRun, on_delete=models.CASCADE, related_name="differences")
    payroll_number = models.CharField(max_length=20)
    employee = models.ForeignKey("hr.Employee", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 db_constraint=False)
    figure = models.CharField(max_length=40, blank=True, help_text="Empty for an employee on one side only")
    legacy_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    platform_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    classification = models.CharField(max_length=20, choices=Classification.choices)
    inputs = models.JSONField(default=dict, blank=True, help_text="Both sides' inputs: tax code, NI letter, YTD")
    resolution = models.CharField(max_length=20, choices=Resolution.choices, default=Resolution.OPEN)
    note = models.CharField(max_length=500, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["parallel_run_id", "payroll_number", "figure"]
        indexes = [models.Index(fields=["department", "parallel_run", "classification"],
                                name="onboarding_diff_dept_run_class")]

    def __str__(self) -> str:
        return f"{self.payroll_number} {self.figure or self.get_classification_display()}"


class CutoverSignOff(DepartmentOwnedModel):
    """One of the two signatures that let a department cut over: the HR or payroll lead's and the
    finance lead's, each on a compared parallel run, recording what was accepted."""

    class Role(models.TextChoices):
        HR_PAYROLL_LEAD = "hr_payroll_lead", "HR or payroll lead"
        FINANCE_LEAD = "finance_lead", "Finance lead"

    parallel_run = models.ForeignKey(ParallelRun, on_delete=models.PROTECT, related_name="sign_offs")
    role = models.CharField(max_length=20, choices=Role.choices)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()
    accepted = models.JSONField(default=dict, help_text="What was accepted: counts, matched share, explanations")
    note = models.CharField(max_length=500, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["department", "parallel_run", "role"],
                                    condition=models.Q(withdrawn_at=None), name="onboarding_signoff_one_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} sign-off of {self.parallel_run}"
