"""Family leave (maternity, adoption, paternity, shared parental, parental bereavement, neonatal care),
unauthorised absence, and the department's occupational pay schemes for absence.

Payroll pays from what is stored here: confirmed family leave with its dates and evidence, approved
requests of unpaid leave types (unauthorised absence among them), and the schemes in effect. So
every write checks the whole record before it saves, and refuses bad input by field with nothing
written.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from departments.models import Department
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from hr.absence_schemes import scheme_problems
from hr.models import AbsencePayScheme, Employee, Employment, FamilyLeave, LeaveRequest, LeaveType
from hr.services.leave import leave_types_install_defaults
from shared_services.accounts.models import User

__all__ = [
    "FAMILY_LEAVE_CHANGEABLE",
    "FAMILY_LEAVE_FIELDS",
    "family_leave_cancel",
    "family_leave_change",
    "family_leave_confirm",
    "family_leave_record",
    "family_leave_request",
    "absence_pay_scheme_reset",
    "absence_pay_scheme_set",
    "unauthorised_absence_record",
]

Kind = FamilyLeave.Kind
WEEK = datetime.timedelta(weeks=1)
LONGEST_LEAVE_DAYS: dict[str, int] = {Kind.NEONATAL_CARE: 12 * 7}  # every other kind: 52 weeks
LONGEST_LEAVE_DEFAULT_DAYS = 52 * 7
BIRTH_KINDS = (Kind.MATERNITY, Kind.PATERNITY_BIRTH)
ADOPTION_KINDS = (Kind.ADOPTION, Kind.PATERNITY_ADOPTION)
# The MATB1 for maternity, the matching certificate for adoption (SMP and SAP depend on them).
EVIDENCE_KINDS = (Kind.MATERNITY, Kind.ADOPTION, Kind.PATERNITY_ADOPTION)
EVIDENCE_NAMES: dict[str, str] = {Kind.MATERNITY: "the MATB1", Kind.ADOPTION: "the matching certificate",
                  Kind.PATERNITY_ADOPTION: "the matching certificate"}
# Weeks of statutory pay that can be claimed: required where the employee chooses them, optional
# (to end the pay early) for maternity and adoption pay, which otherwise run their 39 weeks.
STATUTORY_WEEKS: dict[str, tuple[int, int, bool]] = {  # kind: (fewest, most, required)
    Kind.MATERNITY: (1, 39, False),
    Kind.ADOPTION: (1, 39, False),
    Kind.PATERNITY_BIRTH: (1, 2, True),
    Kind.PATERNITY_ADOPTION: (1, 2, True),
    Kind.PARENTAL_BEREAVEMENT: (1, 2, True),
    Kind.NEONATAL_CARE: (1, 12, True),
    Kind.SHARED_PARENTAL: (1, 37, True),
}
MOST_KIT_DAYS: dict[str, int] = {Kind.MATERNITY: 10, Kind.ADOPTION: 10, Kind.SHARED_PARENTAL: 20}
MATB1_EARLIEST_WEEKS = 20
EARLIEST_DATE, LATEST_DATE = datetime.date(1900, 1, 1), datetime.date(2199, 12, 31)
DATE_FIELDS = ("start_date", "end_date", "expected_date", "matched_date", "event_date", "evidence_date",
               "evidence_received_on")
MATERNITY_EARLIEST_WEEKS = 11  # leave may start in the 11th week before the expected week of childbirth
PATERNITY_WITHIN_WEEKS = 52
BEREAVEMENT_WITHIN_WEEKS = 56
NEONATAL_WITHIN_WEEKS = 68

FAMILY_LEAVE_FIELDS = ("start_date", "end_date", "expected_date", "matched_date", "event_date", "evidence_date",
                       "evidence_received_on", "evidence_reference", "statutory_weeks", "keeping_in_touch_days",
                       "note")
FAMILY_LEAVE_CHANGEABLE = frozenset(FAMILY_LEAVE_FIELDS)
OPEN_STATUSES = (FamilyLeave.Status.REQUESTED, FamilyLeave.Status.CONFIRMED)


def week_starting_sunday(day: datetime.date) -> datetime.date:
    """The Sunday that starts the week (Sunday to Saturday) containing ``day``."""
    return day - datetime.timedelta(days=(day.weekday() + 1) % 7)


def _on(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _missing_dates(kind: str, v: Mapping[str, Any]) -> dict[str, str]:
    """The dates the kind needs that are not given."""
    errors: dict[str, str] = {}
    expected, matched = v["expected_date"], v["matched_date"]
    if kind in BIRTH_KINDS and expected is None:
        errors["expected_date"] = "Enter a day in the week the baby is expected."
    if kind in ADOPTION_KINDS:
        if matched is None:
            errors["matched_date"] = "Enter the day the adopter was told they had been matched with a child."
        if expected is None:
            errors["expected_date"] = "Enter the expected date of placement."
        elif matched is not None and expected < matched:
            errors["expected_date"] = "The expected date of placement must be on or after the day of the match."
    if kind == Kind.SHARED_PARENTAL and expected is None:
        errors["expected_date"] = "Enter a day in the week the baby is expected, or the expected date of placement."
    if kind in (Kind.PARENTAL_BEREAVEMENT, Kind.NEONATAL_CARE) and v["event_date"] is None:
        errors["event_date"] = ("Enter the date the child died." if kind == Kind.PARENTAL_BEREAVEMENT
                                else "Enter the date the baby was born.")
    return errors


def _maternity_problems(v: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    expected_week = week_starting_sunday(v["expected_date"])
    earliest = expected_week - MATERNITY_EARLIEST_WEEKS * WEEK
    if v["event_date"] is not None and v["event_date"] < earliest:
        earliest = v["event_date"]  # a baby born early starts the leave from the birth
    if v["start_date"] < earliest:
        errors["start_date"] = (f"Maternity leave cannot start before {_on(earliest)}, the start of the "
                                f"{MATERNITY_EARLIEST_WEEKS}th week before the expected week of childbirth, "
                                "unless the baby was born earlier.")
    # A MATB1 is issued no earlier than 20 weeks before the expected week of childbirth.
    earliest_matb1 = expected_week - MATB1_EARLIEST_WEEKS * WEEK
    if v["evidence_date"] is not None and v["evidence_date"] < earliest_matb1:
        errors["evidence_date"] = (f"A MATB1 cannot be dated before {_on(earliest_matb1)}, 20 weeks before the "
                                   "expected week of childbirth.")
    return errors


def _short_leave_problems(kind: str, v: Mapping[str, Any], days: int) -> dict[str, str]:
    """Paternity and bereavement: one or two weeks, within a window from the birth, placement or death."""
    start, end, event = v["start_date"], v["end_date"], v["event_date"]
    anchor = event if event is not None else v["expected_date"]
    weeks = BEREAVEMENT_WITHIN_WEEKS if kind == Kind.PARENTAL_BEREAVEMENT else PATERNITY_WITHIN_WEEKS
    what = {"paternity_birth": "birth", "paternity_adoption": "placement"}.get(kind, "child's death")
    if start < anchor:
        return {"start_date": f"The leave cannot start before the {what} ({_on(anchor)})."}
    if end >= anchor + weeks * WEEK:
        return {"end_date": f"The leave must be taken within {weeks} weeks of the {what}."}
    if days not in (7, 14):
        return {"end_date": f"{Kind(kind).label} is one week or two weeks (7 or 14 days)."}
    return {}


def _kind_problems(kind: str, v: Mapping[str, Any]) -> dict[str, str]:
    """The dates the kind needs, and the windows its leave must fall in."""
    errors = _missing_dates(kind, v)
    if errors:
        return errors
    start, end = v["start_date"], v["end_date"]
    days = (end - start).days + 1
    longest = LONGEST_LEAVE_DAYS.get(kind, LONGEST_LEAVE_DEFAULT_DAYS)
    if days > longest:
        errors["end_date"] = f"{Kind(kind).label} can last at most {longest // 7} weeks."
    if kind == Kind.MATERNITY:
        errors.update(_maternity_problems(v))
    elif kind in (Kind.PATERNITY_BIRTH, Kind.PATERNITY_ADOPTION, Kind.PARENTAL_BEREAVEMENT):
        errors.update(_short_leave_problems(kind, v, days))
    elif kind == Kind.NEONATAL_CARE:
        event = v["event_date"]
        if start < event:
            errors["start_date"] = f"Neonatal care leave cannot start before the birth ({_on(event)})."
        elif end >= event + NEONATAL_WITHIN_WEEKS * WEEK and "end_date" not in errors:
            errors["end_date"] = f"Neonatal care leave must be taken within {NEONATAL_WITHIN_WEEKS} weeks of the birth."
    return errors


def _evidence_problems(kind: str, v: Mapping[str, Any], *, self_service: bool, confirming: bool) -> dict[str, str]:
    """The MATB1 or matching certificate: its date always, its receipt before the leave is confirmed."""
    errors: dict[str, str] = {}
    if kind in EVIDENCE_KINDS:
        evidence = EVIDENCE_NAMES[kind]
        if v["evidence_date"] is None:
            errors["evidence_date"] = (f"Evidence is required: enter the date on {evidence}." if self_service
                                       else f"Enter the date on {evidence}.")
        if confirming and v["evidence_received_on"] is None:
            errors["evidence_received_on"] = f"Enter the date {evidence} was received."
    received, dated = v["evidence_received_on"], v["evidence_date"]
    if received is not None and dated is not None and received < dated:
        errors["evidence_received_on"] = "The evidence cannot have been received before the date on it."
    if len(v["evidence_reference"]) > 100:
        errors["evidence_reference"] = "The evidence reference must be 100 characters or fewer."
    return errors


def _statutory_weeks_problem(kind: str, weeks: int | None, leave_days: int) -> str:
    fewest, most, required = STATUTORY_WEEKS[kind]
    if weeks is None:
        return f"Enter the weeks of statutory pay claimed, {fewest} to {most}." if required else ""
    if not fewest <= weeks <= most:
        return f"Weeks of statutory pay for {Kind(kind).label.lower()} must be {fewest} to {most}."
    if weeks > -(-leave_days // 7):
        return "The weeks of statutory pay must fit within the leave."
    return ""


def _kit_days_problem(kind: str, days: Sequence[datetime.date], start: datetime.date, end: datetime.date) -> str:
    if not days:
        return ""
    most = MOST_KIT_DAYS.get(kind, 0)
    name = "SPLIT days" if kind == Kind.SHARED_PARENTAL else "Keeping in touch days"
    if most == 0:
        return f"{Kind(kind).label} has no keeping in touch days."
    if len(days) > most:
        return f"{name} can be at most {most}."
    outside = [day for day in days if not start <= day <= end]
    if outside:
        return f"{name} must fall within the leave; {_on(outside[0])} does not."
    return ""


def _dates_out_of_range(values: Mapping[str, Any]) -> dict[str, str]:
    """Dates far outside any working life are typing mistakes, and week arithmetic on them overflows."""
    for field in DATE_FIELDS:
        day = values[field]
        if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
            return {field: f"Enter a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}."}
    if any(not EARLIEST_DATE <= day <= LATEST_DATE for day in values["keeping_in_touch_days"]):
        return {"keeping_in_touch_days": f"Enter dates between {EARLIEST_DATE.year} and {LATEST_DATE.year}."}
    return {}


def _problems(*, employee: Employee, kind: str, values: Mapping[str, Any], self_service: bool,
              confirming: bool, exclude_pk: int | None = None) -> dict[str, str]:
    """Everything wrong with a family leave, by field; empty when it can be stored."""
    if kind not in Kind.values:
        return {"kind": f"Choose the kind of leave: {', '.join(Kind.values)}."}
    out_of_range = _dates_out_of_range(values)
    if out_of_range:
        return out_of_range
    start, end = values["start_date"], values["end_date"]
    if start is None or end is None:
        return {"start_date" if start is None else "end_date": "Enter the first and last days of the leave."}
    if end < start:
        return {"end_date": "The last day of leave must be on or after the first day."}
    errors = _kind_problems(kind, values)
    if "start_date" not in errors and (
            start < employee.start_date or (employee.leave_date is not None and end > employee.leave_date)):
        errors["start_date"] = "The leave must fall while the employee is employed."
    for field, message in _evidence_problems(kind, values, self_service=self_service, confirming=confirming).items():
        errors.setdefault(field, message)
    weeks_problem = _statutory_weeks_problem(kind, values["statutory_weeks"], (end - start).days + 1)
    if weeks_problem:
        errors["statutory_weeks"] = weeks_problem
    kit_problem = _kit_days_problem(kind, values["keeping_in_touch_days"], start, end)
    if kit_problem:
        errors["keeping_in_touch_days"] = kit_problem
    if len(values["note"]) > 300:
        errors["note"] = "The note must be 300 characters or fewer."
    if not errors:
        overlapping = FamilyLeave.objects.filter(employee=employee, status__in=OPEN_STATUSES,
                                                 start_date__lte=end, end_date__gte=start)
        if exclude_pk is not None:
            overlapping = overlapping.exclude(pk=exclude_pk)
        clash = overlapping.order_by("start_date").first()
        if clash is not None:
            errors["start_date"] = (f"This overlaps {clash.get_kind_display().lower()} from {_on(clash.start_date)} "
                                    f"to {_on(clash.end_date)}.")
    return errors


def _values(*, start_date: datetime.date, end_date: datetime.date, expected_date: datetime.date | None,
            matched_date: datetime.date | None, event_date: datetime.date | None,
            evidence_date: datetime.date | None, evidence_received_on: datetime.date | None,
            evidence_reference: str, statutory_weeks: int | None, keeping_in_touch_days: Iterable[datetime.date],
            note: str) -> dict[str, Any]:
    return {"start_date": start_date, "end_date": end_date, "expected_date": expected_date,
            "matched_date": matched_date, "event_date": event_date, "evidence_date": evidence_date,
            "evidence_received_on": evidence_received_on, "evidence_reference": (evidence_reference or "").strip(),
            "statutory_weeks": statutory_weeks, "keeping_in_touch_days": sorted(set(keeping_in_touch_days)),
            "note": (note or "").strip()}


def _audited(leave: FamilyLeave) -> dict[str, Any]:
    return {"employee": leave.employee.payroll_number, "kind": leave.kind, "status": leave.status,
            **{name: getattr(leave, name) for name in FAMILY_LEAVE_FIELDS}}


def _create(*, employee: Employee, kind: str, values: dict[str, Any], status: str, acting_user: User | None,
            self_service: bool) -> FamilyLeave:
    department = employee.department
    with department_context(department.id):
        # Serialise writes to one employee's family leave, so two overlapping requests cannot both pass.
        Employee.objects.select_for_update().filter(pk=employee.pk).first()
        confirming = status == FamilyLeave.Status.CONFIRMED
        errors = _problems(employee=employee, kind=kind, values=values, self_service=self_service,
                           confirming=confirming)
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        leave = FamilyLeave.objects.create(
            employee=employee, kind=kind, status=status, requested_by=acting_user, requested_at=now,
            confirmed_by=acting_user if confirming else None, confirmed_at=now if confirming else None, **values)
        action = "family_leave.record" if confirming else "family_leave.request"
        audit_record(department=department, action=action, acting_user=acting_user, target=leave,
                     changes=audit_changes({}, _audited(leave)))
        return leave


@transaction.atomic
def family_leave_record(*, employee: Employee, kind: str, start_date: datetime.date, end_date: datetime.date,
                        expected_date: datetime.date | None = None, matched_date: datetime.date | None = None,
                        event_date: datetime.date | None = None, evidence_date: datetime.date | None = None,
                        evidence_received_on: datetime.date | None = None, evidence_reference: str = "",
                        statutory_weeks: int | None = None,
                        keeping_in_touch_days: Iterable[datetime.date] = (), note: str = "",
                        acting_user: User | None) -> FamilyLeave:
    """HR enters family leave, confirmed at once (so payroll pays it): the evidence must be in hand."""
    values = _values(start_date=start_date, end_date=end_date, expected_date=expected_date, matched_date=matched_date,
                     event_date=event_date, evidence_date=evidence_date, evidence_received_on=evidence_received_on,
                     evidence_reference=evidence_reference, statutory_weeks=statutory_weeks,
                     keeping_in_touch_days=keeping_in_touch_days, note=note)
    return _create(employee=employee, kind=kind, values=values, status=FamilyLeave.Status.CONFIRMED,
                   acting_user=acting_user, self_service=False)


@transaction.atomic
def family_leave_request(*, employee: Employee, kind: str, start_date: datetime.date, end_date: datetime.date,
                         expected_date: datetime.date | None = None, matched_date: datetime.date | None = None,
                         event_date: datetime.date | None = None, evidence_date: datetime.date | None = None,
                         evidence_received_on: datetime.date | None = None, evidence_reference: str = "",
                         statutory_weeks: int | None = None,
                         keeping_in_touch_days: Iterable[datetime.date] = (), note: str = "",
                         acting_user: User) -> FamilyLeave:
    """The employee asks for family leave for themselves; it waits for HR to confirm it (and see the
    evidence). Nothing is paid until then."""
    if employee.user_id is None or employee.user_id != acting_user.pk:
        raise ValidationError({"__all__": "You can only request family leave for yourself."})
    values = _values(start_date=start_date, end_date=end_date, expected_date=expected_date, matched_date=matched_date,
                     event_date=event_date, evidence_date=evidence_date, evidence_received_on=evidence_received_on,
                     evidence_reference=evidence_reference, statutory_weeks=statutory_weeks,
                     keeping_in_touch_days=keeping_in_touch_days, note=note)
    return _create(employee=employee, kind=kind, values=values, status=FamilyLeave.Status.REQUESTED,
                   acting_user=acting_user, self_service=True)


def _locked(leave: FamilyLeave) -> FamilyLeave:
    return FamilyLeave.objects.select_for_update().select_related("employee").get(pk=leave.pk)


@transaction.atomic
def family_leave_confirm(*, leave: FamilyLeave, evidence_received_on: datetime.date | None,
                         acting_user: User | None) -> FamilyLeave:
    """HR confirms a requested leave once the evidence (where the kind needs it) has arrived; from
    then on payroll pays it."""
    department = leave.department
    with department_context(department.id):
        leave = _locked(leave)
        if leave.status != FamilyLeave.Status.REQUESTED:
            raise ValidationError(
                {"status": f"This leave is {leave.get_status_display().lower()}, not waiting for HR."})
        values = {name: getattr(leave, name) for name in FAMILY_LEAVE_FIELDS}
        values["evidence_received_on"] = evidence_received_on or leave.evidence_received_on
        errors = _problems(employee=leave.employee, kind=leave.kind, values=values, self_service=False,
                           confirming=True, exclude_pk=leave.pk)
        if errors:
            raise ValidationError(errors)
        before = _audited(leave)
        leave.status = FamilyLeave.Status.CONFIRMED
        leave.evidence_received_on = values["evidence_received_on"]
        leave.confirmed_by, leave.confirmed_at = acting_user, timezone.now()
        leave.save(update_fields=["status", "evidence_received_on", "confirmed_by", "confirmed_at"])
        audit_record(department=department, action="family_leave.confirm", acting_user=acting_user, target=leave,
                     changes=audit_changes(before, _audited(leave)))
        return leave


@transaction.atomic
def family_leave_cancel(*, leave: FamilyLeave, acting_user: User | None, reason: str = "",
                        as_employee: bool = False) -> FamilyLeave:
    """Cancel requested or confirmed leave (HR), or withdraw one's own request before HR confirms it
    (``as_employee``). Pay already made for cancelled leave is payroll's to correct."""
    department = leave.department
    with department_context(department.id):
        leave = _locked(leave)
        if leave.status not in OPEN_STATUSES:
            raise ValidationError({"status": "This leave is cancelled already."})
        if as_employee:
            if acting_user is None or leave.employee.user_id != acting_user.pk:
                raise ValidationError({"__all__": "You can only withdraw your own requests."})
            if leave.status != FamilyLeave.Status.REQUESTED:
                raise ValidationError({"status": "HR has confirmed this leave, so ask HR to change it."})
        was = leave.status
        leave.status = FamilyLeave.Status.CANCELLED
        leave.note = leave.note if not reason else f"{leave.note} Cancelled: {reason}".strip()[:300]
        leave.save(update_fields=["status", "note"])
        audit_record(department=department, action="family_leave.cancel", acting_user=acting_user, target=leave,
                     changes=audit_changes({"status": was}, {"status": leave.status}), reason=reason[:500])
        return leave


