from django.apps import AppConfig


class HrConfig(AppConfig):
    """People and organisation: employees, employment history, organisation units, grades, leave."""

    name = "hr"
    verbose_name = "HR records"
