"""Year end: the bundle of P60s for HR (a background job with its progress, after which each
employee is told by e-mail that their P60 is ready), the final FPS of the year flagged, and the
rollover to the next tax year (week 1/month 1 bases cleared, code uplifts).

Year-to-date figures need no reset: a run reads the earlier payslips and the opening balances of
its own tax year only (``payroll.services.calculation``), so the first run of a new year starts
from zero by construction; the rollover checks nothing of the new year has been paid yet.
"""

from __future__ import annotations

import datetime
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from departments.bulk import AnyOf
from departments.models import AuditEvent, Department, Notification
from departments.notifications import OutgoingMessage, notify_many
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from hr.models import Employee
from payroll import selectors_year_end as year_end
from payroll.models import DocumentBatch, PayRun, PaySchedule, RtiSubmission, TaxCodeNotice
from payroll.p60 import P60
from payroll.p60_document import p60_pdfs
from payroll.periods import PayDateRule, PeriodError, pay_period
from payroll.services.common import _refuse
from payroll.services.finalising import employee_recipients
from shared_services.accounts.models import User

__all__ = [
    "P60_CHUNK_SIZE",
    "RolloverOutcome",
    "final_fps_flag",
    "p60_batch_produce",
    "p60_batch_start",
    "p60s_ready_notify",
    "year_end_rollover",
]

P60_CHUNK_SIZE = 200  # P60s laid out per WeasyPrint rendering, and per progress step
P60S_READY_ACTION = "payroll.p60s_ready_notified"
TAX_YEAR = re.compile(r"^(\d{4})-(\d{2})$")
ROLLOVER_ACTION = "payroll.year_end_rollover"
# Codes P9X uplifts: a number then L, M or N, optionally with S or C before it and W1/M1/X after
# (K codes, T codes, BR, D0, D1, 0T and NT are carried forward as they are).
_UPLIFTABLE = re.compile(r"^(?P<prefix>[SC]?)(?P<number>\d{1,6})(?P<suffix>[LMN])(?P<basis>W1|M1|X)?$")
_NON_CUMULATIVE = re.compile(r"(W1|M1|X)$")
_P9X_NOTICE = re.compile(r"^(?P<suffix>[LMN])\+(?P<uplift>\d{1,3})$")


def _checked_tax_year(value: str, field_name: str = "tax_year") -> str:
    match = TAX_YEAR.match(value or "")
    if match is None or (int(match[1]) + 1) % 100 != int(match[2]):
        _refuse(field_name, f"Enter a tax year like 2026-27, not {value!r}.")
    return value


def _previous_tax_year(tax_year: str) -> str:
    start = int(tax_year[:4]) - 1
    return f"{start}-{(start + 1) % 100:02d}"


# --- P60s for HR: a background job -------------------------------------------------------

@transaction.atomic
def p60_batch_start(*, department: Department, tax_year: str, acting_user: User | None) -> DocumentBatch:
    """Queue the year's P60s as one download. The caller enqueues ``p60_batch_produce`` after
    commit (``payroll.tasks_year_end.start_p60_batch``). A year not yet over has no P60s, and a
    batch already queued or running for the year is not started twice."""
    _checked_tax_year(tax_year)
    with department_context(department.id):
        if not year_end.tax_year_is_over(tax_year):
            _refuse("tax_year", f"P60s for {tax_year} can be produced from "
                                f"{year_end.tax_year_end(tax_year):%-d %B %Y}, when the tax year ends.")
        if DocumentBatch.objects.filter(kind=DocumentBatch.Kind.P60, tax_year=tax_year, status__in=[
                DocumentBatch.Status.QUEUED, DocumentBatch.Status.RUNNING]).exists():
            _refuse("tax_year", f"The {tax_year} P60s are being produced already. Wait for them to finish.")
        total = len(year_end.p60_employee_ids(tax_year=tax_year))
        if not total:
            _refuse("tax_year", f"Nobody employed on 5 April at the end of {tax_year} was paid in it, so there "
                                "are no P60s to produce.")
        batch = DocumentBatch.objects.create(kind=DocumentBatch.Kind.P60, tax_year=tax_year, total=total,
                                             created_by=acting_user)
        audit_record(department=department, action="payroll.p60_batch.start", acting_user=acting_user,
                     target=batch, changes=audit_changes({}, {"tax_year": tax_year, "total": total}))
        return batch


