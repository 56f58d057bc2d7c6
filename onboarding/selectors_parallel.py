"""Reads of parallel runs: the runs, their differences (filtered and paged), the summary a page and
the API show, the report (CSV and XLSX), the sign-offs, and the department's onboarding task list."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet

from departments.models import Department
from departments.tenancy import department_context
from onboarding.models import CutoverSignOff, ImportJob, ParallelRun, ParallelRunDifference
from payroll import selectors_parallel as shadow_selectors
from shared_services.core.spreadsheets import csv_lines, xlsx_bytes

FIGURE_LABELS = {"gross_pay": "Gross pay", "taxable_pay": "Taxable pay", "income_tax": "Income tax",
                 "employee_ni": "Employee NI", "employer_ni": "Employer NI", "student_loan": "Student loan",
                 "postgraduate_loan": "Postgraduate loan", "pension_employee": "Employee pension",
                 "pension_employer": "Employer pension", "net_pay": "Net pay",
                 # A difference in the year to date alone (this period's figures agree).
                 "ytd_taxable_pay": "Taxable pay to date", "ytd_tax": "Tax to date"}
YTD_LABELS = {"taxable_pay": "taxable pay", "tax": "tax", "employee_ni": "employee NI",
              "student_loan": "student loan", "postgraduate_loan": "postgraduate loan",
              "pension_employee": "employee pension"}
Classification = ParallelRunDifference.Classification
Resolution = ParallelRunDifference.Resolution
REPORT_HEADINGS = ["Section", "Payroll number", "Figure", "Legacy", "Platform", "Difference", "Class", "Resolution",
                   "Note", "Legacy tax code", "Platform tax code", "Legacy NI letter", "Platform NI letter",
                   "Platform gross pay", "Platform taxable pay to date before", "Platform tax to date before",
                   "Legacy taxable pay to date", "Platform taxable pay to date", "Legacy tax to date",
                   "Platform tax to date", "Platform calculation failed"]


def parallel_runs(*, department: Department) -> QuerySet[ParallelRun]:
    return ParallelRun.objects.filter(department=department).select_related(
        "created_by", "department", "schedule", "shadow_run").order_by(
        "-created_at", "-id")


def parallel_run_get(*, department: Department, parallel_run_id: int) -> ParallelRun | None:
    """The department's parallel run, or None for one that does not exist or is another department's."""
    with department_context(department.id):
        return (ParallelRun.objects.filter(pk=parallel_run_id)
                .select_related("created_by", "mapping", "schedule", "shadow_run").first())


def matched_share(run: ParallelRun) -> Decimal:
    """Employees matched, as a percentage of everyone on either side (an employee on one side only
    counts against it)."""
    everyone = run.employees_compared + run.only_in_legacy + run.only_on_platform
    if not everyone:
        return Decimal("0.00")
    return (Decimal(run.employees_matched) * 100 / everyone).quantize(Decimal("0.01"))


def differences(*, run: ParallelRun, classification: str = "", resolution: str = "",
                payroll_number: str = "") -> QuerySet[ParallelRunDifference]:
    rows = ParallelRunDifference.objects.filter(parallel_run=run).select_related("resolved_by")
    if classification:
        rows = rows.filter(classification=classification)
    if resolution:
        rows = rows.filter(resolution=resolution)
    if payroll_number:
        rows = rows.filter(payroll_number=payroll_number.strip().upper())
    return rows.order_by("payroll_number", "figure", "pk")


def resolution_counts(*, run: ParallelRun) -> dict[str, int]:
    counts = {value: 0 for value in Resolution.values}
    for row in ParallelRunDifference.objects.filter(parallel_run=run).values("resolution").annotate(n=Count("pk")):
        counts[row["resolution"]] = row["n"]
    return counts


def live_sign_offs(*, run: ParallelRun) -> list[CutoverSignOff]:
    return list(run.sign_offs.filter(withdrawn_at=None).select_related("signed_by").order_by("signed_at"))


@dataclass(frozen=True)
class ClassBar:
    """One bar of the chart of differences by class."""

    classification: str
    label: str
    count: int
    percent: int  # of the largest bar
    y: int  # where the bar sits in the chart (BAR_PITCH apart)

    @property
    def width(self) -> int:
        return self.percent * CHART_BAR_WIDTH // 100


BAR_PITCH = 28
CHART_BAR_WIDTH = 240  # the longest bar, in the chart's units; the label sits after it


def class_bars(run: ParallelRun) -> list[ClassBar]:
    counts = {key: int(value) for key, value in (run.classes or {}).items() if value}
    largest = max(counts.values(), default=0)
    shown = [(value, label) for value, label in Classification.choices if value in counts]
    return [ClassBar(classification=value, label=label, count=counts[value],
                     percent=max(1, round(counts[value] * 100 / largest)), y=index * BAR_PITCH)
            for index, (value, label) in enumerate(shown)]


def totals_rows(run: ParallelRun) -> list[dict[str, Any]]:
    figures = (run.totals or {}).get("figures", {})
    return [{"figure": name, "label": FIGURE_LABELS.get(name, name), "legacy": Decimal(line["legacy"]),
             "platform": Decimal(line["platform"]), "difference": Decimal(line["difference"])}
            for name, line in figures.items()]


def summary(*, run: ParallelRun) -> dict[str, Any]:
    """What the page and the API show of a parallel run beside its differences."""
    return {"employees_compared": run.employees_compared, "employees_matched": run.employees_matched,
            "employees_differing": run.employees_differing, "only_in_legacy": run.only_in_legacy,
            "only_on_platform": run.only_on_platform, "matched_share": matched_share(run),
            "tolerance": Decimal(run.tolerance), "classes": dict(run.classes or {}),
            "resolutions": resolution_counts(run=run), "totals": totals_rows(run),
            "compared_figures": list((run.totals or {}).get("compared_figures", [])),
            "notes": list((run.totals or {}).get("notes", []))}


def inputs_text(inputs: dict[str, Any]) -> dict[str, str]:
    """Both sides' inputs as short text, for tables and the report."""
    legacy = inputs.get("legacy") or {}
    platform = inputs.get("platform") or {}
    before = platform.get("year_to_date_before") or {}
    # The year to date after the period, as each side's payslip shows it (when the legacy gave one).
    legacy_after = legacy.get("year_to_date") or {}
    platform_after = platform.get("year_to_date") or {}
    return {"legacy_tax_code": legacy.get("tax_code") or "", "platform_tax_code": platform.get("tax_code") or "",
            "legacy_ni_letter": legacy.get("ni_letter") or "", "platform_ni_letter": platform.get("ni_letter") or "",
            "legacy_gross_pay": legacy.get("gross_pay") or "", "platform_gross_pay": platform.get("gross_pay") or "",
            "platform_ytd_taxable_pay": before.get("taxable_pay") or "", "platform_ytd_tax": before.get("tax") or "",
            "legacy_ytd_taxable_pay_after": legacy_after.get("taxable_pay") or "",
            "platform_ytd_taxable_pay_after": platform_after.get("taxable_pay") or "",
            "legacy_ytd_tax_after": legacy_after.get("tax") or "",
            "platform_ytd_tax_after": platform_after.get("tax") or "",
            "failure_reason": platform.get("failure_reason") or ""}


