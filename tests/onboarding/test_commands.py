"""The command line: a synthetic export, import_staff, create_department."""

from __future__ import annotations

import csv

import pytest
from django.core.management import CommandError, call_command

from departments.models import Department, DepartmentMembership
from departments.roles import Role
from hr.models import Employee
from hr.validators import validate_ni_number, validate_postcode, validate_sort_code
from onboarding import services
from payroll.engine.codes import parse_tax_code

pytestmark = pytest.mark.django_db


def test_make_legacy_export_writes_plausible_synthetic_staff(tmp_path):
    out = tmp_path / "export.csv"
    call_command("make_legacy_export", "--employees", "300", "--out", str(out), "--seed", "7")
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 300
    for row in rows:
        validate_ni_number(row["NI Number"])
        validate_postcode(row["Postcode"])
        validate_sort_code(row["Sort Code"])
        parse_tax_code(row["Tax Code"])
    codes = {row["Tax Code"] for row in rows}
    assert {"1257L", "BR"} <= codes
    assert any(code.startswith("S") for code in codes)
    assert any(code.endswith(("M1", "W1")) for code in codes)
    assert len({row["Payroll No"] for row in rows}) == 300


def test_the_same_seed_gives_the_same_file_and_bad_rows_are_rejected_with_reasons(tmp_path, moj, in_department,
                                                                                creating_mapping, capsys):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    for path in (first, second):
        call_command("make_legacy_export", "--employees", "200", "--out", str(path), "--bad-rows", "15")
    assert first.read_bytes() == second.read_bytes()
    with pytest.raises(CommandError, match="15 rows would be rejected"):
        call_command("import_staff", str(first), "--department", "moj", "--dry-run", "--mapping", "Legacy")
    printed = capsys.readouterr().out
    assert "would be created 185" in printed
    assert "Row " in printed


def test_import_staff_commits_and_a_rerun_changes_nothing(tmp_path, moj, in_department, creating_mapping, capsys):
    path = tmp_path / "staff.csv"
    call_command("make_legacy_export", "--employees", "50", "--out", str(path))
    call_command("import_staff", str(path), "--department", "moj", "--mapping", "Legacy")
    call_command("import_staff", str(path), "--department", "moj", "--mapping", "Legacy")
    printed = capsys.readouterr().out
    assert "created 50" in printed
    assert "unchanged 50" in printed
    assert "Year-to-date totals: agrees" in printed
    with in_department(moj):
        assert Employee.objects.count() == 50


def test_import_staff_fails_with_a_message_for_an_unknown_department_or_file(tmp_path, moj):
    with pytest.raises(CommandError, match="no department with slug 'nope'"):
        call_command("import_staff", str(tmp_path / "x.csv"), "--department", "nope")
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_staff", str(tmp_path / "x.csv"), "--department", "moj")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="The file is empty"):
        call_command("import_staff", str(empty), "--department", "moj")


def test_import_staff_accepts_xlsx(tmp_path, moj, in_department, creating_mapping):
    path = tmp_path / "staff.xlsx"
    call_command("make_legacy_export", "--employees", "20", "--out", str(path), "--format", "xlsx")
    call_command("import_staff", str(path), "--department", "moj", "--mapping", "Legacy")
    with in_department(moj):
        assert Employee.objects.count() == 20


def test_create_department_starts_empty_with_its_first_hr_admin(db, capsys, in_department):
    call_command("create_department", "dwp", "Department for Work and Pensions", "--paye-reference",
                 "123/AB45678", "--pay-frequency", "weekly", "--leave-year-start", "01-01",
                 "--hr-admin", "first.admin@dwp.example", "--hr-admin-name", "First Admin")
    department = Department.objects.get(slug="dwp")
    assert (department.employer_paye_reference, department.pay_frequency) == ("123/AB45678", "weekly")
    assert (department.leave_year_start_month, department.leave_year_start_day) == (1, 1)
    membership = DepartmentMembership.objects.get(department=department)
    assert (membership.user.email, membership.role) == ("first.admin@dwp.example", Role.HR_ADMIN)
    with in_department(department):
        assert not Employee.objects.exists()
    assert services.tax_year_of  # the department can import straight away


def test_create_department_refuses_bad_settings_with_the_option_named(db):
    with pytest.raises(CommandError, match="--paye-reference: Enter a PAYE reference"):
        call_command("create_department", "dwp", "DWP", "--paye-reference", "nonsense")
    with pytest.raises(CommandError, match="--leave-year-start: Enter a day from 1 to 28"):
        call_command("create_department", "dwp", "DWP", "--leave-year-start", "02-30")
    assert not Department.objects.filter(slug="dwp").exists()
