"""The department's leave types and their entitlement policies, as HR admins set them."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from departments.models import Department
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from hr.models import LeaveBalanceEntry, LeavePolicy, LeaveRequest, LeaveType
from hr.models.organisation import CODE_VALIDATOR
from shared_services.accounts.models import User

__all__ = ["MAX_ENTITLEMENT_HOURS", "leave_policy_set", "leave_type_create", "leave_type_in_use",
           "leave_type_update"]

MAX_ENTITLEMENT_HOURS = Decimal("500")
MAX_SERVICE_YEARS = 50
MAX_BANDS = 6  # the entitlement page shows this many; the API takes no more, so neither loses bands
HOURS = Decimal("0.01")
MAX_HOURS_MAGNITUDE = Decimal("1e9")  # far above any entitlement; keeps quantize within precision


def leave_type_in_use(leave_type: LeaveType) -> bool:
    """Whether any request or balance line names the type: its code and kind are then fixed, since
    payroll and the records read them."""
    return (LeaveRequest.objects.filter(leave_type=leave_type).exists()
            or LeaveBalanceEntry.objects.filter(leave_type=leave_type).exists())


def _snapshot(leave_type: LeaveType) -> dict[str, object]:
    return {"code": leave_type.code, "name": leave_type.name, "kind": leave_type.kind,
            "is_paid": leave_type.is_paid, "uses_balance": leave_type.uses_balance, "is_active": leave_type.is_active}


def _check(*, code: str, name: str, kind: str, exclude_id: int | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    try:
        CODE_VALIDATOR(code)
    except ValidationError:
        errors["code"] = "Enter a code of up to 30 letters, digits, '-', '_' or '.', like CARERS."
    if "code" not in errors and LeaveType.objects.filter(code__iexact=code).exclude(pk=exclude_id).exists():
        errors["code"] = f"There is already a leave type with the code {code}."
    if not name:
        errors["name"] = "Enter a name for the leave type."
    elif len(name) > 100:
        errors["name"] = "The name must be 100 characters or fewer."
    elif LeaveType.objects.filter(name__iexact=name).exclude(pk=exclude_id).exists():
        errors["name"] = f"There is already a leave type called {name}."
    if kind not in LeaveType.Kind.values:
        errors["kind"] = "Choose what kind of leave this is."
    return errors


@transaction.atomic
def leave_type_create(*, department: Department, code: str, name: str, kind: str, is_paid: bool,
                      uses_balance: bool, acting_user: User | None) -> LeaveType:
    """A new leave type. One taken from a yearly entitlement gets a policy of no hours, to be set."""
    with department_context(department.id):
        code, name = code.strip().upper(), name.strip()
        errors = _check(code=code, name=name, kind=kind, exclude_id=None)
        if errors:
            raise ValidationError(errors)
        leave_type = LeaveType.objects.create(code=code, name=name, kind=kind, is_paid=is_paid,
                                              uses_balance=uses_balance)
        if uses_balance:
            LeavePolicy.objects.create(leave_type=leave_type, hours_by_service=[[0, "0.00"]])
        audit_record(department=department, action="leave_type.create", acting_user=acting_user, target=leave_type,
                     changes=audit_changes({}, _snapshot(leave_type)))
        return leave_type


@transaction.atomic
def leave_type_update(*, leave_type: LeaveType, name: str, is_paid: bool, uses_balance: bool,
                      is_active: bool, acting_user: User | None, code: str | None = None,
                      kind: str | None = None) -> LeaveType:
    """Change a leave type. Its code and kind are fixed once a request or balance names it; retiring
    it (``is_active=False``) keeps it on those records and offers it for no new request."""
    department = leave_type.department
    with department_context(department.id):
        leave_type = LeaveType.objects.select_for_update().get(pk=leave_type.pk)
        before = _snapshot(leave_type)
        code = leave_type.code if code is None else code.strip().upper()
        kind = leave_type.kind if kind is None else kind
        name = name.strip()
        errors = _check(code=code, name=name, kind=kind, exclude_id=leave_type.pk)
        # Payroll reads whether leave is paid, and balances whether it uses them, from the type: once
        # leave is taken under it, changing either would rewrite pay and balances already worked out.
        fixed = {"code": (code, leave_type.code, "code"), "kind": (kind, leave_type.kind, "kind"),
                 "is_paid": (is_paid, leave_type.is_paid, "paid or unpaid setting"),
                 "uses_balance": (uses_balance, leave_type.uses_balance, "yearly entitlement setting")}
        changed = {field: words for field, (new, old, words) in fixed.items() if new != old}
        if changed and leave_type_in_use(leave_type):
            for field, words in changed.items():
                errors[field] = (f"The {words} of {leave_type.name} cannot change: leave has been requested or "
                                 "balanced under it. Add a new leave type instead.")
        if errors:
            raise ValidationError(errors)
        leave_type.code, leave_type.kind, leave_type.name = code, kind, name
        leave_type.is_paid, leave_type.uses_balance, leave_type.is_active = is_paid, uses_balance, is_active
        leave_type.save(update_fields=["code", "kind", "name", "is_paid", "uses_balance", "is_active"])
        if uses_balance and not LeavePolicy.objects.filter(leave_type=leave_type).exists():
            LeavePolicy.objects.create(leave_type=leave_type, hours_by_service=[[0, "0.00"]])
        changes = audit_changes(before, _snapshot(leave_type))
        if changes:
            audit_record(department=department, action="leave_type.update", acting_user=acting_user,
                         target=leave_type, changes=changes)
        return leave_type


def _hours(raw: object) -> Decimal | None:
    try:
        value = Decimal(str(raw).strip())
        if not value.is_finite() or abs(value) > MAX_HOURS_MAGNITUDE or value != value.quantize(HOURS):
            return None
    except (InvalidOperation, ValueError):
        return None
    return value


def _clean_bands(bands: Sequence[Sequence[object]]) -> tuple[list[list[object]], dict[str, str]]:
    errors: dict[str, str] = {}
    cleaned: dict[int, Decimal] = {}
    if not bands:
        return [], {"hours_by_service": "Enter the entitlement for 0 years' service."}
    if not isinstance(bands, list | tuple):
        return [], {"hours_by_service": "Give the entitlement as a list of bands, like [[0, \"187.50\"]]."}
    if len(bands) > MAX_BANDS:
        return [], {"hours_by_service": f"Give at most {MAX_BANDS} bands of years of service."}
    for band in bands:
        if not isinstance(band, list | tuple) or len(band) != 2:
            errors["hours_by_service"] = "Give each band as years of service and hours, like [5, \"225.00\"]."
            continue
        raw_years, raw_hours = band
        try:
            years = int(str(raw_years).strip())
        except ValueError:
            errors["hours_by_service"] = f"Years of service must be a whole number from 0 to {MAX_SERVICE_YEARS}."
            continue
        if not 0 <= years <= MAX_SERVICE_YEARS:
            errors["hours_by_service"] = f"Years of service must be a whole number from 0 to {MAX_SERVICE_YEARS}."
            continue
        if years in cleaned:
            errors["hours_by_service"] = f"There are two entitlements for {years} years' service."
            continue
        hours = _hours(raw_hours)
        if hours is None or not Decimal("0") <= hours <= MAX_ENTITLEMENT_HOURS:
            errors["hours_by_service"] = (f"Entitlement for {years} years' service must be a number of hours from 0 "
                                          f"to {MAX_ENTITLEMENT_HOURS}.")
            continue
        cleaned[years] = hours
    if not errors and 0 not in cleaned:
        errors["hours_by_service"] = "Enter the entitlement for 0 years' service, which applies to new starters."
    return [[years, f"{cleaned[years]:.2f}"] for years in sorted(cleaned)], errors


def _bands_in_words(bands: Sequence[Sequence[object]]) -> str:
    """As the audit log shows them: "0 years: 187.50 hours; 5 years: 225.00 hours"."""
    return "; ".join(f"{years} years: {hours} hours" for years, hours in bands)


@transaction.atomic
def leave_policy_set(*, leave_type: LeaveType, hours_by_service: Sequence[Sequence[object]],
                     carry_over_cap_hours: object, acting_user: User | None) -> LeavePolicy:
    """Set the entitlement of a leave type taken from a yearly balance: full-time hours a year by
    completed years of service (``[[0, "187.50"], [5, "225.00"]]``) and how many unused hours may
    be carried into the next leave year. Balances follow when next rebuilt."""
    department = leave_type.department
    with department_context(department.id):
        bands, errors = _clean_bands(hours_by_service)
        cap = _hours(carry_over_cap_hours)
        if cap is None or not Decimal("0") <= cap <= MAX_ENTITLEMENT_HOURS:
            errors["carry_over_cap_hours"] = (f"The carry-over cap must be a number of hours from 0 to "
                                              f"{MAX_ENTITLEMENT_HOURS}.")
        if not leave_type.uses_balance:
            errors["__all__"] = f"{leave_type.name} is not taken from a yearly entitlement, so it has no policy."
        if errors:
            raise ValidationError(errors)
        assert cap is not None
        policy = LeavePolicy.objects.select_for_update().filter(leave_type=leave_type).first()
        before: dict[str, object] = ({"hours_by_service": _bands_in_words(policy.hours_by_service),
                                      "carry_over_cap_hours": policy.carry_over_cap_hours} if policy else {})
        if policy is None:
            policy = LeavePolicy(leave_type=leave_type)
        policy.hours_by_service, policy.carry_over_cap_hours = bands, cap.quantize(HOURS)
        policy.save()
        changes = audit_changes(before, {"hours_by_service": _bands_in_words(bands),
                                         "carry_over_cap_hours": policy.carry_over_cap_hours})
        if changes:
            audit_record(department=department, action="leave_policy.update", acting_user=acting_user,
                         target=policy, changes=changes)
        return policy
