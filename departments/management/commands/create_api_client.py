from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from departments import services
from departments.commands import department_from_option


class Command(BaseCommand):
    help = "Create an API client bound to one department and print its token (shown this once only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--department", required=True, help="Department slug, e.g. moj")
        parser.add_argument("--name", required=True, help="A name for the integration, e.g. 'ERP export'")
        parser.add_argument("--scopes", required=True, help="Comma-separated, e.g. hr:read,payroll:read")

    def handle(self, *args: Any, **options: Any) -> None:
        department = department_from_option(options["department"])
        try:
            api_token, raw = services.api_token_create(
                department=department,
                name=options["name"],
                scopes=options["scopes"].split(","),
                acting_user=None,
            )
        except ValidationError as error:
            messages = [f"--{field}: {'; '.join(texts)}" for field, texts in error.message_dict.items()]
            raise CommandError("\n".join(messages)) from error
        scopes = ", ".join(api_token.scopes)
        self.stdout.write(f"API client '{api_token.name}' for {department.slug} with scopes {scopes}.")
        self.stdout.write("Token (store it now; it cannot be shown again):")
        self.stdout.write(raw)
