"""Leave and absence: leave types and policies, balances by leave year, requests, and sickness."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from departments.models import Department
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from hr.models import Employee, Employment, LeaveBalanceEntry, LeavePolicy, LeaveRequest, LeaveType, SicknessPeriod
from hr.services.common import _age_on
from hr.services.delegation import approvers_notify, deputy_acting_for, requester_notify_decided
from shared_services.accounts.models import User

DEFAULT_LEAVE_TYPES: list[tuple[str, str, str, bool, bool]] = [
    # code, name, kind, is_paid, uses_balance
    ("ANNUAL", "Annual leave", LeaveType.Kind.ANNUAL, True, True),
    ("SICK", "Sick leave", LeaveType.Kind.SICK, True, False),
    ("MATERNITY", "Maternity leave", LeaveType.Kind.MATERNITY, True, False),
    ("PATERNITY", "Paternity leave", LeaveType.Kind.PATERNITY, True, False),
    ("ADOPTION", "Adoption leave", LeaveType.Kind.ADOPTION, True, False),
    ("SHARED_PARENTAL", "Shared parental leave", LeaveType.Kind.SHARED_PARENTAL, True, False),
    ("PARENTAL_BEREAVEMENT", "Parental bereavement leave", LeaveType.Kind.PARENTAL_BEREAVEMENT, True, False),
    ("NEONATAL_CARE", "Neonatal care leave", LeaveType.Kind.NEONATAL_CARE, True, False),
    ("UNPAID", "Unpaid leave", LeaveType.Kind.UNPAID, False, False),
    # Not paid, so payroll stops pay for the days (recorded by HR, never requested).
    ("UNAUTHORISED", "Unauthorised absence", LeaveType.Kind.UNAUTHORISED, False, False),
    ("SPECIAL", "Special leave", LeaveType.Kind.SPECIAL, True, False),
]
# Civil Service annual leave: 25 days rising to 30 after five years, 7.5 hours a day full-time.
DEFAULT_ANNUAL_HOURS_BY_SERVICE = [[0, "187.50"], [5, "225.00"]]
DEFAULT_CARRY_OVER_CAP_HOURS = Decimal("75.00")
HOURS = Decimal("0.01")
FAMILY_LEAVE_KINDS = (LeaveType.Kind.MATERNITY, LeaveType.Kind.PATERNITY, LeaveType.Kind.ADOPTION,
                      LeaveType.Kind.SHARED_PARENTAL, LeaveType.Kind.PARENTAL_BEREAVEMENT,
                      LeaveType.Kind.NEONATAL_CARE)


@transaction.atomic
def leave_types_install_defaults(*, department: Department, acting_user: User | None) -> list[LeaveType]:
    """The standard leave types and an annual leave policy, where the department lacks them."""
    with department_context(department.id):
        existing = set(LeaveType.objects.values_list("code", flat=True))
        created = []
        for code, name, kind, is_paid, uses_balance in DEFAULT_LEAVE_TYPES:
            if code in existing:
                continue
            leave_type = LeaveType.objects.create(code=code, name=name, kind=kind, is_paid=is_paid,
                                                  uses_balance=uses_balance)
            if uses_balance:
                LeavePolicy.objects.create(leave_type=leave_type, hours_by_service=DEFAULT_ANNUAL_HOURS_BY_SERVICE,
                                           carry_over_cap_hours=DEFAULT_CARRY_OVER_CAP_HOURS)
            created.append(leave_type)
        if created:
            audit_record(department=department, action="leave_types.install_defaults", acting_user=acting_user,
                         changes=audit_changes({}, {"leave_types": [t.code for t in created]}))
        return created


def leave_year_start(department: Department, day: datetime.date) -> datetime.date:
    """The first day of the department's leave year that contains ``day``."""
    month, first = department.leave_year_start_month, department.leave_year_start_day
    start = datetime.date(day.year, month, min(first, 28 if month == 2 else first))
    return start if start <= day else start.replace(year=day.year - 1)


def _next_year(start: datetime.date) -> datetime.date:
    return start.replace(year=start.year + 1)


def _entitlement(employee: Employee, policy: LeavePolicy, year_start: datetime.date) -> Decimal:
    """Full-time hours by completed years of service at the year start, × FTE, × the share of the
    year employed (days), to the hundredth of an hour."""
    year_end = _next_year(year_start) - datetime.timedelta(days=1)
    employed_from = max(year_start, employee.start_date)
    employed_to = min(year_end, employee.leave_date or year_end)
    if employed_to < employed_from:
        return Decimal("0.00")
    service_years = _age_on(employee.start_date, max(year_start, employee.start_date))
    hours = Decimal("0")
    for years, full_time_hours in sorted(policy.hours_by_service, key=lambda band: band[0]):
        if service_years >= years:
            hours = Decimal(str(full_time_hours))
    version = (Employment.objects.filter(employee=employee, superseded_at__isnull=True, valid_from__lte=employed_from)
               .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=employed_from)).first())
    fte = version.fte if version else Decimal("1")
    share = Decimal((employed_to - employed_from).days + 1) / Decimal((year_end - year_start).days + 1)
    return (hours * fte * share).quantize(HOURS)


