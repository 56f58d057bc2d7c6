import datetime
import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from onboarding.legacy_export import DEFAULT_EMAIL_DOMAIN, results_pay_period, write_export, write_export_with_results
from payroll.engine.rates import available_tax_years


class Command(BaseCommand):
    help = ("Write a synthetic legacy payroll export (no real people) to practise an import on; with "
            "--results-out, also what the legacy payroll paid those people in --results-period (see "
            "onboarding/LEGACY_RESULTS.md).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--employees", type=int, required=True, help="number of staff rows")
        parser.add_argument("--out", required=True, help="file to write")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--seed", type=int, default=2026, help="the same seed gives the same file")
        parser.add_argument("--bad-rows", type=int, default=0, help="rows that carry a realistic mistake")
        parser.add_argument("--email-domain", default=DEFAULT_EMAIL_DOMAIN,
                            help="domain of the work e-mail column, e.g. justice.gov.uk")
        parser.add_argument("--results-out", default="", help="also write the legacy payroll's results to this file")
        parser.add_argument("--results-period", default="",
                            help="YYYY-MM: the month the results are for; the export's year-to-date figures are "
                                 "then those of the tax year before it")
        parser.add_argument("--no-planted-differences", action="store_true",
                            help="results exactly as the platform would calculate them")

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
        results_out, period = self._results_options(options)
        # One day for both files, so that the results are for the very people of the export.
        today = timezone.localdate()
        if results_out is None or period is None:
            count = write_export(out, count=options["employees"], file_format=options["format"],
                                 seed=options["seed"], bad_rows=options["bad_rows"], email_domain=domain, today=today)
            self.stdout.write(f"Wrote {count:,} staff rows ({options['bad_rows']:,} with mistakes) to {out}.")
            return
        written = write_export_with_results(
            out, results_out, count=options["employees"], period_start=period, file_format=options["format"],
            seed=options["seed"], bad_rows=options["bad_rows"], email_domain=domain, today=today,
            planted=not options["no_planted_differences"])
        self.stdout.write(f"Wrote {options['employees']:,} staff rows ({options['bad_rows']:,} with mistakes) to "
                          f"{out}; their year-to-date figures are for the tax year before {written.period}.")
        self.stdout.write(f"Wrote {written.rows:,} legacy results for {written.period} to {results_out}; planted "
                          f"differences: {written.summary()}.")

    def _results_options(self, options: dict[str, Any]) -> tuple[Path | None, datetime.date | None]:
        if bool(options["results_out"]) != bool(options["results_period"]):
            raise CommandError("--results-out and --results-period go together: give both, or neither.")
        if not options["results_out"]:
            return None, None
        match = re.fullmatch(r"(\d{4})-(\d{2})", options["results_period"].strip())
        if match is None or not 1 <= int(match[2]) <= 12:
            raise CommandError("--results-period: give a month as YYYY-MM, like 2026-11.")
        period = datetime.date(int(match[1]), int(match[2]), 1)
        tax_year = results_pay_period(period).tax_year
        if tax_year not in available_tax_years():
            raise CommandError(f"--results-period: the platform has no rates for the tax year {tax_year}; choose a "
                               f"month of {', '.join(available_tax_years())}.")
        results_out = Path(options["results_out"])
        if not results_out.parent.is_dir():
            raise CommandError(f"--results-out: the folder {results_out.parent} does not exist.")
        if results_out.resolve() == Path(options["out"]).resolve():
            raise CommandError("--results-out: give a different file from --out.")
        return results_out, period
