"""Finalising: the payroll journal, the Bacs payments, approved expenses paid, the run's end."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from departments.models import Department
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from finance import selectors as finance_selectors
from finance import services as finance_services
from finance.models import Journal
from payroll import bacs
from payroll.models import (
    PayRun,
)
from payroll.selectors import bacs_payments, holidays_around, payroll_journal_lines
from payroll.services.common import _locked_run, _transition
from payroll.services.opening_balances import opening_balances_lock
from shared_services.accounts.models import User


@transaction.atomic
def pay_run_finalise(*, run: PayRun, acting_user: User) -> PayRun:
    """Publish the payslips, post the payroll journal, write the Bacs file and pay the queued
    expense claims, all in one transaction: a finalised run has all of them or none."""
    department = Department.objects.get(pk=run.department_id)  # its Bacs details as they are now
    with department_context(department.id):
        run = _locked_run(run)
        _transition(run, "finalise")
        schedule = run.schedule
        missing = {name: message for name, value, message in (
            ("bacs_service_user_number", department.bacs_service_user_number,
             "The department has no Bacs service user number."),
            ("bank_sort_code", schedule.bank_sort_code, f"Pay schedule {schedule.name} has no bank sort code."),
            ("bank_account_number", schedule.bank_account_number,
             f"Pay schedule {schedule.name} has no bank account number."),
        ) if not value}
        if missing:
            raise ValidationError(missing)
        cycle = bacs.bacs_cycle(run.pay_date, holidays_around(run.pay_date))
        payments = bacs_payments(run)
        try:
            bacs_text = bacs.standard18_file(
                originator=bacs.Originator(service_user_number=department.bacs_service_user_number,
                                           name=department.name, sort_code=schedule.bank_sort_code,
                                           account_number=schedule.bank_account_number,
                                           account_name=schedule.bank_account_name or department.name),
                payments=payments, processing_day=cycle.processing_day, created_on=cycle.input_day,
                serial=f"{run.pk % 1_000_000:06d}")
        except bacs.BacsError as error:
            raise ValidationError({"bacs": str(error)}) from None
        journal = finance_services.journal_post(
            department=department, acting_user=acting_user, posted_on=run.pay_date,
            description=f"Payroll: {schedule.name}, {run.period_start:%B %Y}", lines=payroll_journal_lines(run),
            source=Journal.Source.PAYROLL, source_reference=run.reference)
        # The balances carried over from the previous payroll are history once a run has used them.
        opening_balances_lock(department=department, tax_year=run.tax_year, acting_user=acting_user,
                              reason=f"Pay run {run.reference} finalised")
        queued = list(finance_selectors.expense_claims_in_pay_run(pay_run_reference=run.reference))
        if queued:
            # Recorded when the run is finalised: finance takes no payments dated in the future.
            finance_services.expense_claims_mark_paid(department=department, claims=queued, acting_user=acting_user,
                                                      paid_on=min(run.pay_date, timezone.localdate()))
        path = default_storage.save(
            f"payroll/department-{department.id}/pay-runs/{run.pk}/bacs-{run.pay_date:%Y-%m-%d}.txt",
            ContentFile(bacs_text.encode("ascii")))
        run.status, run.finalised_by, run.finalised_at = PayRun.Status.FINALISED, acting_user, timezone.now()
        run.journal, run.bacs_file, run.bacs_processing_day = journal, path, cycle.processing_day
        run.save(update_fields=["status", "finalised_by", "finalised_at", "journal", "bacs_file",
                                "bacs_processing_day"])
        audit_record(department=department, action="pay_run.finalise", acting_user=acting_user, target=run,
                     changes=audit_changes({"status": PayRun.Status.APPROVED},
                                           {"status": run.status, "payments": len(payments),
                                            "journal": journal.pk}))
        department_id, run_id, user_id = department.id, run.pk, acting_user.pk if acting_user else None

        def build_fps() -> None:
            # The FPS for HMRC is built once the run is committed as finalised (payroll.tasks_rti).
            from payroll.tasks_rti import rti_fps_build_task
            rti_fps_build_task.delay(department_id, run_id, user_id)

        transaction.on_commit(build_fps)
        return run