def leave_balance(*, employee: Employee, leave_type: LeaveType, year_start: datetime.date) -> Decimal:
    total = sum((entry.hours for entry in LeaveBalanceEntry.objects.filter(
        employee=employee, leave_type=leave_type, leave_year_start=year_start)), Decimal("0"))
    return Decimal(total).quantize(HOURS)


@transaction.atomic
def leave_balance_recalculate(*, employee: Employee, leave_type: LeaveType, year_start: datetime.date) -> Decimal:
    """Rebuild the year's entitlement, carry-over and taken lines from the policy and the approved
    requests (people's adjustments are kept). Running it twice gives the same ledger."""
    policy = LeavePolicy.objects.filter(leave_type=leave_type).first()
    if policy is None:
        raise ValidationError({"leave_type": f"{leave_type} has no entitlement policy."})
    ledger = LeaveBalanceEntry.objects.filter(employee=employee, leave_type=leave_type, leave_year_start=year_start)
    ledger.exclude(kind=LeaveBalanceEntry.Kind.ADJUSTMENT).delete()
    LeaveBalanceEntry.objects.create(employee=employee, leave_type=leave_type, leave_year_start=year_start,
                                     kind=LeaveBalanceEntry.Kind.ACCRUAL,
                                     hours=_entitlement(employee, policy, year_start))
    previous = year_start.replace(year=year_start.year - 1)
    if LeaveBalanceEntry.objects.filter(employee=employee, leave_type=leave_type, leave_year_start=previous).exists():
        left_over = leave_balance(employee=employee, leave_type=leave_type, year_start=previous)
        carried = min(max(left_over, Decimal("0")), policy.carry_over_cap_hours)
        if carried:
            LeaveBalanceEntry.objects.create(employee=employee, leave_type=leave_type, leave_year_start=year_start,
                                             kind=LeaveBalanceEntry.Kind.CARRY_OVER, hours=carried,
                                             note=f"From the leave year starting {previous:%-d %B %Y}")
    approved = LeaveRequest.objects.filter(employee=employee, leave_type=leave_type,
                                           status=LeaveRequest.Status.APPROVED, start_date__gte=year_start,
                                           start_date__lt=_next_year(year_start)).order_by("start_date", "id")
    LeaveBalanceEntry.objects.bulk_create(
        LeaveBalanceEntry(employee=employee, leave_type=leave_type, leave_year_start=year_start,
                          kind=LeaveBalanceEntry.Kind.TAKEN, hours=-request.hours, request=request)
        for request in approved
    )
    return leave_balance(employee=employee, leave_type=leave_type, year_start=year_start)


@dataclass(frozen=True)
class LeaveYearBalance:
    """One leave type's ledger for a leave year, and what waits for a decision against it."""

    leave_type: LeaveType
    year_start: datetime.date
    entries: tuple[LeaveBalanceEntry, ...]
    pending_hours: Decimal

    @property
    def balance_hours(self) -> Decimal:
        return sum((entry.hours for entry in self.entries), Decimal("0")).quantize(HOURS)

    @property
    def entitled_hours(self) -> Decimal:
        """Entitlement, carry-over and adjustments: everything but leave taken."""
        return sum((entry.hours for entry in self.entries if entry.kind != LeaveBalanceEntry.Kind.TAKEN),
                   Decimal("0")).quantize(HOURS)

    @property
    def taken_hours(self) -> Decimal:
        return self.entitled_hours - self.balance_hours

    @property
    def available_hours(self) -> Decimal:
        """What can still be asked for: the balance less requests not yet decided."""
        return self.balance_hours - self.pending_hours


@transaction.atomic
def leave_balances_refresh(*, employee: Employee, on: datetime.date) -> list[LeaveYearBalance]:
    """Rebuild and return the employee's balance of every leave type with an entitlement, for the
    leave year containing ``on``. The rebuild is deterministic, so reading twice changes nothing."""
    department = employee.department
    with department_context(department.id):
        year_start = leave_year_start(department, on)
        balances = []
        for leave_type in LeaveType.objects.filter(uses_balance=True, policy__isnull=False).order_by("code"):
            leave_balance_recalculate(employee=employee, leave_type=leave_type, year_start=year_start)
            entries = tuple(LeaveBalanceEntry.objects.filter(employee=employee, leave_type=leave_type,
                                                             leave_year_start=year_start))
            pending = sum((request.hours for request in LeaveRequest.objects.filter(
                employee=employee, leave_type=leave_type, status=LeaveRequest.Status.PENDING,
                start_date__gte=year_start, start_date__lt=_next_year(year_start))), Decimal("0"))
            balances.append(LeaveYearBalance(leave_type=leave_type, year_start=year_start, entries=entries,
                                             pending_hours=pending))
        return balances


