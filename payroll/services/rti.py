"""HMRC Real Time Information: a finalised run's FPS, a tax month's EPS, and their way to HMRC.

A submission's states (``RtiSubmission.Status``) only move forward:
built → invalid (HMRC's schema or rules refuse it; rebuilt in place once the data is corrected) or
validated → submitted (the gateway acknowledged it) → accepted / rejected (HMRC's errors kept). With
no gateway configured (``RTI_GATEWAY_URL`` empty) a valid document stops at ``file_only``. A
correction after a rejection is a new submission naming the one it ``replaces``; the model's
unique constraints allow one live submission per run (FPS) or tax month (EPS), so nothing is sent twice.
"""

from __future__ import annotations

import datetime
import hashlib
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from departments.models import Department
from departments.services import audit_changes, audit_record
from payroll import govtalk, rti_mapping
from payroll.engine.rates import RatesError
from payroll.engine.rti import RtiError, RtiValueError, build_eps, build_fps, validate_eps, validate_fps
from payroll.engine.rti.eps import EPS_CLASS
from payroll.engine.rti.fps import FPS_CLASS
from payroll.engine.rti.model import (
    ApprenticeshipLevy,
    Eps,
    FinalSubmission,
    FpsEmployee,
    FpsHeader,
    RecoverableAmounts,
)
from payroll.models import PayRun, Payslip, PayslipLine, RtiSubmission
from payroll.selectors_recovery import statutory_recovery
from shared_services.accounts.models import User

__all__ = [
    "RtiDocument",
    "eps_submission_build",
    "eps_write",
    "fps_submission_build",
    "fps_write",
    "rti_submission_poll",
    "rti_submission_resubmit",
    "rti_submission_send",
    "tax_month_dates",
]

MAX_ERRORS_KEPT = 200
# GOV.UK "Pay Apprenticeship Levy" (https://www.gov.uk/guidance/pay-apprenticeship-levy): 0.5% of the
# employer's annual pay bill (earnings subject to Class 1 secondary NICs), less an allowance of
# £15,000 a year that builds up at £1,250 a tax month.
LEVY_RATE = Decimal("0.005")
LEVY_ALLOWANCE = Decimal("15000.00")
LEVY_ALLOWANCE_PER_MONTH = Decimal("1250.00")
# The engine's own deduction lines; every other deduction before tax is a salary sacrifice.
_ENGINE_DEDUCTIONS = ("PENSION", "TAX", "NI", "SLOAN", "PGLOAN")


@dataclass(frozen=True)
class RtiDocument:
    """A document written: its IRmark (Base64), how many employees it reports, and what HMRC's
    schema and rules found wrong with it (empty: valid)."""

    irmark: str
    employees: int
    errors: list[RtiError]


def _refuse(field: str, message: str) -> None:
    raise ValidationError({field: message})


def _references(department: Department) -> None:
    missing = rti_mapping.missing_references(department)
    if missing:
        raise ValidationError(missing)


def _counted(employees: Iterable[FpsEmployee], counter: list[int]) -> Iterator[FpsEmployee]:
    for employee in employees:
        counter[0] += 1
        yield employee


def _gateway_url() -> str:
    return str(getattr(settings, "RTI_GATEWAY_URL", "") or "")


def fps_write(*, run: PayRun, out: IO[bytes], validate: bool = True) -> RtiDocument:
    """Write the run's FPS to ``out`` (seekable, binary), streamed a chunk of payslips at a time,
    and check it against HMRC's schema and rules (``out`` is read back for that).

    Refuses (``ValidationError``) a run not finalised (field ``status``: only payments made are
    reported), a department without its HMRC references, and a value the FPS cannot carry.
    """
    if run.status != PayRun.Status.FINALISED:
        _refuse("status", f"This run is {run.get_status_display().lower()}: an FPS reports a finalised run.")
    department = Department.objects.get(pk=run.department_id)
    _references(department)
    header = FpsHeader(employer=rti_mapping.employer_for(department), gateway=rti_mapping.gateway_for(),
                       tax_year=rti_mapping.tax_year_start(run.tax_year))
    counter = [0]
    start = out.tell()
    try:
        mark = build_fps(header, _counted(rti_mapping.fps_employees(run), counter), out)
    except RtiValueError as error:
        raise ValidationError({"document": str(error)}) from None
    errors: list[RtiError] = []
    if validate:
        end = out.tell()
        out.seek(start)
        errors = validate_fps(out)
        out.seek(end)
    return RtiDocument(irmark=mark, employees=counter[0], errors=errors)


