from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from departments import selectors, services
from departments.commands import department_from_option
from departments.models import Department


class Command(BaseCommand):
    help = "Configure a department's single sign-on provider (OpenID Connect), or switch it off with --disable."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--department", required=True, help="Department slug, e.g. moj")
        parser.add_argument("--issuer", help="The provider's issuer, e.g. https://login.justice.gov.uk")
        parser.add_argument("--client-id")
        parser.add_argument("--client-secret-file", help="A file holding the client secret (kept out of shell history)")
        parser.add_argument("--domains", help="Comma-separated e-mail domains, e.g. justice.gov.uk,moj.gov.uk")
        parser.add_argument("--staff-number-claim", default=None, help="Claim with the staff number (employee_number)")
        parser.add_argument("--disable", action="store_true", help="Switch single sign-on off for the department")

    def handle(self, *args: Any, **options: Any) -> None:
        department = department_from_option(options["department"])
        try:
            if options["disable"] and not options["issuer"]:
                services.identity_provider_set_enabled(department=department, is_enabled=False, acting_user=None)
                self.stdout.write(f"Single sign-on is off for {department.slug}; its people sign in with passwords.")
                return
            provider = self._configure(department, options)
        except ValidationError as error:
            flags = {"issuer": "issuer", "client_id": "client-id", "client_secret": "client-secret-file",
                     "domains": "domains", "staff_number_claim": "staff-number-claim", "is_enabled": "disable"}
            lines = [f"--{flags.get(field, field)}: {'; '.join(texts)}" for field, texts in error.message_dict.items()]
            raise CommandError("\n".join(lines)) from error
        domains = ", ".join(provider.domains.values_list("domain", flat=True))
        state = "on" if provider.is_enabled else "off"
        self.stdout.write(f"Single sign-on for {department.slug} through {provider.issuer} ({state}) for {domains}.")

    def _configure(self, department: Department, options: dict[str, Any]) -> Any:
        missing = [flag for flag in ("issuer", "client_id", "domains") if not options[flag]]
        existing = selectors.identity_provider_of(department=department)
        if not options["client_secret_file"] and existing is None:
            missing.append("client_secret_file")
        if missing:
            raise CommandError("Missing: " + ", ".join(f"--{flag.replace('_', '-')}" for flag in missing))
        secret = ""
        if options["client_secret_file"]:
            path = Path(options["client_secret_file"])
            try:
                secret = path.read_text().strip()
            except OSError as error:
                raise CommandError(f"--client-secret-file: cannot read {path} ({error.strerror}).") from error
            if not secret:
                raise CommandError(f"--client-secret-file: {path} is empty.")
        claim = options["staff_number_claim"] or (existing.staff_number_claim if existing else "employee_number")
        return services.identity_provider_configure(
            department=department, issuer=options["issuer"], client_id=options["client_id"], client_secret=secret,
            domains=options["domains"].split(","), staff_number_claim=claim, is_enabled=not options["disable"],
            acting_user=None,
        )
