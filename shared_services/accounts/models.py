from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person (or an API client's service identity) who signs in with an e-mail address.

    Global, not department-owned: what a user may reach is decided by memberships and operator
    assignments in ``departments``.
    """

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        API_CLIENT = "api_client", "API client"

    class PlatformRole(models.TextChoices):
        """The shared-services centre's own roles; they reach departments only through assignments."""

        NONE = "", "None"
        OPERATOR = "operator", "Operator"
        PLATFORM_ADMIN = "platform_admin", "Platform administrator"

    email = models.EmailField("e-mail address", max_length=254, unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PERSON)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="May use the platform administration pages (global configuration only)."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    platform_role = models.CharField(max_length=20, choices=PlatformRole.choices, blank=True)
    sessions_valid_after = models.DateTimeField(
        null=True, blank=True, help_text="Sessions begun before this moment are signed out (sign out everywhere)."
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []  # e-mail and password only

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name.split(" ")[0] if self.full_name else self.email)


class FailedSignIn(models.Model):
    """One failed sign-in attempt, kept to throttle password guessing per e-mail address."""

    email = models.CharField(max_length=254)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    attempted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["email", "attempted_at"])]

    def __str__(self) -> str:
        return f"{self.email} at {self.attempted_at:%Y-%m-%d %H:%M}"


class ExternalIdentity(models.Model):
    """A person's account at a department's identity provider: the provider's subject, linked once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="external_identities")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    linked_at = models.DateTimeField(default=timezone.now)
    linked_by = models.CharField(max_length=20, help_text="How the first sign-in was matched: e-mail or staff number.")
    last_signed_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="accounts_external_identity_unique")]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class Passkey(models.Model):
    """A WebAuthn credential (passkey or security key) registered as a second factor."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(max_length=100)
    credential_id = models.CharField(max_length=1400, unique=True, help_text="Base64url, as the browser gave it.")
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"


class SecurityEvent(models.Model):
    """A sign-in or account security event that belongs to no department (refused tokens, second-factor
    failures, sign-outs everywhere). Department actions go to the department's audit log instead."""

    occurred_at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    email = models.CharField(max_length=254, blank=True)
    event = models.CharField(max_length=60)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["event", "-occurred_at"]), models.Index(fields=["user", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.event} at {self.occurred_at:%Y-%m-%d %H:%M}"
