from django.apps import AppConfig


class LocalIdpConfig(AppConfig):
    name = "local_idp"
    verbose_name = "Local OpenID Provider (a stand-in for a department's identity provider)"
    default_auto_field = "django.db.models.BigAutoField"
