"""Payroll data held per department. Opening balances come first: year-to-date figures carried
over from a department's previous payroll system for its first pay run on the platform."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from departments.models import DepartmentOwnedModel

ZERO = Decimal("0.00")


def _money(verbose_name: str) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, default=ZERO)


class OpeningBalance(DepartmentOwnedModel):
    """One employee's year-to-date figures for a tax year, as the previous payroll system paid them.

    The first pay run reads them as the "to date before this period" figures. Once that run is
    finalised they are locked: they are history then, and changing them would falsify RTI returns.
    """

    # Enforced by the composite (department_id, employee_id) foreign key of the migration alone.
    employee = models.ForeignKey("hr.Employee", on_delete=models.PROTECT, related_name="+", db_constraint=False)
    tax_year = models.CharField(max_length=7, help_text="e.g. 2026-27")
    previous_payroll_id = models.CharField(max_length=35, blank=True,
                                           help_text="The payroll ID the previous system reported to HMRC (RTI).")
    taxable_pay = _money("taxable pay to date")
    tax_paid = _money("tax paid to date")
    ni_category = models.CharField("NI category letter", max_length=1, blank=True)
    ni_employee = _money("employee NI to date")
    ni_employer = _money("employer NI to date")
    student_loan = _money("student loan deductions to date")
    postgraduate_loan = _money("postgraduate loan deductions to date")
    pension_employee = _money("employee pension contributions to date")
    locked = models.BooleanField(default=False)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "employee", "tax_year"],
                                    name="payroll_openingbalance_one_per_employee_year"),
            models.CheckConstraint(condition=Q(locked=False) | Q(locked_at__isnull=False),
                                   name="payroll_openingbalance_locked_has_time"),
        ]
        indexes = [models.Index(fields=["department", "tax_year"], name="payroll_opening_dept_year")]

    def __str__(self) -> str:
        return f"Opening balance {self.tax_year} for employee {self.employee_id}"
