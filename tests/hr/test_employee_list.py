"""The employee list's fast paths: its count and pages answer exactly as its plain keys query does."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from hr import selectors, services
from hr.forms import EmployeeFilterForm
from hr.models import Employee

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = timezone.localdate()


@pytest.fixture
def staff(moj, organisation, in_department):
    """25 people in two units and two grades: current staff, leavers, starters to come, and two
    records whose employment runs on past the person's dates (as a direct correction could leave)."""
    people = []
    for number in range(1, 26):
        unit, grade = (organisation["team"], "EO") if number % 3 else (organisation["root"], "HEO")
        employee = services.employee_hire(
            department=moj.department, acting_user=moj.hr_officer,
            personal={"payroll_number": f"MJ{number:04d}", "first_name": f"Kim{number % 4}",
                      "last_name": ["Reid", "Adams", "Okafor", "Bhatt", "Reid"][number % 5],
                      "date_of_birth": D(1990, 1, 1), "sex": "F",
                      "start_date": TODAY + datetime.timedelta(days=20) if number % 7 == 0 else D(2024, 4, 1)},
            terms={"post_title": "Caseworker" if number % 2 else "Policy adviser", "organisation_unit": unit,
                   "grade": organisation["grades"][grade], "cost_centre": organisation["centre"],
                   "annual_salary": Decimal("30000") if grade == "EO" else Decimal("35000")},
        )
        if number % 6 == 5:
            services.employee_leave(employee=employee, leave_date=D(2025, 3, 31), reason="resignation",
                                    acting_user=None)
        people.append(employee)
    with in_department(moj):
        Employee.objects.filter(payroll_number="MJ0002").update(leave_date=D(2025, 6, 30))
        Employee.objects.filter(payroll_number="MJ0004").update(start_date=TODAY + datetime.timedelta(days=5))
    return people


FILTERS = [
    {},
    {"grade": "EO"},
    {"grade": "HEO"},
    {"organisation_unit": "CASE"},
    {"organisation_unit": "HQ", "cost_centre": "C100"},
    {"search": "reid"},
    {"search": "policy", "grade": "HEO"},
    {"status": "leavers"},
    {"status": "leavers", "grade": "EO"},
    {"status": "starting"},
    {"status": "starting", "organisation_unit": "CASE"},
]


@pytest.mark.parametrize("walk_from", [1, 1000])
@pytest.mark.parametrize("query", FILTERS)
def test_the_count_and_every_page_match_the_keys_query(moj, organisation, staff, in_department, monkeypatch,
                                                       query, walk_from):
    # given: the walk along the name index either always or never used
    monkeypatch.setattr(selectors, "WALK_FROM", walk_from)
    with in_department(moj):
        form = EmployeeFilterForm(query)
        assert form.is_valid(), form.errors
        expected_keys = list(selectors.employee_list(on=TODAY, **form.filters()).keys)
        # when
        listing = selectors.employee_list(on=TODAY, **form.filters())
        count = listing.count()
        pages = {size: [selectors.employee_list(on=TODAY, **form.filters())[start:start + size]
                        for start in range(0, count + size, size)] for size in (1, 2, 4, 7)}
    # then
    assert count == len(expected_keys)
    for size, sliced in pages.items():
        assert [key for page in sliced for key in page] == expected_keys, size
        assert sliced[-1] == []  # past the end


def test_people_whose_employment_outlasts_their_dates_are_counted_by_their_dates(moj, staff, in_department):
    # given: MJ0002's record says they left, MJ0004's that they start in five days; both EO in the team
    with in_department(moj):
        # when
        current = selectors.employee_list(on=TODAY, grade=selectors.grades().get(code="EO"))
        # then
        numbers = {key[3] for key in current[0:100]}
    assert "MJ0002" not in numbers
    assert "MJ0004" not in numbers
    assert current.count() == len(numbers)


def test_a_listing_reads_single_keys_and_refuses_steps(moj, staff, in_department):
    with in_department(moj):
        listing = selectors.employee_list(on=TODAY)
        first, last = listing[0], listing[len(listing) - 1]
        keys = list(listing.keys)
        with pytest.raises(IndexError):
            listing[len(listing)]
        with pytest.raises(TypeError):
            listing[0:10:2]
    assert (first, last) == (keys[0], keys[-1])


@pytest.mark.parametrize("query", [{}, {"grade": "EO", "organisation_unit": "CASE", "cost_centre": "C100",
                                         "status": "leavers"}, {"grade": "NOPE", "status": "nonsense"}])
def test_the_filter_options_are_the_fields_own(moj, organisation, in_department, query):
    # given
    with in_department(moj):
        services.organisation_unit_create(department=moj.department, code="SUB", name="Sub-team <b>",
                                          parent=organisation["team"], acting_user=moj.hr_admin)
        form = EmployeeFilterForm(query)
        form.is_valid()
        # when
        shown = form.option_lists
        # then: what the select widgets would render, option for option
        for name in ("status", "organisation_unit", "grade", "cost_centre"):
            widgets = [(str(option.data["value"] or ""), str(option.data["label"]), option.data["selected"])
                       for option in form[name].subwidgets]
            assert shown[name] == widgets, name
    assert ("SUB", "– – Sub-team <b> (SUB)", False) in shown["organisation_unit"]
