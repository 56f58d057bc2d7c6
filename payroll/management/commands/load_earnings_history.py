from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from departments.commands import department_from_option
from payroll import services


class Command(BaseCommand):
    help = (
        "Load what the previous payroll paid each employee on each pay day (a CSV file with the header "
        "payroll_number,pay_date,earnings; earnings subject to Class 1 NICs) for one department. All or "
        "nothing: any bad line refuses the file, every problem listed; a day already loaded is replaced."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--department", required=True, help="Department slug, e.g. moj")
        parser.add_argument("file", help="the CSV file of earnings")

    def handle(self, *args: Any, **options: Any) -> None:
        department = department_from_option(options["department"])
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: cannot read the file ({error.strerror})") from error
        try:
            rows = services.earnings_history_rows_from_csv(content)
            outcome = services.earnings_history_load(department=department, rows=rows, acting_user=None,
                                                     source=path.name)
        except ValidationError as error:
            raise CommandError(f"{path}: nothing was loaded.\n" + "\n".join(error.messages)) from error
        self.stdout.write(f"added={outcome.added} replaced={outcome.replaced}")
