import shutil
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser

from departments.commands import department_from_option
from payroll.models import DocumentBatch
from payroll.services.year_end import p60_batch_produce, p60_batch_start


class Command(BaseCommand):
    help = ("Produce the P60s of a tax year that has ended (everyone employed on 5 April and paid in it) as a "
            "zip of PDFs, one per employee, written to --out. Recorded as a P60 bundle, like HR's page.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--department", required=True, help="Department slug, e.g. moj")
        parser.add_argument("--tax-year", required=True, help="The tax year, e.g. 2026-27")
        parser.add_argument("--out", required=True, help="The zip file to write, e.g. p60s-2026-27.zip")

    def handle(self, *args: Any, **options: Any) -> None:
        department = department_from_option(options["department"])
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"--out: the folder {out.parent} does not exist.")
        try:
            batch = p60_batch_start(department=department, tax_year=options["tax_year"], acting_user=None)
        except ValidationError as error:
            raise CommandError("\n".join(f"--tax-year: {'; '.join(texts)}"
                                         for texts in error.message_dict.values())) from error
        batch = p60_batch_produce(department_id=department.id, batch_id=batch.pk)
        if batch.status != DocumentBatch.Status.DONE:
            raise CommandError(f"The P60s could not be produced: {batch.failure}")
        try:
            with default_storage.open(batch.file, "rb") as source, out.open("wb") as target:
                shutil.copyfileobj(source, target)
        except OSError as error:
            raise CommandError(f"--out: cannot write {out} ({error.strerror}).") from error
        self.stdout.write(f"{batch.total} P60s for {batch.tax_year} written to {out}.")
