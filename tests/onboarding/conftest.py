"""Helpers for the import tests: a valid legacy row, files built from rows, and a job runner."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest

from onboarding import services
from onboarding.legacy_export import EXPORT_HEADINGS
from onboarding.models import ImportJob


def staff_row(number: int = 1, **overrides: str) -> dict[str, str]:
    """One valid row of a legacy export; keys are the export's headings."""
    row = {
        "Payroll No": f"LP{number:06d}", "Title": "Ms", "Forename": "Amira", "Surname": f"Testperson{number}",
        "Date of Birth": "14/03/1987", "Sex": "F", "NI Number": f"AB{number:06d}C", "Address 1": "1 High Street",
        "Address 2": "", "Town": "Leeds", "Postcode": "LS1 4AP", "Sort Code": "30-99-50", "Account No": "12345678",
        "Grade": "EO", "Post": "Caseworker", "Org Unit": "OPS", "Cost Centre": "CC100", "Salary": "30000.00",
        "Hours": "37", "Start Date": "01/04/2015", "Tax Code": "1257L", "NI Letter": "A", "Student Loan": "Plan 2",
        "Pension Scheme": "alpha", "Payroll ID": f"LEG-{number}", "YTD Taxable Pay": "15000.00",
        "YTD Tax": "1700.00", "YTD NI EE": "700.00", "YTD NI ER": "1900.00", "YTD Student Loan": "120.00",
        "YTD PG Loan": "0.00", "YTD Pension": "800.00", "Work Email": "",
    }
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict[str, str]], headings: list[str] | None = None, *, delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    headings = headings or EXPORT_HEADINGS  # every column of a legacy export: no gaps to confirm
    writer.writerow(headings)
    for row in rows:
        writer.writerow([row.get(heading, "") for heading in headings])
    return buffer.getvalue().encode("utf-8")


@pytest.fixture
def creating_mapping(moj, in_department):
    """A saved mapping that creates missing grades, units and cost centres."""
    return services.import_mapping_save(department=moj.department, name="Legacy", columns={},
                                        create_missing_references=True, acting_user=moj.hr_admin)


@pytest.fixture
def run_import(moj) -> Callable[..., ImportJob]:
    """Create a job from bytes and run it to its end, as the Celery task would."""
    def run(content: bytes, *, department: Any = None, name: str = "staff.csv", **options: Any) -> ImportJob:
        target = (department or moj).department if hasattr(department or moj, "department") else department
        job = services.import_job_create(department=target, upload=io.BytesIO(content), original_name=name,
                                         acting_user=options.pop("acting_user", None), **options)
        return services.import_job_run(department=target, job_id=job.pk)
    return run
