"""Synthetic HR records for the demo departments: an organisation, grades, pay ranges and staff
with history (pay progression, leavers over the past year, a few starters to come), and the demo
personas on the staff too (``hr.demo_personas``). Every person is invented."""

from __future__ import annotations

import datetime
import random
import re
import string
from decimal import Decimal
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from departments.models import Department
from departments.services import audit_record
from departments.tenancy import department_context
from hr import demo_personas, services
from hr.models import CostCentre, Employee, Employment, Grade, OrganisationUnit, PayRange
from hr.services.employees import starter_tax_code

# First names by the sex recorded, so that the demo's family leave reads true.
FIRST_NAMES = {
    "F": ["Aisha", "Chloe", "Ella", "Farah", "Hannah", "Jasmine", "Leah", "Nadia", "Priya", "Rosa", "Una", "Wendy",
          "Zara", "Amelia", "Deborah", "Eilidh", "Niamh", "Sophie"],
    "M": ["Ben", "Daniel", "George", "Isaac", "Kieran", "Mohammed", "Oliver", "Quentin", "Samuel", "Tariq", "Victor",
          "Yusuf", "Callum", "Gareth", "Rhys", "Tom", "Owen", "Arjun"],
}
LAST_NAMES = ["Adams", "Bhatt", "Campbell", "Davies", "Evans", "Fletcher", "Griffiths", "Hussain", "Iqbal", "Jones",
              "Kelly", "Lewis", "Morgan", "Nowak", "O'Brien", "Patel", "Quinn", "Roberts", "Singh", "Thomas",
              "Usman", "Vaughan", "Williams", "Xu", "Young", "Zielinski", "MacLeod", "Murphy", "Okafor", "Shah"]
POSTS = {"AA": "Administrative assistant", "AO": "Caseworker", "EO": "Senior caseworker", "HEO": "Policy adviser",
         "SEO": "Senior policy adviser", "G7": "Team leader", "G6": "Head of unit", "SCS1": "Deputy director",
         "SCS2": "Director", "SCS3": "Director general"}
# National pay ranges (illustrative demo figures); London ranges add a weighting.
PAY_RANGES = {"AA": (23500, 24500), "AO": (25000, 26500), "EO": (28500, 31500), "HEO": (34000, 38000),
              "SEO": (41000, 45500), "G7": (53000, 62000), "G6": (64000, 76000), "SCS1": (81000, 120000),
              "SCS2": (100000, 160000), "SCS3": (125000, 210000)}
GRADE_WEIGHTS = {"AA": 8, "AO": 30, "EO": 25, "HEO": 15, "SEO": 10, "G7": 7, "G6": 3, "SCS1": 1.5, "SCS2": 0.4,
                 "SCS3": 0.1}
LONDON_WEIGHTING = Decimal("4000")
# Home addresses by city (street, town, postcode): every employee needs two lines for HMRC's returns.
ADDRESSES = [("10 Whitehall Place", "London", "SW1A 2AA"), ("21 Piccadilly", "Manchester", "M1 1AE"),
             ("4 Bute Terrace", "Cardiff", "CF10 1EP"), ("8 Princes Street", "Edinburgh", "EH1 1YZ"),
             ("17 Donegall Place", "Belfast", "BT1 5GS"), ("3 Park Row", "Leeds", "LS1 4AP")]
# Two-letter National Insurance prefixes HMRC allocates: the pattern its RTI schema holds NINOs to.
NI_PREFIXES = [first + second for first in string.ascii_uppercase for second in string.ascii_uppercase
               if re.fullmatch("[ACEHJLMOPRSWXY][A-CEGHJ-NPR-TW-Z]|B[A-CEHJ-NPR-TW-Z]|G[ACEGHJ-NPR-TW-Z]"
                               "|[KT][A-CEGHJ-MPR-TW-Z]|N[A-CEGHJL-NPR-SW-Z]|Z[A-CEGHJ-NPR-TW-Y]", first + second)]


