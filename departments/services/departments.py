"""Creating and onboarding departments (tenants)."""

from __future__ import annotations

import calendar
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from departments.models import Department
from departments.roles import Role
from departments.services.audit import audit_changes, audit_record
from departments.services.memberships import membership_grant
from departments.services.role_conflicts import role_conflicts_install_defaults
from shared_services.accounts.models import User
from shared_services.core.hooks import department_created

__all__ = ["DEPARTMENT_SETTINGS", "department_create", "department_onboard"]


def _validate_department(department: Department) -> None:
    try:
        department.full_clean()
    except ValidationError as error:
        raise ValidationError(error.message_dict) from error


DEPARTMENT_SETTINGS = ("slug", "name", "employer_paye_reference", "accounts_office_reference",
                       "bacs_service_user_number", "pay_frequency", "leave_year_start_month", "leave_year_start_day",
                       "bank_holiday_region")


@transaction.atomic
def department_create(
    *,
    slug: str,
    name: str,
    acting_user: User | None,
    employer_paye_reference: str = "",
    accounts_office_reference: str = "",
    bacs_service_user_number: str = "",
    pay_frequency: str = Department.PayFrequency.MONTHLY,
    leave_year_start_month: int = 4,
    leave_year_start_day: int = 1,
    bank_holiday_region: str = Department.BankHolidayRegion.ENGLAND_AND_WALES,
) -> Department:
    """A new tenant, isolated, with its employer references and pay and leave settings, and each
    app's defaults (leave types, working patterns, …) installed by the ``department_created`` hook."""
    slug, name = slug.strip().lower(), name.strip()
    if Department.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"A department with the address '{slug}' already exists."})
    department = Department(
        slug=slug,
        name=name,
        employer_paye_reference=employer_paye_reference.strip().upper(),
        accounts_office_reference=accounts_office_reference.strip().upper(),
        bacs_service_user_number=bacs_service_user_number.strip().upper(),
        pay_frequency=pay_frequency,
        leave_year_start_month=leave_year_start_month,
        leave_year_start_day=leave_year_start_day,
        bank_holiday_region=bank_holiday_region,
    )
    _validate_department(department)
    _validate_leave_year_start(leave_year_start_month, leave_year_start_day)
    department.save()
    audit_record(
        department=department,
        action="department.create",
        acting_user=acting_user,
        target=department,
        changes=audit_changes({}, {f: getattr(department, f) for f in DEPARTMENT_SETTINGS}),
    )
    role_conflicts_install_defaults(department=department, acting_user=acting_user)
    department_created(department=department, acting_user=acting_user)
    return department


def _validate_leave_year_start(month: int, day: int) -> None:
    if not 1 <= month <= 12:
        raise ValidationError({"leave_year_start_month": "Enter a month from 1 to 12."})
    # 29 February would make the leave year start move; the last day of a month is the most allowed.
    last_day = calendar.monthrange(2025, month)[1]
    if not 1 <= day <= last_day:
        raise ValidationError({"leave_year_start_day": f"Enter a day from 1 to {last_day} for that month."})


@transaction.atomic
def department_onboard(
    *,
    settings: dict[str, Any],
    hr_admin_email: str,
    hr_admin_name: str,
    acting_user: User | None,
) -> tuple[Department, User]:
    """A platform operator creates a department with its first HR admin (an existing person, or a new
    account without a password: they set one through the password-reset e-mail)."""
    email = hr_admin_email.strip().lower()
    errors: dict[str, str] = {}
    if not email or "@" not in email:
        errors["hr_admin_email"] = "Enter the first HR admin's e-mail address, like name@department.gov.uk."
    existing = User.objects.filter(email__iexact=email).first() if email else None
    if existing is not None and existing.kind != User.Kind.PERSON:
        errors["hr_admin_email"] = "This address belongs to an API client, not a person."
    if existing is None and not hr_admin_name.strip():
        errors["hr_admin_name"] = "Enter the first HR admin's full name."
    if errors:
        raise ValidationError(errors)
    department = department_create(acting_user=acting_user, **settings)
    admin = existing or User.objects.create_user(email=email, password=None, full_name=hr_admin_name.strip())
    membership_grant(department=department, user=admin, role=Role.HR_ADMIN, acting_user=acting_user)
    return department, admin
