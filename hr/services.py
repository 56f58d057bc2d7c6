"""Every write to HR records: organisation, grades, starters, movers, leavers and corrections.

Each service runs in its department's context and transaction and writes the audit log. Invalid
input raises ``ValidationError`` keyed by field, and nothing is written.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Model, Q
from django.utils import timezone

from departments.bulk import AnyOf, bulk_insert, refresh_statistics
from departments.models import Department
from departments.services import MASK, AuditEntry, audit_changes, audit_record, audit_record_many
from departments.tenancy import department_context
from hr.models import (
    CostCentre,
    Employee,
    Employment,
    Grade,
    LeaveBalanceEntry,
    LeavePolicy,
    LeaveRequest,
    LeaveType,
    OrganisationUnit,
    PayRange,
    SicknessPeriod,
)
from hr.models.organisation import Location, TreeNode
from hr.validators import (
    normalise_ni_number,
    normalise_postcode,
    normalise_sort_code,
    validate_account_number,
    validate_ni_number,
    validate_postcode,
    validate_sort_code,
)
from shared_services.accounts.models import User
from shared_services.core.hooks import pay_period_lock

# Civil Service grades every department starts with; each department edits them and adds its own.
DEFAULT_GRADES: list[tuple[str, str, int]] = [
    ("AA", "Administrative Assistant", 1),
    ("AO", "Administrative Officer", 2),
    ("EO", "Executive Officer", 3),
    ("HEO", "Higher Executive Officer", 4),
    ("SEO", "Senior Executive Officer", 5),
    ("G7", "Grade 7", 6),
    ("G6", "Grade 6", 7),
    ("SCS1", "Senior Civil Service pay band 1", 8),
    ("SCS2", "Senior Civil Service pay band 2", 9),
    ("SCS3", "Senior Civil Service pay band 3", 10),
]

# Fields of an employment version that a change or correction may set.
EMPLOYMENT_FIELDS = (
    "post_title", "organisation_unit", "grade", "pay_range_point", "annual_salary", "fte", "contracted_hours",
    "working_pattern", "contract_type", "cost_centre", "line_manager", "location",
)
DEPARTMENT_OWNED_TERMS = ("organisation_unit", "grade", "cost_centre", "line_manager")
PERSONAL_FIELDS = (
    "payroll_number", "title", "first_name", "last_name", "preferred_name", "date_of_birth", "ni_number", "sex",
    "gender_identity", "address_line_1", "address_line_2", "town", "postcode", "email", "phone", "bank_sort_code",
    "bank_account_number", "building_society_roll_number", "start_date", "tax_code", "tax_basis", "ni_category",
    "student_loans", "pension_scheme", "starter_declaration", "previous_payroll_id", "user",
)
MINIMUM_AGE_AT_START = 16
LATEST_START_AHEAD = datetime.timedelta(days=366)


def _validated(instance: Model, *, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None


def _values(instance: Model, fields: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in fields}


# --- Organisation -------------------------------------------------------------------------------


def _place_in_tree(node: TreeNode, parent: TreeNode | None) -> None:
    """Set ``path`` and ``depth`` from the parent (the node must be saved, to have an id)."""
    if parent is not None and parent.department_id != node.department_id:  # type: ignore[attr-defined]
        raise ValidationError({"parent": "The parent must belong to the same department."})
    if parent is not None and (parent.pk == node.pk or parent.path.startswith(node.path or "\0")):
        raise ValidationError({"parent": "A unit cannot sit inside itself or one of its own sub-units."})
    node.path = (parent.path if parent else "") + f"{node.pk:06d}."
    node.depth = (parent.depth + 1) if parent else 0


def _create_tree_node(model: type[TreeNode], *, department: Department, acting_user: User | None,
                      parent: TreeNode | None, action: str, **fields: Any) -> Any:
    with department_context(department.id):
        if model.objects.filter(code=fields.get("code")).exists():
            raise ValidationError({"code": f"{department.name} already has one with the code {fields.get('code')!r}."})
        node = model(department=department, **{"parent": parent, **fields})
        _validated(node, exclude=["path", "depth"])
        node.save()
        _place_in_tree(node, parent)
        node.save(update_fields=["path", "depth"])
        audit_record(department=department, action=action, acting_user=acting_user, target=node,
                     changes=audit_changes({}, {"code": node.code, "name": node.name,
                                                "parent": parent.code if parent else None}))
        return node


@transaction.atomic
def organisation_unit_create(*, department: Department, code: str, name: str, acting_user: User | None,
                             kind: str = OrganisationUnit.Kind.TEAM,
                             parent: OrganisationUnit | None = None) -> OrganisationUnit:
    unit: OrganisationUnit = _create_tree_node(
        OrganisationUnit, department=department, acting_user=acting_user, parent=parent,
        action="organisation_unit.create", code=code, name=name, kind=kind,
    )
    return unit


@transaction.atomic
def cost_centre_create(*, department: Department, code: str, name: str, acting_user: User | None,
                       parent: CostCentre | None = None, owner: User | None = None) -> CostCentre:
    centre: CostCentre = _create_tree_node(
        CostCentre, department=department, acting_user=acting_user, parent=parent,
        action="cost_centre.create", code=code, name=name, owner=owner,
    )
    return centre


@transaction.atomic
def grade_create(*, department: Department, code: str, name: str, rank: int, acting_user: User | None) -> Grade:
    with department_context(department.id):
        if Grade.objects.filter(code=code).exists():
            raise ValidationError({"code": f"{department.name} already has a grade with the code {code!r}."})
        grade = Grade(department=department, code=code, name=name, rank=rank)
        _validated(grade)
        grade.save()
        audit_record(department=department, action="grade.create", acting_user=acting_user, target=grade,
                     changes=audit_changes({}, {"code": code, "name": name, "rank": rank}))
        return grade


@transaction.atomic
def grades_install_defaults(*, department: Department, acting_user: User | None) -> list[Grade]:
    """The Civil Service grades, for a department that has none of them yet (idempotent)."""
    with department_context(department.id):
        existing = set(Grade.objects.values_list("code", flat=True))
        return [
            grade_create(department=department, code=code, name=name, rank=rank, acting_user=acting_user)
            for code, name, rank in DEFAULT_GRADES if code not in existing
        ]


@transaction.atomic
def pay_range_set(*, grade: Grade, location: str, minimum: Decimal, maximum: Decimal,
                  acting_user: User | None) -> PayRange:
    """Create or change the pay range of a grade at a location."""
    with department_context(grade.department_id):  # type: ignore[attr-defined]
        pay_range = PayRange.objects.filter(grade=grade, location=location).first()
        before = _values(pay_range, ["minimum", "maximum"]) if pay_range else {}
        pay_range = pay_range or PayRange(department_id=grade.department_id, grade=grade,  # type: ignore[attr-defined]
                                          location=location)
        pay_range.minimum, pay_range.maximum = minimum, maximum
        if maximum < minimum:
            raise ValidationError({"maximum": "The maximum must be at least the minimum."})
        _validated(pay_range)
        pay_range.save()
        audit_record(department=grade.department, action="pay_range.set", acting_user=acting_user,
                     target=pay_range, changes=audit_changes(before, {"minimum": minimum, "maximum": maximum}))
        return pay_range


# --- Starters, movers, leavers, corrections -------------------------------------------------------


def _check_terms(department: Department, terms: Mapping[str, Any], override_reason: str) -> None:
    """References inside the department, and a salary within the grade's range (or a reason)."""
    errors: dict[str, str] = {}
    unknown = sorted(set(terms) - set(EMPLOYMENT_FIELDS))
    if unknown:
        errors["__all__"] = f"Unknown employment fields: {', '.join(unknown)}."
    for name in DEPARTMENT_OWNED_TERMS:
        value = terms.get(name)
        if value is not None and value.department_id != department.id:
            errors[name] = f"The {name.replace('_', ' ')} must belong to {department.name}."
    grade, location, salary = terms.get("grade"), terms.get("location", Location.NATIONAL), terms.get("annual_salary")
    if not errors and grade is not None and salary is not None:
        pay_range = PayRange.objects.filter(grade=grade, location=location).first()
        if pay_range and not (pay_range.minimum <= Decimal(salary) <= pay_range.maximum) and not override_reason:
            errors["annual_salary"] = (
                f"£{Decimal(salary):,.2f} is outside the {grade.code} {location} range "
                f"(£{pay_range.minimum:,.2f} to £{pay_range.maximum:,.2f}); give a reason to override it."
            )
    if errors:
        raise ValidationError(errors)


