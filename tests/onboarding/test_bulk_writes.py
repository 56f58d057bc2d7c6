"""The set-based writes an import uses keep every value exactly as given, whatever characters it has."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.db.models import F

from departments.bulk import AnyOf, bulk_insert
from departments.models import AuditEvent
from departments.services import MASK, audit_changes
from hr.models import Employee
from onboarding.models import ImportJob
from payroll.models import OpeningBalance
from tests.onboarding.conftest import csv_bytes, staff_row

pytestmark = pytest.mark.django_db

BLANK_FIELDS = ("title", "preferred_name", "ni_number", "gender_identity", "address_line_1", "address_line_2", "town",
                "postcode", "email", "phone", "bank_sort_code", "bank_account_number", "building_society_roll_number",
                "leave_reason", "tax_code", "tax_basis", "ni_category", "pension_scheme", "starter_declaration",
                "previous_payroll_id")
AWKWARD = ['O\'Brien "Jnr"', "back\\slash", "NULL", "{braces}", "a,b", "", " spaced ", "Zoë Ł", "\\\"mix\\\""]


def test_awkward_text_survives_the_array_literals_of_a_bulk_insert(moj, in_department):
    # given rows whose text has quotes, backslashes, braces, commas, the word NULL and non-ASCII letters
    now = datetime.datetime(2026, 11, 1, 9, 30, tzinfo=datetime.UTC)
    fields = ("payroll_number", "first_name", "last_name", "date_of_birth", "sex", "start_date", "student_loans",
              "created_at", *BLANK_FIELDS)
    rows = [(f"AWK{index}", text, text, datetime.date(1980, 1, 1), "F", datetime.date(2015, 4, 1),
             ["plan2", "pgl"] if index % 2 else [], now, *[""] * len(BLANK_FIELDS))
            for index, text in enumerate(AWKWARD)]
    # when they are inserted in one statement
    with in_department(moj):
        inserted = bulk_insert(Employee, fields, rows, returning=("id", "payroll_number"))
        stored = {employee.payroll_number: employee for employee in Employee.objects.filter(
            AnyOf(F("id"), [pk for pk, _ in inserted]))}
    # then every value reads back as it was given
    assert len(stored) == len(AWKWARD)
    for index, text in enumerate(AWKWARD):
        employee = stored[f"AWK{index}"]
        assert (employee.first_name, employee.last_name) == (text, text)
        assert employee.student_loans == (["plan2", "pgl"] if index % 2 else [])
        assert (employee.date_of_birth, employee.created_at) == (datetime.date(1980, 1, 1), now)


def test_any_of_matches_text_with_any_characters_and_ignores_none(moj, in_department):
    # given employees whose payroll numbers need quoting in an array literal
    with in_department(moj):
        bulk_insert(Employee, ("payroll_number", "first_name", "last_name", "date_of_birth", "sex", "start_date",
                               "student_loans", "created_at", *BLANK_FIELDS),
                    [(number, "A", "B", datetime.date(1980, 1, 1), "F", datetime.date(2015, 4, 1), [],
                      datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), *[""] * len(BLANK_FIELDS))
                     for number in ('Q"1', "Q\\2", "Q,3")])
        # when they are looked up by an array of values that includes None
        found = sorted(Employee.objects.filter(AnyOf(F("payroll_number"), ['Q"1', "Q\\2", "Q,3", None, "NONE"]))
                       .values_list("payroll_number", flat=True))
    # then exactly those are found
    assert found == sorted(['Q"1', "Q\\2", "Q,3"])


def test_an_imported_name_with_quotes_and_backslashes_is_stored_as_written(moj, in_department, run_import,
                                                                          creating_mapping):
    # given a file whose names and address need escaping
    row = staff_row(1, Surname='O\'Brien-"Smith"', Forename="Ann\\e", **{"Address 1": "Flat {2}, 1 High St",
                                                                         "YTD Taxable Pay": "15000.5"})
    # when it is imported
    job = run_import(csv_bytes([row]), dry_run=False, mapping=creating_mapping)
    # then the record holds exactly the file's text
    assert job.status == ImportJob.Status.COMMITTED, job.file_problem
    with in_department(moj):
        employee = Employee.objects.get(payroll_number="LP000001")
    assert (employee.first_name, employee.last_name, employee.address_line_1) == (
        "Ann\\e", 'O\'Brien-"Smith"', "Flat {2}, 1 High St")
    assert job.reconciliation["ytd"][0] == {"figure": "taxable_pay", "file": "15000.50", "platform": "15000.50",
                                            "ok": True}
    assert Decimal(job.reconciliation["ytd"][0]["platform"]) == Decimal("15000.50")


def test_an_imported_starter_has_one_hire_entry_with_sensitive_fields_masked(moj, in_department, run_import,
                                                                            creating_mapping):
    # when one starter is imported
    job = run_import(csv_bytes([staff_row(7)]), dry_run=False, mapping=creating_mapping)
    # then the audit log has one hire entry for the employee, as every other hire writes it
    assert job.status == ImportJob.Status.COMMITTED, job.file_problem
    with in_department(moj):
        employee = Employee.objects.get(payroll_number="LP000007")
        event = AuditEvent.objects.get(action="employee.hire", object_id=str(employee.pk))
        version = employee.employments.get()
    expected = audit_changes({}, {"payroll_number": "LP000007", "ni_number": "AB000007C",
                                  "start_date": datetime.date(2015, 4, 1), "post_title": "Caseworker",
                                  "annual_salary": Decimal("30000.00"), "contracted_hours": Decimal("37.00"),
                                  "fte": Decimal("1.0000"), "grade_id": version.grade_id,
                                  "organisation_unit_id": version.organisation_unit_id,
                                  "cost_centre_id": version.cost_centre_id})
    assert event.changes == expected
    assert event.changes["ni_number"]["after"] == event.changes["annual_salary"]["after"] == MASK
    assert event.changes["start_date"] == {"before": None, "after": "2015-04-01"}


def test_a_changed_year_to_date_figure_corrects_the_opening_balance_with_an_audit_entry(moj, in_department,
                                                                                       run_import, creating_mapping):
    # given two staff imported with their opening balances
    run_import(csv_bytes([staff_row(1), staff_row(2)]), dry_run=False, mapping=creating_mapping, tax_year="2026-27")
    # when a later export has a different year-to-date tax figure for the second
    job = run_import(csv_bytes([staff_row(1), staff_row(2, **{"YTD Tax": "1750.00"})]), dry_run=False,
                     mapping=creating_mapping, tax_year="2026-27")
    # then that balance alone is corrected, with one audit entry naming the change
    assert job.status == ImportJob.Status.COMMITTED, job.file_problem
    with in_department(moj):
        second = Employee.objects.get(payroll_number="LP000002")
        balance = OpeningBalance.objects.get(employee=second, tax_year="2026-27")
        first = OpeningBalance.objects.get(employee__payroll_number="LP000001", tax_year="2026-27")
        entry = AuditEvent.objects.get(action="opening_balance.correct")
    assert (balance.tax_paid, first.tax_paid) == (Decimal("1750.00"), Decimal("1700.00"))
    assert entry.object_id == str(balance.pk)
    assert entry.changes == {"tax_paid": {"before": "1700.00", "after": "1750.00"}}
    assert all(check["ok"] for check in job.reconciliation["checks"])


def test_the_write_pass_reader_stops_cleanly_when_the_write_stops_early(moj, in_department, run_import,
                                                                       creating_mapping, monkeypatch):
    # given a commit whose write fails part-way (after the first batch of rows)
    from onboarding import services

    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    calls = []
    real_import = services.hr_services.employees_import

    def failing_import(**kwargs):
        calls.append(len(kwargs["rows"]))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_import(**kwargs)

    monkeypatch.setattr(services.hr_services, "employees_import", failing_import)
    # when it runs
    job = run_import(csv_bytes([staff_row(n) for n in range(1, 10)]), dry_run=False, mapping=creating_mapping)
    # then the job failed, nothing was saved, and no reader thread is left behind
    assert job.status == ImportJob.Status.FAILED
    assert calls == [2, 2]
    with in_department(moj):
        assert not Employee.objects.exists()
    assert not [thread for thread in threading.enumerate() if thread.name == "import-spool-reader"]
