import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from departments.commands import department_from_option
from departments.models import Department
from onboarding import selectors, services
from onboarding.columns import gaps_of, shown_notes
from onboarding.models import ImportJob


class Command(BaseCommand):
    help = ("Import staff records from a legacy payroll export (CSV or XLSX) into a department. All or nothing "
            "unless --accept-valid; --dry-run checks every row and writes nothing but the report, naming each "
            "expected column the file lacks and what follows; an import with such gaps needs --accept-missing.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--department", required=True, help="department slug, e.g. moj")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write no records")
        parser.add_argument("--mapping", default="", help="name of a saved column mapping")
        parser.add_argument("--accept-valid", action="store_true", help="load the valid rows, report the others")
        parser.add_argument("--effective-from", default="", help="YYYY-MM-DD for changes to existing records")
        parser.add_argument("--tax-year", default="", help="tax year of the year-to-date figures, e.g. 2026-27")
        parser.add_argument("--errors-out", default="", help="also write the error report (CSV) to this file")
        parser.add_argument("--accept-missing", default="", metavar="COLUMN,…",
                            help="import even though the file has no column for these fields (as the dry run "
                                 "lists them, e.g. work_email,ytd_student_loan)")
        parser.add_argument("--create-missing-references", action="store_true",
                            help="create the grades, organisation units and cost centres the file names that the "
                                 "department does not have yet (a first import)")

    def handle(self, *args: Any, **options: Any) -> None:
        department = department_from_option(options["department"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        mapping = None
        if options["mapping"]:
            mapping = selectors.import_mapping_get(department=department, name=options["mapping"])
            if mapping is None:
                raise CommandError(f"--mapping: {department.slug} has no column mapping called '{options['mapping']}'.")
        effective_from = None
        if options["effective_from"]:
            try:
                effective_from = datetime.date.fromisoformat(options["effective_from"])
            except ValueError:
                raise CommandError("--effective-from: give a date as YYYY-MM-DD.") from None
        try:
            with path.open("rb") as upload:
                job = services.import_job_create(
                    department=department, upload=upload, original_name=path.name, acting_user=None,
                    dry_run=options["dry_run"], accept_valid=options["accept_valid"], mapping=mapping,
                    effective_from=effective_from, tax_year=options["tax_year"],
                    accept_missing=[name for name in options["accept_missing"].split(",") if name.strip()],
                    create_missing_references=True if options["create_missing_references"] else None)
        except ValidationError as error:
            raise CommandError("\n".join(f"{path.name}: {'; '.join(texts)}"
                                         for texts in error.message_dict.values())) from error
        job = services.import_job_run(department=department, job_id=job.pk)
        self._report(department, job, options["errors_out"])
        unaccepted = gaps_of(job.notes).unaccepted
        if job.status == ImportJob.Status.REJECTED and unaccepted and not job.dry_run:
            raise CommandError(f"Nothing was imported: the file has no column for {', '.join(unaccepted)}. To "
                               f"import without them, add --accept-missing {','.join(unaccepted)}.")
        if job.status in (ImportJob.Status.REJECTED, ImportJob.Status.FAILED):
            raise CommandError(f"Nothing was imported: {job.get_status_display().lower()}.")
        if job.rows_rejected and job.dry_run:
            raise CommandError(f"{job.rows_rejected:,} rows would be rejected; see the error report.")
        if job.rows_rejected:
            self.stdout.write(f"{job.rows_rejected:,} rows were rejected (--accept-valid loaded the others).")

    def _report(self, department: Department, job: ImportJob, errors_out: str) -> None:
        kind = "Dry run" if job.dry_run else "Import"
        self.stdout.write(f"{kind} of {job.original_name} into {department.slug}: {job.get_status_display()} "
                          f"(job {job.pk}, {job.seconds or 0:.1f} s).")
        if job.file_problem:
            self.stdout.write(f"Problem with the file: {job.file_problem}")
        for note in shown_notes(job.notes):
            self.stdout.write(f"Note: {note}")
        gaps = gaps_of(job.notes)
        if job.dry_run and gaps.missing:
            self.stdout.write(f"To import without the missing columns, add --accept-missing {','.join(gaps.missing)}.")
        verb = "" if job.status == ImportJob.Status.COMMITTED else "would be "
        self.stdout.write(f"Rows read {job.rows_read:,}; {verb}created {job.rows_created:,}; {verb}updated "
                          f"{job.rows_updated:,}; unchanged {job.rows_unchanged:,}; rejected {job.rows_rejected:,}.")
        for check in job.reconciliation.get("checks", []):
            self.stdout.write(f"Reconciliation: {check['name']}: {'agrees' if check['ok'] else 'DIFFERS'}")
        shown = 0
        for error in selectors.import_row_errors(department=department, job=job, limit=20):
            column = f", {error.column}" if error.column else ""
            value = f" ({error.value!r})" if error.value else ""
            self.stdout.write(f"  Row {error.row_number}{column}{value}: {error.reason}")
            shown += 1
        if job.error_count > shown:
            self.stdout.write(f"  … and {job.error_count - shown:,} more problems in the error report.")
        if errors_out:
            with open(errors_out, "w", encoding="utf-8", newline="") as handle:
                handle.writelines(selectors.error_report_lines(department=department, job=job))
            self.stdout.write(f"Error report written to {errors_out}.")
