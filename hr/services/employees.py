"""Starters, movers, leavers and corrections: an employee and the versions of their employment."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from departments.models import Department
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from hr.models import Employee, Employment, PayRange
from hr.models.organisation import Location
from hr.services.accounts import employee_account_provision, line_manager_access_refresh
from hr.services.common import _age_on, _validated, _values
from hr.validators import normalise_ni_number, normalise_postcode, normalise_sort_code
from shared_services.accounts.models import User
from shared_services.core.hooks import pay_period_lock

# Fields of an employment version that a change or correction may set.
EMPLOYMENT_FIELDS = (
    "post_title", "organisation_unit", "grade", "pay_range_point", "annual_salary", "fte", "contracted_hours",
    "working_pattern", "contract_type", "cost_centre", "line_manager", "location",
)
DEPARTMENT_OWNED_TERMS = ("organisation_unit", "grade", "cost_centre", "line_manager")
PERSONAL_FIELDS = (
    "payroll_number", "title", "first_name", "last_name", "preferred_name", "date_of_birth", "ni_number", "sex",
    "gender_identity", "address_line_1", "address_line_2", "town", "postcode", "email", "work_email", "phone",
    "bank_sort_code", "bank_account_number", "building_society_roll_number", "start_date", "tax_code", "tax_basis",
    "ni_category", "student_loans", "pension_scheme", "starter_declaration", "previous_payroll_id", "user",
)
MINIMUM_AGE_AT_START = 16
LATEST_START_AHEAD = datetime.timedelta(days=366)

# HMRC's emergency code for 2026-27: 1257L, unchanged from 2025-26 (RATES.md §1.1; the 2026-27 rates
# file, source S15). A Scottish or Welsh starter gets the S or C prefix from HMRC's first P6.
EMERGENCY_TAX_CODE = "1257L"
# The code and basis to operate for a starter with no P45, by starter declaration (RTI.md §6.1;
# HMRC's Starter checklist and the FPS schema's StartDec annotation, which B and C follow here).
STARTER_TAX_CODES = {
    Employee.StarterDeclaration.A: (EMERGENCY_TAX_CODE, Employee.TaxBasis.CUMULATIVE),  # first job since 6 April
    Employee.StarterDeclaration.B: (EMERGENCY_TAX_CODE, Employee.TaxBasis.WEEK1_MONTH1),  # only job now
    Employee.StarterDeclaration.C: ("BR", Employee.TaxBasis.WEEK1_MONTH1),  # another job or a pension
}
STUDENT_LOAN_PLANS = ("plan1", "plan2", "plan4", "plan5", "pgl")
POSTGRADUATE_LOAN = "pgl"
# HMRC's tax code pattern (RTI.md §3.2), with the Scottish/Welsh prefix and the week 1/month 1 marker.
# hr sits below payroll, so the payroll engine's parser is not reachable from here; the pay run
# checks every code again with it.
_TAX_CODE = re.compile(r"^[SC]?(?:[0-9]{1,6}[LMNPTY]|BR|0T|NT|D[0-8]|K[1-9][0-9]{0,5})(?:W1|M1|X)?$")
_NON_CUMULATIVE = re.compile(r"(W1|M1|X)$")


def starter_tax_code(*, declaration: str) -> tuple[str, str]:
    """(tax code, tax basis) HMRC's rules give a starter without a P45 who made ``declaration``."""
    if declaration not in STARTER_TAX_CODES:
        raise ValidationError({"starter_declaration": "Choose statement A, B or C from the starter checklist."})
    code, basis = STARTER_TAX_CODES[Employee.StarterDeclaration(declaration)]
    return code, str(basis)


