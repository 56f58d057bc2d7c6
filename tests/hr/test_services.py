"""Starters, movers, leavers and corrections: dated, bitemporal, validated, audited."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from departments.models import AuditEvent
from hr import selectors, services
from hr.models import Employee, Employment

pytestmark = pytest.mark.django_db
D = datetime.date


def _personal(**overrides):
    return {"payroll_number": "MJ0001", "first_name": "Asha", "last_name": "Reid", "date_of_birth": D(1990, 2, 3),
            "ni_number": "ab 12 34 56 c", "sex": "F", "postcode": "sw1a2aa", "bank_sort_code": "30-99-50",
            "bank_account_number": "12345678", "start_date": D(2024, 4, 1), **overrides}


def _terms(organisation, **overrides):
    return {"post_title": "Caseworker", "organisation_unit": organisation["team"],
            "grade": organisation["grades"]["EO"], "cost_centre": organisation["centre"],
            "annual_salary": Decimal("30000"), **overrides}


def _hire(moj, organisation, **overrides):
    return services.employee_hire(department=moj.department, personal=_personal(**overrides),
                                  terms=_terms(organisation), acting_user=moj.hr_officer)


def test_hire_creates_the_person_and_the_first_version_and_audits_it(moj, organisation, in_department):
    employee = _hire(moj, organisation)
    with in_department(moj):
        employee = Employee.objects.get(payroll_number="MJ0001")
        assert (employee.ni_number, employee.postcode, employee.bank_sort_code) == ("AB123456C", "SW1A 2AA", "309950")
        version = selectors.employment_as_of(employee=employee, on=D(2024, 6, 1))
        assert (version.valid_from, version.valid_to, version.post_title) == (D(2024, 4, 1), None, "Caseworker")
        event = AuditEvent.objects.get(action="employee.hire")
        assert event.actor == moj.hr_officer
        assert event.changes["ni_number"]["after"] == "••••"
        assert event.changes["annual_salary"]["after"] == "••••"


def test_hire_names_every_bad_field_and_writes_nothing(moj, organisation, in_department):
    with pytest.raises(ValidationError) as error:
        _hire(moj, organisation, ni_number="XX123", postcode="nowhere", bank_sort_code="12", first_name="")
    assert {"ni_number", "postcode", "bank_sort_code", "first_name"} <= set(error.value.message_dict)
    with in_department(moj):
        assert not Employee.objects.exists()


def test_salary_outside_the_grade_range_needs_a_reason(moj, organisation, in_department):
    terms = _terms(organisation, annual_salary=Decimal("45000"))
    with pytest.raises(ValidationError) as error:
        services.employee_hire(department=moj.department, personal=_personal(), terms=terms, acting_user=None)
    assert "outside the EO national range" in error.value.message_dict["annual_salary"][0]
    employee = services.employee_hire(department=moj.department, personal=_personal(), terms=terms, acting_user=None,
                                      salary_override_reason="Recruitment and retention allowance agreed")
    assert employee.pk


def test_duplicate_payroll_or_ni_number_is_refused(moj, organisation):
    _hire(moj, organisation)
    with pytest.raises(ValidationError) as error:
        _hire(moj, organisation, ni_number="AB654321A")
    assert "payroll_number" in str(error.value.message_dict) or "__all__" in error.value.message_dict
    with pytest.raises(ValidationError):
        _hire(moj, organisation, payroll_number="MJ0002")


def test_the_same_ni_number_may_exist_in_another_department(moj, dft, organisation, in_department):
    _hire(moj, organisation)
    with in_department(dft):
        unit = services.organisation_unit_create(department=dft.department, code="HQ", name="HQ", acting_user=None)
        centre = services.cost_centre_create(department=dft.department, code="C1", name="C1", acting_user=None)
        grade = services.grade_create(department=dft.department, code="EO", name="EO", rank=3, acting_user=None)
    employee = services.employee_hire(department=dft.department, personal=_personal(), acting_user=None,
                                      terms={"post_title": "Analyst", "organisation_unit": unit, "grade": grade,
                                             "cost_centre": centre, "annual_salary": Decimal("31000")})
    assert employee.department_id == dft.id


def test_a_reference_from_another_department_is_refused_with_a_reason(moj, dft, organisation, in_department):
    with in_department(dft):
        their_unit = services.organisation_unit_create(department=dft.department, code="X", name="X", acting_user=None)
    terms = _terms(organisation, organisation_unit=their_unit)
    with pytest.raises(ValidationError) as error:
        services.employee_hire(department=moj.department, personal=_personal(), terms=terms, acting_user=None)
    assert "must belong to Ministry of Justice" in error.value.message_dict["organisation_unit"][0]


def test_start_date_rules(moj, organisation):
    with pytest.raises(ValidationError) as error:
        _hire(moj, organisation, date_of_birth=D(2015, 1, 1))
    assert "at least 16" in error.value.message_dict["start_date"][0]
    with pytest.raises(ValidationError) as error:
        _hire(moj, organisation, start_date=timezone.localdate() + datetime.timedelta(days=400))
    assert "within a year" in error.value.message_dict["start_date"][0]


def test_a_future_change_is_planned_and_the_past_is_kept(moj, organisation, in_department):
    employee = _hire(moj, organisation)
    future = timezone.localdate() + datetime.timedelta(days=30)
    services.employment_change(employee=employee, effective_from=future, acting_user=moj.hr_officer,
                               changes={"post_title": "Senior caseworker", "annual_salary": Decimal("31500")},
                               reason="Promotion")
    with in_department(moj):
        today = selectors.employment_as_of(employee=employee, on=timezone.localdate())
        planned = selectors.employment_as_of(employee=employee, on=future)
        history = list(selectors.employment_history(employee=employee))
    assert today.post_title == "Caseworker"
    assert today.valid_to == future - datetime.timedelta(days=1)
    assert planned.post_title == "Senior caseworker"
    assert [version.valid_from for version in history] == [D(2024, 4, 1), future]


def test_a_correction_keeps_what_was_believed_before(moj, organisation, in_department):
    employee = _hire(moj, organisation)
    before_correction = timezone.now()
    with in_department(moj):
        version = selectors.employment_as_of(employee=employee, on=D(2024, 5, 1))
    services.employment_correct(employment=version, corrections={"post_title": "Case officer"},
                                acting_user=moj.hr_officer, reason="Title was mistyped at hire")
    with in_department(moj):
        now_known = selectors.employment_as_of(employee=employee, on=D(2024, 5, 1))
        then_known = selectors.employment_as_known(employee=employee, on=D(2024, 5, 1), known_at=before_correction)
        all_versions = list(selectors.employment_history(employee=employee, include_superseded=True))
    assert now_known.post_title == "Case officer"
    assert then_known.post_title == "Caseworker"
    assert len(all_versions) == 2


def test_leaving_ends_the_employment_and_withdraws_planned_changes(moj, organisation, in_department):
    employee = _hire(moj, organisation)
    future = timezone.localdate() + datetime.timedelta(days=60)
    services.employment_change(employee=employee, effective_from=future, changes={"fte": Decimal("0.8")},
                               acting_user=None)
    last_day = timezone.localdate() + datetime.timedelta(days=10)
    services.employee_leave(employee=employee, leave_date=last_day, reason="resignation", acting_user=None)
    with in_department(moj):
        history = list(selectors.employment_history(employee=employee))
    assert [(v.valid_from, v.valid_to) for v in history] == [(D(2024, 4, 1), last_day)]


def test_leave_before_start_is_refused(moj, organisation):
    employee = _hire(moj, organisation)
    with pytest.raises(ValidationError) as error:
        services.employee_leave(employee=employee, leave_date=D(2024, 3, 1), reason="resignation", acting_user=None)
    assert "before the start date" in error.value.message_dict["leave_date"][0]


def test_the_database_refuses_overlapping_versions(moj, organisation, in_department):
    employee = _hire(moj, organisation)
    with in_department(moj):
        version = selectors.employment_as_of(employee=employee, on=D(2024, 5, 1))
        overlapping = Employment(employee=employee, valid_from=D(2025, 1, 1), post_title="Duplicate",
                                 organisation_unit=version.organisation_unit, grade=version.grade,
                                 cost_centre=version.cost_centre, annual_salary=Decimal("30000"))
        with pytest.raises(IntegrityError, match="hr_employment_no_overlapping_versions"), transaction.atomic():
            overlapping.save()


def test_subtree_filter_finds_people_in_sub_units(moj, organisation, in_department):
    _hire(moj, organisation)
    with in_department(moj):
        in_root = selectors.employee_list(on=D(2024, 6, 1), organisation_unit=organisation["root"])
        assert [row.employee.payroll_number for row in in_root.rows_for(list(in_root.keys))] == ["MJ0001"]
        sql = str(in_root.keys.query)
    assert "LIKE" in sql


def _listed(listing):
    return [row.employee.payroll_number for row in listing.rows_for(list(listing.keys))]


def test_search_matches_name_and_post_title_starts_and_whole_payroll_numbers(moj, organisation, in_department):
    # given two people, one a caseworker called Reid, one with "Reid" only inside their post title
    _hire(moj, organisation, payroll_number="MJ0001", last_name="Reid")
    mover = _hire(moj, organisation, payroll_number="MJ0002", last_name="Okafor", ni_number="AB123457C")
    services.employment_change(employee=mover, effective_from=D(2024, 5, 1), acting_user=None,
                               changes={"post_title": "Private secretary to Mr Reid"})
    with in_department(moj):
        def search(term):
            return _listed(selectors.employee_list(on=D(2024, 6, 1), search=term))

        # then
        assert search("rei") == ["MJ0001"]
        assert search("PRIVATE sec") == ["MJ0002"]
        assert search("case") == ["MJ0001"]
        assert search("mj0002") == ["MJ0002"]
        assert search("MJ000") == []  # payroll numbers match whole
        assert search("secretary") == []  # a post title matches from its start
        # and the title in force on the date is the one searched
        assert _listed(selectors.employee_list(on=D(2024, 4, 15), search="private")) == []
