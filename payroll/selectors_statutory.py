"""Reads for statutory pay: the earnings an employee was paid on each pay day (the platform's
finalised payslips, and before them the previous payroll's earnings history)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from payroll.engine.family_pay import EarningsPaid

__all__ = ["earnings_paid"]


def earnings_paid(*, employee_ids: Sequence[int], since: datetime.date,
                  until: datetime.date) -> dict[int, list[EarningsPaid]]:
    raise NotImplementedError
