"""Pay runs created, opened, cancelled and reopened; whether a period's inputs are locked."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from hr.models import Employee
from hr.services.bank_details import bank_details_changes_apply_due
from payroll.engine.rates import RatesError, available_tax_years, unconfirmed_reason
from payroll.models import (
    PayRun,
    PaySchedule,
)
from payroll.periods import PeriodError
from payroll.selectors import RUN_IN_PROGRESS, employees_paid_in, period_of, unfinalised_until
from payroll.services.common import _locked_run, _refuse, _transition
from payroll.services.expenses import _queue_expense_claims, _release_expense_claims
from payroll.services.tax_codes import tax_code_notices_apply_due
from shared_services.accounts.models import User


def _refuse_unconfirmed_rates(tax_year: str, pay_date: datetime.date) -> None:
    """A run is paid on its tax year's rates; a year whose file is missing, or lists figures not yet
    published (``[unconfirmed]``), would deduct the wrong amounts, so the run is refused with why."""
    try:
        reason = unconfirmed_reason(tax_year)
    except RatesError as error:
        reason = (f"its rates file cannot be used ({error})" if tax_year in available_tax_years()
                  else f"there are no rates for the {tax_year} tax year yet")
    if reason:
        _refuse("period_containing", f"Pay day {pay_date:%-d %B %Y} is in the {tax_year} tax year, and {reason}.")


@transaction.atomic
def pay_run_create(*, schedule: PaySchedule, period_containing: datetime.date, acting_user: User | None,
                   kind: str = PayRun.Kind.REGULAR) -> PayRun:
    department = schedule.department
    with department_context(department.id):
        try:
            period = period_of(schedule, period_containing)
        except PeriodError as error:
            field, _, message = str(error).partition(": ")
            raise ValidationError({"period_containing" if field == "pay_date" else field: message}) from None
        _refuse_unconfirmed_rates(period.tax_year, period.pay_date)
        if kind == PayRun.Kind.REGULAR and PayRun.objects.filter(
                schedule=schedule, period_start=period.start, kind=PayRun.Kind.REGULAR).exclude(
                status=PayRun.Status.CANCELLED).exists():
            _refuse("period_containing", f"{schedule.name} already has a run for the period from "
                                         f"{period.start:%-d %B %Y}.")
        if kind == PayRun.Kind.SUPPLEMENTARY and not PayRun.objects.filter(
                schedule=schedule, period_start=period.start, status=PayRun.Status.FINALISED).exists():
            _refuse("kind", "A supplementary run corrects a finalised period; this period has none.")
        if kind == PayRun.Kind.SUPPLEMENTARY and PayRun.objects.filter(
                schedule=schedule, period_start=period.start, kind=PayRun.Kind.SUPPLEMENTARY,
                status__in=[PayRun.Status.DRAFT, *RUN_IN_PROGRESS]).exists():
            _refuse("kind", "This period already has a supplementary run that is not finalised; finish or cancel "
                            "it first.")
        run = PayRun.objects.create(schedule=schedule, kind=kind, period_start=period.start, period_end=period.end,
                                    pay_date=period.pay_date, tax_year=period.tax_year, tax_period=period.tax_period,
                                    created_by=acting_user)
        audit_record(department=department, action="pay_run.create", acting_user=acting_user, target=run,
                     changes=audit_changes({}, {"period_start": period.start.isoformat(),
                                                "pay_date": period.pay_date.isoformat(), "kind": kind}))
        return run


@transaction.atomic
def pay_run_open(*, run: PayRun, acting_user: User) -> PayRun:
    """Lock the period's inputs and fix who is on the run."""
    department = run.department
    with department_context(department.id):
        run = _locked_run(run)
        _transition(run, "open")
        _refuse_unconfirmed_rates(run.tax_year, run.pay_date)
        # HMRC's code notices due for this period apply before the run fixes its inputs.
        tax_code_notices_apply_due(department=department, acting_user=acting_user, schedule=run.schedule)
        if run.kind != PayRun.Kind.SHADOW:
            # Bank details changes scheduled while an earlier run was open count from this period. Applied
            # as the system's act, not the opener's: opening a run changes nobody's bank details, and
            # the audit trail's bank changes bar their author from approving (``pay_run_approve``).
            bank_changes_apply_for(run)
        run.status, run.opened_by, run.opened_at = PayRun.Status.OPEN, acting_user, timezone.now()
        run.employees_total = Employee.objects.filter(
            employees_paid_in(run.schedule, run.period_start, run.period_end)).count()
        run.save(update_fields=["status", "opened_by", "opened_at", "employees_total"])
        if run.kind != PayRun.Kind.SHADOW:  # a shadow run pays nobody, so it takes no claims
            _queue_expense_claims(run, acting_user)
        audit_record(department=department, action="pay_run.open", acting_user=acting_user, target=run,
                     changes=audit_changes({"status": "draft"}, {"status": run.status}))
        return run