@transaction.atomic
def family_leave_change(*, leave: FamilyLeave, changes: Mapping[str, Any], acting_user: User | None) -> FamilyLeave:
    """HR changes a requested or confirmed leave's dates, evidence, weeks or KIT days; the whole
    leave is checked again as it would stand."""
    department = leave.department
    with department_context(department.id):
        unknown = sorted(set(changes) - FAMILY_LEAVE_CHANGEABLE)
        if unknown:
            raise ValidationError({name: "This cannot be changed; cancel the leave and record it again."
                                   for name in unknown})
        leave = _locked(leave)
        if leave.status not in OPEN_STATUSES:
            raise ValidationError({"status": "Cancelled leave cannot be changed."})
        current = {name: getattr(leave, name) for name in FAMILY_LEAVE_FIELDS}
        merged = _values(**{**current, **changes})
        errors = _problems(employee=leave.employee, kind=leave.kind, values=merged, self_service=False,
                           confirming=leave.status == FamilyLeave.Status.CONFIRMED, exclude_pk=leave.pk)
        if errors:
            raise ValidationError(errors)
        before = _audited(leave)
        changed = [name for name in FAMILY_LEAVE_FIELDS if merged[name] != current[name]]
        for name in changed:
            setattr(leave, name, merged[name])
        if changed:
            leave.save(update_fields=changed)
            audit_record(department=department, action="family_leave.change", acting_user=acting_user,
                         target=leave, changes=audit_changes(before, _audited(leave)))
        return leave


