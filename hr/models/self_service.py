"""What employees ask for about their own records, and who decides for an absent manager.

A change to name, date of birth or NI number is a request HR decides on evidence; a change of bank
account is held as its own row (whoever made it, the account before and after, from which pay day
it counts), so payroll can report recent changes and nobody's account is overwritten silently.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from departments.models import DepartmentOwnedModel
from hr.models.employees import Employee
from hr.validators import validate_account_number, validate_sort_code


def evidence_upload_path(instance: models.Model, filename: str) -> str:
    # Kept under the department's own folder, named by a random token: the original name is
    # stored beside it, never trusted as a path.
    return f"hr/evidence/{instance.department_id}/{secrets.token_hex(16)}"  # type: ignore[attr-defined]


class DetailChangeRequest(DepartmentOwnedModel):
    """An employee's request to correct what policy lets only HR change (name, date of birth, NI
    number), with the evidence for it. ``requested`` holds the new values by field name;
    ``current`` the values when it was asked, so HR sees both."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for HR"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="detail_change_requests")
    requested = models.JSONField(default=dict, help_text="Field name to the value asked for (text)")
    current = models.JSONField(default=dict, help_text="Field name to the value held when it was asked")
    reason = models.CharField(max_length=500, blank=True)
    evidence = models.FileField(upload_to=evidence_upload_path, max_length=300, blank=True)
    evidence_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["department", "status", "requested_at"], name="hr_detailreq_status"),
                   models.Index(fields=["department", "employee", "requested_at"], name="hr_detailreq_employee")]

    def __str__(self) -> str:
        return f"Change of {', '.join(sorted(self.requested))} for {self.employee_id}"  # type: ignore[attr-defined]


class BankDetailsChange(DepartmentOwnedModel):
    """One change of the account an employee's pay goes to.

    Made by the employee after a fresh second factor (``source=employee``: ``scheduled`` or
    ``applied``), or by HR on evidence (``source=hr``: ``awaiting_check`` until a second person checks
    it). It counts from the first pay period whose inputs are not yet locked (``effective_from``);
    ``applied_at`` is when the employee record took the new account.
    """

    class Source(models.TextChoices):
        EMPLOYEE = "employee", "The employee"
        HR = "hr", "HR"

    class Status(models.TextChoices):
        AWAITING_CHECK = "awaiting_check", "Waiting for a second person's check"
        SCHEDULED = "scheduled", "Scheduled"
        APPLIED = "applied", "In use"
        REJECTED = "rejected", "Rejected at the check"
        CANCELLED = "cancelled", "Cancelled"

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="bank_details_changes")
    source = models.CharField(max_length=20, choices=Source.choices)
    status = models.CharField(max_length=20, choices=Status.choices)
    sort_code = models.CharField(max_length=6, validators=[validate_sort_code])
    account_number = models.CharField(max_length=8, validators=[validate_account_number])
    roll_number = models.CharField(max_length=18, blank=True)
    previous_sort_code = models.CharField(max_length=6, blank=True)
    previous_account_number = models.CharField(max_length=8, blank=True)
    previous_roll_number = models.CharField(max_length=18, blank=True)
    effective_from = models.DateField(help_text="The first day of the first pay period that uses the new account")
    reason = models.CharField(max_length=500, blank=True)
    evidence = models.FileField(upload_to=evidence_upload_path, max_length=300, blank=True)
    evidence_name = models.CharField(max_length=255, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    checked_at = models.DateTimeField(null=True, blank=True)
    check_note = models.CharField(max_length=500, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(condition=Q(checked_by__isnull=True) | ~Q(checked_by=models.F("requested_by")),
                                   name="hr_bankchange_second_person_checks"),
        ]
        indexes = [models.Index(fields=["department", "requested_at"], name="hr_bankchange_requested"),
                   models.Index(fields=["department", "employee", "requested_at"], name="hr_bankchange_employee"),
                   models.Index(fields=["department", "sort_code", "account_number"], name="hr_bankchange_account"),
                   models.Index(fields=["department", "status", "effective_from"], name="hr_bankchange_status")]

    def __str__(self) -> str:
        return f"Bank details change for {self.employee_id} ({self.get_status_display()})"  # type: ignore[attr-defined]


class ApprovalDelegation(DepartmentOwnedModel):
    """A line manager's deputy for a dated period: while it runs, the deputy decides what waits for
    the manager (leave, expenses). Periods of one manager never overlap."""

    manager = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="delegations_given")
    deputy = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="delegations_held")
    starts_on = models.DateField()
    ends_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="hr_delegation_dates_ordered"),
            models.CheckConstraint(condition=~Q(manager=models.F("deputy")), name="hr_delegation_not_self"),
        ]
        indexes = [models.Index(fields=["department", "manager", "starts_on"], name="hr_delegation_manager"),
                   models.Index(fields=["department", "deputy", "starts_on"], name="hr_delegation_deputy")]

    def __str__(self) -> str:
        return f"{self.deputy_id} deputises for {self.manager_id}"  # type: ignore[attr-defined]