def p60_batch_produce(*, department_id: int, batch_id: int, chunk_size: int = P60_CHUNK_SIZE,
                      render: Callable[[list[P60]], list[bytes]] = p60_pdfs) -> DocumentBatch:
    """Produce a queued batch's zip of P60 PDFs, one per employee, committing its progress after
    every chunk so the page can show it. Runs outside any transaction (a Celery task of
    ``DepartmentStepsTask``): each step opens its own. A batch not queued (a redelivered task) is
    left alone; a failure marks the batch failed with the reason and keeps nothing half-written."""
    with department_context(department_id), transaction.atomic():
        batch = DocumentBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != DocumentBatch.Status.QUEUED:
            return batch
        batch.status, batch.done = DocumentBatch.Status.RUNNING, 0
        batch.save(update_fields=["status", "done"])
        department = Department.objects.get(pk=department_id)
        ids = year_end.p60_employee_ids(tax_year=batch.tax_year)
    try:
        with tempfile.TemporaryFile() as scratch:
            with zipfile.ZipFile(scratch, "w", compression=zipfile.ZIP_STORED) as bundle:
                # PDFs are compressed already: stored, not deflated again.
                for start in range(0, len(ids), chunk_size):
                    with department_context(department_id), transaction.atomic():
                        p60s = year_end.p60s_for(department=department, tax_year=batch.tax_year,
                                                 employee_ids=ids[start:start + chunk_size])
                        for p60, pdf in zip(p60s, render(p60s), strict=True):
                            bundle.writestr(f"P60-{batch.tax_year}-{_safe(p60.payroll_number)}.pdf", pdf)
                        DocumentBatch.objects.filter(pk=batch_id).update(done=min(start + chunk_size, len(ids)),
                                                                         total=len(ids))
            scratch.seek(0)
            path = default_storage.save(
                f"payroll/department-{department_id}/year-end/p60s-{batch.tax_year}-{batch_id}.zip", File(scratch))
    except Exception as error:
        with department_context(department_id), transaction.atomic():
            DocumentBatch.objects.filter(pk=batch_id).update(
                status=DocumentBatch.Status.FAILED, failure=f"{type(error).__name__}: {error}"[:500],
                finished_at=timezone.now())
        raise
    with department_context(department_id), transaction.atomic():
        batch = DocumentBatch.objects.select_for_update().get(pk=batch_id)
        batch.status, batch.file, batch.done, batch.finished_at = (DocumentBatch.Status.DONE, path, len(ids),
                                                                   timezone.now())
        batch.save(update_fields=["status", "file", "done", "finished_at"])
        audit_record(department=department, action="payroll.p60_batch.done", acting_user=None, target=batch,
                     changes=audit_changes({"status": DocumentBatch.Status.RUNNING},
                                           {"status": batch.status, "documents": len(ids)}))

        def tell_employees() -> None:
            from payroll.tasks_year_end import p60s_ready_notify_task
            p60s_ready_notify_task.delay(department_id, batch_id)

        transaction.on_commit(tell_employees)
        return batch


def p60s_ready_notify(*, department: Department, batch_id: int) -> int:
    """Queue a P60-ready e-mail to everyone a finished P60 batch has a P60 for and who has an
    address; returns how many. Once per tax year: a batch produced again for the same year (its
    P60s were available all along) tells nobody twice, marked by the audit row this writes."""
    with department_context(department.id):
        batch = DocumentBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or batch.status != DocumentBatch.Status.DONE or AuditEvent.objects.filter(
                action=P60S_READY_ACTION, changes__tax_year__after=batch.tax_year).exists():
            return 0
        tax_year = batch.tax_year
        # One array parameter, not tens of thousands of literals.
        recipients = employee_recipients(Employee.objects.filter(
            AnyOf(F("pk"), list(year_end.p60_employee_ids(tax_year=tax_year)))).order_by("pk"))
        link = reverse("payroll:my-documents-p60", kwargs={"department_slug": department.slug, "tax_year": tax_year})
        point = (f"Your P60 for the {tax_year[:4]} to 20{tax_year[5:]} tax year is ready. It shows your pay "
                 "and the tax you paid in the year. You may need it to claim tax credits or a tax refund, or to "
                 "apply for a loan or mortgage.")
        queued = notify_many(department=department, kind=Notification.Kind.P60_READY, messages=(
            OutgoingMessage(to_address=address, name=name, user_id=user_id, subject="Your P60 is ready",
                            point=point, link=link)
            for address, name, user_id in recipients.values()))
        audit_record(department=department, action=P60S_READY_ACTION, acting_user=None, target=batch,
                     changes=audit_changes({}, {"tax_year": tax_year, "notifications": len(queued)}))
        return len(queued)


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", text) or "unnumbered"


# --- The final FPS of the year -----------------------------------------------------------