def _new_version(employee: Employee, *, valid_from: datetime.date, valid_to: datetime.date | None,
                 terms: Mapping[str, Any], acting_user: User | None, reason: str) -> Employment:
    version = Employment(department_id=employee.department_id, employee=employee,  # type: ignore[attr-defined]
                         valid_from=valid_from, valid_to=valid_to, recorded_by=acting_user,
                         change_reason=reason[:200], **terms)
    _validated(version, exclude=["employee", "recorded_by"])
    try:
        with transaction.atomic():
            version.save()
    except IntegrityError as error:
        raise ValidationError({"valid_from": f"The dates overlap another version of this employment ({error})."}) \
            from None
    return version


@transaction.atomic
def employee_hire(*, department: Department, personal: Mapping[str, Any], terms: Mapping[str, Any],
                  acting_user: User | None, salary_override_reason: str = "") -> Employee:
    """A starter: the person and the first version of their employment, from their start date."""
    with department_context(department.id):
        unknown = sorted(set(personal) - set(PERSONAL_FIELDS))
        if unknown:
            raise ValidationError({"__all__": f"Unknown personal fields: {', '.join(unknown)}."})
        fields = dict(personal)
        for name, normalise in (("ni_number", normalise_ni_number), ("postcode", normalise_postcode),
                                ("bank_sort_code", normalise_sort_code)):
            if fields.get(name):
                fields[name] = normalise(fields[name])
        employee = Employee(department=department, **fields)
        errors: dict[str, Any] = {}
        try:
            employee.full_clean(validate_constraints=False)
        except ValidationError as error:
            errors.update(error.message_dict)
        for name, label in (("payroll_number", "payroll number"), ("ni_number", "National Insurance number")):
            if fields.get(name) and Employee.objects.filter(**{name: fields[name]}).exists():
                errors.setdefault(name, []).append(f"Another employee in {department.name} has this {label}.")
        start, born = fields.get("start_date"), fields.get("date_of_birth")
        if isinstance(start, datetime.date):
            if start > timezone.localdate() + LATEST_START_AHEAD:
                errors.setdefault("start_date", []).append("The start date must be within a year from today.")
            if isinstance(born, datetime.date) and _age_on(born, start) < MINIMUM_AGE_AT_START:
                errors.setdefault("start_date", []).append(
                    f"The employee must be at least {MINIMUM_AGE_AT_START} on their start date."
                )
        if errors:
            raise ValidationError(errors)
        _check_terms(department, terms, salary_override_reason)
        employee.save()
        version = _new_version(employee, valid_from=employee.start_date, valid_to=None, terms=terms,
                               acting_user=acting_user, reason=salary_override_reason or "Starter")
        audit_record(department=department, action="employee.hire", acting_user=acting_user, target=employee,
                     changes=audit_changes({}, {**_values(employee, ["payroll_number", "first_name", "last_name",
                                                                    "ni_number", "start_date"]),
                                               **_values(version, list(EMPLOYMENT_FIELDS))}),
                     reason=salary_override_reason)
        return employee


