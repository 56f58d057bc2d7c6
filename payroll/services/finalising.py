"""Finalising: the payroll journal, the Bacs payments, approved expenses paid, the run's end, and
then each paid employee told by e-mail that their payslip is ready."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from departments.models import AuditEvent, Department, Notification
from departments.notifications import OutgoingMessage, notify_many
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from finance import selectors as finance_selectors
from finance import services as finance_services
from finance.models import Journal
from hr.models import Employee
from payroll import bacs
from payroll.models import (
    PayRun,
    PaySchedule,
    Payslip,
)
from payroll.selectors import bacs_payments, holidays_around, payroll_journal_lines
from payroll.services.common import _locked_run, _transition
from payroll.services.opening_balances import opening_balances_lock
from payroll.services.runs import bank_changes_apply_for, next_run_taking_inputs
from shared_services.accounts.models import User

PAYSLIPS_READY_ACTION = "pay_run.payslips_ready_notified"
# What a recipient is read as: the personal address first (it reaches people away from work), then
# the work address and the sign-in account's.
RECIPIENT_FIELDS = ("pk", "preferred_name", "first_name", "last_name", "email", "work_email", "user_id",
                    "user__email")


@transaction.atomic
def pay_run_finalise(*, run: PayRun, acting_user: User, notify_employees: bool = True) -> PayRun:
    """Publish the payslips, post the payroll journal, write the Bacs file and pay the queued
    expense claims, all in one transaction: a finalised run has all of them or none.

    ``notify_employees=False`` publishes the payslips without the payslip-ready e-mails: for a
    period paid long ago (a department's history loaded at once), whose e-mails would tell people
    nothing new.

    Net pay held or paid by hand (``PayRunPaymentRoute``) is left out of the Bacs file, and so is
    the net pay of anyone without a bank account; the journal still posts the whole net pay, which
    the run owes whichever way it is paid."""
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
        payments = bacs_payments(run)  # held and manually paid net pay left out
        bacs_text = ""
        try:
            # Everyone's pay held or paid by hand leaves nothing for Bacs: no file then.
            if payments:
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
            ContentFile(bacs_text.encode("ascii"))) if bacs_text else ""
        run.status, run.finalised_by, run.finalised_at = PayRun.Status.FINALISED, acting_user, timezone.now()
        run.journal, run.bacs_file, run.bacs_processing_day = journal, path, cycle.processing_day
        run.save(update_fields=["status", "finalised_by", "finalised_at", "journal", "bacs_file",
                                "bacs_processing_day"])
        audit_record(department=department, action="pay_run.finalise", acting_user=acting_user, target=run,
                     changes=audit_changes({"status": PayRun.Status.APPROVED},
                                           {"status": run.status, "payments": len(payments),
                                            "journal": journal.pk}))
        # Bank changes that waited for this run's Bacs file now count for the next run taking inputs.
        following = next_run_taking_inputs(run)
        if following is not None:
            bank_changes_apply_for(following)
        department_id, run_id, user_id = department.id, run.pk, acting_user.pk if acting_user else None

        def build_fps() -> None:
            # The FPS for HMRC is built once the run is committed as finalised (payroll.tasks_rti).
            from payroll.tasks_rti import rti_fps_build_task
            rti_fps_build_task.delay(department_id, run_id, user_id)

        def tell_employees() -> None:
            # One task writes every payslip-ready e-mail (tens of thousands): none of it here.
            from payroll.tasks import payslips_ready_notify_task
            payslips_ready_notify_task.delay(department_id, run_id)

        transaction.on_commit(build_fps)
        if notify_employees:
            transaction.on_commit(tell_employees)
        return run


def employee_recipients(employees: QuerySet[Employee]) -> dict[int, tuple[str, str, int | None]]:
    """Each employee's address, name and sign-in account for an e-mail, by employee id; those with
    no address at all are left out."""
    recipients: dict[int, tuple[str, str, int | None]] = {}
    for pk, preferred, first, last, email, work_email, user_id, user_email in employees.values_list(
            *RECIPIENT_FIELDS):
        address = email or work_email or user_email or ""
        if address:
            recipients[pk] = (address, f"{preferred or first} {last}", user_id)
    return recipients


def _payslip_point(run: PayRun, frequency: str) -> str:
    """The message's one point: which payslip, never what it pays."""
    which = (f"for the week ending {run.period_end:%-d %B %Y}" if frequency == PaySchedule.Frequency.WEEKLY
             else f"for {run.period_start:%B %Y}")
    if run.kind == PayRun.Kind.SUPPLEMENTARY:
        return f"An updated payslip {which} is ready."
    return f"Your payslip {which} is ready. You can see it and download it as a PDF."


def payslips_ready_notify(*, department: Department, run_id: int) -> int:
    """Queue a payslip-ready e-mail to every employee the finalised run paid who has an address;
    returns how many. Runs in a Celery task after finalising commits (``payslips_ready_notify_task``).

    Once per run: the run is locked and the audit row this writes (in the same transaction as the
    notifications) marks it told, so a redelivered task writes nothing twice.
    """
    with department_context(department.id):
        run = PayRun.objects.select_for_update().select_related("schedule").filter(pk=run_id).first()
        if run is None or run.status != PayRun.Status.FINALISED or AuditEvent.objects.filter(
                action=PAYSLIPS_READY_ACTION, object_type=run._meta.label_lower, object_id=str(run.pk)).exists():
            return 0
        payslips = list(Payslip.objects.filter(run=run, status=Payslip.Status.CALCULATED)
                        .values_list("pk", "employee_id"))
        recipients = employee_recipients(Employee.objects.filter(pk__in=Payslip.objects.filter(
            run=run, status=Payslip.Status.CALCULATED).values("employee_id")))
        point = _payslip_point(run, run.schedule.frequency)
        # Every payslip's address differs only in its id (the last part): reversed once, not 75,000 times.
        before, _, after = reverse("payroll:payslip", kwargs={
            "department_slug": department.slug, "run_id": run.pk, "payslip_id": 999_999_999}).rpartition("999999999")

        def messages() -> Iterable[OutgoingMessage]:
            for payslip_id, employee_id in payslips:
                if employee_id in recipients:
                    address, name, user_id = recipients[employee_id]
                    yield OutgoingMessage(to_address=address, name=name, user_id=user_id,
                                          subject="Your payslip is ready", point=point,
                                          link=f"{before}{payslip_id}{after}")

        queued = notify_many(department=department, kind=Notification.Kind.PAYSLIP_READY, messages=messages())
        audit_record(department=department, action=PAYSLIPS_READY_ACTION, acting_user=None, target=run,
                     changes=audit_changes({}, {"notifications": len(queued)}))
        return len(queued)