@transaction.atomic
def final_fps_flag(*, department: Department, tax_year: str, acting_user: User | None) -> RtiSubmission | None:
    """Mark the live FPS of the year's last finalised run as the year's final submission
    (``FinalSubmission/ForYear``, RTI.md §2.1). None when that run has no FPS yet: the FPS built for
    it afterwards reads ``is_final_for_year`` from ``selectors_year_end.last_finalised_run``.
    An FPS already sent cannot change; HMRC then takes the declaration on an EPS (RTI.md §2.1)."""
    with department_context(department.id):
        run = year_end.last_finalised_run(tax_year=tax_year)
        if run is None:
            return None
        submission = (RtiSubmission.objects.filter(kind=RtiSubmission.Kind.FPS, run=run)
                      .exclude(status=RtiSubmission.Status.REJECTED).order_by("-created_at", "-pk").first())
        if submission is None or submission.is_final_for_year:
            return submission
        RtiSubmission.objects.filter(kind=RtiSubmission.Kind.FPS, tax_year=tax_year,
                                     is_final_for_year=True).update(is_final_for_year=False)
        submission.is_final_for_year = True
        submission.save(update_fields=["is_final_for_year"])
        audit_record(department=department, action="payroll.rti.final_for_year", acting_user=acting_user,
                     target=submission, changes=audit_changes({"is_final_for_year": False},
                                                              {"is_final_for_year": True}))
        return submission


# --- The rollover ------------------------------------------------------------------------

@dataclass
class RolloverOutcome:
    tax_year: str
    already_done: bool = False
    week1_month1_cleared: int = 0
    codes_uplifted: int = 0
    uplifts: dict[str, int] = field(default_factory=dict)
    final_fps: int | None = None
    first_periods: dict[str, datetime.date] = field(default_factory=dict)  # schedule name → first pay day


@transaction.atomic
def year_end_rollover(*, department: Department, to_tax_year: str, acting_user: User | None,
                      uplift_l: int | None = None) -> RolloverOutcome:
    """Close the old tax year and prepare ``to_tax_year`` (HMRC P9X, "Tax codes to use from 6 April").

    - Refused while any run of the old year is neither finalised nor cancelled: its figures would
      be missing from the P60s and the final FPS.
    - The year's last FPS is flagged final (``final_fps_flag``).
    - Week 1/month 1 bases are not carried forward: every employee starts the year cumulative, and
      W1/M1/X markers come off their codes (P9X; CIPP "Happy new tax year", 2021).
    - L (and M, N) codes are uplifted by P9X's amounts: ``uplift_l`` or a pending P9X notice
      (employee blank, ``tax_code`` like ``L+10``); K, T, BR, D, 0T and NT codes are carried as they
      are. Each change leaves an applied P9X notice on the employee, dated 6 April.
    - New periods need no rows: each schedule's periods follow from its pay-day rule; the outcome
      names each schedule's first pay day of the new year.

    Idempotent: a year already rolled over is left alone (``already_done``). Audited once.
    """
    _checked_tax_year(to_tax_year, "to_tax_year")
    if uplift_l is not None and not 0 <= uplift_l <= 999:
        _refuse("uplift_l", "Enter the L-code uplift as a whole number from 0 to 999.")
    old_year = _previous_tax_year(to_tax_year)
    new_year_starts = datetime.date(int(to_tax_year[:4]), 4, 6)
    outcome = RolloverOutcome(tax_year=to_tax_year)
    with department_context(department.id):
        if AuditEvent.objects.filter(action=ROLLOVER_ACTION, object_type="departments.department",
                                     object_id=str(department.pk), changes__tax_year__after=to_tax_year).exists():
            outcome.already_done = True
            return outcome
        open_runs = list(year_end.runs_not_finalised(tax_year=old_year)[:3])
        if open_runs:
            names = ", ".join(f"{run.schedule.name} paid {run.pay_date:%-d %B %Y} ({run.get_status_display().lower()})"
                              for run in open_runs)
            _refuse("to_tax_year", f"Finalise or cancel the {old_year} runs first: {names}.")
        if PayRun.objects.filter(tax_year=to_tax_year, status=PayRun.Status.FINALISED).exists():
            _refuse("to_tax_year", f"{to_tax_year} already has a finalised run; the rollover comes before it.")
        final = final_fps_flag(department=department, tax_year=old_year, acting_user=acting_user)
        outcome.final_fps = final.pk if final is not None else None

        uplifts = _uplifts(uplift_l, new_year_starts)
        outcome.uplifts = uplifts
        notices: list[TaxCodeNotice] = []
        changed_by_code: dict[tuple[str, bool], list[int]] = {}
        # Everyone still employed when the new year starts (a leaver's last code stays as paid).
        for employee_id, code, basis in (Employee.objects.filter(Q(leave_date__isnull=True)
                                                                 | Q(leave_date__gte=new_year_starts))
                                         .order_by("pk").values_list("pk", "tax_code", "tax_basis")):
            new_code, uplifted = _carried_forward(code, uplifts)
            marked = basis == Employee.TaxBasis.WEEK1_MONTH1 or bool(_NON_CUMULATIVE.search(code.strip().upper()))
            if new_code == code and not marked:
                continue
            changed_by_code.setdefault((new_code, uplifted), []).append(employee_id)
            outcome.week1_month1_cleared += marked
            outcome.codes_uplifted += uplifted
            if uplifted:
                notices.append(TaxCodeNotice(employee_id=employee_id, form=TaxCodeNotice.Form.P9X, tax_code=new_code,
                                             effective_from=new_year_starts, status=TaxCodeNotice.Status.APPLIED,
                                             applied_from=new_year_starts, applied_at=timezone.now(),
                                             received_by=acting_user, source="year-end rollover",
                                             reason=f"P9X uplift from {code}"))
        for (new_code, _), employee_ids in changed_by_code.items():
            Employee.objects.filter(pk__in=employee_ids).update(tax_code=new_code,
                                                               tax_basis=Employee.TaxBasis.CUMULATIVE)
        TaxCodeNotice.objects.bulk_create(notices, batch_size=2000)
        TaxCodeNotice.objects.filter(form=TaxCodeNotice.Form.P9X, employee__isnull=True,
                                     status=TaxCodeNotice.Status.PENDING,
                                     effective_from=new_year_starts).update(
            status=TaxCodeNotice.Status.APPLIED, applied_at=timezone.now(), applied_from=new_year_starts)
        outcome.first_periods = _first_pay_days(new_year_starts)
        audit_record(department=department, action=ROLLOVER_ACTION, acting_user=acting_user, target=department,
                     changes={**audit_changes({"tax_year": old_year}, {"tax_year": to_tax_year}),
                              **audit_changes({}, {"week1_month1_cleared": outcome.week1_month1_cleared,
                                                   "codes_uplifted": outcome.codes_uplifted,
                                                   "uplifts": uplifts, "final_fps": outcome.final_fps})})
        return outcome


