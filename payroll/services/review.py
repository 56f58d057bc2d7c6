"""Settling a pay run's review before approval: advisory exceptions acknowledged in bulk with a
note, and blocking ones given another payment route (held, or paid by hand outside the Bacs file).

Who settles: anyone holding ``payroll:submit`` or ``payroll:approve`` in the department. The
payroll officer who prepared the run usually knows best why a figure moved, and an approver may
settle what they looked at themselves; either way the run is then approved by a second person
(``pay_run_approve``'s four eyes), who sees each acknowledgement and route with its author and
note. Nobody settles an exception about their own pay.

What is settled belongs to the figures it was settled for: recalculating an employee replaces
their exceptions (acknowledgements included) and removes their payment route
(``payroll.services.calculation``), so the review of the new figures starts again.
"""

from __future__ import annotations

from collections import Counter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from departments.models import ApiToken, Department
from departments.roles import Scope
from departments.selectors import department_access_for_user
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from hr.models import Employee
from payroll.models import PayRun, PayRunException, PayRunPaymentRoute
from payroll.review_kinds import BLOCKING_CODES, RECALCULATE_CODES, review_kind
from payroll.selectors_review import routable_employee
from payroll.services.common import _locked_run, _refuse, people_behind
from shared_services.accounts.models import User

__all__ = [
    "NOTE_MAX_LENGTH",
    "REFERENCE_MAX_LENGTH",
    "REVIEW_SCOPES",
    "may_review",
    "pay_run_exceptions_acknowledge",
    "pay_run_payment_route_clear",
    "pay_run_payment_route_set",
]

NOTE_MAX_LENGTH = 500
REFERENCE_MAX_LENGTH = 35
REVIEW_SCOPES = (Scope.PAYROLL_SUBMIT, Scope.PAYROLL_APPROVE)
MAX_IDS_NAMED = 10


def may_review(user: User, department: Department) -> bool:
    """A person holding payroll:submit or payroll:approve here; an API client through a live token of
    this department carrying either scope."""
    if user.kind == User.Kind.API_CLIENT:
        return ApiToken.objects.filter(user=user, department=department, revoked_at__isnull=True,
                                       scopes__overlap=list(REVIEW_SCOPES)).exists()
    access = department_access_for_user(user=user, department_slug=department.slug)
    return access is not None and any(access.allows(scope) for scope in REVIEW_SCOPES)


def _reviewable_run(run: PayRun, acting_user: User, what: str) -> PayRun:
    run = _locked_run(run)
    if run.kind == PayRun.Kind.SHADOW:
        _refuse("kind", "A shadow run is never approved, so its exceptions are not settled.")
    if run.status != PayRun.Status.CALCULATED:
        _refuse("status", f"This run is {run.get_status_display().lower()}: {what} while the run is calculated "
                          "and waits for approval.")
    if not may_review(acting_user, run.department):
        _refuse("__all__", "Only a payroll officer or a payroll approver can settle a pay run's review.",
                code="four_eyes")
    return run


def _note(note: str, errors: dict[str, str], hint: str) -> str:
    note = (note or "").strip()
    if not note:
        errors["note"] = hint
    elif len(note) > NOTE_MAX_LENGTH:
        errors["note"] = f"The note must be {NOTE_MAX_LENGTH} characters or fewer"
    return note


def _own_employee_ids(user: User) -> set[int]:
    """The employee records of the people behind ``user`` (an API client's token creator too)."""
    return set(Employee.objects.filter(user_id__in=people_behind(user.pk)).values_list("pk", flat=True))


@transaction.atomic
def pay_run_exceptions_acknowledge(*, run: PayRun, acting_user: User, note: str, codes: list[str] | None = None,
                                   exception_ids: list[int] | None = None) -> int:
    """Acknowledge the run's open advisory exceptions of the kinds ``codes`` and/or the rows
    ``exception_ids``, with the same note; returns how many were acknowledged (those acknowledged
    already keep their first acknowledgement).

    Refuses (nothing written) an empty note, a blocking kind or row (those are resolved, not
    acknowledged), a kind or id the run does not hold, and a chosen row about the acting user's own
    pay. A whole kind leaves the acting user's own row open, for someone else to acknowledge.
    """
    department = run.department
    with department_context(department.id):
        run = _reviewable_run(run, acting_user, "exceptions are acknowledged")
        errors: dict[str, str] = {}
        note = _note(note, errors, "Enter what you checked, for example that the changes are expected")
        codes = list(dict.fromkeys(codes or []))
        ids = list(dict.fromkeys(exception_ids or []))
        if not codes and not ids:
            errors["exceptions"] = "Select the exceptions you have checked, or a kind of exception"
        held = set(PayRunException.objects.filter(run=run).values_list("code", flat=True).distinct())
        blocking = [code for code in codes if code in BLOCKING_CODES]
        missing = [code for code in codes if code not in held]
        if blocking:
            errors["codes"] = (f"{', '.join(review_kind(code).title for code in blocking)} "
                               f"{'is' if len(blocking) == 1 else 'are'} blocking: resolve "
                               f"{'it' if len(blocking) == 1 else 'them'}, do not acknowledge")
        elif missing:
            errors["codes"] = f"This run has no exceptions of the kind {', '.join(missing)}"
        own = _own_employee_ids(acting_user)
        chosen = {row.pk: row for row in PayRunException.objects.filter(run=run, pk__in=ids).select_related("employee")}
        unknown = [str(pk) for pk in ids if pk not in chosen]
        blocking_rows = [row for row in chosen.values() if row.code in BLOCKING_CODES]
        own_rows = [row for row in chosen.values() if row.employee_id in own]  # type: ignore[attr-defined]
        if unknown:
            errors["exception_ids"] = (f"This run has no exception with id {', '.join(unknown[:MAX_IDS_NAMED])}; "
                                       "choose from the exceptions the run lists")
        elif blocking_rows:
            named = ", ".join(f"{row.employee.display_name}: {review_kind(row.code).title}"
                              for row in blocking_rows[:MAX_IDS_NAMED])
            errors["exception_ids"] = f"{named} must be resolved, not acknowledged"
        elif own_rows:
            errors["exception_ids"] = ("One of these exceptions is about your own pay, so someone else must "
                                       "acknowledge it")
        if errors:
            raise ValidationError(errors)
        chosen_rows = Q(pk__in=list(chosen)) | Q(code__in=codes)
        if own:
            chosen_rows &= ~Q(employee_id__in=own)
        todo = PayRunException.objects.filter(chosen_rows, run=run, acknowledged_at__isnull=True).exclude(
            code__in=sorted(BLOCKING_CODES))
        by_kind = Counter(todo.values_list("code", flat=True))
        count = todo.update(acknowledged_by=acting_user, acknowledged_at=timezone.now(), acknowledgement_note=note)
        if count:
            audit_record(department=department, action="pay_run.exceptions_acknowledge", acting_user=acting_user,
                         target=run, reason=note,
                         changes=audit_changes({}, {"acknowledged": count, "kinds": dict(sorted(by_kind.items()))}))
        return count