# --- Occupational pay schemes ----------------------------------------------------------------------


def _scheme_kind(kind: str) -> None:
    if kind not in AbsencePayScheme.Kind.values:
        raise ValidationError({"kind": f"Choose a kind of scheme: {', '.join(AbsencePayScheme.Kind.values)}."})


@transaction.atomic
def absence_pay_scheme_set(*, department: Department, kind: str, name: str, steps: Any,
                           rolling_period_days: int | None, qualifying_service_weeks: int,
                           acting_user: User | None) -> AbsencePayScheme:
    """Create or replace the department's scheme for one kind of absence. The steps must add up
    (``hr.absence_schemes.scheme_problems``); payroll reads the scheme for pay from then on."""
    with department_context(department.id):
        _scheme_kind(kind)
        name = (name or "").strip()
        errors: dict[str, str] = {}
        if not name:
            errors["name"] = "Enter the name of the scheme."
        elif len(name) > 100:
            errors["name"] = "The name must be 100 characters or fewer."
        if (not isinstance(qualifying_service_weeks, int) or isinstance(qualifying_service_weeks, bool)
                or not 0 <= qualifying_service_weeks <= 520):
            errors["qualifying_service_weeks"] = "Weeks of service needed must be a whole number from 0 to 520."
        errors.update({field: message for field, message in scheme_problems(
            kind=kind, steps=steps, rolling_period_days=rolling_period_days).items() if field not in errors})
        if errors:
            raise ValidationError(errors)
        scheme = AbsencePayScheme.objects.select_for_update().filter(kind=kind).first()
        before = ({"name": scheme.name, "steps": scheme.steps, "rolling_period_days": scheme.rolling_period_days,
                   "qualifying_service_weeks": scheme.qualifying_service_weeks} if scheme else {})
        after = {"name": name, "steps": [dict(step) for step in steps], "rolling_period_days": rolling_period_days,
                 "qualifying_service_weeks": qualifying_service_weeks}
        if scheme is None:
            scheme = AbsencePayScheme(kind=kind)
        for field, value in after.items():
            setattr(scheme, field, value)
        scheme.updated_by, scheme.updated_at = acting_user, timezone.now()
        scheme.save()
        audit_record(department=department, action="absence_pay_scheme.set", acting_user=acting_user, target=scheme,
                     changes=audit_changes(before, after))
        return scheme


