"""Importing staff records: dry run, all or nothing, --accept-valid, idempotent re-runs, changes,
opening balances, reconciliation and isolation between departments."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from departments.models import AuditEvent
from hr.models import Employee, Employment
from onboarding.models import ImportJob, ImportRowError
from payroll import services as payroll_services
from payroll.models import OpeningBalance
from tests.onboarding.conftest import csv_bytes, staff_row

pytestmark = pytest.mark.django_db
Status = ImportJob.Status


def _employees(department, in_department):
    with in_department(department):
        return Employee.objects.count()


def test_a_dry_run_checks_every_row_and_writes_no_records(moj, in_department, run_import, creating_mapping):
    # given a file of three good staff
    content = csv_bytes([staff_row(1), staff_row(2), staff_row(3)])
    # when it is checked
    job = run_import(content, dry_run=True, mapping=creating_mapping)
    # then the job says what would happen, and nothing but the job and its report exists
    assert job.status == Status.VALIDATED
    assert (job.rows_read, job.rows_created, job.rows_rejected) == (3, 3, 0)
    assert _employees(moj, in_department) == 0
    with in_department(moj):
        assert OpeningBalance.objects.count() == 0
    assert job.reconciliation["dimensions"]["grade"] == [{"code": "EO", "file_headcount": 3,
                                                         "file_salary": "90000.00"}]


def test_a_commit_creates_employees_employment_and_opening_balances(moj, in_department, run_import,
                                                                      creating_mapping):
    # when two staff are imported
    job = run_import(csv_bytes([staff_row(1), staff_row(2, **{"Tax Code": "S1257L M1", "Hours": "18.5"})]),
                     dry_run=False, mapping=creating_mapping, tax_year="2026-27",
                     effective_from=datetime.date(2026, 11, 1))
    # then
    assert job.status == Status.COMMITTED, job.file_problem
    assert (job.rows_created, job.rows_updated, job.rows_unchanged) == (2, 0, 0)
    with in_department(moj):
        second = Employee.objects.get(payroll_number="LP000002")
        assert (second.tax_code, second.tax_basis) == ("S1257L", "week1_month1")
        assert second.ni_number == "AB000002C"
        assert second.student_loans == ["plan2"]
        assert second.previous_payroll_id == "LEG-2"
        version = Employment.objects.get(employee=second)
        assert (version.valid_from, version.fte, version.annual_salary) == (
            datetime.date(2015, 4, 1), Decimal("0.5000"), Decimal("30000.00"))
        assert (version.grade.code, version.cost_centre.code) == ("EO", "CC100")
        balance = OpeningBalance.objects.get(employee=second, tax_year="2026-27")
        assert (balance.taxable_pay, balance.tax_paid, balance.locked) == (Decimal("15000.00"), Decimal("1700.00"),
                                                                           False)
        hires = AuditEvent.objects.filter(action="employee.hire")
        assert hires.count() == 2
        assert hires.get(object_id=str(second.pk)).changes["ni_number"]["after"] == "••••"
    assert all(check["ok"] for check in job.reconciliation["checks"])
    assert len(job.reconciliation["checks"]) == 5


def test_importing_the_same_file_again_creates_nothing_and_changes_nothing(moj, in_department, run_import,
                                                                           creating_mapping):
    content = csv_bytes([staff_row(n) for n in range(1, 6)])
    run_import(content, dry_run=False, mapping=creating_mapping)
    with in_department(moj):
        audit_before = AuditEvent.objects.count()
        versions_before = Employment.objects.count()
    # when the same file is imported again
    again = run_import(content, dry_run=False, mapping=creating_mapping)
    # then the report says five unchanged and no record moved
    assert again.status == Status.COMMITTED
    assert (again.rows_created, again.rows_updated, again.rows_unchanged) == (0, 0, 5)
    with in_department(moj):
        assert Employee.objects.count() == 5
        assert Employment.objects.count() == versions_before
        # only the job's own two entries (created, finished) were added
        assert AuditEvent.objects.count() == audit_before + 2
    assert all(check["ok"] for check in again.reconciliation["checks"])


def test_a_changed_row_becomes_an_effective_dated_change_with_an_audit_entry(moj, in_department, run_import,
                                                                             creating_mapping):
    run_import(csv_bytes([staff_row(1), staff_row(2)]), dry_run=False, mapping=creating_mapping)
    # when the second person's salary and address change in a later export
    changed = csv_bytes([staff_row(1), staff_row(2, Salary="31500.00", **{"Address 1": "2 Low Road"})])
    job = run_import(changed, dry_run=False, mapping=creating_mapping, effective_from=datetime.date(2026, 10, 1))
    # then
    assert (job.rows_created, job.rows_updated, job.rows_unchanged) == (0, 1, 1)
    with in_department(moj):
        person = Employee.objects.get(payroll_number="LP000002")
        assert person.address_line_1 == "2 Low Road"
        live = list(Employment.objects.filter(employee=person, superseded_at__isnull=True).order_by("valid_from"))
        assert [(v.valid_from, v.valid_to, v.annual_salary) for v in live] == [
            (datetime.date(2015, 4, 1), datetime.date(2026, 9, 30), Decimal("30000.00")),
            (datetime.date(2026, 10, 1), None, Decimal("31500.00")),
        ]
        entry = AuditEvent.objects.get(action="employee.import_change")
        assert entry.object_id == str(person.pk)
        assert set(entry.changes) == {"address_line_1", "annual_salary"}
        assert "effective 2026-10-01" in entry.reason


def test_by_default_one_bad_row_means_nothing_is_imported(moj, in_department, run_import, creating_mapping):
    content = csv_bytes([staff_row(1), staff_row(2, **{"NI Number": "QQ12345"}), staff_row(3)])
    job = run_import(content, dry_run=False, mapping=creating_mapping)
    assert job.status == Status.REJECTED
    assert job.rows_rejected == 1
    assert _employees(moj, in_department) == 0
    with in_department(moj):
        error = ImportRowError.objects.get(job=job)
    assert (error.row_number, error.column, error.value) == (3, "NI Number", "QQ12345")
    assert "National Insurance number" in error.reason


def test_accept_valid_loads_the_valid_rows_and_reports_every_rejected_one(moj, in_department, run_import,
                                                                          creating_mapping):
    content = csv_bytes([staff_row(1), staff_row(2, Salary="TBC", **{"Sort Code": "12-34"}), staff_row(3)])
    job = run_import(content, dry_run=False, accept_valid=True, mapping=creating_mapping)
    assert job.status == Status.COMMITTED
    assert (job.rows_created, job.rows_rejected, job.error_count) == (2, 1, 2)
    with in_department(moj):
        assert set(Employee.objects.values_list("payroll_number", flat=True)) == {"LP000001", "LP000003"}
        reasons = dict(ImportRowError.objects.filter(job=job).values_list("column", "reason"))
    assert reasons["Salary"] == "Enter an amount in pounds, like 28500.00."
    assert reasons["Sort Code"].startswith("Enter a sort code of 6 digits")


def test_references_must_exist_unless_the_mapping_creates_them(moj, in_department, run_import):
    job = run_import(csv_bytes([staff_row(1)]), dry_run=True)
    assert job.rows_rejected == 1
    with in_department(moj):
        reasons = sorted(ImportRowError.objects.filter(job=job).values_list("column", flat=True))
    assert reasons == ["Cost Centre", "Grade", "Org Unit"]


def test_an_import_into_one_department_never_touches_another(moj, dft, in_department, run_import,
                                                            creating_mapping):
    # given moj holds LP000001
    run_import(csv_bytes([staff_row(1)]), dry_run=False, mapping=creating_mapping)
    from onboarding import services
    dft_mapping = services.import_mapping_save(department=dft.department, name="Legacy", columns={},
                                               create_missing_references=True, acting_user=dft.hr_admin)
    # when dft imports a file with the same payroll and NI numbers but other details
    job = run_import(csv_bytes([staff_row(1, Surname="Other", Salary="45000.00")]), department=dft,
                     dry_run=False, mapping=dft_mapping)
    # then dft gets its own record and moj's is as it was
    assert (job.status, job.rows_created) == (Status.COMMITTED, 1)
    with in_department(moj):
        assert Employee.objects.get(payroll_number="LP000001").last_name == "Testperson1"
        assert Employment.objects.get().annual_salary == Decimal("30000.00")
    with in_department(dft):
        assert Employee.objects.get(payroll_number="LP000001").last_name == "Other"


def test_a_national_insurance_number_held_by_another_employee_is_a_conflict(moj, in_department, run_import,
                                                                             creating_mapping):
    run_import(csv_bytes([staff_row(1)]), dry_run=False, mapping=creating_mapping)
    job = run_import(csv_bytes([staff_row(2, **{"NI Number": "AB000001C"})]), dry_run=True,
                     mapping=creating_mapping)
    with in_department(moj):
        error = ImportRowError.objects.get(job=job)
    assert error.column == "NI Number"
    assert error.reason == "Employee LP000001 in Ministry of Justice already has this National Insurance number."


def test_locked_opening_balances_cannot_be_changed_by_an_import(moj, in_department, run_import, creating_mapping):
    run_import(csv_bytes([staff_row(1)]), dry_run=False, mapping=creating_mapping, tax_year="2026-27")
    assert payroll_services.opening_balances_lock(department=moj.department, tax_year="2026-27",
                                                  acting_user=moj.payroll_officer) == 1
    # when a later file carries different year-to-date figures
    job = run_import(csv_bytes([staff_row(1, **{"YTD Tax": "1800.00"})]), dry_run=True, mapping=creating_mapping,
                     tax_year="2026-27")
    with in_department(moj):
        reason = ImportRowError.objects.get(job=job).reason
        assert OpeningBalance.objects.get().tax_paid == Decimal("1700.00")
    assert "locked because the first pay run has been finalised" in reason


def test_the_same_figures_on_a_locked_balance_are_simply_unchanged(moj, in_department, run_import,
                                                                   creating_mapping):
    content = csv_bytes([staff_row(1)])
    run_import(content, dry_run=False, mapping=creating_mapping, tax_year="2026-27")
    payroll_services.opening_balances_lock(department=moj.department, tax_year="2026-27", acting_user=None)
    job = run_import(content, dry_run=False, mapping=creating_mapping, tax_year="2026-27")
    assert (job.status, job.rows_unchanged, job.rows_rejected) == (Status.COMMITTED, 1, 0)


def test_a_saved_mapping_finds_fields_under_the_departments_own_headings(moj, in_department, run_import):
    from onboarding import services
    mapping = services.import_mapping_save(department=moj.department, name="Old system",
                                           columns={"payroll_number": "Emp Ref", "last_name": "Family"},
                                           create_missing_references=True, acting_user=moj.hr_admin)
    headings = ["Emp Ref" if h == "Payroll No" else "Family" if h == "Surname" else h
                for h in csv_bytes([]).decode().strip().split(",")]
    row = staff_row(7)
    row["Emp Ref"], row["Family"] = row.pop("Payroll No"), row.pop("Surname")
    job = run_import(csv_bytes([row], headings), dry_run=False, mapping=mapping)
    assert job.status == Status.COMMITTED
    with in_department(moj):
        assert Employee.objects.get().payroll_number == "LP000007"