@transaction.atomic
def leave_request_create(*, employee: Employee, leave_type: LeaveType, start_date: datetime.date,
                         end_date: datetime.date, hours: Decimal, acting_user: User | None,
                         reason: str = "") -> LeaveRequest:
    """An employee (or HR on their behalf) asks for leave; it waits for the line manager."""
    department = employee.department
    with department_context(department.id):
        errors: dict[str, str] = {}
        if end_date < start_date:
            errors["end_date"] = "The last day of leave must be on or after the first day."
        if not leave_type.is_active:
            errors["leave_type"] = f"{leave_type} is no longer offered; choose another leave type."
        elif leave_type.kind == LeaveType.Kind.UNAUTHORISED:
            errors["leave_type"] = "Unauthorised absence is recorded by HR, not requested."
        elif leave_type.kind in FAMILY_LEAVE_KINDS:
            errors["leave_type"] = (f"{leave_type} is asked for as family leave, with its dates and evidence, "
                                    "not as a leave request.")
        if hours <= 0:
            errors["hours"] = "Enter the hours of leave, more than 0."
        if start_date < employee.start_date or (employee.leave_date and end_date > employee.leave_date):
            errors["start_date"] = "The leave must fall while the employee is employed."
        overlapping = LeaveRequest.objects.filter(
            employee=employee, status__in=[LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED],
            start_date__lte=end_date, end_date__gte=start_date)
        if not errors and overlapping.exists():
            errors["start_date"] = "This overlaps leave already requested or approved."
        if not errors and leave_type.uses_balance:
            year_start = leave_year_start(department, start_date)
            if not LeaveBalanceEntry.objects.filter(employee=employee, leave_type=leave_type,
                                                    leave_year_start=year_start).exists():
                leave_balance_recalculate(employee=employee, leave_type=leave_type, year_start=year_start)
            pending = sum((r.hours for r in LeaveRequest.objects.filter(
                employee=employee, leave_type=leave_type, status=LeaveRequest.Status.PENDING,
                start_date__gte=year_start, start_date__lt=_next_year(year_start))), Decimal("0"))
            available = leave_balance(employee=employee, leave_type=leave_type, year_start=year_start) - pending
            if hours > available:
                errors["hours"] = f"Only {available} hours of {leave_type} are left this leave year."
        if errors:
            raise ValidationError(errors)
        request = LeaveRequest.objects.create(employee=employee, leave_type=leave_type, start_date=start_date,
                                              end_date=end_date, hours=hours, reason=reason, requested_by=acting_user)
        audit_record(department=department, action="leave_request.create", acting_user=acting_user, target=request,
                     changes=audit_changes({}, {"employee": employee.payroll_number, "leave_type": leave_type.code,
                                                "start_date": start_date, "end_date": end_date, "hours": hours}))
        approvers_notify(
            department=department, manager=_line_manager(employee, start_date),
            subject=f"Leave request from {employee.display_name} waiting for your decision",
            body=(f"{employee.display_name} has asked for {leave_type.name.lower()} from {_day(start_date)} to "
                  f"{_day(end_date)} ({hours} hours).\n\nYou can approve or reject it in your approvals."),
        )
        return request


def _day(value: datetime.date) -> str:
    return f"{value:%-d %B %Y}"


def _line_manager(employee: Employee, on: datetime.date) -> Employee | None:
    """The employee's line manager in the employment version true on ``on``."""
    version = (Employment.objects.filter(employee=employee, superseded_at__isnull=True, valid_from__lte=on)
               .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on)).select_related("line_manager__user").first())
    return version.line_manager if version else None


