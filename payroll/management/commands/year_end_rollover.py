from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from departments.commands import department_from_option
from payroll.services.year_end import year_end_rollover


class Command(BaseCommand):
    help = ("Roll a department's payroll over to a new tax year: flag the old year's final FPS, clear week 1/"
            "month 1 bases and apply HMRC's P9X code uplifts. Refused while a run of the old year is not "
            "finalised; running it again changes nothing.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--department", required=True, help="Department slug, e.g. moj")
        parser.add_argument("--to", required=True, dest="to_tax_year", help="The new tax year, e.g. 2027-28")
        parser.add_argument("--uplift-l", type=int, default=None,
                            help="Add this to every L code (HMRC's P9X); otherwise a loaded P9X notice decides")

    def handle(self, *args: Any, **options: Any) -> None:
        department = department_from_option(options["department"])
        try:
            outcome = year_end_rollover(department=department, to_tax_year=options["to_tax_year"],
                                        acting_user=None, uplift_l=options["uplift_l"])
        except ValidationError as error:
            flags = {"to_tax_year": "--to", "uplift_l": "--uplift-l"}
            raise CommandError("\n".join(f"{flags.get(name, name)}: {'; '.join(texts)}"
                                         for name, texts in error.message_dict.items())) from error
        if outcome.already_done:
            self.stdout.write(f"{department.slug} is already rolled over to {outcome.tax_year}; nothing changed.")
            return
        uplifts = ", ".join(f"{suffix} +{amount}" for suffix, amount in outcome.uplifts.items()) or "none"
        self.stdout.write(
            f"{department.slug} rolled over to {outcome.tax_year}: {outcome.week1_month1_cleared} week 1/month 1 "
            f"bases cleared, {outcome.codes_uplifted} codes uplifted (uplifts: {uplifts}), final FPS "
            f"{'flagged' if outcome.final_fps else 'not built yet (flag it when it is)'}.")
        for name, pay_day in outcome.first_periods.items():
            self.stdout.write(f"  {name}: first pay day of {outcome.tax_year} is {pay_day:%-d %B %Y}")
