"""Test settings: a small difference from base.

Tests connect as the schema owner (it can create the test database, and FORCE RLS binds it as it
binds the application role); tests that need the application role switch to it with SET ROLE.
"""

import os

os.environ["DJANGO_DB_ROLE"] = "owner"

from shared_services.settings.base import *  # noqa: E402,F403
from shared_services.settings.base import INSTALLED_APPS, VAR_DIR  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "tests.tenancy_fixture"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-media"

# Lets two test runs share one server (e.g. a browser suite beside the rest) without colliding.
if os.environ.get("DJANGO_TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["DJANGO_TEST_DATABASE_NAME"]}  # noqa: F405