# How far ahead of today the latest leaver's last day is: notice given, leaving this month.
LEAVERS_AHEAD_DAYS = 24

# The demo's own e-mail domains for work addresses (moj's is the one its local single sign-on claims).
WORK_EMAIL_DOMAINS = {"moj": "justice.example", "dft": "transport.example"}


def _organisation(department: Department) -> tuple[list[OrganisationUnit], list[CostCentre]]:
    root = services.organisation_unit_create(department=department, code=department.slug.upper(),
                                             name=department.name, kind=OrganisationUnit.Kind.DEPARTMENT,
                                             acting_user=None)
    teams: list[OrganisationUnit] = []
    centres: list[CostCentre] = []
    for d, directorate in enumerate(["Operations", "Policy", "Corporate services"], start=1):
        unit = services.organisation_unit_create(department=department, code=f"D{d}", name=directorate,
                                                 kind=OrganisationUnit.Kind.DIRECTORATE, parent=root,
                                                 acting_user=None)
        centre = services.cost_centre_create(department=department, code=f"CC{d}00", name=directorate,
                                             acting_user=None)
        for v in range(1, 4):
            division = services.organisation_unit_create(department=department, code=f"D{d}V{v}",
                                                         name=f"{directorate} division {v}", parent=unit,
                                                         kind=OrganisationUnit.Kind.DIVISION, acting_user=None)
            sub_centre = services.cost_centre_create(department=department, code=f"CC{d}{v}0",
                                                     name=f"{directorate} division {v}", parent=centre,
                                                     acting_user=None)
            for t in range(1, 4):
                teams.append(services.organisation_unit_create(
                    department=department, code=f"D{d}V{v}T{t}", name=f"{directorate} {v}.{t} team",
                    parent=division, acting_user=None))
                centres.append(sub_centre)
    return teams, centres


