from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from departments.tenancy import department_context
from payroll import services
from payroll.management.commands.rti_fps import department_named, write_checked
from payroll.periods import tax_year_label


class Command(BaseCommand):
    help = ("Build a department's Employer Payment Summary (EPS) for a tax month (no payment for the period, "
            "apprenticeship levy to date, the year's final submission), check it against HMRC's schema and "
            "write it to a file. Exits non-zero, listing the errors, when it is not valid.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--department", required=True, help="Department slug, e.g. moj")
        parser.add_argument("--tax-month", required=True, type=int, help="1 to 12; tax month 1 starts on 6 April")
        parser.add_argument("--tax-year", help="e.g. 2026-27; the current tax year when left out")
        parser.add_argument("--final", action="store_true", help="the last EPS of the tax year")
        parser.add_argument("--out", required=True, help="The file to write the GovTalk XML to")

    def handle(self, *args: Any, **options: Any) -> None:
        department = department_named(options["department"])
        tax_year = options["tax_year"] or tax_year_label(timezone.localdate())
        if not (len(tax_year) == 7 and tax_year[4] == "-" and tax_year[:4].isdigit()
                and tax_year[5:] == f"{(int(tax_year[:4]) + 1) % 100:02d}"):
            raise CommandError(f"--tax-year: {tax_year!r} is not a tax year like 2026-27.")
        if not 1 <= options["tax_month"] <= 12:
            raise CommandError("--tax-month: a tax month is 1 to 12 (1 starts on 6 April).")
        with department_context(department.id):
            document = write_checked(options["out"], lambda out: services.eps_write(
                department=department, tax_year=tax_year, tax_month=options["tax_month"], final=options["final"],
                out=out))
        self.stdout.write(f"EPS for tax month {options['tax_month']} of {tax_year} written to {options['out']}; "
                          f"valid; IRmark {document.irmark}.")