def _age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _live_versions(employee: Employee) -> list[Employment]:
    return list(Employment.objects.filter(employee=employee, superseded_at__isnull=True)
                .select_for_update().order_by("valid_from"))


class WhenPeriodLocked(models.TextChoices):
    """What to do with a change effective in a pay period whose inputs are locked."""

    REFUSE = "refuse", "Do not make the change"
    NEXT_PERIOD = "next_period", "Make it from the start of the next pay period"


@transaction.atomic
def employment_change(*, employee: Employee, effective_from: datetime.date, changes: Mapping[str, Any],
                      acting_user: User | None, reason: str = "", salary_override_reason: str = "",
                      when_period_locked: str = WhenPeriodLocked.REFUSE) -> Employment:
    """A mover: change any employment fields from a date (past or future) until the next version.

    The version that covers the date is superseded and recorded again in two parts, before and
    from the date; later planned versions keep their own values. A date in a pay period whose run
    is open (its inputs locked) is refused, or moved to the first day of the next period when the
    caller asks for ``WhenPeriodLocked.NEXT_PERIOD``.
    """
    department = employee.department
    with department_context(department.id):
        if not changes:
            raise ValidationError({"__all__": "Say what changes."})
        if when_period_locked not in WhenPeriodLocked.values:
            raise ValidationError({"when_period_locked": f"Choose one of: {', '.join(WhenPeriodLocked.values)}."})
        lock = pay_period_lock(employee_id=employee.pk, day=effective_from)
        if lock is not None:
            if when_period_locked == WhenPeriodLocked.REFUSE:
                raise ValidationError({"effective_from": lock.message})
            reason = f"{reason} (moved from {effective_from:%-d %B %Y}: that pay period was locked)".strip()
            effective_from = lock.next_open_day
        versions = _live_versions(employee)
        covering = next((v for v in versions if v.covers(effective_from)), None)
        if covering is None:
            raise ValidationError({"effective_from": f"{employee} has no employment on {effective_from:%-d %B %Y}."})
        current = _values(covering, list(EMPLOYMENT_FIELDS))
        _check_terms(department, {**current, **changes}, salary_override_reason)
        now = timezone.now()
        Employment.objects.filter(pk=covering.pk).update(superseded_at=now)
        if covering.valid_from < effective_from:
            _new_version(employee, valid_from=covering.valid_from,
                         valid_to=effective_from - datetime.timedelta(days=1), terms=current,
                         acting_user=acting_user, reason=covering.change_reason)
        changed = _new_version(employee, valid_from=effective_from, valid_to=covering.valid_to,
                               terms={**current, **changes}, acting_user=acting_user,
                               reason=reason or salary_override_reason or "Change")
        audit_record(department=department, action="employment.change", acting_user=acting_user, target=employee,
                     changes=audit_changes(current, _values(changed, list(EMPLOYMENT_FIELDS))),
                     reason=f"effective {effective_from.isoformat()}: {reason}".strip())
        return changed


