from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shared_services.accounts"
    label = "accounts"
    verbose_name = "Accounts"
