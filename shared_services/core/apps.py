from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The platform shell: base templates, error pages, health, request ids, demo-data hook."""

    name = "shared_services.core"
    label = "core"
    verbose_name = "Platform shell"
