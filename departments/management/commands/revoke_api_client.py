from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from departments import services
from departments.models import ApiToken


class Command(BaseCommand):
    help = "Revoke a department's API client by name; its token stops working at once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--department", required=True)
        parser.add_argument("--name", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        api_token = ApiToken.objects.filter(
            department__slug=options["department"], name=options["name"], revoked_at__isnull=True
        ).first()
        if api_token is None:
            raise CommandError(
                f"No active API client called '{options['name']}' in department '{options['department']}'."
            )
        services.api_token_revoke(api_token=api_token, acting_user=None)
        self.stdout.write(f"Revoked '{api_token.name}' ({options['department']}).")
