"""What one API read costs the database: a fixed number of statements, whatever the department.

These run with real transactions (not inside a test's own), as requests run in production: the
request's transaction is the outermost one, so the statements counted are the ones a served
request sends. A new statement on every request shows up here as a failure.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments import services
from departments.models import Department
from departments.roles import Scope
from tests.factories import EmploymentFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def employee(moj, in_department):
    with in_department(moj):
        return EmploymentFactory(department=moj.department).employee


def _token(department: Department, scopes: tuple[str, ...] = (Scope.HR_READ,)) -> str:
    _, raw = services.api_token_create(department=department, name="ERP export", scopes=list(scopes),
                                       acting_user=None)
    return raw


def _statements(client, path: str) -> tuple[int, list[str]]:
    # The first request records the token's last use (at most once a minute); count a later one.
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return response.status_code, [query["sql"] for query in captured.captured_queries]


def test_a_token_reads_one_employee_in_five_statements(api_client, moj, employee):
    # given an integrator's token
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {_token(moj.department)}")
    # when it reads one employee
    status, statements = _statements(api_client, f"/api/v1/departments/{moj.slug}/hr/employees/"
                                                  f"{employee.payroll_number}/")
    # then: the token with its department and user in one statement, the department setting once
    # (the transaction's end clears it), the employee with their employment, and the transaction
    assert status == 200
    assert len(statements) == 5, "\n".join(statements)
    assert (statements[0], statements[-1]) == ("BEGIN", "COMMIT")
    assert "departments_apitoken" in statements[1]
    assert "departments_department" in statements[1]
    assert [sql for sql in statements if "set_config" in sql] == [statements[2]]


def test_a_token_reads_its_department_without_a_second_look_at_the_token(api_client, moj):
    # given
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {_token(moj.department)}")
    # when
    status, statements = _statements(api_client, f"/api/v1/departments/{moj.slug}/")
    # then the token, department and service user were read once, together
    assert status == 200
    assert sum("departments_apitoken" in sql for sql in statements) == 1
    assert not any(sql.startswith('SELECT "accounts_user"') for sql in statements)


def test_the_department_setting_does_not_outlive_the_request(api_client, moj, employee):
    # given a token read that set the department for its transaction, and did not clear it itself
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {_token(moj.department)}")
    assert api_client.get(f"/api/v1/departments/{moj.slug}/hr/employees/{employee.payroll_number}/").status_code == 200
    # when the same connection runs its next statement
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('app.department_id', true), (SELECT count(*) FROM hr_employee)")
        setting, employees_seen = cursor.fetchone()
    # then no department is set, and row-level security shows no employee
    assert setting in ("", None)
    assert employees_seen == 0


@pytest.mark.django_db(transaction=False)
def test_inside_a_longer_transaction_the_department_setting_is_cleared_as_the_view_returns(api_client, moj,
                                                                                            employee):
    # given a request served inside a transaction that goes on afterwards (here, the test's own)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {_token(moj.department)}")
    assert api_client.get(f"/api/v1/departments/{moj.slug}/hr/employees/{employee.payroll_number}/").status_code == 200
    # when that transaction runs its next statement
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('app.department_id', true), (SELECT count(*) FROM hr_employee)")
        setting, employees_seen = cursor.fetchone()
    # then the view left no department behind it
    assert setting in ("", None)
    assert employees_seen == 0


def test_a_member_is_let_in_with_one_statement(client, moj, employee):
    # given an HR officer signed in
    client.force_login(moj.hr_officer)
    # when they read an employee
    status, statements = _statements(client, f"/api/v1/departments/{moj.slug}/hr/employees/"
                                             f"{employee.payroll_number}/")
    # then between the transaction's start and entering the department, one statement decided
    # that they may: their memberships, read with the department
    assert status == 200
    begin = statements.index("BEGIN")
    entered = next(index for index, sql in enumerate(statements) if "set_config" in sql)
    access = statements[begin + 1:entered]
    assert len(access) == 1, "\n".join(access)
    assert "departments_departmentmembership" in access[0]
    assert 'JOIN "departments_department"' in access[0]


def test_a_revoked_token_is_refused_on_its_next_request(api_client, moj):
    # given a token that has just been used
    api_token, raw = services.api_token_create(department=moj.department, name="ERP export",
                                               scopes=[Scope.HR_READ], acting_user=None)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get(f"/api/v1/departments/{moj.slug}/").status_code == 200
    # when it is revoked
    services.api_token_revoke(api_token=api_token, acting_user=None)
    # then the next request is refused: nothing about the token is remembered between requests
    assert api_client.get(f"/api/v1/departments/{moj.slug}/").status_code == 401


def test_a_token_of_a_department_taken_off_the_platform_reaches_nothing(api_client, moj):
    # given a token that works
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {_token(moj.department)}")
    assert api_client.get(f"/api/v1/departments/{moj.slug}/").status_code == 200
    # when its department is made inactive
    Department.objects.filter(pk=moj.id).update(is_active=False)
    # then its next request finds no department there
    assert api_client.get(f"/api/v1/departments/{moj.slug}/").status_code == 404