@transaction.atomic
def absence_pay_scheme_reset(*, department: Department, kind: str, acting_user: User | None) -> bool:
    """Go back to the default scheme for a kind (the department's own is deleted); False when the
    department had none of its own."""
    with department_context(department.id):
        _scheme_kind(kind)
        scheme = AbsencePayScheme.objects.select_for_update().filter(kind=kind).first()
        if scheme is None:
            return False
        before = {"name": scheme.name, "steps": scheme.steps, "rolling_period_days": scheme.rolling_period_days,
                  "qualifying_service_weeks": scheme.qualifying_service_weeks}
        audit_record(department=department, action="absence_pay_scheme.reset", acting_user=acting_user,
                     target=scheme, changes=audit_changes(before, {}))
        scheme.delete()
        return True


# --- Unauthorised absence ---------------------------------------------------------------------------


def _unauthorised_type(department: Department) -> LeaveType | None:
    chosen = LeaveType.objects.filter(kind=LeaveType.Kind.UNAUTHORISED, is_paid=False).order_by("code").first()
    if chosen is None:
        leave_types_install_defaults(department=department, acting_user=None)
        chosen = LeaveType.objects.filter(kind=LeaveType.Kind.UNAUTHORISED, is_paid=False).order_by("code").first()
    return chosen


