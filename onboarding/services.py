"""Staff-record imports: every write of onboarding, each audited.

An import job reads the file twice, streaming: first to check every row (committing progress as
it goes, so the page can show it), then, unless it is a dry run or rows were rejected without
``accept_valid``, to write the valid rows in one transaction through ``hr.services`` and
``payroll.services``. Nothing is half-written: a failure rolls the whole write back.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import pickle
import queue
import secrets
import tempfile
import threading
from array import array
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from departments.models import Department
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from hr import selectors as hr_selectors
from hr import services as hr_services
from hr.services import EmployeeImportOutcome, EmployeeImportRow
from hr.services.accounts import employee_accounts_provision
from onboarding.columns import (
    COLUMNS_BY_KEY,
    MISSING_CONSEQUENCES,
    YTD_KEYS,
    Context,
    ImportGaps,
    ParsedRow,
    column_key,
    gaps_of,
    missing_column_text,
    missing_columns,
    parse_row,
    resolve_columns,
    row_plan,
    with_gaps,
)
from onboarding.legacy_results import RESULT_MAPPING_KEYS
from onboarding.models import ImportJob, ImportMapping, ImportRowError
from onboarding.reading import FileProblem, Sheet, count_lines, open_sheet, sniff_format
from payroll import selectors as payroll_selectors
from payroll import services as payroll_services
from payroll.engine.rates import available_tax_years, rates_for
from payroll.services import BALANCE_FIGURES, OpeningBalanceInput
from shared_services.accounts.models import User

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
# Statistics are refreshed as a department's tables grow during the write (and at its end): a
# planner that still thinks the department is empty scans all its rows for each batch's lookups.
STATISTICS_AFTER_BATCHES = frozenset({2, 8})
REFERENCE_KINDS = ("grade", "organisation_unit", "cost_centre")
REFERENCE_LABELS = {"grade": "Grade", "organisation_unit": "Organisation unit", "cost_centre": "Cost centre"}
# Year-to-date columns of the file and the opening-balance figures they become.
YTD_FIGURES = {"ytd_taxable_pay": "taxable_pay", "ytd_tax_paid": "tax_paid", "ytd_ni_employee": "ni_employee",
               "ytd_ni_employer": "ni_employer", "ytd_student_loan": "student_loan",
               "ytd_postgraduate_loan": "postgraduate_loan", "ytd_pension": "pension_employee"}
PERSONAL_KEYS = ("payroll_number", "title", "first_name", "last_name", "date_of_birth", "ni_number", "sex",
                 "address_line_1", "address_line_2", "town", "postcode", "bank_sort_code", "bank_account_number",
                 "start_date", "ni_category", "student_loans", "pension_scheme", "previous_payroll_id", "work_email")
_PERSONAL_BLANKS = tuple((key, [] if key == "student_loans" else "") for key in PERSONAL_KEYS)
# What the write pass needs of an accepted row, spooled as a plain tuple: personal fields in this
# order (dates as day numbers), then the terms (amounts as text, references as codes), then the
# year-to-date figures (as text) or None.
SPOOLED_PERSONAL = (*PERSONAL_KEYS, "tax_code", "tax_basis")
_SPOOLED_DATES = tuple(SPOOLED_PERSONAL.index(key) for key in ("date_of_birth", "start_date"))
FULL_TIME_HOURS = Decimal("37")
FTE_PLACES = Decimal("0.0001")


def tax_year_of(day: datetime.date) -> str:
    first = day.year if (day.month, day.day) >= (4, 6) else day.year - 1
    return f"{first}-{(first + 1) % 100:02d}"


# --- Mappings -----------------------------------------------------------------------------------


@transaction.atomic
def import_mapping_save(*, department: Department, name: str, columns: dict[str, str],
                        create_missing_references: bool, acting_user: User | None) -> ImportMapping:
    """Create or replace the department's column mapping called ``name``. It may name headings of
    the staff export and of the legacy payroll's results file (onboarding/LEGACY_RESULTS.md)."""
    name = name.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Enter a name for the column mapping."
    elif len(name) > 100:
        errors["name"] = "The name must be 100 characters or fewer."
    unknown = sorted(key for key in columns if key not in COLUMNS_BY_KEY and key not in RESULT_MAPPING_KEYS)
    if unknown:
        errors["columns"] = f"Unknown fields: {', '.join(unknown)}."
    cleaned = {key: str(heading).strip()[:100] for key, heading in columns.items() if str(heading).strip()}
    if errors:
        raise ValidationError(errors)
    with department_context(department.id):
        mapping = ImportMapping.objects.filter(name=name).first()
        before = {"columns": mapping.columns, "create_missing_references": mapping.create_missing_references} \
            if mapping else {}
        mapping = mapping or ImportMapping(department=department, name=name, created_by=acting_user)
        mapping.columns, mapping.create_missing_references = cleaned, create_missing_references
        mapping.save()
        audit_record(department=department, action="import_mapping.save", acting_user=acting_user, target=mapping,
                     changes=audit_changes(before, {"columns": cleaned,
                                                    "create_missing_references": create_missing_references}))
        return mapping