@transaction.atomic
def employment_correct(*, employment: Employment, corrections: Mapping[str, Any], acting_user: User | None,
                       reason: str, salary_override_reason: str = "") -> Employment:
    """Fix a mistaken version: it is superseded (kept for "as known on") and recorded corrected."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the record is being corrected."})
    department = employment.department
    with department_context(department.id):
        if employment.superseded_at is not None:
            raise ValidationError({"__all__": "This version has already been replaced; correct the current one."})
        current = _values(employment, list(EMPLOYMENT_FIELDS))
        _check_terms(department, {**current, **corrections}, salary_override_reason)
        Employment.objects.filter(pk=employment.pk).update(superseded_at=timezone.now())
        corrected = _new_version(employment.employee, valid_from=employment.valid_from,
                                 valid_to=employment.valid_to, terms={**current, **corrections},
                                 acting_user=acting_user, reason=f"Correction: {reason}")
        audit_record(department=department, action="employment.correct", acting_user=acting_user,
                     target=employment.employee,
                     changes=audit_changes(current, _values(corrected, list(EMPLOYMENT_FIELDS))), reason=reason)
        return corrected


@transaction.atomic
def employee_leave(*, employee: Employee, leave_date: datetime.date, reason: str,
                   acting_user: User | None) -> Employee:
    """A leaver: the last working day ends the employment; planned versions after it are withdrawn."""
    department = employee.department
    with department_context(department.id):
        errors: dict[str, str] = {}
        if reason not in Employee.LeaveReason.values:
            errors["leave_reason"] = f"Choose a reason: {', '.join(Employee.LeaveReason.values)}."
        if leave_date < employee.start_date:
            errors["leave_date"] = (
                f"The last working day cannot be before the start date ({employee.start_date:%-d %B %Y})."
            )
        if employee.leave_date is not None:
            errors["leave_date"] = f"{employee} already leaves on {employee.leave_date:%-d %B %Y}."
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        for version in _live_versions(employee):
            if version.valid_from > leave_date:
                Employment.objects.filter(pk=version.pk).update(superseded_at=now)
            elif version.valid_to is None or version.valid_to > leave_date:
                Employment.objects.filter(pk=version.pk).update(superseded_at=now)
                _new_version(employee, valid_from=version.valid_from, valid_to=leave_date,
                             terms=_values(version, list(EMPLOYMENT_FIELDS)), acting_user=acting_user,
                             reason=version.change_reason)
        employee.leave_date, employee.leave_reason = leave_date, reason
        employee.save(update_fields=["leave_date", "leave_reason"])
        audit_record(department=department, action="employee.leave", acting_user=acting_user, target=employee,
                     changes=audit_changes({"leave_date": None, "leave_reason": ""},
                                           {"leave_date": leave_date, "leave_reason": reason}))
        return employee


def subtree_filter(prefix: str, node: TreeNode) -> Q:
    """Rows whose ``<prefix>__path`` lies in ``node``'s subtree (the node included)."""
    return Q(**{f"{prefix}__path__startswith": node.path})