@transaction.atomic
def seed_department(department: Department, *, employees: int, out: TextIO, seed: int = 2026) -> None:
    """Give one department its organisation and ``employees`` synthetic staff (skipped if it has staff)."""
    with department_context(department.id):
        if Employee.objects.exists():
            personas = demo_personas.seed_department(department)
            out.write(f"  {department.slug}: has employees already; HR demo data left as it is"
                      f"{f' but for {len(personas)} personas now on the staff' if personas else ''}\n")
            return
        generator = random.Random(f"{seed}-{department.slug}")
        teams, centres = _organisation(department)
        services.grades_install_defaults(department=department, acting_user=None)
        grades = {grade.code: grade for grade in Grade.objects.all()}
        PayRange.objects.bulk_create(
            PayRange(grade=grades[code], location=location, minimum=Decimal(low) + extra, maximum=Decimal(high) + extra)
            for code, (low, high) in PAY_RANGES.items()
            for location, extra in (("national", Decimal(0)), ("london", LONDON_WEIGHTING))
        )
        today = timezone.localdate()
        people, versions = [], []
        codes, weights = zip(*GRADE_WEIGHTS.items(), strict=True)
        prefix = department.slug[:2].upper()
        work_domain = WORK_EMAIL_DOMAINS.get(department.slug, f"{department.slug}.gov.example")
        for index in range(employees):
            start = today - datetime.timedelta(days=generator.randint(30, 9000))
            leaves = index % 25 == 0
            starting = index % 200 == 1
            if starting:
                start = today + datetime.timedelta(days=generator.randint(7, 60))
            sex = generator.choice("FM")
            first, last = generator.choice(FIRST_NAMES[sex]), generator.choice(LAST_NAMES)
            age_at_start = datetime.timedelta(days=365 * generator.randint(18, 45) + generator.randint(0, 364))
            # Leavers spread over the past year (a few still working their notice this month), as a
            # real department's turnover is: so each month's run has a handful, not a crowd.
            leave_date = today + datetime.timedelta(days=generator.randint(-340, LEAVERS_AHEAD_DAYS))
            left = leaves and start < leave_date - datetime.timedelta(days=40)
            # A starter to come has made a starter declaration and has no P45: HMRC's code for it.
            declaration = ("A" if index % 5 else "B") if not starting else "ABC"[(index // 200) % 3]
            tax_code, tax_basis = (starter_tax_code(declaration=declaration) if starting else
                                   (generator.choice(["1257L"] * 8 + ["S1257L", "BR", "K475"]),
                                    Employee.TaxBasis.CUMULATIVE))
            people.append(Employee(
                payroll_number=f"{prefix}{index + 1:06d}", first_name=first, last_name=last,
                date_of_birth=start - age_at_start,
                ni_number=f"{NI_PREFIXES[index % len(NI_PREFIXES)]}{index:06d}{'ABCD'[index % 4]}",
                # Their new-starter checklist answer (most had no other job; every fifth, another job).
                starter_declaration=declaration,
                sex=sex, email=f"{first}.{last}.{index}@{department.slug}.example".lower(),
                work_email=f"{first}.{last}.{index}@{work_domain}".lower(),
                **dict(zip(("address_line_1", "town", "postcode"), generator.choice(ADDRESSES), strict=True)),
                bank_sort_code=f"{generator.randint(10, 99)}{generator.randint(0, 9999):04d}",
                bank_account_number=f"{generator.randint(0, 99_999_999):08d}", start_date=start,
                leave_date=leave_date if left else None, leave_reason="resignation" if left else "",
                tax_code=tax_code, tax_basis=tax_basis,
                student_loans=generator.choice([[], [], [], ["plan2"], ["plan1"], ["plan2", "pgl"]]),
                pension_scheme="alpha" if generator.random() < 0.85 else "",
            ))
        Employee.objects.bulk_create(people, batch_size=2000)
        for person in people:
            code = generator.choices(codes, weights)[0]
            team_index = generator.randrange(len(teams))
            london = generator.random() < 0.3
            low, high = PAY_RANGES[code]
            salary = Decimal(generator.randint(low, high)) + (LONDON_WEIGHTING if london else 0)
            common = {"employee": person, "organisation_unit": teams[team_index], "grade": grades[code],
                      "cost_centre": centres[team_index], "location": "london" if london else "national",
                      "fte": Decimal("1") if generator.random() < 0.8 else Decimal("0.8")}
            end = person.leave_date
            change_on = person.start_date + datetime.timedelta(days=generator.randint(200, 2000))
            if generator.random() < 0.4 and change_on < (end or today) and change_on > person.start_date:
                versions.append(Employment(valid_from=person.start_date,
                                           valid_to=change_on - datetime.timedelta(days=1),
                                           post_title=POSTS[code], annual_salary=salary - 1500,
                                           change_reason="Starter", **common))
                versions.append(Employment(valid_from=change_on, valid_to=end, post_title=POSTS[code],
                                           annual_salary=salary, change_reason="Pay progression", **common))
            else:
                versions.append(Employment(valid_from=person.start_date, valid_to=end, post_title=POSTS[code],
                                           annual_salary=salary, change_reason="Starter", **common))
        Employment.objects.bulk_create(versions, batch_size=2000)
        accounts = services.employee_accounts_provision(department=department, acting_user=None)
        audit_record(department=department, action="hr.demo_seed", acting_user=None,
                     changes={"employees": {"before": 0, "after": employees}},
                     reason="Synthetic demo staff, organisation and grades")
        personas = demo_personas.seed_department(department)
        out.write(f"  {department.slug}: {employees:,} synthetic employees, {len(teams)} teams, "
                  f"{accounts.get('accounts_created', 0):,} accounts from their work e-mails, "
                  f"{len(personas)} personas on the staff\n")


def seed(*, out: TextIO, employees: int = 2000) -> None:
    for department in Department.objects.filter(slug__in=["moj", "dft"]).order_by("slug"):
        seed_department(department, employees=employees, out=out)
