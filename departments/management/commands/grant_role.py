import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from departments import services
from departments.commands import department_from_option
from departments.models import MembershipRequest


def _date(option: str, value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: '{value}' is not a date like 2026-04-01.") from None


class Command(BaseCommand):
    help = ("Grant a role in a department to a person already in it (an employee with an account, or a current "
            "member), for a dated period, with a reason. Audited.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--department", required=True, help="Department slug, e.g. moj")
        parser.add_argument("--email", required=True, help="The person's e-mail address")
        parser.add_argument("--role", required=True, help="e.g. payroll_approver")
        parser.add_argument("--from", dest="valid_from", help="First day, e.g. 2026-04-01 (default today)")
        parser.add_argument("--to", dest="valid_to", help="Last day, e.g. 2027-03-31 (default: no end)")
        parser.add_argument("--reason", required=True, help="Why the role is granted")

    def handle(self, *args: Any, **options: Any) -> None:
        department = department_from_option(options["department"])
        valid_from, valid_to = _date("--from", options["valid_from"]), _date("--to", options["valid_to"])
        try:
            outcome = services.role_grant(department=department, email=options["email"], role=options["role"],
                                          valid_from=valid_from, valid_to=valid_to, reason=options["reason"],
                                          acting_user=None)
        except ValidationError as error:
            flags = {"valid_from": "from", "valid_to": "to", "__all__": "error"}
            messages = [f"--{flags.get(field, field)}: {'; '.join(texts)}"
                        for field, texts in error.message_dict.items()]
            raise CommandError("\n".join(messages)) from error
        if isinstance(outcome, MembershipRequest):  # role_grant files requests only for a person
            raise CommandError("--role: the grant needs a second HR admin's approval.")
        until = f" until {outcome.valid_to:%-d %B %Y}" if outcome.valid_to else ""
        self.stdout.write(f"{outcome.user.email} has the {outcome.get_role_display()} role in {department.slug} "
                          f"from {outcome.valid_from:%-d %B %Y}{until}.")