# --- Absence and leave ----------------------------------------------------------------------------

DEFAULT_LEAVE_TYPES: list[tuple[str, str, str, bool, bool]] = [
    # code, name, kind, is_paid, uses_balance
    ("ANNUAL", "Annual leave", LeaveType.Kind.ANNUAL, True, True),
    ("SICK", "Sick leave", LeaveType.Kind.SICK, True, False),
    ("MATERNITY", "Maternity leave", LeaveType.Kind.MATERNITY, True, False),
    ("PATERNITY", "Paternity leave", LeaveType.Kind.PATERNITY, True, False),
    ("ADOPTION", "Adoption leave", LeaveType.Kind.ADOPTION, True, False),
    ("SHARED_PARENTAL", "Shared parental leave", LeaveType.Kind.SHARED_PARENTAL, True, False),
    ("UNPAID", "Unpaid leave", LeaveType.Kind.UNPAID, False, False),
    ("SPECIAL", "Special leave", LeaveType.Kind.SPECIAL, True, False),
]
# Civil Service annual leave: 25 days rising to 30 after five years, 7.5 hours a day full-time.
DEFAULT_ANNUAL_HOURS_BY_SERVICE = [[0, "187.50"], [5, "225.00"]]
DEFAULT_CARRY_OVER_CAP_HOURS = Decimal("75.00")
HOURS = Decimal("0.01")


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
        return request


def _line_manager_user(employee: Employee, on: datetime.date) -> User | None:
    version = (Employment.objects.filter(employee=employee, superseded_at__isnull=True, valid_from__lte=on)
               .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on)).select_related("line_manager__user").first())
    manager = version.line_manager if version else None
    return manager.user if manager else None


@transaction.atomic
def leave_request_decide(*, request: LeaveRequest, approve: bool, acting_user: User, acting_as_hr: bool = False,
                         note: str = "") -> LeaveRequest:
    """The line manager (or HR) approves or rejects a waiting request; nobody decides their own."""
    department = request.department
    with department_context(department.id):
        request = LeaveRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != LeaveRequest.Status.PENDING:
            raise ValidationError({"status": f"This request is {request.get_status_display().lower()} already."})
        employee = request.employee
        if employee.user_id is not None and employee.user_id == acting_user.pk:
            raise ValidationError({"__all__": "You cannot decide your own leave request."})
        if not acting_as_hr and _line_manager_user(employee, request.start_date) != acting_user:
            raise ValidationError({"__all__": "Only the employee's line manager, or HR, can decide this request."})
        request.status = LeaveRequest.Status.APPROVED if approve else LeaveRequest.Status.REJECTED
        request.decided_by, request.decided_at, request.decision_note = acting_user, timezone.now(), note[:300]
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if approve and request.leave_type.uses_balance:
            leave_balance_recalculate(employee=employee, leave_type=request.leave_type,
                                      year_start=leave_year_start(department, request.start_date))
        audit_record(department=department, action="leave_request.approve" if approve else "leave_request.reject",
                     acting_user=acting_user, target=request,
                     changes=audit_changes({"status": "pending"}, {"status": request.status}), reason=note)
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


# --- Bulk import (department onboarding) ---------------------------------------------------------

IMPORT_PERSONAL_FIELDS = (
    "payroll_number", "title", "first_name", "last_name", "date_of_birth", "ni_number", "sex", "address_line_1",
    "address_line_2", "town", "postcode", "bank_sort_code", "bank_account_number", "start_date", "tax_code",
    "tax_basis", "ni_category", "student_loans", "pension_scheme", "previous_payroll_id",
)
IMPORT_TERMS_FIELDS = ("post_title", "organisation_unit_id", "grade_id", "cost_centre_id", "annual_salary", "fte",
                       "contracted_hours")
# Personal fields an import may not change on an existing record: they anchor the employment history.
IMPORT_FIXED_FIELDS = ("start_date",)


@dataclass(frozen=True)
class EmployeeImportRow:
    """One employee as an import supplies it: normalised personal fields and employment terms
    (references as ids inside the department)."""

    row_number: int
    personal: dict[str, Any]
    terms: dict[str, Any]


