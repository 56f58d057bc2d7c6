"""The Celery application. Tasks declare a base from ``departments.tasking`` (see TENANCY.md)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shared_services.settings.base")

# The default task class refuses department data: a task must say whose data it touches.
app = Celery("shared_services", task_cls="departments.tasking:GuardedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
