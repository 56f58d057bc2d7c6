import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onboarding.legacy_export import DEFAULT_EMAIL_DOMAIN, write_export


class Command(BaseCommand):
    help = "Write a synthetic legacy payroll export (no real people) to practise an import on."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--employees", type=int, required=True, help="number of staff rows")
        parser.add_argument("--out", required=True, help="file to write")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--seed", type=int, default=2026, help="the same seed gives the same file")
        parser.add_argument("--bad-rows", type=int, default=0, help="rows that carry a realistic mistake")
        parser.add_argument("--email-domain", default=DEFAULT_EMAIL_DOMAIN,
                            help="domain of the work e-mail column, e.g. justice.gov.uk")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["employees"] < 1:
            raise CommandError("--employees: give at least 1.")
        if not 0 <= options["bad_rows"] < options["employees"]:
            raise CommandError("--bad-rows: give a number from 0 to one less than --employees.")
        domain = options["email_domain"].strip().lower()
        if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", domain):
            raise CommandError("--email-domain: give a domain like justice.gov.uk.")
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"--out: the folder {out.parent} does not exist.")
        count = write_export(out, count=options["employees"], file_format=options["format"], seed=options["seed"],
                             bad_rows=options["bad_rows"], email_domain=domain)
        self.stdout.write(f"Wrote {count:,} staff rows ({options['bad_rows']:,} with mistakes) to {out}.")