@transaction.atomic
def leave_request_decide(*, request: LeaveRequest, approve: bool, acting_user: User, acting_as_hr: bool = False,
                         note: str = "") -> LeaveRequest:
    """The line manager, their deputy on the day of the decision, or HR approves or rejects a
    waiting request; nobody decides their own. A deputy's decision is audited as made for the
    manager, and the employee is told of the decision either way."""
    department = request.department
    with department_context(department.id):
        request = LeaveRequest.objects.select_for_update(of=("self",)).select_related("employee", "leave_type").get(
            pk=request.pk)
        if request.status != LeaveRequest.Status.PENDING:
            raise ValidationError({"status": f"This request is {request.get_status_display().lower()} already."})
        employee = request.employee
        if employee.user_id is not None and employee.user_id == acting_user.pk:
            raise ValidationError({"__all__": "You cannot decide your own leave request."})
        deputising_for = None
        if not acting_as_hr:
            manager = _line_manager(employee, request.start_date)
            if manager is None or manager.user_id != acting_user.pk:
                deputising_for = deputy_acting_for(acting_user=acting_user, manager=manager, day=timezone.localdate())
                if deputising_for is None:
                    raise ValidationError({"__all__": "Only the employee's line manager, their deputy, or HR, can "
                                                      "decide this request."})
        request.status = LeaveRequest.Status.APPROVED if approve else LeaveRequest.Status.REJECTED
        request.decided_by, request.decided_at, request.decision_note = acting_user, timezone.now(), note[:300]
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if approve and request.leave_type.uses_balance:
            leave_balance_recalculate(employee=employee, leave_type=request.leave_type,
                                      year_start=leave_year_start(department, request.start_date))
        after: dict[str, object] = {"status": request.status}
        if deputising_for is not None:
            after["as_deputy_for"] = str(deputising_for)
        audit_record(department=department, action="leave_request.approve" if approve else "leave_request.reject",
                     acting_user=acting_user, target=request,
                     changes=audit_changes({"status": "pending"}, after), reason=note)
        verdict = "approved" if approve else "rejected"
        requester_notify_decided(
            department=department, employee=employee,
            subject=f"Your leave request has been {verdict}",
            body=(f"Your request for {request.leave_type.name.lower()} from {_day(request.start_date)} to "
                  f"{_day(request.end_date)} has been {verdict}."
                  + (f"\n\nNote from the person who decided it: {request.decision_note}"
                     if request.decision_note else "")),
            link=reverse("hr:my-leave", kwargs={"department_slug": department.slug}),
        )
        return request


@transaction.atomic
def leave_request_cancel(*, request: LeaveRequest, acting_user: User | None,
                         as_employee: bool = False) -> LeaveRequest:
    """Withdraw a waiting or approved request; approved hours go back to the balance. An employee
    withdrawing their own (``as_employee``) can do so only before the leave starts; HR at any time."""
    department = request.department
    with department_context(department.id):
        request = LeaveRequest.objects.select_for_update().select_related("employee").get(pk=request.pk)
        if request.status not in (LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED):
            raise ValidationError({"status": f"A {request.get_status_display().lower()} request cannot be cancelled."})
        if as_employee:
            if acting_user is None or request.employee.user_id != acting_user.pk:
                raise ValidationError({"__all__": "You can only cancel your own leave requests."})
            if request.start_date <= timezone.localdate():
                raise ValidationError({"status": "This leave has started, so ask HR to change it."})
        was = request.status
        request.status = LeaveRequest.Status.CANCELLED
        request.save(update_fields=["status"])
        if was == LeaveRequest.Status.APPROVED and request.leave_type.uses_balance:
            leave_balance_recalculate(employee=request.employee, leave_type=request.leave_type,
                                      year_start=leave_year_start(department, request.start_date))
        audit_record(department=department, action="leave_request.cancel", acting_user=acting_user, target=request,
                     changes=audit_changes({"status": was}, {"status": request.status}))
        return request


@transaction.atomic
def sickness_record(*, employee: Employee, first_day: datetime.date, last_day: datetime.date | None,
                    acting_user: User | None, reason: str = "",
                    qualifying_days: list[int] | None = None) -> SicknessPeriod:
    """Record a period of sickness (the reason is health information, masked in the audit log)."""
    department = employee.department
    with department_context(department.id):
        days = sorted(set(qualifying_days if qualifying_days is not None else [0, 1, 2, 3, 4]))
        errors: dict[str, str] = {}
        if last_day is not None and last_day < first_day:
            errors["last_day"] = "The last day of sickness must be on or after the first day."
        if not days or any(day not in range(7) for day in days):
            errors["qualifying_days"] = "Give the weekdays normally worked, 0 (Monday) to 6 (Sunday)."
        if first_day < employee.start_date:
            errors["first_day"] = "The sickness must start while the person is employed."
        overlapping = SicknessPeriod.objects.filter(employee=employee).filter(
            Q(last_day__isnull=True) | Q(last_day__gte=first_day))
        if last_day is not None:
            overlapping = overlapping.filter(first_day__lte=last_day)
        if not errors and overlapping.exists():
            errors["first_day"] = "This overlaps a period of sickness already recorded."
        if errors:
            raise ValidationError(errors)
        period = SicknessPeriod.objects.create(employee=employee, first_day=first_day, last_day=last_day,
                                               reason=reason, qualifying_days=days, recorded_by=acting_user)
        audit_record(department=department, action="sickness.record", acting_user=acting_user, target=period,
                     changes=audit_changes({}, {"first_day": first_day, "last_day": last_day,
                                                "sickness_reason": reason}))
        return period
