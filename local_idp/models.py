"""A person at the stand-in provider. No migrations: ``serve`` creates the tables with ``--run-syncdb``."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Person(models.Model):
    """What a department's directory says about one person: the claims beyond ``sub``."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person")
    email = models.EmailField(help_text="The e-mail claim; may differ from the sign-in name.")
    employee_number = models.CharField(max_length=40, blank=True)
    amr = models.JSONField(default=list, help_text='Authentication methods reported, e.g. ["pwd", "otp"].')

    def __str__(self) -> str:
        return self.email
