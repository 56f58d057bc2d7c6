from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction

from local_idp.models import Person


class Command(BaseCommand):
    help = "Add (or update) a person at the local provider: sign-in name, password, e-mail, staff number, amr."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True, help="The e-mail claim, e.g. amara.okafor@moj.example")
        parser.add_argument("--username", default="", help="The sign-in name, when it differs from --email")
        parser.add_argument("--password", required=True)
        parser.add_argument("--employee-number", default="", help="The staff number claim (employee_number)")
        parser.add_argument("--amr", default="pwd", help='Comma-separated, e.g. "pwd" or "pwd,otp"')
        parser.add_argument("--name", default="")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        username = (options["username"] or email).strip().lower()
        for flag, value in (("--email", email), ("--username", username)):
            try:
                validate_email(value)
            except Exception as error:  # noqa: BLE001 (any refusal is the same message)
                raise CommandError(f"{flag}: '{value}' is not an e-mail address.") from error
        amr = [method.strip() for method in options["amr"].split(",") if method.strip()]
        if not amr:
            raise CommandError('--amr: give at least one method, e.g. "pwd".')
        first, _, last = options["name"].partition(" ")
        user, _ = User.objects.get_or_create(username=username)
        user.email, user.first_name, user.last_name = email, first, last
        user.set_password(options["password"])
        user.save()
        Person.objects.update_or_create(
            user=user, defaults={"email": email, "employee_number": options["employee_number"], "amr": amr}
        )
        self.stdout.write(f"{username}: e-mail {email}, staff number {options['employee_number'] or '-'}, "
                          f"amr {amr}")