@dataclass
class EmployeeImportOutcome:
    """What an import did (or, planned, would do) with one row."""

    row: EmployeeImportRow
    action: str  # "create", "update", "unchanged" or "rejected"
    employee_id: int | None = None
    personal_changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    terms_changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field, message)


_IMPORT_VALIDATORS = (("ni_number", validate_ni_number), ("postcode", validate_postcode),
                      ("bank_sort_code", validate_sort_code), ("bank_account_number", validate_account_number))


def _import_row_problems(row: EmployeeImportRow) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    personal = row.personal
    for name in ("payroll_number", "first_name", "last_name", "date_of_birth", "sex", "start_date"):
        if personal.get(name) in (None, ""):
            problems.append((name, f"{name.replace('_', ' ').capitalize()} is missing."))
    for name, validate in _IMPORT_VALIDATORS:
        if personal.get(name):
            try:
                validate(personal[name])
            except ValidationError as error:
                problems.append((name, error.messages[0]))
    for name in IMPORT_TERMS_FIELDS:
        if row.terms.get(name) in (None, ""):
            problems.append((name, f"{name.removesuffix('_id').replace('_', ' ').capitalize()} is missing."))
    return problems


def employees_import_plan(*, department: Department, rows: Sequence[EmployeeImportRow],
                          effective_from: datetime.date, fields_checked: bool = False) -> list[EmployeeImportOutcome]:
    """What importing ``rows`` would do, without writing: create, update (with the changes),
    unchanged, or rejected (with the field and reason). Three queries per batch, whatever its size.

    The payroll number is the key. A National Insurance number held by another employee, or a
    start date different from the record's, rejects the row. ``fields_checked`` skips the checks
    of each row's own fields (formats, missing values), for rows an earlier plan of this same
    import has already passed; what the department holds is always checked again.
    """
    with department_context(department.id):
        numbers = [row.personal.get("payroll_number") for row in rows]
        # Each list goes as one array parameter (AnyOf), not as thousands of IN parameters.
        existing = {values[1]: values for values in Employee.objects.filter(
            AnyOf(F("payroll_number"), numbers)).values_list("id", *IMPORT_PERSONAL_FIELDS)}
        ni_numbers = [row.personal["ni_number"] for row in rows if row.personal.get("ni_number")]
        # Excluding blanks lets PostgreSQL use the partial unique index on (department, NI number).
        ni_holders = dict(Employee.objects.filter(AnyOf(F("ni_number"), ni_numbers)).exclude(ni_number="")
                          .values_list("ni_number", "payroll_number")) if ni_numbers else {}
        # The version the import compares with: the one covering the effective date, else the latest.
        # Plain tuples rather than model instances: a re-import reads tens of thousands of them.
        versions: dict[int, tuple[Any, ...]] = {}
        covering: set[int] = set()
        known_ids = [values[0] for values in existing.values()]
        for employee_id, valid_from, valid_to, *terms in Employment.objects.filter(
            AnyOf(F("employee_id"), known_ids), superseded_at__isnull=True,
        ).order_by("employee_id", "valid_from").values_list(
            "employee_id", "valid_from", "valid_to", *IMPORT_TERMS_FIELDS) if known_ids else ():
            covers = valid_from <= effective_from and (valid_to is None or valid_to >= effective_from)
            if covers or employee_id not in covering:
                versions[employee_id] = tuple(terms)
                if covers:
                    covering.add(employee_id)
        outcomes = []
        for row in rows:
            outcome = EmployeeImportOutcome(row=row, action="create",
                                            problems=[] if fields_checked else _import_row_problems(row))
            number, ni_number = row.personal.get("payroll_number"), row.personal.get("ni_number")
            holder = ni_holders.get(ni_number) if ni_number else None
            if holder is not None and holder != number:
                outcome.problems.append(("ni_number", f"Employee {holder} in {department.name} already has this "
                                                      "National Insurance number."))
            stored = existing.get(number)
            if stored is not None and not outcome.problems:
                outcome.employee_id = stored[0]
                before = dict(zip(IMPORT_PERSONAL_FIELDS, stored[1:], strict=True))
                after = {**before, **{k: v for k, v in row.personal.items() if k in before}}
                changes = {} if after == before else _plain_changes(before, after)
                for name in IMPORT_FIXED_FIELDS:
                    if name in changes:
                        outcome.problems.append((name, f"The record has {_shown_value(before[name])}; a different "
                                                       f"{name.replace('_', ' ')} cannot be imported over it."))
                version = versions.get(stored[0])
                if version is not None:
                    current = dict(zip(IMPORT_TERMS_FIELDS, version, strict=True))
                    proposed = {**current, **row.terms}
                    outcome.terms_changes = {} if proposed == current else _plain_changes(current, proposed)
                outcome.personal_changes = changes
                outcome.action = "update" if (changes or outcome.terms_changes) else "unchanged"
            if outcome.problems:
                outcome.action = "rejected"
            outcomes.append(outcome)
        return outcomes


