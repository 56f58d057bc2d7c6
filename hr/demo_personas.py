"""The demo personas as staff of their department: each has an HR record as complete as a real
one (NI number, bank account, tax code, home address, phone, emergency contact, post, grade, cost
centre and line manager), so every page about them, and every pay run that pays them, reads true.
Every person and account is invented; all of it goes through the services HR uses."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import NamedTuple

from django.utils import timezone

from departments.models import Department, DepartmentMembership
from departments.roles import Role
from departments.tenancy import department_context
from hr import services
from hr.models import CostCentre, Employee, Employment, Grade, OrganisationUnit
from hr.services.self_service import employee_personal_details_change


class PersonaJob(NamedTuple):
    """A persona's post: the team it sits in (a demo organisation unit code), grade, salary, sex
    recorded, and whose report it is (another persona's role, or a head of unit when empty)."""

    number: int
    post_title: str
    team: str
    grade: str
    salary: int
    sex: str
    reports_to: str


# Numbers 0 and 1 are the line manager and employee personas' payroll numbers since the demo began.
# London posts, so the salaries are within the grades' London ranges (hr.demo.PAY_RANGES).
JOBS: dict[str, PersonaJob] = {
    Role.MANAGER: PersonaJob(0, "Team leader", "D1V1T1", "G7", 59800, "M", ""),
    Role.EMPLOYEE: PersonaJob(1, "Caseworker", "D1V1T1", "AO", 29600, "F", Role.MANAGER),
    Role.HR_ADMIN: PersonaJob(2, "HR business partner", "D3V1T1", "G7", 60400, "F", ""),
    Role.HR_OFFICER: PersonaJob(3, "HR officer", "D3V1T1", "EO", 33200, "M", Role.HR_ADMIN),
    Role.PAYROLL_APPROVER: PersonaJob(4, "Payroll manager", "D3V2T1", "SEO", 46300, "M", ""),
    Role.PAYROLL_OFFICER: PersonaJob(5, "Payroll officer", "D3V2T1", "EO", 33900, "F", Role.PAYROLL_APPROVER),
    Role.FINANCE_OFFICER: PersonaJob(6, "Management accountant", "D3V3T1", "HEO", 39100, "F", ""),
}
# Creation order: a line manager is on record before their reports.
ORDER = [Role.MANAGER, Role.HR_ADMIN, Role.PAYROLL_APPROVER, Role.FINANCE_OFFICER, Role.EMPLOYEE, Role.HR_OFFICER,
         Role.PAYROLL_OFFICER]
HOMES = [("14 Vauxhall Bridge Road", "London", "SW1V 2SA"), ("7 Kennington Lane", "London", "SE11 4RG"),
         ("31 Lavender Hill", "London", "SW11 5QW"), ("2 Mare Street", "London", "E8 4RP"),
         ("55 Holloway Road", "London", "N7 8JP"), ("9 Brixton Road", "London", "SW9 6DE"),
         ("18 Lewisham Way", "London", "SE14 6PP")]
CONTACTS = [("Sam", "Partner"), ("Alex", "Husband"), ("Jo", "Wife"), ("Chris", "Sister"), ("Pat", "Mother"),
            ("Robin", "Brother"), ("Kim", "Father")]
# Sort codes in the ranges of real UK banks' branches (the account numbers are invented).
SORT_CODES = ["089999", "401276", "309634", "200415", "601613", "774926", "110001"]


def _head_of_unit(personas: list[int]) -> Employee | None:
    """A current head of unit (grade 6, or the nearest grade a small demo staff has), as the line
    manager of a persona who leads a team."""
    today = timezone.localdate()
    current = Employment.objects.filter(superseded_at__isnull=True, valid_from__lte=today, valid_to__isnull=True,
                                        employee__leave_date__isnull=True, employee__user__isnull=False)
    for grade in ("G6", "SCS1", "G7", "SEO"):
        version = (current.filter(grade__code=grade).exclude(employee__user__in=personas)
                   .select_related("employee").order_by("employee__payroll_number").first())
        if version is not None:
            return version.employee
    return None


def seed_department(department: Department) -> list[Employee]:
    """Hire each persona of ``department`` who has no HR record yet; the records made, in order."""
    today = timezone.localdate()
    hired: list[Employee] = []
    with department_context(department.id):
        memberships = {membership.role: membership.user for membership in DepartmentMembership.objects.filter(
            department=department, ended_at__isnull=True, source=DepartmentMembership.Source.GRANTED,
            role__in=list(JOBS)).select_related("user").order_by("id")}
        grades = {grade.code: grade for grade in Grade.objects.all()}
        persona_users = [user.pk for user in memberships.values()]
        staff: dict[str, Employee] = {}
        for role in ORDER:
            user = memberships.get(role)
            if user is None:
                continue
            existing = Employee.objects.filter(user=user).first()
            if existing is not None:
                staff[role] = existing
                continue
            job = JOBS[role]
            team = OrganisationUnit.objects.filter(code=job.team).first()
            if team is None or job.grade not in grades:
                continue  # a department without the demo organisation
            centre = CostCentre.objects.filter(code=f"CC{job.team[1]}{job.team[3]}0").first()
            manager = staff.get(job.reports_to) if job.reports_to else _head_of_unit(persona_users)
            first, _, last = user.full_name.partition(" ")
            # After the synthetic staff's numbers (the department's two letters and six digits).
            number = f"{department.slug[:2].upper()}9{job.number:05d}"
            street, town, postcode = HOMES[job.number]
            years = 3 + job.number
            employee = services.employee_hire(
                department=department, acting_user=None,
                personal={"payroll_number": number, "first_name": first,
                          "last_name": last or "Demo", "sex": job.sex, "user": user, "email": user.email,
                          "date_of_birth": today.replace(day=1) - datetime.timedelta(days=365 * (30 + job.number)),
                          "start_date": today.replace(day=1) - datetime.timedelta(days=365 * years),
                          "ni_number": f"JM9{department.pk % 10}{job.number:04d}C",
                          "address_line_1": street, "town": town, "postcode": postcode,
                          "phone": f"07700 90{job.number:04d}", "bank_sort_code": SORT_CODES[job.number],
                          "bank_account_number": f"{department.pk % 10}{job.number}{74958 + job.number * 1103:06d}",
                          "tax_code": "1257L", "pension_scheme": "alpha", "starter_declaration": "A"},
                terms={"post_title": job.post_title, "organisation_unit": team, "grade": grades[job.grade],
                       "cost_centre": centre, "annual_salary": Decimal(job.salary), "line_manager": manager,
                       "location": "london"})
            name, relationship = CONTACTS[job.number]
            employee = employee_personal_details_change(
                employee=employee, acting_user=None, reason="Given on the starter form",
                changes={"emergency_contact_name": f"{name} {last or 'Demo'}",
                         "emergency_contact_relationship": relationship,
                         "emergency_contact_phone": f"07700 91{job.number:04d}"})
            staff[role] = employee
            hired.append(employee)
    return hired
