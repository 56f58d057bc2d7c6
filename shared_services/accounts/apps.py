from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shared_services.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Connects the user_logged_in receiver that starts each session's clock (idle and absolute limits).
        from shared_services.accounts import two_factor  # noqa: F401