def _shown_value(value: Any) -> str:
    return f"{value:%-d %B %Y}" if isinstance(value, datetime.date) else str(value)


def _plain_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    changed = {}
    for name, new in after.items():
        old = before.get(name)
        if isinstance(old, Decimal) and new is not None:
            same = old == Decimal(new)
        elif isinstance(old, list):
            same = sorted(old) == sorted(new or [])
        else:
            same = old == new
        if not same:
            changed[name] = {"before": old, "after": new}
    return changed


# What a created employee's audit entry shows, and the blanks of the fields an import does not set.
_HIRE_AUDIT_FIELDS = ("payroll_number", "ni_number", "start_date", *IMPORT_TERMS_FIELDS)
_IMPORT_BLANKS = tuple([] if name == "student_loans" else "" for name in IMPORT_PERSONAL_FIELDS)
_CREATED_FIELDS = (*IMPORT_PERSONAL_FIELDS, "preferred_name", "gender_identity", "email", "phone",
                   "building_society_roll_number", "leave_reason", "starter_declaration", "created_at")
_VERSION_FIELDS = ("employee", "valid_from", "recorded_at", "recorded_by", "change_reason", "working_pattern",
                   "contract_type", "location", *IMPORT_TERMS_FIELDS, "valid_to", "pay_range_point", "line_manager")


@functools.lru_cache(maxsize=64)
def _audit_order(names: tuple[str, ...]) -> tuple[tuple[str, bool], ...]:
    """The fields in the order ``audit_changes`` lists them, each with whether it is masked."""
    return tuple((name, audit_changes({}, {name: "x"})[name]["after"] != "x") for name in sorted(names))


