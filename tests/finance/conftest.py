"""Fixtures shared by the finance tests: moj's organisation, its default chart, and a team of a
line manager and two reports with user accounts (the conftest personas)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from finance import services as finance_services
from hr import selectors as hr_selectors
from hr import services as hr_services
from hr.models import CostCentre, Employee, OrganisationUnit


@dataclass
class FinanceSetting:
    centre: CostCentre
    sub_centre: CostCentre
    other_centre: CostCentre
    manager: Employee
    claimant: Employee
    colleague: Employee


def hire(department, *, payroll_number, first_name, user, team, grade, centre, line_manager=None):
    employee = hr_services.employee_hire(
        department=department, acting_user=None,
        personal={"payroll_number": payroll_number, "first_name": first_name, "last_name": "Tester",
                  "date_of_birth": datetime.date(1988, 1, 2), "sex": "F", "start_date": datetime.date(2020, 4, 1),
                  "user": user},
        terms={"post_title": "Officer", "organisation_unit": team, "grade": grade, "cost_centre": centre,
               "annual_salary": Decimal("30000"), "line_manager": line_manager},
    )
    return employee


def build_finance_setting(people, in_department) -> FinanceSetting:
    department = people.department
    with in_department(people):
        team = hr_services.organisation_unit_create(department=department, code="OPS", name="Operations",
                                                    kind=OrganisationUnit.Kind.DIRECTORATE, acting_user=None)
        centre = hr_services.cost_centre_create(department=department, code="C100", name="Operations",
                                                acting_user=None)
        sub_centre = hr_services.cost_centre_create(department=department, code="C110", name="Operations north",
                                                    parent=centre, acting_user=None)
        other_centre = hr_services.cost_centre_create(department=department, code="C200", name="Policy",
                                                      acting_user=None)
        hr_services.grades_install_defaults(department=department, acting_user=None)
        grade = hr_selectors.grades().get(code="EO")
        finance_services.accounts_install_defaults(department=department, acting_user=None)
    manager = hire(department, payroll_number="M0001", first_name="Manon", user=people.manager, team=team,
                    grade=grade, centre=centre)
    claimant = hire(department, payroll_number="E0001", first_name="Esme", user=people.employee, team=team,
                     grade=grade, centre=sub_centre, line_manager=manager)
    colleague = hire(department, payroll_number="E0002", first_name="Cal", user=people.hr_officer, team=team,
                      grade=grade, centre=centre, line_manager=manager)
    return FinanceSetting(centre, sub_centre, other_centre, manager, claimant, colleague)


@pytest.fixture
def setting(moj, in_department) -> FinanceSetting:
    return build_finance_setting(moj, in_department)
