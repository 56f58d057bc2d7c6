"""Supplementary runs: a correction in a period already paid, paying only the difference.

The period is calculated afresh, as its regular run would be today (the HR record as now known,
every input of the period, the year to date before the period), and what the finalised runs of the
period already paid is taken away, figure by figure and line by line. Tax and National Insurance
come out right on every basis this way: tax on the period's whole pay less tax already deducted,
and NI (a per-period charge) on the period's whole earnings less NI already deducted, never a
second allowance or threshold. The year to date after the correction is the fresh calculation's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from payroll.assembly import Line, Payslip, PayslipError

ZERO = Decimal("0.00")
# The engine's figures a payslip stores, by the names of both the engine's result and the payslip.
RESULT_FIGURES = ("taxable_pay", "income_tax", "employee_ni", "employer_ni", "pension_employee", "student_loan",
                  "postgraduate_loan")


@dataclass
class PaidInPeriod:
    """What the period's finalised runs paid one employee: their lines and the engine's figures, summed."""

    gross_pay: Decimal = ZERO
    figures: dict[str, Decimal] = field(default_factory=dict)
    lines: dict[tuple[str, str, bool], tuple[str, Decimal]] = field(default_factory=dict)

    def add_payslip(self, *, gross_pay: Decimal, figures: Mapping[str, Decimal],
                    lines: Iterable[tuple[str, str, str, bool, Decimal]]) -> None:
        """Add one finalised payslip: ``lines`` as (code, description, section, after_tax, amount)."""
        self.gross_pay += gross_pay
        for name, value in figures.items():
            self.figures[name] = self.figures.get(name, ZERO) + value
        for code, description, section, after_tax, amount in lines:
            key = (code, section, after_tax)
            _, earlier = self.lines.get(key, (description, ZERO))
            self.lines[key] = (description, earlier + amount)


def correction(fresh: Payslip, paid: PaidInPeriod) -> Payslip | None:
    """The difference between the period recalculated and what was paid, as a payslip; None when
    nothing changed. A correction that would take pay back is refused: an overpayment is recovered
    through a regular run, as a deduction the employee is told about."""
    fresh_lines: dict[tuple[str, str, bool], tuple[str, Decimal]] = {}
    for line in fresh.lines:
        key = (line.code, line.section, line.after_tax)
        _, earlier = fresh_lines.get(key, (line.description, ZERO))
        fresh_lines[key] = (line.description, earlier + line.amount)
    lines = []
    for key in [*fresh_lines, *(key for key in paid.lines if key not in fresh_lines)]:
        description, now = fresh_lines.get(key, (paid.lines.get(key, ("", ZERO))[0], ZERO))
        change = now - paid.lines.get(key, ("", ZERO))[1]
        if change:
            code, section, after_tax = key
            lines.append(Line(code, description, change, section, after_tax))
    if not lines:
        return None
    result: dict[str, Any] = dict(fresh.result)
    for name in RESULT_FIGURES:
        result[name] = str(Decimal(fresh.result[name]) - paid.figures.get(name, ZERO))
    # The engine's net pay is before what is paid or taken after tax; the payslip's is after it.
    paid_after_tax = sum((amount if key[1] == "payment" else -amount
                          for key, (_description, amount) in paid.lines.items() if key[2]), ZERO)
    result["net_pay"] = str(Decimal(fresh.result["net_pay"]) - (paid.figures.get("net_pay", ZERO) - paid_after_tax))
    net = fresh.net_pay - paid.figures.get("net_pay", ZERO)
    if net < 0:
        raise PayslipError(f"net_pay: the correction takes back £{-net:,.2f}; recover an overpayment through the "
                           "next regular run as a deduction from net pay, not a supplementary run")
    working = {**fresh.working, "supplementary": {
        "recalculated_gross_pay": str(fresh.gross_pay), "already_paid_gross_pay": str(paid.gross_pay),
        "recalculated_net_pay": str(fresh.net_pay), "already_paid_net_pay": str(paid.figures.get("net_pay", ZERO))}}
    return replace(fresh, gross_pay=fresh.gross_pay - paid.gross_pay,
                   taxable_pay=fresh.taxable_pay - paid.figures.get("taxable_pay", ZERO), net_pay=net,
                   lines=tuple(lines), result=result, working=working)