def tax_month_dates(tax_year: str, tax_month: int) -> tuple[datetime.date, datetime.date]:
    """A tax month's first and last days: the 6th to the 5th (tax month 1 is 6 April to 5 May)."""
    if not 1 <= tax_month <= 12:
        _refuse("tax_month", "A tax month is 1 to 12 (1 starts on 6 April).")
    year = rti_mapping.tax_year_start(tax_year)
    month = 4 + tax_month - 1
    first = datetime.date(year + (month - 1) // 12, (month - 1) % 12 + 1, 6)
    month += 1
    last = datetime.date(year + (month - 1) // 12, (month - 1) % 12 + 1, 5)
    return first, last


def _pay_bill_to(department: Department, tax_year: str, last_day: datetime.date) -> Decimal:
    """Earnings subject to Class 1 NICs paid in the tax year up to ``last_day``: gross pay less
    salary sacrifice, over the department's finalised runs (a supplementary run's payslips are
    differences, so summing every run's is right)."""
    runs = PayRun.objects.filter(department=department, tax_year=tax_year, status=PayRun.Status.FINALISED,
                                 pay_date__lte=last_day)
    gross = Payslip.objects.filter(run__in=runs, status=Payslip.Status.CALCULATED).aggregate(
        total=Sum("gross_pay"))["total"] or Decimal("0")
    sacrificed = PayslipLine.objects.filter(run__in=runs, section="deduction", after_tax=False).exclude(
        code__in=_ENGINE_DEDUCTIONS).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    return gross - sacrificed


def _eps(department: Department, tax_year: str, tax_month: int, final: bool) -> Eps:
    first, last = tax_month_dates(tax_year, tax_month)
    paid = PayRun.objects.filter(department=department, tax_year=tax_year, status=PayRun.Status.FINALISED,
                                 pay_date__gte=first, pay_date__lte=last).exists()
    levy_due = LEVY_RATE * _pay_bill_to(department, tax_year, last) - LEVY_ALLOWANCE_PER_MONTH * tax_month
    levy = None
    if levy_due > 0:
        levy = ApprenticeshipLevy(levy_due_ytd=levy_due.quantize(Decimal("1"), rounding=ROUND_FLOOR),
                                  tax_month=tax_month, annual_allowance=LEVY_ALLOWANCE)
    # Public bodies cannot claim the Employment Allowance, so EmpAllceInd is left out.
    return Eps(employer=rti_mapping.employer_for(department), gateway=rti_mapping.gateway_for(),
               tax_year=rti_mapping.tax_year_start(tax_year),
               no_payment_from=None if paid else first, no_payment_to=None if paid else last,
               recoverable=_recoverable_to(department, tax_year, tax_month),
               apprenticeship_levy=levy, final_submission=FinalSubmission(for_year=True) if final else None)


def _recoverable_to(department: Department, tax_year: str, tax_month: int) -> RecoverableAmounts | None:
    """The statutory family payments recoverable year to date up to the tax month, as the recovery
    page shows them (``payroll.selectors_recovery``); None (the group left out) when all are nil.
    SSP is not recoverable (not since April 2014), so it is never here."""
    try:
        year = statutory_recovery(department=department, tax_year=tax_year).year_to_date(tax_month)
    except RatesError as error:
        raise ValidationError({"tax_year": str(error).partition(": ")[2] or str(error)}) from None
    if not year.recoverable:
        return None
    figures: dict[str, Decimal | None] = {}
    for row in year.payments:
        name = row.payment.value.lower()
        figures[f"{name}_recovered"] = row.recovered or None
        figures[f"nic_compensation_on_{name}"] = row.nic_compensation or None
    return RecoverableAmounts(tax_month=tax_month, **figures)


def eps_write(*, department: Department, tax_year: str, tax_month: int, final: bool, out: IO[bytes],
              validate: bool = True) -> RtiDocument:
    """Write the department's EPS for a tax month to ``out`` and check it against HMRC's schema.

    No payment for period when no finalised run paid anyone in the tax month; the statutory family
    payments recoverable year to date (``RecoverableAmountsYTD``) when any were paid; the
    apprenticeship levy year to date when the pay bill takes it above the allowance; the year's
    final submission flag when ``final``.
    """
    _references(department)
    eps = _eps(department, tax_year, tax_month, final)
    start = out.tell()
    try:
        mark = build_eps(eps, out)
    except RtiValueError as error:
        raise ValidationError({"document": str(error)}) from None
    errors: list[RtiError] = []
    if validate:
        end = out.tell()
        out.seek(start)
        errors = validate_eps(out.read(end - start))
        out.seek(end)
    return RtiDocument(irmark=mark, employees=0, errors=errors)


def _error_rows(errors: list[RtiError]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = [
        {"kind": error.kind, "code": error.code or "", "message": error.message, "location": error.location,
         "employee": error.employee} for error in errors[:MAX_ERRORS_KEPT]]
    if len(errors) > MAX_ERRORS_KEPT:
        rows.append({"kind": "document", "code": "", "location": "", "employee": None,
                     "message": f"… and {len(errors) - MAX_ERRORS_KEPT} more errors."})
    return rows


def _store(submission: RtiSubmission, write: Callable[[IO[bytes]], RtiDocument]) -> None:
    """Write the document (``write(out) -> RtiDocument``) to media storage and record the outcome."""
    with tempfile.TemporaryFile() as spool:
        try:
            document = write(spool)
        except ValidationError as error:
            submission.status = RtiSubmission.Status.INVALID
            submission.validation_errors = [{"kind": "document", "code": "", "location": field, "employee": None,
                                             "message": message} for field, messages in error.message_dict.items()
                                            for message in messages]
            submission.document = submission.document_sha256 = submission.irmark = ""
            submission.employees = 0
            return
        spool.seek(0)
        digest = hashlib.sha256()
        while chunk := spool.read(1024 * 1024):
            digest.update(chunk)
        spool.seek(0)
        name = (f"payroll/department-{submission.department_id}/rti/"
                f"{submission.kind}-{submission.tax_year}-{submission.pk}.xml")
        if submission.document:
            default_storage.delete(submission.document)
        submission.document = default_storage.save(name, File(spool))
    submission.document_sha256 = digest.hexdigest()
    submission.irmark, submission.employees = document.irmark, document.employees
    submission.validation_errors = _error_rows(document.errors)
    if document.errors:
        submission.status = RtiSubmission.Status.INVALID
    elif _gateway_url():
        submission.status = RtiSubmission.Status.VALIDATED
        submission.next_attempt_at = timezone.now()
    else:
        submission.status = RtiSubmission.Status.FILE_ONLY


def _saved(submission: RtiSubmission, acting_user: User | None, action: str, before: str) -> RtiSubmission:
    submission.save()
    department = Department.objects.get(pk=submission.department_id)
    audit_record(department=department, action=action, acting_user=acting_user, target=submission,
                 changes=audit_changes({"status": before}, {"status": submission.status,
                                                            "irmark": submission.irmark,
                                                            "employees": submission.employees}))
    if submission.status == RtiSubmission.Status.VALIDATED:
        department_id, submission_id = submission.department_id, submission.pk

        def send() -> None:
            from payroll.tasks_rti import rti_submission_send_task
            rti_submission_send_task.delay(department_id, submission_id)

        transaction.on_commit(send)
    return submission


@transaction.atomic
def fps_submission_build(*, run: PayRun, acting_user: User | None,
                         replaces: RtiSubmission | None = None) -> RtiSubmission:
    """The run's FPS built, stored and validated, as a submission: queued for HMRC when valid and a
    gateway is configured. Run again for a run that has one, it returns that one (rebuilt when it
    had failed validation, so a corrected record gives a corrected file); ``replaces`` names a
    rejected submission this one corrects."""
    run = PayRun.objects.select_for_update(no_key=True).get(pk=run.pk)
    live = RtiSubmission.objects.filter(kind=RtiSubmission.Kind.FPS, run=run).exclude(
        status=RtiSubmission.Status.REJECTED).first()
    if live is not None and live.status != RtiSubmission.Status.INVALID:
        return live
    submission = live or RtiSubmission.objects.create(
        kind=RtiSubmission.Kind.FPS, run=run, tax_year=run.tax_year, replaces=replaces, created_by=acting_user)
    before = submission.status
    _store(submission, lambda out: fps_write(run=run, out=out))
    return _saved(submission, acting_user, "rti_submission.fps_build", before)


@transaction.atomic
def eps_submission_build(*, department: Department, tax_year: str, tax_month: int, final: bool,
                         acting_user: User | None, replaces: RtiSubmission | None = None) -> RtiSubmission:
    """The department's EPS for a tax month as a submission (see ``eps_write``); one live EPS a
    tax month, rebuilt in place while it fails validation."""
    tax_month_dates(tax_year, tax_month)
    live = RtiSubmission.objects.select_for_update().filter(
        kind=RtiSubmission.Kind.EPS, tax_year=tax_year, tax_month=tax_month).exclude(
        status=RtiSubmission.Status.REJECTED).first()
    if live is not None and live.status != RtiSubmission.Status.INVALID:
        _refuse("tax_month", f"Tax month {tax_month} of {tax_year} already has an EPS "
                             f"({live.get_status_display().lower()}).")
    submission = live or RtiSubmission.objects.create(
        kind=RtiSubmission.Kind.EPS, tax_year=tax_year, tax_month=tax_month, is_final_for_year=final,
        replaces=replaces, created_by=acting_user)
    submission.is_final_for_year = final
    before = submission.status
    _store(submission, lambda out: eps_write(department=department, tax_year=tax_year, tax_month=tax_month,
                                             final=final, out=out))
    return _saved(submission, acting_user, "rti_submission.eps_build", before)


@transaction.atomic
def rti_submission_resubmit(*, submission: RtiSubmission, acting_user: User) -> RtiSubmission:
    """Build again from the records as they are now: a rejected submission gets a new one that
    replaces it; one that failed validation is rebuilt in place (it never left). Anything else is
    refused: it is on its way, or done."""
    submission = RtiSubmission.objects.select_for_update().get(pk=submission.pk)
    if submission.status not in (RtiSubmission.Status.REJECTED, RtiSubmission.Status.INVALID):
        _refuse("status", f"This submission is {submission.get_status_display().lower()}: only a rejected "
                          "submission, or one that failed validation, is built again.")
    replaces = submission if submission.status == RtiSubmission.Status.REJECTED else None
    if submission.kind == RtiSubmission.Kind.FPS:
        assert submission.run is not None  # an FPS always has its run (a check constraint)
        return fps_submission_build(run=submission.run, acting_user=acting_user, replaces=replaces)
    department = Department.objects.get(pk=submission.department_id)
    return eps_submission_build(department=department, tax_year=submission.tax_year,
                                tax_month=submission.tax_month or 0, final=submission.is_final_for_year,
                                acting_user=acting_user, replaces=replaces)


def _backoff(attempts: int) -> datetime.timedelta:
    """1, 2, 4, … minutes between tries, at most an hour."""
    return datetime.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


def _credentials() -> govtalk.Credentials:
    return govtalk.Credentials(sender_id=str(getattr(settings, "RTI_SENDER_ID", "")),
                               password=str(getattr(settings, "RTI_SENDER_PASSWORD", "")))


def _timeout() -> float:
    return float(getattr(settings, "RTI_GATEWAY_TIMEOUT_SECONDS", govtalk.DEFAULT_TIMEOUT))


def _message_class(submission: RtiSubmission) -> str:
    return FPS_CLASS if submission.kind == RtiSubmission.Kind.FPS else EPS_CLASS


def _answered(submission: RtiSubmission, answer: govtalk.Answer) -> None:
    submission.status = RtiSubmission.Status.ACCEPTED if answer.accepted else RtiSubmission.Status.REJECTED
    submission.hmrc_errors = answer.errors
    submission.answered_at, submission.next_attempt_at, submission.last_error = timezone.now(), None, ""
    if submission.correlation_id and submission.poll_url:
        try:
            govtalk.delete(url=submission.poll_url, correlation_id=submission.correlation_id,
                           message_class=_message_class(submission), timeout=_timeout())
        except govtalk.GatewayUnavailable:
            pass  # the answer is kept; the gateway drops an unread copy itself in time


def _unavailable(submission: RtiSubmission, error: govtalk.GatewayUnavailable) -> None:
    submission.attempts += 1
    submission.last_error = str(error)[:500]
    submission.next_attempt_at = timezone.now() + _backoff(submission.attempts)


def _record(submission: RtiSubmission, before: str) -> RtiSubmission:
    submission.save()
    if submission.status != before:
        audit_record(department=Department.objects.get(pk=submission.department_id),
                     action=f"rti_submission.{submission.status}", acting_user=None, target=submission,
                     changes=audit_changes({"status": before}, {"status": submission.status,
                                                                "hmrc_errors": len(submission.hmrc_errors)}))
    return submission


@transaction.atomic
def rti_submission_send(*, submission: RtiSubmission) -> RtiSubmission:
    """Send a validated submission to the gateway, once.

    Under the submission's row lock, held until the gateway has answered: a second worker given
    the same submission waits, then finds it sent and does nothing. Only a validated submission
    with no correlation ID is sent; a timeout leaves it validated with its next try later, the same
    bytes (same IRmark) then, since no acknowledgement means the gateway gave it no ID to poll.
    """
    submission = RtiSubmission.objects.select_for_update().get(pk=submission.pk)
    url = _gateway_url()
    if submission.status != RtiSubmission.Status.VALIDATED or submission.correlation_id or not url:
        return submission
    before = submission.status
    try:
        outcome = govtalk.submit(url=url, document_path=default_storage.path(submission.document),
                                 credentials=_credentials(), timeout=_timeout())
    except govtalk.GatewayUnavailable as error:
        _unavailable(submission, error)
        return _record(submission, before)
    submission.attempts += 1
    submission.submitted_at = timezone.now()
    if isinstance(outcome, govtalk.Acknowledgement):
        submission.status = RtiSubmission.Status.SUBMITTED
        submission.correlation_id, submission.poll_url = outcome.correlation_id, outcome.poll_url[:300]
        submission.next_attempt_at = timezone.now() + datetime.timedelta(seconds=outcome.poll_interval)
        submission.last_error = ""
        department_id, submission_id = submission.department_id, submission.pk

        def poll_later() -> None:
            from payroll.tasks_rti import rti_submission_poll_task
            rti_submission_poll_task.apply_async((department_id, submission_id), countdown=outcome.poll_interval)

        transaction.on_commit(poll_later)
    else:
        _answered(submission, outcome)
    return _record(submission, before)


@transaction.atomic
def rti_submission_poll(*, submission: RtiSubmission) -> RtiSubmission:
    """Ask the gateway for HMRC's answer to a sent submission; keep it (accepted, or rejected with
    HMRC's errors) or, if none yet, note when to ask again."""
    submission = RtiSubmission.objects.select_for_update().get(pk=submission.pk)
    if submission.status != RtiSubmission.Status.SUBMITTED:
        return submission
    before = submission.status
    try:
        outcome = govtalk.poll(poll_url=submission.poll_url, correlation_id=submission.correlation_id,
                               message_class=_message_class(submission), timeout=_timeout())
    except govtalk.GatewayUnavailable as error:
        _unavailable(submission, error)
        return _record(submission, before)
    if isinstance(outcome, govtalk.Acknowledgement):
        submission.next_attempt_at = timezone.now() + datetime.timedelta(seconds=outcome.poll_interval)
        if outcome.poll_url:
            submission.poll_url = outcome.poll_url[:300]
    else:
        _answered(submission, outcome)
    return _record(submission, before)
