from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from departments.commands import department_from_option
from departments.models import Department
from departments.tenancy import department_context
from onboarding import selectors, selectors_parallel
from onboarding import services_parallel as services
from onboarding.models import ParallelRun
from onboarding.selectors_parallel import FIGURE_LABELS


class Command(BaseCommand):
    help = ("Compare a period of the legacy payroll with the platform: calculate the period as a shadow pay run "
            "(in this process), compare it with the legacy results file, and report every difference. The last "
            "line is 'compared N, matched M, differing D'.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--department", required=True, help="department slug, e.g. moj")
        parser.add_argument("--period", required=True, help="the pay period compared, as YYYY-MM")
        parser.add_argument("--legacy-results", required=True, help="what the legacy payroll paid (CSV or XLSX)")
        parser.add_argument("--mapping", default="", help="name of a saved column mapping")
        parser.add_argument("--tolerance", default="0.00", help="differences up to this many pounds match")
        parser.add_argument("--out", default="", help="write the report (CSV) to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        department = department_from_option(options["department"])
        path = Path(options["legacy_results"])
        if not path.is_file():
            raise CommandError(f"--legacy-results: {path}: no such file.")
        mapping = None
        if options["mapping"]:
            mapping = selectors.import_mapping_get(department=department, name=options["mapping"])
            if mapping is None:
                raise CommandError(f"--mapping: {department.slug} has no column mapping called '{options['mapping']}'.")
        try:
            period = services.period_from_text(options["period"])
            with path.open("rb") as upload:
                run = services.parallel_run_start(department=department, period=period, upload=upload,
                                                  original_name=path.name, acting_user=None, mapping=mapping,
                                                  tolerance=options["tolerance"])
            run = services.parallel_run_in_process(parallel_run=run, acting_user=None)
        except ValidationError as error:
            lines = [f"--{field.replace('_', '-')}: {text}" if field in ("period", "tolerance", "mapping") else text
                     for field, texts in error.message_dict.items() for text in texts]
            raise CommandError(f"{path.name} was not compared:\n" + "\n".join(lines)) from error
        with department_context(department.id):
            self._report(department, run, options["out"])

    def _report(self, department: Department, run: ParallelRun, out: str) -> None:
        if run.status != ParallelRun.Status.COMPARED:
            raise CommandError(f"Parallel run {run.pk}: {run.get_status_display()}. {run.file_problem}")
        facts = selectors_parallel.summary(run=run)
        self.stdout.write(f"Parallel run {run.pk} of {department.slug} for {run.period_start:%B %Y}: shadow run "
                          f"{run.shadow_run_id} (tolerance £{facts['tolerance']:.2f}).")  # type: ignore[attr-defined]
        for note in facts["notes"]:
            self.stdout.write(f"Note: {note}")
        for line in facts["totals"]:
            self.stdout.write(f"  {line['label']:<18} legacy {line['legacy']:>16,.2f}  platform "
                              f"{line['platform']:>16,.2f}  difference {line['difference']:>12,.2f}")
        for classification, count in facts["classes"].items():
            self.stdout.write(f"  {count:,} differences: {classification.replace('_', ' ')}")
        self.stdout.write(f"Only in the legacy payroll {facts['only_in_legacy']:,}; only on the platform "
                          f"{facts['only_on_platform']:,}; matched share {facts['matched_share']}%.")
        for difference in selectors_parallel.differences(run=run)[:20]:
            figure = FIGURE_LABELS.get(difference.figure, difference.get_classification_display())
            self.stdout.write(f"  {difference.payroll_number} {figure}: legacy {difference.legacy_amount}, platform "
                              f"{difference.platform_amount} ({difference.get_classification_display().lower()})")
        if out:
            with open(out, "w", encoding="utf-8", newline="") as handle:
                handle.writelines(selectors_parallel.report_csv_lines(run=run))
            self.stdout.write(f"Report written to {out}.")
        self.stdout.write(f"compared {run.employees_compared}, matched {run.employees_matched}, "
                          f"differing {run.employees_differing}")