@transaction.atomic
def pay_run_cancel(*, run: PayRun, acting_user: User, reason: str) -> PayRun:
    department = run.department
    with department_context(department.id):
        run = _locked_run(run)
        _transition(run, "cancel")
        if not reason.strip():
            _refuse("reason", "Say why the run is cancelled.")
        was = run.status
        _release_expense_claims(run, acting_user)
        run.status = PayRun.Status.CANCELLED
        run.save(update_fields=["status"])
        audit_record(department=department, action="pay_run.cancel", acting_user=acting_user, target=run,
                     changes=audit_changes({"status": was}, {"status": run.status}), reason=reason)
        return run


@transaction.atomic
def pay_run_reopen(*, run: PayRun, acting_user: User, reason: str) -> PayRun:
    """Send a calculated or approved run back to open, e.g. to correct an HR record first.

    Any approval is withdrawn. The payslips stay as the last calculation wrote them, but approval
    only follows a calculation (``pay_run_approve`` accepts calculated runs alone), so the run
    must be recalculated before anyone can approve it again. Inputs stay locked and queued
    expense claims stay on the run, exactly as when it was first opened.
    """
    department = run.department
    with department_context(department.id):
        run = _locked_run(run)
        _transition(run, "reopen")
        if not reason.strip():
            _refuse("reason", "Say why the run is reopened.")
        was = {"status": run.status, "approved_by": run.approved_by_id}
        run.status, run.approved_by, run.approved_at = PayRun.Status.OPEN, None, None
        run.save(update_fields=["status", "approved_by", "approved_at"])
        audit_record(department=department, action="pay_run.reopen", acting_user=acting_user, target=run,
                     changes=audit_changes(was, {"status": run.status, "approved_by": None}), reason=reason.strip())
        return run


def bank_changes_apply_for(run: PayRun) -> int:
    """Apply the bank details changes scheduled to count by the end of ``run``'s period, for the
    people its schedule pays, unless an earlier run of the schedule is not finalised: its Bacs file
    is built from the record then, and must pay into the accounts its approver saw (the changes
    wait, and ``pay_run_finalise`` applies them for the next run when it finalises that one)."""
    if unfinalised_until(schedule=run.schedule, before=run.period_start) is not None:
        return 0
    return bank_details_changes_apply_due(
        department=run.department, up_to=run.period_end,
        employees=Employee.objects.filter(employees_paid_in(run.schedule, run.period_start, run.period_end)))


def next_run_taking_inputs(run: PayRun) -> PayRun | None:
    """The schedule's next regular or supplementary run after ``run`` that is open and not yet approved."""
    return (PayRun.objects.filter(schedule=run.schedule, period_start__gt=run.period_start,
                                  status__in=(PayRun.Status.OPEN, PayRun.Status.CALCULATING,
                                              PayRun.Status.CALCULATED))
            .exclude(kind=PayRun.Kind.SHADOW).order_by("period_start").first())
