"""Reads of import jobs, mappings and reports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from departments.models import Department
from departments.tenancy import department_context
from onboarding.models import ImportJob, ImportMapping, ImportRowError
from shared_services.core.spreadsheets import csv_lines, xlsx_bytes

ERROR_REPORT_HEADINGS = ["Row", "Column", "Value", "Problem"]
DIMENSION_LABELS = {"grade": "Grade", "cost_centre": "Cost centre", "organisation_unit": "Organisation unit"}
FIGURE_LABELS = {"taxable_pay": "Taxable pay", "tax_paid": "Tax", "ni_employee": "Employee NI",
                 "ni_employer": "Employer NI", "student_loan": "Student loan", "postgraduate_loan": "Postgraduate loan",
                 "pension_employee": "Employee pension"}


def import_mappings(*, department: Department) -> list[ImportMapping]:
    with department_context(department.id):
        return list(ImportMapping.objects.filter(department=department).order_by("name"))


def import_mapping_get(*, department: Department, name: str) -> ImportMapping | None:
    with department_context(department.id):
        return ImportMapping.objects.filter(name=name).first()


def import_jobs(*, department: Department) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(department=department).select_related("created_by").order_by("-created_at", "-id")


def import_job_get(*, department: Department, job_id: int) -> ImportJob | None:
    """The department's job, or None for a job that does not exist or belongs to another department."""
    with department_context(department.id):
        return ImportJob.objects.filter(pk=job_id).select_related("created_by", "mapping").first()


def import_row_errors(*, department: Department, job: ImportJob, limit: int = 100,
                      offset: int = 0) -> list[ImportRowError]:
    with department_context(department.id):
        return list(ImportRowError.objects.filter(job=job).order_by("row_number", "id")[offset:offset + limit])


def error_report_lines(*, department: Department, job: ImportJob) -> Iterator[str]:
    """The per-row error report as CSV lines, streamed from the database (formula-safe)."""
    def rows() -> Iterator[list[Any]]:
        yield ERROR_REPORT_HEADINGS
        with department_context(department.id):
            for error in ImportRowError.objects.filter(job=job).order_by("row_number", "id").iterator(2000):
                yield [error.row_number, error.column, error.value, error.reason]
    return csv_lines(rows())


def column_matching(*, job: ImportJob) -> list[dict[str, Any]]:
    """Each field beside the file's heading that stands for it (the preview of a mapping)."""
    from pathlib import Path

    from django.conf import settings

    from onboarding.columns import COLUMNS, resolve_columns
    from onboarding.reading import FileProblem, open_sheet

    try:
        sheet = open_sheet(Path(job.upload.path), max_rows=settings.ONBOARDING_MAX_ROWS)
        found, _ = resolve_columns(sheet.headings, job.mapping_columns)
        first = next(sheet.rows, None)
        sheet.rows = iter(())
    except (FileProblem, OSError):
        return []
    return [{"label": column.label, "required": column.required,
             "heading": sheet.headings[found[column.key]] if column.key in found else "",
             "example": first[1][found[column.key]] if first and column.key in found
             and found[column.key] < len(first[1]) else ""}
            for column in COLUMNS]


def reconciliation_rows(*, job: ImportJob) -> list[list[Any]]:
    """The reconciliation as one table: counts, totals by grade, cost centre and unit, and year to date."""
    report = job.reconciliation or {}
    committed = job.status == ImportJob.Status.COMMITTED
    rows: list[list[Any]] = [["Section", "Item", "From the file", "On the platform", "Agrees"]]
    counts = [("Rows read", job.rows_read), ("Created", job.rows_created), ("Updated", job.rows_updated),
              ("Unchanged", job.rows_unchanged), ("Rejected", job.rows_rejected)]
    rows.extend(["Rows", label, value, "", ""] for label, value in counts)
    for kind, label in DIMENSION_LABELS.items():
        for line in report.get("dimensions", {}).get(kind, []):
            rows.append([f"Headcount by {label.lower()}", line["code"], line["file_headcount"],
                         line.get("platform_headcount", ""), _agrees(line, committed)])
            rows.append([f"Salary by {label.lower()}", line["code"], line["file_salary"],
                         line.get("platform_salary", ""), _agrees(line, committed)])
    for line in report.get("ytd", []):
        rows.append([f"Year to date {report.get('tax_year', '')}", FIGURE_LABELS.get(line["figure"], line["figure"]),
                     line["file"], line.get("platform", ""), _agrees(line, committed)])
    for check in report.get("checks", []):
        rows.append(["Check", check["name"], "", "", "yes" if check["ok"] else "no"])
    return rows


def _agrees(line: dict[str, Any], committed: bool) -> str:
    if not committed or "ok" not in line:
        return ""
    return "yes" if line["ok"] else "no"


def reconciliation_csv(*, job: ImportJob) -> str:
    return "".join(csv_lines(reconciliation_rows(job=job)))


def reconciliation_xlsx(*, job: ImportJob) -> bytes:
    return xlsx_bytes([("Reconciliation", reconciliation_rows(job=job))])