def working_hours(*, employee: Employee, start_date: datetime.date, end_date: datetime.date) -> Decimal:
    """Contracted hours over Monday to Friday in the range, each day a fifth of the week's hours of
    the employment true that day (37 a week full-time unless recorded otherwise)."""
    versions = list(Employment.objects.filter(employee=employee, superseded_at__isnull=True,
                                              valid_from__lte=end_date)
                    .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start_date)).order_by("valid_from"))
    total, day = Decimal("0"), start_date
    while day <= end_date:
        if day.weekday() < 5:
            version = next((v for v in reversed(versions) if v.covers(day)), None)
            weekly = version.contracted_hours if version is not None else Decimal("37")
            total += weekly / 5
        day += datetime.timedelta(days=1)
    return total.quantize(Decimal("0.01"))


@transaction.atomic
def unauthorised_absence_record(*, employee: Employee, start_date: datetime.date, end_date: datetime.date,
                                acting_user: User | None, note: str = "",
                                hours: Decimal | None = None) -> LeaveRequest:
    """Record unauthorised absence: an approved request of the department's unpaid "unauthorised"
    leave type, so payroll stops pay for those days. ``hours`` defaults to the contracted hours of
    the weekdays in the range."""
    department = employee.department
    with department_context(department.id):
        errors: dict[str, str] = {}
        for field, day in (("start_date", start_date), ("end_date", end_date)):
            if not EARLIEST_DATE <= day <= LATEST_DATE:
                errors[field] = f"Enter a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}."
        if errors:
            raise ValidationError(errors)
        if end_date < start_date:
            errors["end_date"] = "The last day of absence must be on or after the first day."
        elif start_date < employee.start_date or (employee.leave_date and end_date > employee.leave_date):
            errors["start_date"] = "The absence must fall while the employee is employed."
        if len(note or "") > 300:
            errors["note"] = "The note must be 300 characters or fewer."
        if hours is not None and hours <= 0:
            errors["hours"] = "Enter the hours of absence, more than 0."
        if not errors:
            clash = (LeaveRequest.objects.filter(employee=employee, start_date__lte=end_date, end_date__gte=start_date,
                                                 status__in=[LeaveRequest.Status.PENDING,
                                                             LeaveRequest.Status.APPROVED])
                     .select_related("leave_type").first())
            family = FamilyLeave.objects.filter(employee=employee, status__in=OPEN_STATUSES,
                                                start_date__lte=end_date, end_date__gte=start_date).first()
            if clash is not None:
                errors["start_date"] = (f"This overlaps {clash.leave_type.name.lower()} from {_on(clash.start_date)} "
                                        f"to {_on(clash.end_date)}.")
            elif family is not None:
                errors["start_date"] = (f"This overlaps {family.get_kind_display().lower()} from "
                                        f"{_on(family.start_date)} to {_on(family.end_date)}.")
        if not errors and hours is None:
            hours = working_hours(employee=employee, start_date=start_date, end_date=end_date)
            if hours <= 0:
                errors["hours"] = "These days include no working hours; enter the hours of absence."
        if errors:
            raise ValidationError(errors)
        assert hours is not None
        leave_type = _unauthorised_type(department)
        if leave_type is None:
            raise ValidationError({"__all__": "The department has no unpaid leave type for unauthorised absence."})
        now = timezone.now()
        request = LeaveRequest.objects.create(
            employee=employee, leave_type=leave_type, start_date=start_date, end_date=end_date, hours=hours,
            status=LeaveRequest.Status.APPROVED, reason=(note or "").strip(), requested_by=acting_user,
            requested_at=now, decided_by=acting_user, decided_at=now, decision_note="Recorded by HR")
        audit_record(department=department, action="unauthorised_absence.record", acting_user=acting_user,
                     target=request, changes=audit_changes({}, {"employee": employee.payroll_number,
                                                                "leave_type": leave_type.code,
                                                                "start_date": start_date, "end_date": end_date,
                                                                "hours": hours}))
        return request
