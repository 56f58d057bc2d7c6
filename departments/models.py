from __future__ import annotations

import datetime
from typing import Any, Self

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from departments.roles import Role
from departments.tenancy import CrossDepartmentAccess, current_department_id, require_department_id


class Department(models.Model):
    """A tenant: one government department. Global table, no row-level security."""

    class PayFrequency(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        FOUR_WEEKLY = "four_weekly", "Four-weekly"
        FORTNIGHTLY = "fortnightly", "Fortnightly"
        WEEKLY = "weekly", "Weekly"

    class BankHolidayRegion(models.TextChoices):
        ENGLAND_AND_WALES = "england-and-wales", "England and Wales"
        SCOTLAND = "scotland", "Scotland"
        NORTHERN_IRELAND = "northern-ireland", "Northern Ireland"

    slug = models.SlugField(max_length=40, unique=True, help_text="Used in addresses, e.g. /departments/moj/.")
    name = models.CharField(max_length=200)
    employer_paye_reference = models.CharField(
        "HMRC employer PAYE reference",
        max_length=14,
        blank=True,
        validators=[RegexValidator(r"^\d{3}/[A-Z0-9]{1,10}$", "Enter a PAYE reference like 123/AB45678")],
    )
    accounts_office_reference = models.CharField(
        "HMRC accounts office reference",
        max_length=13,
        blank=True,
        validators=[
            RegexValidator(r"^\d{3}P[A-Z]\d{7}[0-9X]$", "Enter an accounts office reference like 123PA00012345")
        ],
    )
    bacs_service_user_number = models.CharField(
        "BACS service user number",
        max_length=6,
        blank=True,
        validators=[RegexValidator(r"^[0-9A-Z]{6}$", "Enter a six-character BACS service user number")],
    )
    pay_frequency = models.CharField(max_length=20, choices=PayFrequency.choices, default=PayFrequency.MONTHLY)
    tax_year_start_month = models.PositiveSmallIntegerField(default=4, editable=False)
    tax_year_start_day = models.PositiveSmallIntegerField(default=6, editable=False)
    leave_year_start_month = models.PositiveSmallIntegerField(
        default=4, help_text="Month (1–12) the leave year starts."
    )
    leave_year_start_day = models.PositiveSmallIntegerField(default=1)
    bank_holiday_region = models.CharField(
        "Bank holidays' region", max_length=20, choices=BankHolidayRegion.choices,
        default=BankHolidayRegion.ENGLAND_AND_WALES,
        help_text="Whose bank holidays are not working days for the department's people (leave, working days).")
    small_employers_relief = models.BooleanField(
        default=False,
        help_text="Recovers all statutory family pay plus compensation (Class 1 NICs of £45,000 or less in the "
                  "last complete tax year) instead of 92%.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(leave_year_start_month__gte=1, leave_year_start_month__lte=12)
                & Q(leave_year_start_day__gte=1, leave_year_start_day__lte=31),
                name="departments_department_leave_year_start_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DepartmentMembershipQuerySet(models.QuerySet["DepartmentMembership"]):
    def current(self, on: datetime.date | None = None) -> Self:
        """Memberships that give access on ``on`` (today by default): not ended, and within their dates."""
        day = on or timezone.localdate()
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day), ended_at__isnull=True,
                           valid_from__lte=day)


class DepartmentMembership(models.Model):
    """A person's role in a department for a dated period. A person may hold several roles (one row each).

    ``valid_to`` is the last day of access (a leaver's leaving date); ``ended_at`` records when a
    membership was ended early by a person or a schedule. Global (not department-owned): access is
    resolved before a department context exists.
    """

    class Source(models.TextChoices):
        GRANTED = "granted", "Granted by an HR admin"
        HR_RECORD = "hr_record", "Follows the HR record"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)
    valid_from = models.DateField(default=timezone.localdate)
    valid_to = models.DateField(null=True, blank=True, help_text="Last day of access; empty for open-ended.")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.GRANTED)
    reason = models.CharField(max_length=300, blank=True)
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(max_length=300, blank=True)

    objects = DepartmentMembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "department", "role"],
                condition=Q(ended_at__isnull=True),
                name="departments_membership_one_active_per_role",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="departments_membership_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "role"]),
            models.Index(fields=["user", "department"], condition=Q(ended_at__isnull=True),
                         name="departments_membership_open"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} in {self.department}"


class OperatorAssignmentQuerySet(models.QuerySet["OperatorAssignment"]):
    def current(self, on: datetime.date | None = None) -> Self:
        """Assignments that give access on ``on``: within their dates, not ended, and, for break-glass,
        approved by a second person."""
        day = on or timezone.localdate()
        return self.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
            Q(kind=OperatorAssignment.Kind.STANDARD) | Q(approved_at__isnull=False),
            valid_from__lte=day,
            ended_at__isnull=True,
        )


