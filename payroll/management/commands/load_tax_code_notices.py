from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from departments.commands import department_from_option
from payroll import services


class Command(BaseCommand):
    help = (
        "Load HMRC's tax code notices (P6, P6B, P9, P9X) from a CSV file (layout in "
        "payroll/services/tax_codes.py) for one department, apply those due, and print how many were "
        "applied, are waiting for a later period, and were rejected (with each rejection's reason)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--department", required=True, help="Department slug, e.g. moj")
        parser.add_argument("file", help="the CSV file of notices")

    def handle(self, *args: Any, **options: Any) -> None:
        department = department_from_option(options["department"])
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: cannot read the file ({error.strerror})") from error
        try:
            lines = services.tax_code_notice_lines_from_csv(content=content, source_name=path.name)
            outcome = services.tax_code_notices_receive(department=department, lines=lines, acting_user=None,
                                                        source=path.name)
        except ValidationError as error:
            raise CommandError(f"{path}: {' '.join(error.messages)}") from error
        for notice in outcome.notices:
            if notice.status == notice.Status.REJECTED:
                self.stderr.write(f"{notice.source}: rejected: {notice.reason}")
        self.stdout.write(f"applied={outcome.applied} pending={outcome.pending} rejected={outcome.rejected}")