def _created_changes(values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``audit_changes({}, values)`` for the plain values of an imported record (text, numbers,
    dates, ids), a few times faster: tens of thousands of starters each get one."""
    changes: dict[str, dict[str, Any]] = {}
    for name, masked in _audit_order(tuple(values)):
        value = values[name]
        if value is None:
            continue
        if masked and value != "":
            value = MASK
        elif isinstance(value, Decimal | datetime.date):
            value = str(value)
        elif not isinstance(value, str | int | float | bool):
            return audit_changes({}, values)  # anything else is left to the general rules
        changes[name] = {"before": None, "after": value}
    return changes


@transaction.atomic
def employees_import(*, department: Department, rows: Sequence[EmployeeImportRow], acting_user: User | None,
                     effective_from: datetime.date, reason: str,
                     fields_checked: bool = False) -> list[EmployeeImportOutcome]:
    """Write a batch of imported employees in bulk: starters are created with their first employment
    version; changed records get their personal fields updated and, for changed terms, a new
    employment version from ``effective_from`` (the one it replaces is superseded, as
    ``employment_change`` does); unchanged records are left alone. Rejected rows are returned and
    not written. Each created or changed employee gets one audit entry, written in bulk.

    The rows are planned again here, in the writing transaction, so a record changed since an
    earlier plan is judged as it now is (``fields_checked``: see ``employees_import_plan``).
    A fixed number of statements per batch (set-based inserts), so tens of thousands load in seconds.
    """
    outcomes = employees_import_plan(department=department, rows=rows, effective_from=effective_from,
                                     fields_checked=fields_checked)
    with department_context(department.id):
        now = timezone.now()
        recorder = acting_user.pk if acting_user is not None and acting_user.pk else None
        creates = [outcome for outcome in outcomes if outcome.action == "create"]
        created = bulk_insert(Employee, _CREATED_FIELDS,
                              [(*map(outcome.row.personal.get, IMPORT_PERSONAL_FIELDS, _IMPORT_BLANKS),
                                "", "", "", "", "", "", "", now) for outcome in creates],
                              returning=("id", "payroll_number"))
        ids = {number: pk for pk, number in created}
        versions: list[tuple[Any, ...]] = []
        entries: list[AuditEntry] = []
        fixed = ("Imported", "Monday to Friday", Employment.ContractType.PERMANENT, Location.NATIONAL)
        for outcome in creates:
            personal, terms = outcome.row.personal, outcome.row.terms
            employee_id = outcome.employee_id = ids[personal["payroll_number"]]
            versions.append((employee_id, personal["start_date"], now, recorder, *fixed,
                             *map(terms.__getitem__, IMPORT_TERMS_FIELDS), None, None, None))
            entries.append(AuditEntry(
                action="employee.hire", object_type="hr.employee", object_id=str(employee_id),
                object_repr=f"{personal['first_name']} {personal['last_name']} ({personal['payroll_number']})",
                changes=_created_changes({"payroll_number": personal["payroll_number"],
                                          "ni_number": personal.get("ni_number"),
                                          "start_date": personal["start_date"], **terms}), reason=reason))
        updates = [outcome for outcome in outcomes if outcome.action == "update"]
        versions.extend(_apply_import_updates(updates, effective_from, recorder, now))
        for outcome in updates:
            changes = {**outcome.personal_changes, **outcome.terms_changes}
            personal = outcome.row.personal
            entries.append(AuditEntry(
                action="employee.import_change", object_type="hr.employee", object_id=str(outcome.employee_id),
                object_repr=f"{personal['first_name']} {personal['last_name']} ({personal['payroll_number']})",
                changes=audit_changes({k: v["before"] for k, v in changes.items()},
                                      {k: v["after"] for k, v in changes.items()}),
                reason=f"{reason}; effective {effective_from.isoformat()}" if outcome.terms_changes else reason))
        bulk_insert(Employment, _VERSION_FIELDS, versions, returning=())
        audit_record_many(department=department, acting_user=acting_user, entries=entries)
    return outcomes


def employees_import_statistics_refresh(*, only_if_stale: bool = False) -> None:
    """Let the planner see what bulk imports added (the application role cannot ANALYZE itself)."""
    refresh_statistics(Employee, Employment, only_if_stale=only_if_stale)


def _apply_import_updates(updates: list[EmployeeImportOutcome], effective_from: datetime.date,
                          recorder: int | None, now: datetime.datetime) -> list[tuple[Any, ...]]:
    """Personal fields updated in place; changed terms supersede the versions from ``effective_from``
    on and are recorded again (split at the date). Returns the new versions' rows to insert."""
    if not updates:
        return []
    people = Employee.objects.in_bulk([outcome.employee_id for outcome in updates])
    changed_personal: set[str] = set()
    for outcome in updates:
        person = people[outcome.employee_id]
        for name, change in outcome.personal_changes.items():
            setattr(person, name, change["after"])
            changed_personal.add(name)
    if changed_personal:
        Employee.objects.bulk_update([people[o.employee_id] for o in updates if o.personal_changes],
                                     sorted(changed_personal), batch_size=1000)
    moving = {outcome.employee_id: outcome for outcome in updates if outcome.terms_changes}
    if not moving:
        return []
    live = list(Employment.objects.filter(employee_id__in=list(moving), superseded_at__isnull=True)
                .select_for_update().order_by("employee_id", "valid_from"))
    superseded, rows = [], []
    for version in live:
        if version.valid_to is not None and version.valid_to < effective_from:
            continue  # history before the change stays as it was
        outcome = moving[version.employee_id]
        superseded.append(version.pk)
        day = max(effective_from, version.valid_from)
        terms = {name: getattr(version, name) for name in IMPORT_TERMS_FIELDS}
        common = (version.employee_id, now, recorder)
        other = (version.working_pattern, version.contract_type, version.location)
        if version.valid_from < day:
            rows.append((*common[:1], version.valid_from, *common[1:], version.change_reason, *other,
                         *terms.values(), day - datetime.timedelta(days=1), version.pay_range_point,
                         version.line_manager_id))
        rows.append((*common[:1], day, *common[1:], "Import change", *other,
                     *{**terms, **outcome.row.terms}.values(), version.valid_to, version.pay_range_point,
                     version.line_manager_id))
    Employment.objects.filter(pk__in=superseded).update(superseded_at=now)
    return rows
