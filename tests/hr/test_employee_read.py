"""The API's one-statement employee read shows exactly what the record's own rule shows: today's
employment, a future starter's first version, a leaver's last, with the names of what it points at."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from hr import selectors
from hr.serializers import EmployeeDetailOutputSerializer
from shared_services.core.problems import NotFound
from tests.factories import EmployeeFactory, EmploymentFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def _people(department):
    today = timezone.localdate()
    manager = EmployeeFactory(department=department, preferred_name="Sam")
    current = EmployeeFactory(department=department, start_date=today - 900 * DAY)
    EmploymentFactory(department=department, employee=current, valid_to=today - 100 * DAY,
                      annual_salary=Decimal("29000.00"))
    EmploymentFactory(department=department, employee=current, valid_from=today - 99 * DAY, valid_to=today + 9 * DAY,
                      line_manager=manager, pay_range_point=3, fte=Decimal("0.8000"))
    EmploymentFactory(department=department, employee=current, valid_from=today + 10 * DAY, post_title="Team leader")
    leaver = EmployeeFactory(department=department, start_date=today - 400 * DAY, leave_date=today - 30 * DAY)
    EmploymentFactory(department=department, employee=leaver, valid_to=today - 30 * DAY, post_title="Analyst")
    starter = EmployeeFactory(department=department, start_date=today + 20 * DAY)
    EmploymentFactory(department=department, employee=starter, post_title="Trainee")
    unplaced = EmployeeFactory(department=department)
    return [current, leaver, starter, unplaced, manager]


@pytest.mark.parametrize("scopes", [frozenset({"hr:read"}), frozenset({"hr:read", "hr:sensitive"})])
def test_the_one_statement_read_answers_as_the_record_and_its_employment_read_apart(moj, in_department, scopes):
    with in_department(moj):
        people = _people(moj.department)
        for person in people:
            # when the API reads them in one statement
            employee, version = selectors.employee_with_employment_shown(payroll_number=person.payroll_number)
            # then it is the version the record shows, with the same names, and the same answer
            expected = selectors.employment_shown(employee=selectors.employee_get(payroll_number=person.payroll_number))
            assert (version.pk if version else None) == (expected.pk if expected else None)
            one_statement = EmployeeDetailOutputSerializer(
                employee, context={"scopes": scopes, "employment_shown": {employee.pk: version}}).data
            read_apart = EmployeeDetailOutputSerializer(
                selectors.employee_get(payroll_number=person.payroll_number), context={"scopes": scopes}).data
            assert one_statement == read_apart
        shown = {person.payroll_number: selectors.employee_with_employment_shown(
            payroll_number=person.payroll_number)[1] for person in people}
    current, leaver, starter, unplaced, manager = people
    assert shown[current.payroll_number].line_manager.display_name == f"Sam {manager.last_name}"
    assert shown[current.payroll_number].post_title == "Caseworker"
    assert shown[leaver.payroll_number].post_title == "Analyst"
    assert shown[starter.payroll_number].post_title == "Trainee"
    assert shown[unplaced.payroll_number] is None


def test_another_departments_employee_is_not_found(moj, dft, in_department):
    with in_department(moj):
        someone = EmployeeFactory(department=moj.department)
    with in_department(dft), pytest.raises(NotFound):
        selectors.employee_with_employment_shown(payroll_number=someone.payroll_number)