# --- Jobs ---------------------------------------------------------------------------------------


@transaction.atomic
def import_job_create(*, department: Department, upload: IO[bytes], original_name: str, acting_user: User | None,
                      dry_run: bool = True, accept_valid: bool = False, mapping: ImportMapping | None = None,
                      effective_from: datetime.date | None = None, tax_year: str = "",
                      accept_missing: Collection[str] = (),
                      create_missing_references: bool | None = None) -> ImportJob:
    """Store an uploaded export under the department's folder and queue the job that reads it.

    The file is refused here, before any job exists, when it is empty, too large, or not CSV or
    XLSX by its content; problems inside it are the job's to report. An import that is not a dry
    run writes nothing when the file lacks a column of ``MISSING_CONSEQUENCES`` not named in
    ``accept_missing`` (a field's key, label or usual heading). ``create_missing_references``
    overrides the mapping's flag: create the grades, units and cost centres the file names.
    """
    accepted = _accepted_keys(accept_missing)
    upload.seek(0, 2)
    size = upload.tell()
    upload.seek(0)
    limit = settings.ONBOARDING_MAX_UPLOAD_BYTES
    if size == 0:
        raise ValidationError({"file": "The file is empty. Choose the export file with the staff records."})
    if size > limit:
        raise ValidationError({"file": f"The file is {size / 1048576:.1f} MB; the largest accepted is "
                                       f"{limit / 1048576:.0f} MB. Split it into smaller files."})
    try:
        file_format = sniff_format(upload.read(4096))
    except FileProblem as problem:
        raise ValidationError({"file": problem.message}) from None
    upload.seek(0)
    today = timezone.localdate()
    tax_year = tax_year or tax_year_of(effective_from or today)
    if tax_year not in available_tax_years():
        raise ValidationError({"tax_year": f"The platform has no rates for the tax year {tax_year}; choose one of "
                                           f"{', '.join(available_tax_years())}."})
    if mapping is not None and mapping.department_id != department.id:  # type: ignore[attr-defined]
        raise ValidationError({"mapping": "Choose one of the department's own column mappings."})
    with department_context(department.id):
        job = ImportJob(
            department=department, token=secrets.token_hex(16), dry_run=dry_run, accept_valid=accept_valid,
            original_name=Path(original_name).name[:255] or "upload", file_format=file_format, file_size=size,
            mapping=mapping, mapping_columns=dict(mapping.columns) if mapping else {},
            create_missing_references=bool(mapping and mapping.create_missing_references)
            if create_missing_references is None else create_missing_references,
            effective_from=effective_from or today, tax_year=tax_year, created_by=acting_user,
            notes=with_gaps([], _acceptance(accepted, acting_user)) if accepted else [],
        )
        job.upload.save("upload", File(upload), save=False)
        job.rows_total = _estimated_rows(Path(job.upload.path), file_format)
        job.save()
        audit_record(department=department, action="import_job.create", acting_user=acting_user, target=job,
                     changes=audit_changes({}, {"file": job.original_name, "dry_run": dry_run,
                                                "accept_valid": accept_valid,
                                                "mapping": mapping.name if mapping else "",
                                                "accept_missing": list(accepted),
                                                "create_missing_references": job.create_missing_references}))
    return job