def _difference_row(difference: ParallelRunDifference) -> list[Any]:
    inputs = inputs_text(difference.inputs or {})
    amount = (difference.platform_amount - difference.legacy_amount
              if difference.platform_amount is not None and difference.legacy_amount is not None else "")
    return ["Difference", difference.payroll_number, FIGURE_LABELS.get(difference.figure, difference.figure),
            difference.legacy_amount if difference.legacy_amount is not None else "",
            difference.platform_amount if difference.platform_amount is not None else "", amount,
            difference.get_classification_display(), difference.get_resolution_display(), difference.note,
            inputs["legacy_tax_code"], inputs["platform_tax_code"], inputs["legacy_ni_letter"],
            inputs["platform_ni_letter"], inputs["platform_gross_pay"], inputs["platform_ytd_taxable_pay"],
            inputs["platform_ytd_tax"], inputs["legacy_ytd_taxable_pay_after"],
            inputs["platform_ytd_taxable_pay_after"], inputs["legacy_ytd_tax_after"], inputs["platform_ytd_tax_after"],
            inputs["failure_reason"]]


def report_rows(*, run: ParallelRun) -> Iterator[Sequence[Any]]:
    """The report as one table: the counts, the totals per figure, then every difference with both
    sides' inputs (read in chunks, so a large report streams, in its own department context)."""
    with department_context(run.department_id):  # type: ignore[attr-defined]
        yield from _report_rows(run)


