from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from departments.models import Department
from shared_services.core.hooks import app_configs_with


class Command(BaseCommand):
    help = "Create the demo departments, personas and each module's demo data (safe to re-run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Seed only when the platform has no departments yet; otherwise list the demo sign-ins.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Department.objects.exists():
            self.stdout.write("Departments exist already, so no demo data was added.")
            for _, sign_ins in app_configs_with("demo_sign_ins"):
                sign_ins(out=self.stdout)
            return
        with transaction.atomic():
            for app_config, seed in app_configs_with("seed_demo"):
                self.stdout.write(f"Seeding {app_config.verbose_name}…")
                seed(out=self.stdout)
        for _, sign_ins in app_configs_with("demo_sign_ins"):
            sign_ins(out=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