def _accepted_keys(names: Collection[str]) -> tuple[str, ...]:
    """The fields ``names`` stand for; ValidationError naming any that is no optional field."""
    keys, unknown = [], []
    for name in names:
        if not str(name).strip():
            continue
        key = column_key(str(name))
        if key in MISSING_CONSEQUENCES:
            keys.append(key)
        else:
            unknown.append(str(name).strip())
    if unknown:
        known = ", ".join(MISSING_CONSEQUENCES)
        raise ValidationError({"accept_missing": f"These are not columns an import can go ahead without: "
                                                 f"{', '.join(unknown)}. Use the names the dry run lists: {known}."})
    order = list(COLUMNS_BY_KEY)
    return tuple(sorted(set(keys), key=order.index))


def _acceptance(accepted: tuple[str, ...], acting_user: User | None) -> ImportGaps:
    return ImportGaps(accepted=accepted, accepted_by=acting_user.email if acting_user else "command line",
                      accepted_at=timezone.now().isoformat())


def missing_columns_message(missing: Collection[str]) -> str:
    """Why an import waits for its gaps to be confirmed, naming each missing column."""
    return ("The file has no column for: " + "; ".join(missing_column_text(key) for key in missing) +
            ". Nothing was imported. Add the columns, or confirm that the import goes ahead without them.")


@transaction.atomic
def import_job_commit(*, department: Department, source: ImportJob, accept_valid: bool,
                      acting_user: User | None, accept_missing: Collection[str] = ()) -> ImportJob:
    """After a dry run, import the same stored file for real, with the same mapping and dates.

    Refused unless ``accept_missing`` confirms every column the dry run found missing; the new
    job's notes record what was confirmed, by whom and when.
    """
    if source.department_id != department.id:  # type: ignore[attr-defined]
        raise ValidationError({"job": "There is no such import in this department."})
    if not source.dry_run or source.status != ImportJob.Status.VALIDATED:
        raise ValidationError({"job": "Only a finished dry run can be imported."})
    accepted = _accepted_keys(accept_missing)
    unaccepted = [key for key in gaps_of(source.notes).missing if key not in accepted]
    if unaccepted:
        raise ValidationError({"accept_missing": (
            "Confirm that the import goes ahead without these columns: "
            + "; ".join(missing_column_text(key) for key in unaccepted) + ".")})
    with department_context(department.id):
        if ImportJob.objects.filter(dry_run=False, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.VALIDATING,
                                                               ImportJob.Status.WRITING]).exists():
            raise ValidationError({"job": "Another import into this department is running. Wait for it to finish."})
        job = ImportJob(
            department=department, token=secrets.token_hex(16), dry_run=False, accept_valid=accept_valid,
            upload=source.upload.name, original_name=source.original_name, file_format=source.file_format,
            file_size=source.file_size, mapping=source.mapping, mapping_columns=source.mapping_columns,
            create_missing_references=source.create_missing_references, effective_from=source.effective_from,
            tax_year=source.tax_year, created_by=acting_user, rows_total=source.rows_read or source.rows_total,
            notes=with_gaps([], _acceptance(accepted, acting_user)) if accepted else [],
        )
        job.save()
        audit_record(department=department, action="import_job.create", acting_user=acting_user, target=job,
                     changes=audit_changes({}, {"file": job.original_name, "dry_run": False,
                                                "accept_valid": accept_valid, "after_dry_run": source.pk,
                                                "accept_missing": list(accepted)}))
    return job


def _estimated_rows(path: Path, file_format: str) -> int | None:
    if file_format == "csv":
        return count_lines(path)
    try:
        from openpyxl import load_workbook

        with path.open("rb") as handle:
            workbook = load_workbook(handle, read_only=True)
            rows = workbook.worksheets[0].max_row if workbook.worksheets else None
            workbook.close()
        return max(0, rows - 1) if rows else None
    except Exception:  # noqa: BLE001 - only an estimate for the progress bar; the job reports real problems
        return None


def _save_job(department: Department, job: ImportJob, *fields: str) -> None:
    with department_context(department.id):
        job.save(update_fields=list(fields))


