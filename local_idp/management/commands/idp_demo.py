from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from local_idp.demo import DEMO_CLIENT_ID, DEMO_PEOPLE


class Command(BaseCommand):
    help = "Register the demo platform as a client and add the demo people (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--client-secret", required=True)
        parser.add_argument("--redirect-uri", required=True, action="append", help="May be given more than once")
        parser.add_argument("--password", required=True, help="The demo people's password")

    def handle(self, *args: Any, **options: Any) -> None:
        uris = [part for uri in options["redirect_uri"] for part in ("--redirect-uri", uri)]
        call_command("idp_register_client", "--client-id", DEMO_CLIENT_ID, "--client-secret",
                     options["client_secret"], *uris, stdout=self.stdout)
        for username, email, staff_number, amr in DEMO_PEOPLE:
            call_command("idp_add_user", username=username, email=email, password=options["password"],
                         employee_number=staff_number, amr=",".join(amr), stdout=self.stdout)
