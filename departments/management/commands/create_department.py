from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from departments import services
from departments.models import Department


class Command(BaseCommand):
    help = "Create a department (a tenant), empty and isolated, optionally with its first HR admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="Short name used in addresses, e.g. dwp")
        parser.add_argument("name", help='Full name, e.g. "Department for Work and Pensions"')
        parser.add_argument("--paye-reference", default="", help="HMRC employer PAYE reference, e.g. 123/AB45678")
        parser.add_argument("--accounts-office-reference", default="", help="e.g. 123PA00012345")
        parser.add_argument("--bacs-service-user-number", default="", help="six characters")
        parser.add_argument("--pay-frequency", default=Department.PayFrequency.MONTHLY,
                            choices=Department.PayFrequency.values)
        parser.add_argument("--leave-year-start", default="04-01", help="MM-DD, e.g. 04-01 for 1 April")
        parser.add_argument("--hr-admin", default="", help="E-mail address of the first HR admin")
        parser.add_argument("--hr-admin-name", default="", help="Their full name (for a new account)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month_text, day_text = options["leave_year_start"].split("-")
            month, day = int(month_text), int(day_text)
        except ValueError:
            raise CommandError("--leave-year-start: give the month and day as MM-DD, e.g. 04-01.") from None
        settings = {
            "slug": options["slug"], "name": options["name"],
            "employer_paye_reference": options["paye_reference"],
            "accounts_office_reference": options["accounts_office_reference"],
            "bacs_service_user_number": options["bacs_service_user_number"],
            "pay_frequency": options["pay_frequency"],
            "leave_year_start_month": month, "leave_year_start_day": day,
        }
        try:
            if options["hr_admin"]:
                department, admin = services.department_onboard(
                    settings=settings, hr_admin_email=options["hr_admin"], hr_admin_name=options["hr_admin_name"],
                    acting_user=None)
            else:
                department, admin = services.department_create(acting_user=None, **settings), None
        except ValidationError as error:
            names = {"employer_paye_reference": "paye-reference", "leave_year_start_month": "leave-year-start",
                     "leave_year_start_day": "leave-year-start", "hr_admin_email": "hr-admin"}
            messages = [f"--{names.get(field, field).replace('_', '-')}: {'; '.join(texts)}"
                        for field, texts in error.message_dict.items()]
            raise CommandError("\n".join(messages)) from error
        self.stdout.write(f"Created department {department.slug} ({department.name}).")
        if admin is not None:
            self.stdout.write(f"First HR admin: {admin.email}.")