@dataclass
class _Check:
    """What the checking pass learns, kept small: keys and totals, never the rows."""

    columns: dict[str, int] = field(default_factory=dict)
    headings: list[str] = field(default_factory=list)
    references: dict[str, dict[str, int]] = field(default_factory=dict)
    new_references: dict[str, set[str]] = field(default_factory=lambda: {kind: set() for kind in REFERENCE_KINDS})
    payroll_rows: dict[str, int] = field(default_factory=dict)
    ni_rows: dict[str, int] = field(default_factory=dict)
    work_email_rows: dict[str, int] = field(default_factory=dict)
    rejected_rows: set[int] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    file_totals: dict[str, Any] = field(default_factory=lambda: _empty_totals())
    # The accepted rows, normalised, pickled batch by batch to a temporary file for the write pass.
    spool: IO[bytes] = field(default_factory=lambda: tempfile.TemporaryFile(prefix="import-"))


def _empty_totals() -> dict[str, Any]:
    return {"grade": defaultdict(lambda: [0, Decimal("0")]), "cost_centre": defaultdict(lambda: [0, Decimal("0")]),
            "organisation_unit": defaultdict(lambda: [0, Decimal("0")]),
            "ytd": {name: Decimal("0") for name in BALANCE_FIGURES}}


def import_job_run(*, department: Department, job_id: int) -> ImportJob:
    """Run a queued job to its end (idempotent: a job already started is returned as it is).

    Called by the Celery task outside any transaction, so each progress step commits and the page
    sees it; the write itself is one transaction.
    """
    with department_context(department.id):
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status != ImportJob.Status.QUEUED:
            return job
        job.status, job.started_at = ImportJob.Status.VALIDATING, timezone.now()
        job.save(update_fields=["status", "started_at"])
    check = None
    try:
        check = _check_file(department, job)
        if check is None:
            return _finish(department, job, ImportJob.Status.REJECTED)
        if job.dry_run:
            return _finish(department, job, ImportJob.Status.VALIDATED)
        if check.rejected_rows and not job.accept_valid:
            return _finish(department, job, ImportJob.Status.REJECTED)
        job.status = ImportJob.Status.WRITING
        _save_job(department, job, "status", "validated_at", "rows_done")
        with department_context(department.id):
            _write(department, job, check)
            _provision_accounts(department, job, check)
            _finish(department, job, ImportJob.Status.COMMITTED)
        return job
    except ImportChanged as changed:
        job.file_problem = str(changed)
        return _finish(department, job, ImportJob.Status.FAILED)
    except Exception:
        logger.exception("Import job %s of department %s stopped", job_id, department.slug)
        job.file_problem = "The import stopped because of an error in the platform. Nothing was saved; the " \
                           "support team has the details. Try again later."
        return _finish(department, job, ImportJob.Status.FAILED)
    finally:
        if check is not None:
            check.spool.close()


class ImportChanged(Exception):
    pass


def _finish(department: Department, job: ImportJob, status: str) -> ImportJob:
    job.status, job.finished_at = status, timezone.now()
    _save_job(department, job, "status", "finished_at", "file_problem", "rows_read", "rows_done", "rows_created",
              "rows_updated", "rows_unchanged", "rows_rejected", "error_count", "notes", "reconciliation",
              "validated_at", "rows_total")
    with department_context(department.id):
        audit_record(department=department, action=f"import_job.{status}", acting_user=job.created_by, target=job,
                     changes={"status": {"before": "running", "after": status},
                              "rows": {"before": None, "after": {
                                  "read": job.rows_read, "created": job.rows_created, "updated": job.rows_updated,
                                  "unchanged": job.rows_unchanged, "rejected": job.rows_rejected}}})
    return job