def _route_employee(run: PayRun, employee_id: int, acting_user: User) -> Employee:
    employee = routable_employee(run=run, employee_id=employee_id)
    if employee is None:
        _refuse("employee_id", "This run holds no exception for that employee that another payment route settles "
                               "(no bank account, or net pay that cannot go by Bacs)")
    assert employee is not None
    if PayRunException.objects.filter(run=run, employee=employee, code__in=sorted(RECALCULATE_CODES)).exists():
        _refuse("employee_id", f"{employee.display_name}'s pay must be fixed and recalculated first: their "
                               "calculation failed or their tax code is not valid")
    if employee.pk in _own_employee_ids(acting_user):
        _refuse("employee_id", "This is your own pay, so someone else must decide how it is paid", code="four_eyes")
    return employee


@transaction.atomic
def pay_run_payment_route_set(*, run: PayRun, employee_id: int, route: str, note: str, acting_user: User,
                              reference: str = "") -> PayRunPaymentRoute:
    """Decide how an employee's net pay goes out when the Bacs file cannot pay it: ``hold`` (withheld
    and paid later) or ``manual`` (paid outside the file, CHAPS or cheque, with its ``reference``).
    Either way it is left out of the Bacs file. Replaces an earlier decision for the employee.

    Only for an employee with a blocking exception a route settles (no bank account, net pay not
    positive) and none that only recalculation settles; never for the acting user's own pay.
    """
    department = run.department
    with department_context(department.id):
        run = _reviewable_run(run, acting_user, "payment routes are decided")
        errors: dict[str, str] = {}
        if route not in PayRunPaymentRoute.Route.values:
            errors["route"] = "Choose hold or manual payment"
        note = _note(note, errors, "Enter why, for example that the employee is giving new bank details")
        reference = (reference or "").strip() if route == PayRunPaymentRoute.Route.MANUAL else ""
        if route == PayRunPaymentRoute.Route.MANUAL and not reference:
            errors["reference"] = "Enter the reference of the manual payment, for example the CHAPS reference"
        elif len(reference) > REFERENCE_MAX_LENGTH:
            errors["reference"] = f"The reference must be {REFERENCE_MAX_LENGTH} characters or fewer"
        if errors:
            raise ValidationError(errors)
        employee = _route_employee(run, employee_id, acting_user)
        decision = PayRunPaymentRoute.objects.filter(run=run, employee=employee).first()
        before = {} if decision is None else {"route": decision.route, "reference": decision.reference,
                                              "note": decision.note}
        if decision is None:
            decision = PayRunPaymentRoute(run=run, employee=employee)
        decision.route, decision.note, decision.reference = route, note, reference
        decision.decided_by, decision.decided_at = acting_user, timezone.now()
        decision.save()
        audit_record(department=department, action="pay_run.payment_route_set", acting_user=acting_user,
                     target=run, reason=note,
                     changes=audit_changes(before, {"employee": employee.payroll_number, "route": route,
                                                    "reference": reference, "note": note}))
        return decision


@transaction.atomic
def pay_run_payment_route_clear(*, run: PayRun, employee_id: int, acting_user: User) -> None:
    """Withdraw the employee's payment route: their blocking exception is open again."""
    department = run.department
    with department_context(department.id):
        run = _reviewable_run(run, acting_user, "payment routes are decided")
        decision = PayRunPaymentRoute.objects.filter(run=run, employee_id=employee_id).select_related(
            "employee").first()
        if decision is None:
            _refuse("employee_id", "That employee has no payment route in this run")
        assert decision is not None
        if decision.employee_id in _own_employee_ids(acting_user):  # type: ignore[attr-defined]
            _refuse("employee_id", "This is your own pay, so someone else must decide how it is paid",
                    code="four_eyes")
        audit_record(department=department, action="pay_run.payment_route_clear", acting_user=acting_user,
                     target=run, changes=audit_changes(
                         {"employee": decision.employee.payroll_number, "route": decision.route,
                          "reference": decision.reference}, {"route": ""}))
        decision.delete()
