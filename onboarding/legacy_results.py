"""What the legacy payroll paid in a period: the documented layout of its results file (CSV or
XLSX), read with a department's column mapping into checked rows, or the reasons each row cannot
be used. The parallel run compares these rows with the platform's shadow pay run."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

__all__ = ["RESULT_FIGURES", "LegacyResultRow", "LegacyResultsRead", "ResultProblem", "read_legacy_results"]

# The figures compared, in the order reports show them (payslip field names).
RESULT_FIGURES = ("gross_pay", "taxable_pay", "income_tax", "employee_ni", "employer_ni", "student_loan",
                  "postgraduate_loan", "pension_employee", "pension_employer", "net_pay")


@dataclass(frozen=True)
class LegacyResultRow:
    row_number: int  # as a spreadsheet numbers it: the heading row is 1
    payroll_number: str
    figures: dict[str, Decimal]
    tax_code: str
    ni_category: str


@dataclass(frozen=True)
class ResultProblem:
    row_number: int  # 0 for the file as a whole
    column: str
    value: str
    reason: str


@dataclass(frozen=True)
class LegacyResultsRead:
    rows: list[LegacyResultRow] = field(default_factory=list)
    problems: list[ResultProblem] = field(default_factory=list)


def read_legacy_results(path: Path, *, file_format: str, mapping_columns: Mapping[str, str],
                        period_start: datetime.date, period_end: datetime.date) -> LegacyResultsRead:
    raise NotImplementedError