def _chunks(rows: Iterator[tuple[int, list[str]]], size: int) -> Iterator[list[tuple[int, list[str]]]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _open(department: Department, job: ImportJob, check: _Check) -> Sheet:
    sheet = open_sheet(Path(job.upload.path), max_rows=settings.ONBOARDING_MAX_ROWS)
    # A department's mapping may also name the headings of its legacy payroll's results file.
    mapping = {key: heading for key, heading in job.mapping_columns.items()
               if key in COLUMNS_BY_KEY or key not in RESULT_MAPPING_KEYS}
    check.columns, notes = resolve_columns(sheet.headings, mapping)
    check.headings = sheet.headings
    accepted = gaps_of(job.notes)
    gaps = ImportGaps(missing=tuple(missing_columns(check.columns)), accepted=accepted.accepted,
                      accepted_by=accepted.accepted_by, accepted_at=accepted.accepted_at)
    gap_notes = [f"The file has no {COLUMNS_BY_KEY[key].label} column: {MISSING_CONSEQUENCES[key]}"
                 f"{' (confirmed)' if key in gaps.accepted else ''}." for key in gaps.missing]
    job.notes = with_gaps([*sheet.notes, *notes, *gap_notes], gaps)
    if gaps.unaccepted and not job.dry_run:
        raise FileProblem(missing_columns_message(gaps.unaccepted))
    return sheet


def _context(job: ImportJob) -> Context:
    return Context(today=timezone.localdate(), ni_letters=frozenset(rates_for(job.tax_year).ni_categories))


def _record_problem(department: Department, job: ImportJob, row: int, column: str, value: str, reason: str) -> None:
    with department_context(department.id):
        ImportRowError.objects.create(department=department, job=job, row_number=row, column=column[:100],
                                      value=value[:200], reason=reason[:500])
    job.error_count += 1


def _check_file(department: Department, job: ImportJob) -> _Check | None:
    """The checking pass: every row, in batches; problems stored, progress committed per batch."""
    check = _Check()
    context = _context(job)
    try:
        sheet = _open(department, job, check)
        plan, width = row_plan(check.columns, check.headings), len(check.headings)
        with department_context(department.id):
            _refresh_statistics(only_if_stale=True)  # another job, or a seed, may have grown the tables
            check.references = hr_selectors.reference_codes()
        for chunk in _chunks(sheet.rows, BATCH_SIZE):
            parsed = [parse_row(number, cells, plan=plan, width=width, context=context)
                      for number, cells in chunk if "".join(cells).strip()]
            _check_batch(department, job, check, parsed)
            job.rows_done = chunk[-1][0] - 1
            _save_job(department, job, "rows_done", "rows_read", "rows_rejected", "error_count")
    except FileProblem as problem:
        job.file_problem = problem.message
        _record_problem(department, job, problem.row, "", "", problem.message)
        return None
    if job.rows_read == 0:
        job.file_problem = "The file has a heading row but no staff records under it."
        _record_problem(department, job, 1, "", "", job.file_problem)
        return None
    job.rows_total = job.rows_done
    job.validated_at = timezone.now()
    job.rows_created, job.rows_updated = check.counts["create"], check.counts["update"]
    job.rows_unchanged, job.rows_rejected = check.counts["unchanged"], len(check.rejected_rows)
    job.reconciliation = _reconciliation(job, check, platform=None)
    return check


def _import_row(check: _Check, parsed: ParsedRow) -> EmployeeImportRow:
    """The row as ``hr.services`` plans it. A reference still to be created has no id yet: it stands
    as -1, so the row is not refused for it (the write pass resolves the codes again)."""
    values = parsed.values
    tax_code, non_cumulative = values["tax_code"]
    personal = {key: values.get(key, blank) for key, blank in _PERSONAL_BLANKS}
    personal["tax_code"], personal["tax_basis"] = tax_code, "week1_month1" if non_cumulative else "cumulative"
    hours = values["contracted_hours"]
    references = check.references
    terms = {
        "post_title": values["post_title"], "annual_salary": values["annual_salary"], "contracted_hours": hours,
        "fte": min(Decimal("1"), hours / FULL_TIME_HOURS).quantize(FTE_PLACES),
        "grade_id": references["grade"].get(values["grade"], -1),
        "organisation_unit_id": references["organisation_unit"].get(values["organisation_unit"], -1),
        "cost_centre_id": references["cost_centre"].get(values["cost_centre"], -1),
    }
    return EmployeeImportRow(row_number=parsed.row_number, personal=personal, terms=terms)


def _spool_entry(parsed: ParsedRow, row: EmployeeImportRow, figures: dict[str, Decimal] | None) -> tuple[Any, ...]:
    """An accepted row as the write pass needs it (see SPOOLED_PERSONAL): plain values pickle fast."""
    personal, terms, values = row.personal, row.terms, parsed.values
    packed = [personal[key] for key in SPOOLED_PERSONAL]
    for index in _SPOOLED_DATES:
        packed[index] = packed[index].toordinal()
    return (row.row_number, packed, terms["post_title"], str(terms["annual_salary"]), str(terms["contracted_hours"]),
            str(terms["fte"]), values["grade"], values["organisation_unit"], values["cost_centre"],
            None if figures is None else [str(figures[name]) for name in BALANCE_FIGURES])


def _unspooled(check: _Check, entry: tuple[Any, ...]) -> tuple[EmployeeImportRow, dict[str, Decimal] | None]:
    row_number, packed, post_title, salary, hours, fte, grade, unit, centre, figures = entry
    for index in _SPOOLED_DATES:
        packed[index] = datetime.date.fromordinal(packed[index])
    references = check.references
    terms = {"post_title": post_title, "annual_salary": Decimal(salary), "contracted_hours": Decimal(hours),
             "fte": Decimal(fte), "grade_id": references["grade"][grade],
             "organisation_unit_id": references["organisation_unit"][unit],
             "cost_centre_id": references["cost_centre"][centre]}
    row = EmployeeImportRow(row_number=row_number, personal=dict(zip(SPOOLED_PERSONAL, packed, strict=True)),
                            terms=terms)
    return row, None if figures is None else dict(zip(BALANCE_FIGURES, map(Decimal, figures), strict=True))


def _reference_problems(job: ImportJob, check: _Check, parsed: ParsedRow) -> None:
    for kind in REFERENCE_KINDS:
        code = parsed.values.get(kind)
        if code is None or code in check.references[kind]:
            continue
        if job.create_missing_references:
            check.new_references[kind].add(code)
        else:
            heading = check.headings[check.columns[kind]]
            parsed.problems.append((heading, code, f"{REFERENCE_LABELS[kind]} {code} does not exist in the "
                                                   "department. Add it first, or use a column mapping that "
                                                   "creates missing ones."))


def _duplicate_problems(check: _Check, parsed: ParsedRow) -> None:
    for key, seen, label in (("payroll_number", check.payroll_rows, "payroll number"),
                             ("ni_number", check.ni_rows, "NI number"),
                             ("work_email", check.work_email_rows, "work e-mail address")):
        value = parsed.values.get(key)
        if not value:
            continue
        first = seen.setdefault(value, parsed.row_number)
        if first != parsed.row_number:
            heading = check.headings[check.columns[key]]
            parsed.problems.append((heading, value, f"Row {first} has the same {label}. Each employee appears once."))


def _check_batch(department: Department, job: ImportJob, check: _Check, parsed_rows: list[ParsedRow]) -> None:
    candidates: list[tuple[ParsedRow, EmployeeImportRow]] = []
    for parsed in parsed_rows:
        job.rows_read += 1
        _duplicate_problems(check, parsed)
        if not parsed.problems:
            _reference_problems(job, check, parsed)
        if not parsed.problems:
            candidates.append((parsed, _import_row(check, parsed)))
    outcomes = hr_services.employees_import_plan(department=department, rows=[row for _, row in candidates],
                                                 effective_from=job.effective_from) if candidates else []
    locked = _locked_balances(department, job, outcomes)
    accepted: list[tuple[Any, ...]] = []
    for (parsed, row), outcome in zip(candidates, outcomes, strict=True):
        for name, message in outcome.problems:
            key = {"organisation_unit_id": "organisation_unit", "grade_id": "grade",
                   "cost_centre_id": "cost_centre"}.get(name, name)
            index = check.columns.get(key)
            heading = check.headings[index] if index is not None else name
            parsed.problems.append((heading, str(parsed.values.get(key, "")), message))
        figures = _ytd_figures(parsed)
        balance = locked.get(outcome.employee_id) if outcome.employee_id else None
        if balance is not None and figures != balance:
            parsed.problems.append((check.headings[check.columns.get("ytd_taxable_pay", 0)], "", (
                f"The opening balances for {job.tax_year} are locked because the first pay run has been finalised; "
                "an import cannot change them.")))
        if not parsed.problems:
            check.counts[outcome.action] += 1
            _add_to_totals(check.file_totals, parsed, figures)
            if not job.dry_run:
                accepted.append(_spool_entry(parsed, row, figures))
    if accepted:
        pickle.dump(accepted, check.spool, protocol=pickle.HIGHEST_PROTOCOL)
    errors: list[ImportRowError] = []
    for parsed in parsed_rows:
        if parsed.problems:
            check.rejected_rows.add(parsed.row_number)
            errors.extend(ImportRowError(department=department, job=job, row_number=parsed.row_number,
                                         column=column[:100], value=value[:200], reason=reason[:500])
                          for column, value, reason in parsed.problems)
    job.rows_rejected = len(check.rejected_rows)
    job.error_count += len(errors)
    with department_context(department.id):
        ImportRowError.objects.bulk_create(errors, batch_size=BATCH_SIZE)


def _locked_balances(department: Department, job: ImportJob,
                     outcomes: list[EmployeeImportOutcome]) -> dict[int, dict[str, Decimal]]:
    existing = [outcome.employee_id for outcome in outcomes if outcome.employee_id]
    if not existing:
        return {}
    return payroll_selectors.opening_balances_locked(department=department, tax_year=job.tax_year,
                                                     employee_ids=existing)


def _ytd_figures(parsed: ParsedRow) -> dict[str, Decimal] | None:
    if not any(key in parsed.values for key in YTD_KEYS):
        return None
    return {figure: parsed.values.get(key, Decimal("0.00")) for key, figure in YTD_FIGURES.items()}


def _add_to_totals(totals: dict[str, Any], parsed: ParsedRow, figures: dict[str, Decimal] | None) -> None:
    salary = parsed.values["annual_salary"]
    for kind in REFERENCE_KINDS:
        entry = totals[kind][parsed.values[kind]]
        entry[0] += 1
        entry[1] += salary
    if figures:
        for name, amount in figures.items():
            totals["ytd"][name] += amount


# --- The write pass -----------------------------------------------------------------------------


def _write(department: Department, job: ImportJob, check: _Check) -> None:
    """Write every row the checking pass accepted, in batches, inside the caller's transaction."""
    _create_references(department, job, check)
    imported = array("q")
    counts: dict[str, int] = defaultdict(int)
    reason = f"Imported from {job.original_name} (import job {job.pk})"
    check.spool.seek(0)
    for number, accepted in enumerate(_read_ahead(check), start=1):
        rows = [row for row, _ in accepted]
        # The checking pass planned these very rows, their own fields included: only what the
        # department holds is judged again, now inside the writing transaction.
        outcomes = hr_services.employees_import(department=department, rows=rows, acting_user=job.created_by,
                                                effective_from=job.effective_from, reason=reason,
                                                fields_checked=True)
        refused = [outcome for outcome in outcomes if outcome.action == "rejected"]
        if refused:
            raise ImportChanged(
                f"The department's records changed while the file was being imported (row {refused[0].row.row_number}:"
                f" {refused[0].problems[0][1]}). Nothing was saved; run the import again.")
        for outcome in outcomes:
            counts[outcome.action] += 1
        balances = [OpeningBalanceInput(employee_id=outcome.employee_id, ni_category=row.personal["ni_category"],
                                        previous_payroll_id=row.personal["previous_payroll_id"], figures=figures)
                    for (row, figures), outcome in zip(accepted, outcomes, strict=True)
                    if outcome.employee_id is not None and figures is not None]
        if balances:
            payroll_services.opening_balances_import(department=department, tax_year=job.tax_year, rows=balances,
                                                     acting_user=job.created_by, reason=reason)
        if number in STATISTICS_AFTER_BATCHES:
            _refresh_statistics()
        imported.extend(outcome.employee_id for outcome in outcomes if outcome.employee_id is not None)
    _refresh_statistics()
    job.rows_created, job.rows_updated, job.rows_unchanged = counts["create"], counts["update"], counts["unchanged"]
    # What was stored, read once at the end, after the statistics know about it (the ids: 8 bytes
    # an employee).
    platform: dict[str, Any] = dict(hr_selectors.open_employment_totals(department=department, employee_ids=imported))
    platform["ytd"] = payroll_selectors.opening_balance_totals(department=department, tax_year=job.tax_year,
                                                               employee_ids=imported)
    job.reconciliation = _reconciliation(job, check, platform=platform)


def _provision_accounts(department: Department, job: ImportJob, check: _Check) -> None:
    """A file with work e-mails gives its people their accounts and access, in the import's
    transaction; the job's notes say what was done."""
    if "work_email" not in check.columns:
        return
    done = employee_accounts_provision(department=department, acting_user=job.created_by)
    job.notes = [*job.notes, f"Accounts: {done['accounts_created']:,} created, {done['linked']:,} employees linked "
                             f"to their account, {done['memberships_created']:,} given employee access."]


def _refresh_statistics(*, only_if_stale: bool = False) -> None:
    hr_services.employees_import_statistics_refresh(only_if_stale=only_if_stale)
    payroll_services.opening_balances_statistics_refresh(only_if_stale=only_if_stale)


def _spooled(spool: IO[bytes]) -> Iterator[list[tuple[Any, ...]]]:
    while True:
        try:
            yield pickle.load(spool)  # noqa: S301 - written by this job a moment ago, never from outside
        except EOFError:
            return


_SPOOL_END = object()


def _read_ahead(check: _Check) -> Iterator[list[tuple[EmployeeImportRow, dict[str, Decimal] | None]]]:
    """The spooled batches as rows ready to write, each read while the one before is being written.

    A helper thread unpickles and builds the rows (plain Python, no database) while this thread
    waits for PostgreSQL, which runs the inserts without holding the interpreter. At most one
    batch waits ahead, so memory stays flat.
    """
    ready: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def read() -> None:
        try:
            for batch in _spooled(check.spool):
                if stop.is_set():
                    return
                ready.put([_unspooled(check, entry) for entry in batch])
            ready.put(_SPOOL_END)
        except BaseException as error:  # noqa: BLE001 - handed to the writing thread, which raises it
            ready.put(error)

    reader = threading.Thread(target=read, name="import-spool-reader", daemon=True)
    reader.start()
    try:
        while (item := ready.get()) is not _SPOOL_END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while reader.is_alive():  # a reader blocked on a full queue needs room to see the stop
            with contextlib.suppress(queue.Empty):
                ready.get(timeout=0.05)
        reader.join()


def _create_references(department: Department, job: ImportJob, check: _Check) -> None:
    creators = {"grade": lambda code: hr_services.grade_create(department=department, code=code, name=code, rank=0,
                                                               acting_user=job.created_by),
                "organisation_unit": lambda code: hr_services.organisation_unit_create(
                    department=department, code=code, name=code, acting_user=job.created_by),
                "cost_centre": lambda code: hr_services.cost_centre_create(department=department, code=code, name=code,
                                                                           acting_user=job.created_by)}
    for kind in REFERENCE_KINDS:
        for code in sorted(check.new_references[kind]):
            check.references[kind][code] = creators[kind](code).pk


def _reconciliation(job: ImportJob, check: _Check, *, platform: dict[str, Any] | None) -> dict[str, Any]:
    """Totals from the file's accepted rows beside the totals stored (after a commit), and the checks."""
    report: dict[str, Any] = {"tax_year": job.tax_year, "dimensions": {}, "ytd": [], "checks": [],
                              "new_references": {kind: sorted(codes) for kind, codes in check.new_references.items()}}
    accounted = job.rows_created + job.rows_updated + job.rows_unchanged + job.rows_rejected
    report["checks"].append({"name": "Rows read = created + updated + unchanged + rejected",
                             "file": job.rows_read, "platform": accounted, "ok": accounted == job.rows_read})
    for kind in REFERENCE_KINDS:
        file_side = check.file_totals[kind]
        stored_side = platform[kind] if platform is not None else {}
        lines = []
        for code in sorted(set(file_side) | set(stored_side)):
            file_count, file_salary = file_side.get(code, [0, Decimal("0")])
            line: dict[str, Any] = {"code": code, "file_headcount": file_count, "file_salary": f"{file_salary:.2f}"}
            if platform is not None:
                stored_count, stored_salary = stored_side.get(code, [0, Decimal("0")])
                line.update(platform_headcount=stored_count, platform_salary=f"{stored_salary:.2f}",
                            ok=stored_count == file_count and stored_salary == file_salary)
            lines.append(line)
        report["dimensions"][kind] = lines
        if platform is not None:
            report["checks"].append({"name": f"Headcount and salary by {REFERENCE_LABELS[kind].lower()}",
                                     "ok": all(line["ok"] for line in lines)})
    for name in BALANCE_FIGURES:
        line = {"figure": name, "file": f"{check.file_totals['ytd'][name]:.2f}"}
        if platform is not None:
            line.update(platform=f"{platform['ytd'][name]:.2f}",
                        ok=platform["ytd"][name] == check.file_totals["ytd"][name])
        report["ytd"].append(line)
    if platform is not None:
        report["checks"].append({"name": "Year-to-date totals", "ok": all(line["ok"] for line in report["ytd"])})
    return report
