from django.apps import AppConfig


class FinanceConfig(AppConfig):
    """Chart of accounts, double-entry journals, expenses and budgets by cost centre."""

    name = "finance"
    verbose_name = "Finance"