def _starter_tax_fields(fields: dict[str, Any], errors: dict[str, Any]) -> None:
    """Set the tax code and basis from a P45's code (its W1/M1/X marker meaning week 1/month 1) or,
    with none given, from the starter declaration; check the student loan declaration."""
    code = "".join(str(fields.get("tax_code") or "").upper().split())
    if code:
        if not _TAX_CODE.match(code):
            errors.setdefault("tax_code", []).append(
                "Enter a tax code HMRC issues, like 1257L, S1257L, K475, BR, D0, 0T or 1257L M1.")
        elif _NON_CUMULATIVE.search(code):
            fields["tax_code"] = _NON_CUMULATIVE.sub("", code)
            fields["tax_basis"] = Employee.TaxBasis.WEEK1_MONTH1
        else:
            fields["tax_code"] = code
    elif fields.get("starter_declaration"):
        fields.pop("tax_code", None)
        try:
            fields["tax_code"], fields["tax_basis"] = starter_tax_code(declaration=fields["starter_declaration"])
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, []).extend(messages)
    else:
        fields.pop("tax_code", None)  # the model's default applies
    loans = list(fields.get("student_loans") or [])
    unknown = [plan for plan in loans if plan not in STUDENT_LOAN_PLANS]
    if unknown:
        errors.setdefault("student_loans", []).append(
            f"Unknown student loan plan {', '.join(map(str, unknown))}: use {', '.join(STUDENT_LOAN_PLANS)}.")
    elif len([plan for plan in loans if plan != POSTGRADUATE_LOAN]) > 1:
        # HMRC collects one undergraduate plan at a time, beside any postgraduate loan (RTI.md §7.2).
        errors.setdefault("student_loans", []).append(
            "Choose one undergraduate loan plan (a postgraduate loan can be repaid beside it).")
    if "student_loans" in fields:
        fields["student_loans"] = sorted(set(loans))


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
    """A starter: the person and the first version of their employment, from their start date.

    With a work e-mail, the starter gets their account and an employee membership from their start
    date; naming a line manager gives that manager's account line-manager access. The tax code is the
    one from the starter's P45 when given (``tax_code``, W1/M1/X meaning week 1/month 1), otherwise
    the one their starter declaration (A, B or C) gives under HMRC's rules.
    """
    with department_context(department.id):
        unknown = sorted(set(personal) - set(PERSONAL_FIELDS))
        if unknown:
            raise ValidationError({"__all__": f"Unknown personal fields: {', '.join(unknown)}."})
        fields = dict(personal)
        for name, normalise in (("ni_number", normalise_ni_number), ("postcode", normalise_postcode),
                                ("bank_sort_code", normalise_sort_code)):
            if fields.get(name):
                fields[name] = normalise(fields[name])
        if fields.get("work_email"):
            fields["work_email"] = fields["work_email"].strip().lower()
        errors: dict[str, Any] = {}
        _starter_tax_fields(fields, errors)
        employee = Employee(department=department, **fields)
        try:
            employee.full_clean(validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, []).extend(m for m in messages if m not in errors.get(name, []))
        for name, label in (("payroll_number", "payroll number"), ("ni_number", "National Insurance number"),
                            ("work_email", "work e-mail address")):
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
                                                                    "ni_number", "work_email", "start_date",
                                                                    "starter_declaration", "tax_code", "tax_basis",
                                                                    "student_loans"]),
                                               **_values(version, list(EMPLOYMENT_FIELDS))}),
                     reason=salary_override_reason)
        employee_account_provision(employee=employee, acting_user=acting_user)
        if version.line_manager_id is not None:  # type: ignore[attr-defined]
            line_manager_access_refresh(department=department, acting_user=acting_user)
        return employee


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
        if "line_manager" in changes:
            # Today's managers: a change dated in the future takes effect when the refresh next runs.
            line_manager_access_refresh(department=department, acting_user=acting_user)
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
        # Access ends with the leaving date: the employee's own, and any line-manager access.
        employee_account_provision(employee=employee, acting_user=acting_user)
        line_manager_access_refresh(department=department, acting_user=acting_user)
        return employee


@transaction.atomic
def employee_tax_code_set(*, employee: Employee, tax_code: str, tax_basis: str, acting_user: User | None,
                          reason: str) -> Employee:
    """Operate a new tax code from now on (HMRC's notice of coding, applied by payroll): the pay runs
    calculated from here use it; payslips already calculated keep the code they were worked on."""
    department = employee.department
    with department_context(department.id):
        code = "".join(tax_code.upper().split())
        errors: dict[str, str] = {}
        if not _TAX_CODE.match(code) or _NON_CUMULATIVE.search(code):
            errors["tax_code"] = "Enter a tax code HMRC issues, like 1257L, S1257L, K475, BR, D0 or 0T."
        if tax_basis not in Employee.TaxBasis.values:
            errors["tax_basis"] = f"Choose one of: {', '.join(Employee.TaxBasis.values)}."
        if errors:
            raise ValidationError(errors)
        locked = Employee.objects.select_for_update().get(pk=employee.pk)
        before = {"tax_code": locked.tax_code, "tax_basis": locked.tax_basis}
        locked.tax_code, locked.tax_basis = code, tax_basis
        locked.save(update_fields=["tax_code", "tax_basis"])
        audit_record(department=department, action="employee.tax_code", acting_user=acting_user, target=locked,
                     changes=audit_changes(before, {"tax_code": code, "tax_basis": tax_basis}), reason=reason)
        employee.tax_code, employee.tax_basis = code, tax_basis
        return locked
