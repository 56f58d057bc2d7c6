"""Demo departments and personas (``manage.py seed_demo``). Every name here is invented."""

from __future__ import annotations

import datetime
from typing import Any, TextIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from departments import services
from departments.models import Department, OperatorAssignment
from departments.roles import Role
from shared_services.accounts.models import User

DEMO_PASSWORD = "demo-password-2026"

DEMO_DEPARTMENTS: list[dict[str, Any]] = [
    {
        "slug": "moj",
        "name": "Ministry of Justice",
        "employer_paye_reference": "120/MJ10001",
        "accounts_office_reference": "120PA00010001",
        "bacs_service_user_number": "910001",
    },
    {
        "slug": "dft",
        "name": "Department for Transport",
        "employer_paye_reference": "120/DT20002",
        "accounts_office_reference": "120PA00020002",
        "bacs_service_user_number": "910002",
    },
]

PERSONAS: dict[str, list[tuple[str, str, str]]] = {
    "moj": [
        ("amara.okafor", "Amara Okafor", Role.HR_ADMIN),
        ("ben.hughes", "Ben Hughes", Role.HR_OFFICER),
        ("chloe.patel", "Chloe Patel", Role.PAYROLL_OFFICER),
        ("david.evans", "David Evans", Role.PAYROLL_APPROVER),
        ("erin.walsh", "Erin Walsh", Role.FINANCE_OFFICER),
        ("farid.khan", "Farid Khan", Role.MANAGER),
        ("grace.lee", "Grace Lee", Role.EMPLOYEE),
    ],
    "dft": [
        ("hana.novak", "Hana Novak", Role.HR_ADMIN),
        ("ian.murray", "Ian Murray", Role.HR_OFFICER),
        ("jade.thompson", "Jade Thompson", Role.PAYROLL_OFFICER),
        ("kwame.mensah", "Kwame Mensah", Role.PAYROLL_APPROVER),
        ("laura.byrne", "Laura Byrne", Role.FINANCE_OFFICER),
        ("mohammed.ali", "Mohammed Ali", Role.MANAGER),
        ("nina.rossi", "Nina Rossi", Role.EMPLOYEE),
    ],
}
OPERATOR = ("olu.adeyemi@centre.example", "Olu Adeyemi")
PLATFORM_ADMINS = [("priya.shah@centre.example", "Priya Shah"), ("tom.okoro@centre.example", "Tom Okoro")]


def _person(email: str, full_name: str, platform_role: str = "") -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=full_name,
                                        platform_role=platform_role)
    elif user.platform_role != platform_role:
        user.platform_role = platform_role
        user.save(update_fields=["platform_role"])
    return user


@transaction.atomic
def seed(*, out: TextIO) -> None:
    """Create (or complete) the two demo departments, their personas, two platform administrators
    and one operator."""
    departments: dict[str, Department] = {}
    for spec in DEMO_DEPARTMENTS:
        existing = Department.objects.filter(slug=spec["slug"]).first()
        departments[spec["slug"]] = existing or services.department_create(acting_user=None, **spec)
        # Departments seeded before separation of duties existed get the default pairs too.
        services.role_conflicts_install_defaults(department=departments[spec["slug"]], acting_user=None)

    for slug, people in PERSONAS.items():
        for handle, full_name, role in people:
            user = _person(f"{handle}@{slug}.example", full_name)
            services.membership_grant(department=departments[slug], user=user, role=role, acting_user=None)

    admins = [_person(email, name, User.PlatformRole.PLATFORM_ADMIN) for email, name in PLATFORM_ADMINS]
    operator = _person(*OPERATOR, platform_role=User.PlatformRole.OPERATOR)
    today = timezone.localdate()
    for department in departments.values():
        if not OperatorAssignment.objects.current().filter(user=operator, department=department).exists():
            services.operator_assign(
                department=department,
                user=operator,
                role=Role.PAYROLL_OFFICER,
                acting_user=admins[0],
                valid_from=today,
                valid_to=today + datetime.timedelta(days=settings.OPERATOR_ASSIGNMENT_MAX_DAYS),
                reason="Demo: shared-services payroll operator serving both departments",
            )


def print_sign_ins(*, out: TextIO) -> None:
    """The demo personas that exist, with the departments they reach."""
    lines = []
    for slug, people in PERSONAS.items():
        for handle, _, role in people:
            email = f"{handle}@{slug}.example"
            if User.objects.filter(email=email, is_active=True).exists():
                lines.append(f"  {slug:<5} {Role(role).label:<18} {email}")
    if User.objects.filter(email=OPERATOR[0], is_active=True).exists():
        lines.append(f"  {'both':<5} {'Centre operator':<18} {OPERATOR[0]}")
    for email, _ in PLATFORM_ADMINS:
        if User.objects.filter(email=email, is_active=True).exists():
            lines.append(f"  {'-':<5} {'Platform admin':<18} {email}")
    if lines:
        out.write(f"Demo sign-ins (the password for each is {DEMO_PASSWORD}):\n" + "\n".join(lines) + "\n")
