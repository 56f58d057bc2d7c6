from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from departments.commands import department_from_option
from shared_services.core.hooks import app_configs_with

# The app that holds employee records answers this hook (``departments`` may not import ``hr``):
# ``department_accounts_provision(*, department, acting_user)`` returns counts by name.
HOOK = "department_accounts_provision"


class Command(BaseCommand):
    help = ("Give every employee of a department who has a work e-mail an account and an employee membership, "
            "and line managers their access. Idempotent: a second run creates nothing.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--department", required=True, help="department slug, e.g. moj")

    def handle(self, *args: Any, **options: Any) -> None:
        department = department_from_option(options["department"])
        if not department.is_active:
            raise CommandError(f"--department: {department.slug} is closed; its people get no new access.")
        providers = list(app_configs_with(HOOK))
        if not providers:
            raise CommandError("No installed app holds employee records to provision accounts from.")
        for _, provision in providers:
            try:
                counts = provision(department=department, acting_user=None)
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from error
            self.stdout.write(
                f"{department.slug}: {counts['accounts_created']:,} accounts created; "
                f"{counts['linked']:,} employees linked to their account; "
                f"{counts['memberships_created']:,} employee memberships created, "
                f"{counts['memberships_updated']:,} with new dates; {counts['already']:,} already there; "
                f"{counts['left']:,} leavers given nothing; line-manager access {counts['managers_granted']:,} "
                f"granted, {counts['managers_ended']:,} ended; {counts['without_email']:,} employees have no "
                "work e-mail.")
