"""Fixtures shared by the HR tests."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hr import selectors, services
from hr.models import OrganisationUnit


@pytest.fixture
def organisation(moj, in_department):
    """moj's structure: a directorate with a team, a cost centre, the default grades, EO's pay range."""
    with in_department(moj):
        root = services.organisation_unit_create(department=moj.department, code="HQ", name="Headquarters",
                                                 kind=OrganisationUnit.Kind.DIRECTORATE, acting_user=moj.hr_admin)
        team = services.organisation_unit_create(department=moj.department, code="CASE", name="Casework team",
                                                 parent=root, acting_user=moj.hr_admin)
        centre = services.cost_centre_create(department=moj.department, code="C100", name="Casework costs",
                                             acting_user=moj.hr_admin)
        services.grades_install_defaults(department=moj.department, acting_user=moj.hr_admin)
        grades = {grade.code: grade for grade in selectors.grades()}
        services.pay_range_set(grade=grades["EO"], location="national", minimum=Decimal("28000"),
                               maximum=Decimal("32000"), acting_user=moj.hr_admin)
        services.pay_range_set(grade=grades["HEO"], location="national", minimum=Decimal("34000"),
                               maximum=Decimal("38000"), acting_user=moj.hr_admin)
        return {"root": root, "team": team, "centre": centre, "grades": grades}
