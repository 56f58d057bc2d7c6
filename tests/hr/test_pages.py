"""The HR pages: employee list and record, starters, movers and leavers through forms, the organisation."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hr import selectors, services
from hr.models import Employee, Employment
from hr.views import EmployeeListView

pytestmark = pytest.mark.django_db
D = datetime.date


def _hire(moj, organisation, number=1, **personal):
    return services.employee_hire(
        department=moj.department, acting_user=moj.hr_officer,
        personal={"payroll_number": f"MJ{number:04d}", "first_name": "Asha", "last_name": f"Reid{number:03d}",
                  "date_of_birth": D(1990, 2, 3), "sex": "F", "start_date": D(2024, 4, 1), **personal},
        terms={"post_title": "Caseworker", "organisation_unit": organisation["team"],
               "grade": organisation["grades"]["EO"], "cost_centre": organisation["centre"],
               "annual_salary": Decimal("30000")},
    )


@pytest.fixture
def asha(moj, organisation):
    return _hire(moj, organisation, ni_number="AB123456C", bank_sort_code="309950", bank_account_number="12345678")


def _url(moj, name, employee=None):
    kwargs = {"department_slug": moj.slug}
    if employee is not None:
        kwargs["payroll_number"] = employee.payroll_number
    return reverse(f"hr:{name}", kwargs=kwargs)


PAGES_ABOUT_AN_EMPLOYEE = {"employee", "employment-change", "employee-leave"}
ALL_PAGES = ["employees", "employee", "employee-hire", "employment-change", "employee-leave", "organisation"]


def _page(moj, page, employee):
    return _url(moj, page, employee if page in PAGES_ABOUT_AN_EMPLOYEE else None)


def _date(prefix: str, day: datetime.date) -> dict[str, str]:
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


def _hire_data(**overrides):
    return {"payroll_number": "MJ0100", "first_name": "Ben", "last_name": "Okafor",
            **_date("date_of_birth", D(1988, 7, 9)),
            "ni_number": "JK 12 34 56 C", "sex": "M", "postcode": "sw1a 2aa", "bank_sort_code": "30-99-50",
            "bank_account_number": "12345678", **_date("start_date", D(2024, 9, 2)), "post_title": "Caseworker",
            "organisation_unit": "CASE", "grade": "EO", "cost_centre": "C100", "location": "national",
            "annual_salary": "£30,500", "fte": "1", "contracted_hours": "37", "working_pattern": "Monday to Friday",
            "contract_type": "permanent", **overrides}


# --- Reading -----------------------------------------------------------------------------------------


def test_hr_officer_sees_the_employee_list(client, moj, asha):
    # given
    client.force_login(moj.hr_officer)
    # when
    response = client.get(_url(moj, "employees"))
    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert "Reid001, Asha" in content
    assert "MJ0001" in content
    assert "Casework team" in content
    assert "Current staff: 1 to 1 of 1" in content
    assert "Add an employee" in content


def test_employee_list_filters_by_search_grade_unit_and_status(client, moj, organisation, in_department):
    # given: one EO in the team, one HEO in headquarters, one starting next month, one leaver
    eo = _hire(moj, organisation, 1, last_name="Adams")
    heo = services.employee_hire(
        department=moj.department, acting_user=moj.hr_officer,
        personal={"payroll_number": "MJ0002", "first_name": "Chloe", "last_name": "Bhatt",
                  "date_of_birth": D(1985, 1, 1), "sex": "F", "start_date": D(2023, 1, 9)},
        terms={"post_title": "Policy adviser", "organisation_unit": organisation["root"],
               "grade": organisation["grades"]["HEO"], "cost_centre": organisation["centre"],
               "annual_salary": Decimal("35000")},
    )
    _hire(moj, organisation, 3, last_name="Campbell", start_date=timezone.localdate() + datetime.timedelta(days=30))
    leaver = _hire(moj, organisation, 4, last_name="Davies")
    services.employee_leave(employee=leaver, leave_date=D(2024, 12, 31), reason="resignation", acting_user=None)
    client.force_login(moj.hr_officer)
    url = _url(moj, "employees")

    def names(**query):
        response = client.get(url, query)
        assert response.status_code == 200
        with in_department(moj):
            rows = list(response.context["rows"])
        return [row["last_name"] for row in rows]

    # when / then
    assert names() == ["Adams", "Bhatt"]
    assert names(search="bha") == ["Bhatt"]
    assert names(search=heo.payroll_number) == ["Bhatt"]
    assert names(grade="EO") == ["Adams"]
    assert names(organisation_unit="CASE") == ["Adams"]
    assert names(organisation_unit="HQ") == ["Adams", "Bhatt"]  # a unit's subtree is included
    assert names(cost_centre="C100") == ["Adams", "Bhatt"]
    assert names(status="starting") == ["Campbell"]
    assert names(status="leavers") == ["Davies"]
    assert eo.payroll_number == "MJ0001"


def test_an_unknown_filter_value_is_shown_as_an_error_and_ignored(client, moj, asha):
    # given
    client.force_login(moj.hr_officer)
    # when
    response = client.get(_url(moj, "employees"), {"grade": "NOPE"})
    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content
    assert 'href="#id_grade">Choose a grade from the list' in content
    assert "Reid001, Asha" in content


def test_employee_list_is_paginated_keeping_the_filters(client, moj, organisation, monkeypatch):
    # given: three employees, two to a page
    for number in (1, 2, 3):
        _hire(moj, organisation, number)
    monkeypatch.setattr(EmployeeListView, "page_size", 2)
    client.force_login(moj.hr_officer)
    # when
    first = client.get(_url(moj, "employees"), {"grade": "EO"})
    second = client.get(_url(moj, "employees"), {"grade": "EO", "page": "2"})
    # then
    assert 'class="govuk-pagination"' in first.content.decode()
    assert "?grade=EO&amp;page=2" in first.content.decode()
    assert "3 to 3 of 3" in second.content.decode()
    assert "Reid003, Asha" in second.content.decode()


def test_employee_list_query_count_does_not_grow_with_rows(client, moj, organisation):
    # given
    client.force_login(moj.hr_officer)
    url = _url(moj, "employees")
    for number in range(1, 6):
        _hire(moj, organisation, number)
    client.get(url)  # warm up: session and once-per-process lookups
    with CaptureQueriesContext(connection) as with_five:
        assert client.get(url, {"grade": "EO"}).status_code == 200
    for number in range(6, 31):
        _hire(moj, organisation, number)
    # when
    with CaptureQueriesContext(connection) as with_thirty:
        response = client.get(url, {"grade": "EO"})
    # then
    assert "1 to 30 of 30" in response.content.decode()
    assert len(with_thirty.captured_queries) == len(with_five.captured_queries)


@pytest.mark.parametrize(("query", "walk_from"), [
    ({}, 1000),
    ({"grade": "EO"}, 1),  # the walk along the name index, read backwards for the second half
    ({"organisation_unit": "HQ", "cost_centre": "C100"}, 1000),
    ({"organisation_unit": "HQ", "cost_centre": "C100"}, 1),
    ({"search": "Reid"}, 1000),
    ({"search": "Reid", "grade": "EO"}, 1000),
    ({"status": "leavers"}, 1000),
    ({"status": "starting"}, 1000),
])
def test_each_employee_list_keeps_its_query_count_as_rows_grow(client, moj, organisation, monkeypatch, query,
                                                                walk_from):
    # given: half the staff current, a quarter who left last year, a quarter starting next month
    monkeypatch.setattr(selectors, "WALK_FROM", walk_from)
    monkeypatch.setattr(EmployeeListView, "page_size", 3)
    client.force_login(moj.hr_officer)
    url = _url(moj, "employees")
    next_month = timezone.localdate() + datetime.timedelta(days=30)

    def hire(numbers):
        for number in numbers:
            employee = _hire(moj, organisation, number, **({"start_date": next_month} if number % 4 == 2 else {}))
            if number % 4 == 1:
                services.employee_leave(employee=employee, leave_date=D(2025, 1, 31), reason="resignation",
                                        acting_user=None)

    hire(range(1, 9))
    client.get(url)  # warm up: session and once-per-process lookups
    with CaptureQueriesContext(connection) as with_eight:
        assert client.get(url, {**query, "page": "2"}).status_code == 200
    hire(range(9, 41))
    # when
    with CaptureQueriesContext(connection) as with_forty:
        response = client.get(url, {**query, "page": "4"})
    # then
    assert ": 10 to " in response.content.decode()  # the fourth page of three rows each
    assert len(with_forty.captured_queries) == len(with_eight.captured_queries)


def test_hr_officer_sees_the_record_with_sensitive_fields(client, moj, asha, in_department):
    # given
    future = timezone.localdate() + datetime.timedelta(days=40)
    services.employment_change(employee=asha, effective_from=future, acting_user=moj.hr_officer,
                               changes={"post_title": "Senior caseworker"}, reason="Promotion")
    client.force_login(moj.hr_officer)
    # when
    response = client.get(_url(moj, "employee", asha))
    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "AB123456C" in content
    assert "3 February 1990" in content
    assert "£30,000.00" in content
    assert "12345678" in content
    assert "Senior caseworker" in content
    assert "Planned" in content
    assert "Change employment" in content
    assert "Record a leaver" in content


def test_a_role_without_hr_sensitive_sees_the_record_masked(client, moj, asha):
    # given: the auditor reads HR records but holds no hr:sensitive
    client.force_login(moj.auditor)
    # when
    response = client.get(_url(moj, "employee", asha))
    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "Reid001" in content
    assert "AB123456C" not in content
    assert "3 February 1990" not in content
    assert "30,000" not in content
    assert "12345678" not in content
    assert "••••6C" in content
    assert "your role does not include seeing sensitive personal data" in content
    assert "Change employment" not in content  # no hr:write


def test_a_leavers_record_shows_the_end_of_employment(client, moj, asha):
    # given
    services.employee_leave(employee=asha, leave_date=D(2024, 12, 31), reason="retirement", acting_user=None)
    client.force_login(moj.hr_officer)
    # when
    response = client.get(_url(moj, "employee", asha))
    # then
    content = response.content.decode()
    assert "Employment when they left" in content
    assert "Last working day (retirement)" in content
    assert "Record a leaver" not in content


@pytest.mark.parametrize("persona", ["manager", "employee", "finance_officer"])
@pytest.mark.parametrize("page", ALL_PAGES)
def test_a_role_without_hr_read_is_forbidden(client, moj, asha, persona, page):
    # given: line managers and employees hold no hr:read (departments/roles.py)
    client.force_login(getattr(moj, persona))
    # when
    response = client.get(_page(moj, page, asha))
    # then
    assert response.status_code == 403


@pytest.mark.parametrize("page", ["employee-hire", "employment-change", "employee-leave"])
def test_the_forms_need_hr_write(client, moj, asha, page):
    # given
    client.force_login(moj.auditor)
    # when
    response = client.get(_page(moj, page, asha))
    # then
    assert response.status_code == 403


@pytest.mark.parametrize("page", ALL_PAGES)
def test_someone_from_another_department_gets_not_found(client, moj, dft, asha, page):
    # given
    client.force_login(dft.hr_officer)
    # when
    response = client.get(_page(moj, page, asha))
    # then
    assert response.status_code == 404


def test_an_unknown_payroll_number_is_not_found(client, moj, organisation):
    client.force_login(moj.hr_officer)
    assert client.get(reverse("hr:employee", args=[moj.slug, "NOPE"])).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, moj):
    response = client.get(_url(moj, "employees"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


# --- Starters, movers, leavers --------------------------------------------------------------------------


def test_hiring_through_the_form_creates_the_employee(client, moj, organisation, in_department):
    # given
    client.force_login(moj.hr_officer)
    # when
    response = client.post(_url(moj, "employee-hire"), _hire_data(), follow=True)
    # then
    assert response.redirect_chain[-1][0] == reverse("hr:employee", args=[moj.slug, "MJ0100"])
    content = response.content.decode()
    assert "Ben Okafor has been added with payroll number MJ0100" in content
    assert "govuk-notification-banner--success" in content
    with in_department(moj):
        employee = Employee.objects.get(payroll_number="MJ0100")
        version = Employment.objects.select_related("grade").get(employee=employee)
    assert (employee.ni_number, employee.postcode, employee.date_of_birth) == ("JK123456C", "SW1A 2AA", D(1988, 7, 9))
    assert (version.annual_salary, version.grade.code, version.valid_from) == (Decimal("30500"), "EO", D(2024, 9, 2))


def test_hiring_with_missing_answers_names_the_fields_and_stores_nothing(client, moj, organisation, in_department):
    # given
    client.force_login(moj.hr_officer)
    data = _hire_data(first_name="", **{"date_of_birth-month": ""}, sex="", grade="")
    # when
    response = client.post(_url(moj, "employee-hire"), data)
    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in content
    assert "There is a problem" in content
    assert '<a href="#id_first_name">Enter the first name</a>' in content
    assert '<a href="#id_date_of_birth">Date of birth must include a month</a>' in content
    assert '<a href="#id_sex">Choose the sex recorded with HMRC</a>' in content
    assert '<a href="#id_grade">Choose the grade</a>' in content
    assert 'id="id_date_of_birth-month"' in content
    with in_department(moj):
        assert not Employee.objects.exists()


def test_hiring_with_input_the_service_refuses_shows_its_reasons_against_the_fields(client, moj, organisation,
                                                                                    in_department):
    # given: well-formed to the form, wrong to the service
    client.force_login(moj.hr_officer)
    data = _hire_data(ni_number="XX123", postcode="nowhere", bank_sort_code="12", annual_salary="45000")
    # when
    response = client.post(_url(moj, "employee-hire"), data)
    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert '<a href="#id_ni_number">Enter a National Insurance number in the correct format' in content
    assert '<a href="#id_postcode">Enter a real UK postcode' in content
    assert '<a href="#id_bank_sort_code">Enter a sort code of 6 digits' in content
    assert 'id="id_ni_number-error"' in content
    with in_department(moj):
        assert not Employee.objects.exists()


def test_a_payroll_or_ni_number_already_in_use_is_named_against_its_field(client, moj, asha, in_department):
    # given: Asha already holds MJ0001 and AB123456C
    client.force_login(moj.hr_officer)
    # when
    response = client.post(_url(moj, "employee-hire"), _hire_data(payroll_number="MJ0001", ni_number="AB123456C"))
    # then
    content = response.content.decode()
    assert '<a href="#id_payroll_number">Another employee in Ministry of Justice has this payroll number.' in content
    assert '<a href="#id_ni_number">Another employee in Ministry of Justice has this National Insurance' in content
    with in_department(moj):
        assert Employee.objects.count() == 1


def test_a_salary_outside_the_range_needs_a_reason_on_the_form(client, moj, organisation, in_department):
    client.force_login(moj.hr_officer)
    refused = client.post(_url(moj, "employee-hire"), _hire_data(annual_salary="45000"))
    assert '<a href="#id_annual_salary">£45,000.00 is outside the EO national range' in refused.content.decode()
    accepted = client.post(_url(moj, "employee-hire"),
                           _hire_data(annual_salary="45000", salary_override_reason="Specialist allowance agreed"))
    assert accepted.status_code == 302
    with in_department(moj):
        assert Employee.objects.filter(payroll_number="MJ0100").exists()


def test_changing_employment_through_the_form_plans_a_future_change(client, moj, asha, in_department):
    # given
    client.force_login(moj.hr_officer)
    future = timezone.localdate() + datetime.timedelta(days=14)
    form_page = client.get(_url(moj, "employment-change", asha))
    assert "Now: Caseworker" in form_page.content.decode()
    # when
    response = client.post(_url(moj, "employment-change", asha),
                           {**_date("effective_from", future), "post_title": "Senior caseworker", "grade": "HEO",
                            "annual_salary": "35000", "reason": "Promotion"}, follow=True)
    # then
    content = response.content.decode()
    assert response.redirect_chain[-1][0] == _url(moj, "employee", asha)
    assert f"employment from {future:%-d %B %Y} has been saved" in content
    assert "Planned" in content
    with in_department(moj):
        planned = selectors.employment_as_of(employee=asha, on=future)
        today = selectors.employment_as_of(employee=asha, on=timezone.localdate())
    assert (planned.post_title, planned.grade.code, planned.annual_salary) == ("Senior caseworker", "HEO",
                                                                               Decimal("35000"))
    assert planned.change_reason == "Promotion"
    assert today.post_title == "Caseworker"


def test_a_change_with_nothing_changed_or_no_employment_on_the_date_is_refused(client, moj, asha):
    client.force_login(moj.hr_officer)
    nothing = client.post(_url(moj, "employment-change", asha),
                          {**_date("effective_from", D(2024, 6, 1)), "reason": "Tidying up"})
    assert "Say what changes." in nothing.content.decode()
    too_early = client.post(_url(moj, "employment-change", asha),
                            {**_date("effective_from", D(2020, 1, 1)), "post_title": "Clerk", "reason": "Backdated"})
    assert '<a href="#id_effective_from">' in too_early.content.decode()
    assert "has no employment on 1 January 2020" in too_early.content.decode()


def test_recording_a_leaver_through_the_form(client, moj, asha, in_department):
    # given
    client.force_login(moj.hr_officer)
    # when
    response = client.post(_url(moj, "employee-leave", asha),
                           {**_date("leave_date", D(2025, 3, 31)), "leave_reason": "resignation"}, follow=True)
    # then
    content = response.content.decode()
    assert "last working day is recorded as 31 March 2025" in content
    with in_department(moj):
        asha.refresh_from_db()
    assert (asha.leave_date, asha.leave_reason) == (D(2025, 3, 31), "resignation")


def test_a_leave_form_with_errors_shows_them(client, moj, asha, in_department):
    client.force_login(moj.hr_officer)
    impossible = {"leave_date-day": "30", "leave_date-month": "2", "leave_date-year": "2020"}
    response = client.post(_url(moj, "employee-leave", asha), impossible)
    content = response.content.decode()
    assert '<a href="#id_leave_date">Last working day must be a real date</a>' in content
    assert '<a href="#id_leave_reason">Choose the reason for leaving</a>' in content
    before_start = client.post(_url(moj, "employee-leave", asha),
                               {**_date("leave_date", D(2020, 2, 3)), "leave_reason": "resignation"})
    assert "cannot be before the start date" in before_start.content.decode()
    with in_department(moj):
        asha.refresh_from_db()
    assert asha.leave_date is None


# --- Organisation -----------------------------------------------------------------------------------------


def test_organisation_page_shows_the_unit_tree_and_pay_ranges(client, moj, organisation):
    # given
    client.force_login(moj.hr_officer)
    # when
    response = client.get(_url(moj, "organisation"))
    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert content.index("Headquarters") < content.index("Casework team")
    assert "govuk-list--bullet" in content  # the team is nested under its directorate
    assert "£28,000.00 to £32,000.00" in content
    assert "Senior Civil Service pay band 3" in content