class OperatorAssignment(models.Model):
    """A shared-services centre person serving a department, for a dated period (TENANCY.md §7).

    A break-glass assignment (urgent access outside the planned ones) gives no access until a second
    person approves it.
    """

    class Kind(models.TextChoices):
        STANDARD = "standard", "Planned"
        BREAK_GLASS = "break_glass", "Break-glass"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="operator_assignments")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="operator_assignments")
    role = models.CharField(max_length=30, choices=Role.choices)
    valid_from = models.DateField(default=timezone.localdate)
    valid_to = models.DateField(null=True, blank=True, help_text="Last day of the assignment; empty for open-ended.")
    reason = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.STANDARD)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(max_length=300, blank=True)

    objects = OperatorAssignmentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="departments_operatorassignment_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("created_by")),
                name="departments_operatorassignment_second_person_approves",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} serving {self.department} as {self.get_role_display()}"


class ApiToken(models.Model):
    """An integrator's credential, bound to exactly one department with explicit scopes.

    Only a SHA-256 hash of the secret is stored; the token is shown once, when it is created.
    """

    name = models.CharField(max_length=100)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="api_tokens")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_token")
    scopes = ArrayField(models.CharField(max_length=40), default=list)
    key_prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["department", "name"], condition=Q(revoked_at__isnull=True),
                name="departments_apitoken_name_unique_while_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.department.slug})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdentityProvider(models.Model):
    """A department's OpenID Connect provider for single sign-on.

    Global, like API tokens: the sign-in page reads it (by e-mail domain) before any department
    context exists. The client secret is only ever read by the sign-in flow, never shown again.
    """

    department = models.OneToOneField(Department, on_delete=models.CASCADE, related_name="identity_provider")
    issuer = models.URLField(max_length=300)
    client_id = models.CharField(max_length=200)
    client_secret = models.CharField(max_length=500)
    staff_number_claim = models.CharField(
        max_length=100, default="employee_number", help_text="The ID token claim that carries the staff number."
    )
    is_enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.issuer} for {self.department}"


