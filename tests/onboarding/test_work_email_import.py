"""The staff import's work e-mail column: checked row by row, and, once committed, people's accounts."""

from __future__ import annotations

import csv

import pytest
from django.core.management import call_command

from departments.models import DepartmentMembership
from departments.roles import Role
from hr.models import Employee
from onboarding.legacy_export import EXPORT_HEADINGS
from onboarding.models import ImportJob, ImportRowError
from shared_services.accounts.models import User
from tests.onboarding.conftest import csv_bytes, staff_row

pytestmark = pytest.mark.django_db


def _file(*rows: dict[str, str]) -> bytes:
    return csv_bytes(list(rows), EXPORT_HEADINGS)


def test_an_import_with_work_emails_gives_each_person_an_account_and_access(moj, creating_mapping, run_import,
                                                                           in_department):
    # given
    rows = [staff_row(1, **{"Work Email": "Amira.One@Justice.gov.uk"}), staff_row(2, **{"Work Email": ""}),
            staff_row(3, **{"Work Email": "amira.three@justice.gov.uk"})]
    # when
    job = run_import(_file(*rows), mapping=creating_mapping, dry_run=False)
    # then
    assert job.status == ImportJob.Status.COMMITTED
    assert any("Accounts: 2 created, 2 employees linked" in note for note in job.notes)
    with in_department(moj):
        linked = dict(Employee.objects.values_list("payroll_number", "user__email"))
    assert linked == {"LP000001": "amira.one@justice.gov.uk", "LP000002": None,
                      "LP000003": "amira.three@justice.gov.uk"}
    membership = DepartmentMembership.objects.get(user__email="amira.one@justice.gov.uk", department=moj.department)
    assert (membership.role, membership.source) == (Role.EMPLOYEE, DepartmentMembership.Source.HR_RECORD)


def test_a_dry_run_provisions_nothing(moj, creating_mapping, run_import):
    job = run_import(_file(staff_row(1, **{"Work Email": "dry@justice.gov.uk"})), mapping=creating_mapping,
                     dry_run=True)
    assert job.status == ImportJob.Status.VALIDATED
    assert not User.objects.filter(email="dry@justice.gov.uk").exists()


def test_bad_and_repeated_work_emails_are_refused_by_row_with_a_reason(moj, creating_mapping, run_import,
                                                                       in_department):
    # given a malformed address, and a second row with the first row's address in other letters
    rows = [staff_row(1, **{"Work Email": "one@justice.gov.uk"}), staff_row(2, **{"Work Email": "two at justice"}),
            staff_row(3, **{"Work Email": "ONE@justice.gov.uk"})]
    # when
    job = run_import(_file(*rows), mapping=creating_mapping, accept_valid=True, dry_run=False)
    # then only the first row is imported, and the others say why
    with in_department(moj):
        reasons = dict(ImportRowError.objects.filter(job=job).values_list("row_number", "reason"))
        assert list(Employee.objects.values_list("payroll_number", flat=True)) == ["LP000001"]
    assert reasons[3].startswith("Enter the work e-mail address")
    assert reasons[4] == "Row 2 has the same work e-mail address. Each employee appears once."
    assert User.objects.filter(email="one@justice.gov.uk").count() == 1


def test_a_work_email_another_employee_holds_is_refused(moj, creating_mapping, run_import, in_department):
    run_import(_file(staff_row(1, **{"Work Email": "taken@justice.gov.uk"})), mapping=creating_mapping,
               dry_run=False)
    # when a later file gives the same address to someone else
    job = run_import(_file(staff_row(2, **{"Work Email": "taken@justice.gov.uk"})), mapping=creating_mapping,
                     dry_run=False)
    # then
    assert job.status == ImportJob.Status.REJECTED
    with in_department(moj):
        reason = ImportRowError.objects.get(job=job).reason
    assert reason == "Employee LP000001 in Ministry of Justice already has this work e-mail address."


def test_a_file_without_work_emails_unlinks_no_one(moj, creating_mapping, run_import, in_department):
    run_import(_file(staff_row(1, **{"Work Email": "kept@justice.gov.uk"})), mapping=creating_mapping,
               dry_run=False)
    # when the same person comes again with the cell blank
    job = run_import(_file(staff_row(1, **{"Work Email": ""})), mapping=creating_mapping, dry_run=False)
    # then
    assert job.rows_unchanged == 1
    with in_department(moj):
        assert Employee.objects.get().work_email == "kept@justice.gov.uk"


def test_legacy_export_has_unique_work_emails_and_import_staff_provisions_once(tmp_path, moj, creating_mapping,
                                                                                capsys):
    # given
    path = tmp_path / "staff.csv"
    call_command("make_legacy_export", "--employees", "120", "--out", str(path), "--email-domain", "Justice.gov.uk")
    with path.open() as handle:
        emails = [row["Work Email"] for row in csv.DictReader(handle)]
    assert len(set(emails)) == 120
    assert all(email.endswith("@justice.gov.uk") and email == email.lower() for email in emails)
    # when imported twice
    call_command("import_staff", str(path), "--department", "moj", "--mapping", "Legacy")
    call_command("import_staff", str(path), "--department", "moj", "--mapping", "Legacy")
    # then every person has one account with one employee membership
    printed = capsys.readouterr().out
    assert "Accounts: 120 created, 120 employees linked to their account, 120 given employee access." in printed
    assert "Accounts: 0 created, 0 employees linked to their account, 0 given employee access." in printed
    assert User.objects.filter(email__endswith="@justice.gov.uk").count() == 120
    assert DepartmentMembership.objects.filter(department=moj.department, role=Role.EMPLOYEE,
                                               user__email__endswith="@justice.gov.uk").count() == 120
