import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from departments.models import Department
from departments.tenancy import department_context
from payroll import services
from payroll.models import PayRun


def department_named(slug: str) -> Department:
    department = Department.objects.filter(slug=slug).first()
    if department is None:
        raise CommandError(f"--department: no department with slug '{slug}'.")
    return department


def write_checked(out: str, write: Any) -> services.RtiDocument:
    """Run ``write(binary_file) -> RtiDocument`` into a file beside ``out``, moved into place only
    when HMRC's schema and rules find nothing: an invalid document is never left to be sent."""
    target = Path(out)
    try:
        handle = tempfile.NamedTemporaryFile(dir=target.parent or ".", prefix=f".{target.name}.", delete=False)
    except OSError as error:
        raise CommandError(f"--out: cannot write in {target.parent} ({error.strerror})") from error
    try:
        with handle:
            try:
                document: services.RtiDocument = write(handle)
            except ValidationError as error:
                raise CommandError("\n".join(f"{field}: {'; '.join(messages)}"
                                             for field, messages in error.message_dict.items())) from error
        if document.errors:
            lines = [f"{error.kind} {error.code or ''} {error.location}: {error.message}".replace("  ", " ")
                     for error in document.errors]
            raise CommandError(f"HMRC's schema or rules refuse it ({len(lines)} errors); {out} not written:\n"
                               + "\n".join(lines))
        os.replace(handle.name, target)
    finally:
        if os.path.exists(handle.name):
            os.unlink(handle.name)
    return document


class Command(BaseCommand):
    help = ("Build a finalised pay run's Full Payment Submission (FPS), check it against HMRC's schema and "
            "business rules, and write it to a file. Exits non-zero, listing the errors, when it is not valid.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--department", required=True, help="Department slug, e.g. moj")
        parser.add_argument("--run", required=True, type=int, help="The pay run's id")
        parser.add_argument("--out", required=True, help="The file to write the GovTalk XML to")

    def handle(self, *args: Any, **options: Any) -> None:
        department = department_named(options["department"])
        with department_context(department.id):
            run = PayRun.objects.filter(pk=options["run"]).first()
            if run is None:
                raise CommandError(f"--run: {department.slug} has no pay run {options['run']}.")
            document = write_checked(options["out"], lambda out: services.fps_write(run=run, out=out))
        self.stdout.write(f"FPS for pay run {run.pk} ({document.employees} employees) written to {options['out']}; "
                          f"valid; IRmark {document.irmark}.")