class IdentityProviderDomain(models.Model):
    """An e-mail domain whose people sign in through one department's provider (one provider per domain)."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True, help_text="Lower case, e.g. justice.gov.uk.")

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


# --- Department-owned data ----------------------------------------------------------------------


class DepartmentScopedQuerySet(models.QuerySet[Any]):
    """Refuses to run without a department context, and adds ``department_id = N`` when it runs.

    The check happens when the query is evaluated, not when it is built, so querysets declared at
    import time (serializer fields, filters) work, and are scoped to the department at run time.
    """

    def _department_guard(self) -> None:
        department_id = require_department_id()
        scoped_to = getattr(self.query, "department_scope", None)
        if scoped_to is None:
            self.query.add_q(Q(department_id=department_id))
            self.query.department_scope = department_id  # type: ignore[attr-defined]
        elif scoped_to != department_id:
            raise CrossDepartmentAccess(
                f"A query built for department {scoped_to} was run in department {department_id}'s context."
            )

    def _fetch_all(self) -> None:
        department_id = require_department_id()
        if self._result_cache is None:
            self._department_guard()
            super()._fetch_all()
            self._results_department_id = department_id
        elif getattr(self, "_results_department_id", department_id) != department_id:
            # Cached rows never reach the database again, so RLS cannot stop them: refuse here.
            raise CrossDepartmentAccess("Rows fetched for one department were read in another's context.")
        else:
            super()._fetch_all()

    def count(self) -> int:
        self._department_guard()
        return super().count()

    def exists(self) -> bool:
        self._department_guard()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._department_guard()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        self._department_guard()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._department_guard()
        return super().delete()

    def iterator(self, chunk_size: int | None = None) -> Any:
        self._department_guard()
        return super().iterator(chunk_size=chunk_size)

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        department_id = require_department_id()
        objs = list(objs)  # may be a generator: it is read twice
        for obj in objs:
            obj._assign_department(department_id)
        return super().bulk_create(objs, *args, **kwargs)


class DepartmentScopedManager(models.Manager.from_queryset(DepartmentScopedQuerySet)):  # type: ignore[misc]
    def get_queryset(self) -> DepartmentScopedQuerySet:
        queryset = super().get_queryset()
        department_id = current_department_id()
        if department_id is not None:
            queryset = queryset.filter(department_id=department_id)
            queryset.query.department_scope = department_id
        return queryset


class DepartmentOwnedModel(models.Model):
    """Base for every table that belongs to one department (TENANCY.md §1).

    ``objects`` fails closed without a department context; ``all_departments`` is the reviewed
    escape hatch for platform reporting, and row-level security still applies to it. Each concrete
    subclass's table needs ``EnableDepartmentRLS`` (and ``AddDepartmentForeignKey`` per foreign key
    to another department-owned model) in the migration that creates it.
    """

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", editable=False)

    objects = DepartmentScopedManager()
    all_departments = models.Manager()  # noqa: DJ012 - objects must stay first: it is the default manager

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._assign_department(require_department_id())
        super().save(*args, **kwargs)

    def _assign_department(self, department_id: int) -> None:
        if self.department_id is None:  # type: ignore[attr-defined]
            self.department_id = department_id
        elif self.department_id != department_id:  # type: ignore[attr-defined]
            raise CrossDepartmentAccess(
                f"{type(self).__name__} of department {self.department_id} cannot be saved "  # type: ignore[attr-defined]
                f"in department {department_id}'s context."
            )


class AuditEvent(DepartmentOwnedModel):
    """One state change, written by the service that made it, in the same transaction.

    Append-only: the application role may only insert and read, and a trigger refuses updates and
    deletes from anyone.
    """

    occurred_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    api_token = models.ForeignKey(ApiToken, on_delete=models.PROTECT, null=True, related_name="+")
    operator_assignment = models.ForeignKey(OperatorAssignment, on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["department", "-occurred_at"], name="departments_audit_dept_time"),
            models.Index(fields=["department", "object_type", "object_id"], name="departments_audit_dept_obj"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr} at {self.occurred_at:%Y-%m-%d %H:%M}"


class RoleConflict(DepartmentOwnedModel):
    """Two roles one person should not hold together in this department (separation of duties)."""

    class Handling(models.TextChoices):
        REFUSE = "refuse", "Refuse the grant"
        SECOND_APPROVAL = "second_approval", "Allow only with a second HR admin's approval"

    role_a = models.CharField(max_length=30, choices=Role.choices)
    role_b = models.CharField(max_length=30, choices=Role.choices)
    handling = models.CharField(max_length=20, choices=Handling.choices, default=Handling.SECOND_APPROVAL)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "role_a", "role_b"], name="departments_roleconflict_unique"),
            models.CheckConstraint(condition=Q(role_a__lt=models.F("role_b")),
                                   name="departments_roleconflict_roles_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_a_display()} with {self.get_role_b_display()}"


class MembershipRequest(DepartmentOwnedModel):
    """A grant that conflicts with a role the person holds, waiting for a second HR admin's decision."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"
        WITHDRAWN = "withdrawn", "Withdrawn"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=30, choices=Role.choices)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=300)
    conflicts_with = models.CharField(max_length=30, choices=Role.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)
    membership = models.ForeignKey(DepartmentMembership, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                                   name="departments_membershiprequest_second_person_decides"),
        ]
        indexes = [models.Index(fields=["department", "status"], name="departments_mreq_status")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} for {self.user} ({self.get_status_display()})"


class Notification(DepartmentOwnedModel):
    """An e-mail to one person about something in one department: written in the same transaction
    as the change it reports (``departments.notifications.notify``), sent by a Celery task after
    commit, or held for the person's daily digest when they chose one and the kind allows it."""

    class Kind(models.TextChoices):
        PAYSLIP_READY = "payslip_ready", "Payslip ready"
        P60_READY = "p60_ready", "P60 ready"
        REQUEST_DECIDED = "request_decided", "A request decided"
        ITEM_WAITING = "item_waiting", "Something waiting for a decision"
        BANK_DETAILS_CHANGED = "bank_details_changed", "Bank details changed"
        DETAILS_CHANGED = "details_changed", "Personal details changed"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        HELD_FOR_DIGEST = "held_for_digest", "Held for the daily digest"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    to_address = models.EmailField()
    kind = models.CharField(max_length=30, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text in GOV.UK Notify style")
    link = models.CharField(max_length=500, blank=True, help_text="Path on the service the e-mail points to")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["department", "status", "created_at"], name="departments_notif_status"),
                   models.Index(fields=["department", "user", "created_at"], name="departments_notif_user")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to_address}"


class NotificationPreference(DepartmentOwnedModel):
    """How a person wants to hear from a department: items waiting for them one e-mail each, or
    gathered into one daily digest."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    daily_digest = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["department", "user"], name="departments_notifpref_one")]

    def __str__(self) -> str:
        return f"Notification preference of {self.user_id}"  # type: ignore[attr-defined]
