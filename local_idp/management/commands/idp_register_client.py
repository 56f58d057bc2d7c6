from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from oauth2_provider.models import Application


class Command(BaseCommand):
    help = "Register (or update) a relying party: a confidential client using the code flow, RS256 ID tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--client-secret", required=True)
        parser.add_argument("--redirect-uri", required=True, action="append",
                            help="May be given more than once")
        parser.add_argument("--name", default="Shared services platform")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        application = Application.objects.filter(client_id=options["client_id"]).first() or Application(
            client_id=options["client_id"]
        )
        application.name = options["name"]
        application.client_type = Application.CLIENT_CONFIDENTIAL
        application.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
        application.algorithm = Application.RS256_ALGORITHM
        application.redirect_uris = " ".join(options["redirect_uri"])
        application.client_secret = options["client_secret"]  # hashed on save
        # A department's provider has already agreed to the platform; no consent page per person.
        application.skip_authorization = True
        application.save()
        self.stdout.write(f"Client {application.client_id} redirects to {application.redirect_uris}")