def _report_rows(run: ParallelRun) -> Iterator[Sequence[Any]]:
    def padded(*cells: Any) -> list[Any]:
        return [*cells, *[""] * (len(REPORT_HEADINGS) - len(cells))]

    yield REPORT_HEADINGS
    facts = summary(run=run)
    for label, value in (("Period", f"{run.period_start:%Y-%m}"), ("Tolerance", f"{facts['tolerance']:.2f}"),
                         ("Employees compared", facts["employees_compared"]),
                         ("Matched", facts["employees_matched"]), ("Differing", facts["employees_differing"]),
                         ("Only in the legacy payroll", facts["only_in_legacy"]),
                         ("Only on the platform", facts["only_on_platform"]),
                         ("Matched share (%)", f"{facts['matched_share']:.2f}")):
        yield padded("Summary", label, "", value)
    for line in facts["totals"]:
        yield padded("Total", "", line["label"], line["legacy"], line["platform"], line["difference"])
    for difference in differences(run=run).iterator(chunk_size=2000):
        yield _difference_row(difference)


def report_csv_lines(*, run: ParallelRun) -> Iterator[str]:
    return csv_lines(report_rows(run=run))


def report_xlsx(*, run: ParallelRun) -> bytes:
    return xlsx_bytes([("Parallel run", report_rows(run=run))])


# --- The onboarding task list ----------------------------------------------------------------------


@dataclass(frozen=True)
class OnboardingTask:
    """One step of the department's onboarding, with its status from the data."""

    key: str
    title: str
    hint: str
    status: str  # completed, in_progress, not_started, cannot_start
    url_name: str = ""

    @property
    def status_text(self) -> str:
        return {"completed": "Completed", "in_progress": "In progress", "not_started": "Not yet started",
                "cannot_start": "Cannot start yet"}[self.status]


def _last(jobs: Iterable[ImportJob]) -> ImportJob | None:
    return next(iter(jobs), None)


def onboarding_overview(*, department: Department) -> list[OnboardingTask]:
    """Import, reconcile, parallel runs, sign-off, first live run: where the department is."""
    with department_context(department.id):
        committed = _last(ImportJob.objects.filter(dry_run=False, status=ImportJob.Status.COMMITTED)
                          .order_by("-created_at", "-id")[:1])
        any_import = ImportJob.objects.exists()
        runs = list(ParallelRun.objects.order_by("-created_at", "-id")[:20])
        compared = [run for run in runs if run.status == ParallelRun.Status.COMPARED]
        settled = [run for run in compared
                   if not ParallelRunDifference.objects.filter(parallel_run=run, resolution=Resolution.OPEN).exists()]
        signed_roles = {run.pk: set(run.sign_offs.filter(withdrawn_at=None).values_list("role", flat=True))
                        for run in compared}
        live = shadow_selectors.live_runs()
    fully_signed = any(len(roles) == len(CutoverSignOff.Role.values) for roles in signed_roles.values())
    checks = (committed.reconciliation or {}).get("checks", []) if committed else []
    tasks = [
        OnboardingTask("import", "Import staff records", "Dry run, then import the legacy export",
                       "completed" if committed else "in_progress" if any_import else "not_started", "onboarding:jobs"),
        OnboardingTask("reconcile", "Reconcile the import", "Headcount, salaries and year to date agree",
                       "cannot_start" if not committed else
                       "completed" if checks and all(check.get("ok") for check in checks) else "in_progress",
                       "onboarding:jobs"),
        OnboardingTask("parallel", "Run parallel runs", "Compare a period with the legacy payroll and explain every "
                       "difference", "cannot_start" if not committed else "completed" if settled else
                       "in_progress" if runs else "not_started", "onboarding:parallel-runs"),
        OnboardingTask("sign_off", "Sign off the cut-over", "The HR or payroll lead and the finance lead",
                       "completed" if fully_signed else "in_progress" if any(signed_roles.values()) else
                       "not_started" if settled else "cannot_start", "onboarding:parallel-runs"),
        OnboardingTask("live", "Run the first live payroll", "A regular pay run, approved and finalised",
                       "completed" if fully_signed and live.finalised else
                       "in_progress" if fully_signed and live.any_run else
                       "not_started" if fully_signed else "cannot_start", ""),
    ]
    return tasks