def _uplifts(uplift_l: int | None, new_year_starts: datetime.date) -> dict[str, int]:
    """The P9X uplift per suffix: the argument for L, else HMRC's P9X notice as loaded."""
    uplifts: dict[str, int] = {}
    for code in TaxCodeNotice.objects.filter(form=TaxCodeNotice.Form.P9X, employee__isnull=True,
                                             status=TaxCodeNotice.Status.PENDING,
                                             effective_from=new_year_starts).values_list("tax_code", flat=True):
        match = _P9X_NOTICE.match("".join(code.upper().split()))
        if match is None:
            raise ValidationError({"uplift_l": f"The P9X notice {code!r} is not an uplift like L+10; correct or "
                                               "reject it first."})
        uplifts[match["suffix"]] = int(match["uplift"])
    if uplift_l is not None:
        uplifts["L"] = uplift_l
    return {suffix: amount for suffix, amount in sorted(uplifts.items()) if amount}


def _carried_forward(code: str, uplifts: dict[str, int]) -> tuple[str, bool]:
    """The code for the new year, and whether it was uplifted: W1/M1/X dropped, L/M/N uplifted."""
    text = "".join(code.upper().split())
    match = _UPLIFTABLE.match(text)
    if match is not None and match["suffix"] in uplifts:
        return f"{match['prefix']}{int(match['number']) + uplifts[match['suffix']]}{match['suffix']}", True
    return _NON_CUMULATIVE.sub("", text), False


def _first_pay_days(new_year_starts: datetime.date) -> dict[str, datetime.date]:
    """Each schedule's first pay day on or after 6 April (the new year's first period)."""
    first: dict[str, datetime.date] = {}
    for schedule in PaySchedule.objects.order_by("name"):
        rule = PayDateRule(frequency=schedule.frequency, day_of_month=schedule.pay_day_of_month,
                           weekday=schedule.pay_weekday)
        day = new_year_starts
        for _ in range(40):
            try:
                period = pay_period(rule, day, ())
            except PeriodError:
                break
            if period.pay_date >= new_year_starts:
                first[schedule.name] = period.pay_date
                break
            day = period.end + datetime.timedelta(days=1)
    return first
