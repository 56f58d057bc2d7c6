"""Pay schedules and who each one pays."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from departments.models import Department
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from hr.models import Employee
from payroll import selectors
from payroll.models import (
    PayRun,
    PaySchedule,
    PayScheduleMember,
)
from payroll.periods import PayDateRule, PeriodError
from payroll.services.common import _refuse
from shared_services.accounts.models import User


@transaction.atomic
def pay_schedule_create(*, department: Department, acting_user: User | None, name: str,
                        frequency: str = PaySchedule.Frequency.MONTHLY, pay_day_of_month: int = 0,
                        pay_weekday: int = 4, proration: str = PaySchedule.Proration.CALENDAR_DAYS,
                        bank_sort_code: str = "", bank_account_number: str = "",
                        bank_account_name: str = "", pays_everyone_else: bool | None = None) -> PaySchedule:
    """A new schedule. The department's first schedule pays everyone unless said otherwise; a later
    one pays only the employees moved onto it (``pay_schedule_members_move``)."""
    with department_context(department.id):
        try:
            PayDateRule(frequency=frequency, day_of_month=pay_day_of_month, weekday=pay_weekday)
        except PeriodError as error:
            field, _, message = str(error).partition(": ")
            _refuse(field, message)
        if not name.strip():
            _refuse("name", "Enter a name for the pay schedule.")
        if PaySchedule.objects.filter(name=name.strip()).exists():
            _refuse("name", f"There is already a pay schedule called {name.strip()}.")
        errors: dict[str, str] = {}
        if frequency not in PaySchedule.Frequency.values:
            errors["frequency"] = "Choose monthly or weekly."
        if proration not in PaySchedule.Proration.values:
            errors["proration"] = "Choose calendar days or working days."
        if bank_sort_code and not (len(bank_sort_code) == 6 and bank_sort_code.isdigit()):
            errors["bank_sort_code"] = "Enter the sort code as 6 digits, like 309430."
        if bank_account_number and not (len(bank_account_number) == 8 and bank_account_number.isdigit()):
            errors["bank_account_number"] = "Enter the account number as 8 digits."
        current_default = PaySchedule.objects.filter(pays_everyone_else=True).first()
        if pays_everyone_else is None:
            pays_everyone_else = current_default is None
        elif pays_everyone_else and current_default is not None:
            errors["pays_everyone_else"] = (f"{current_default.name} already pays everyone not on another "
                                            "schedule; a department has one such schedule.")
        if errors:
            raise ValidationError(errors)
        schedule = PaySchedule.objects.create(
            name=name.strip(), frequency=frequency, pay_day_of_month=pay_day_of_month, pay_weekday=pay_weekday,
            proration=proration, bank_sort_code=bank_sort_code, bank_account_number=bank_account_number,
            bank_account_name=bank_account_name, pays_everyone_else=pays_everyone_else)
        audit_record(department=department, action="pay_schedule.create", acting_user=acting_user, target=schedule,
                     changes=audit_changes({}, {"name": schedule.name, "frequency": frequency,
                                                "pays_everyone_else": pays_everyone_else}))
        return schedule


@transaction.atomic
def pay_schedule_members_move(*, schedule: PaySchedule, payroll_numbers: Sequence[str],
                              acting_user: User | None) -> int:
    """Move employees, named by payroll number, onto ``schedule`` from whichever schedule paid them.

    All or nothing: an unknown payroll number, or a run in progress (opened and not yet finalised
    or cancelled) on either side of the move, refuses the whole move, since that run's list of
    employees is fixed. Returns how many employees changed schedule."""
    department = schedule.department
    with department_context(department.id):
        numbers = list(dict.fromkeys(number.strip() for number in payroll_numbers if number.strip()))
        if not numbers:
            _refuse("payroll_numbers", "Enter at least one payroll number.")
        employees = dict(Employee.objects.filter(payroll_number__in=numbers).values_list("payroll_number", "pk"))
        unknown = [number for number in numbers if number not in employees]
        if unknown:
            shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
            _refuse("payroll_numbers", f"No employee has the payroll number {shown}.")
        memberships = dict(PayScheduleMember.objects.filter(employee_id__in=employees.values())
                           .values_list("employee_id", "schedule_id"))
        default = PaySchedule.objects.filter(pays_everyone_else=True).values_list("pk", flat=True).first()
        moving = [pk for pk in employees.values() if memberships.get(pk, default) != schedule.pk]
        touched = {memberships.get(pk, default) for pk in moving} | {schedule.pk}
        busy = selectors.pay_runs_in_progress(schedule_ids=[pk for pk in touched if pk is not None]) if moving else []
        if busy:
            run = busy[0]
            _refuse("payroll_numbers", f"The {run.schedule.name} run for {run.period_start:%B %Y} is in progress "
                                       f"({run.get_status_display().lower()}). Finalise or cancel it first.")
        PayScheduleMember.objects.filter(employee_id__in=moving).delete()
        if not schedule.pays_everyone_else:
            PayScheduleMember.objects.bulk_create(
                PayScheduleMember(employee_id=pk, schedule=schedule, added_by=acting_user) for pk in moving)
        audit_record(department=department, action="pay_schedule.members_move", acting_user=acting_user,
                     target=schedule, changes=audit_changes({}, {"moved": len(moving)}))
        return len(moving)


# What a schedule's details page and API may change. Frequency is among them only until the
# schedule has a run, since every period and tax period of its runs follows from it.
PAY_SCHEDULE_CHANGEABLE = ("name", "frequency", "pay_day_of_month", "pay_weekday", "proration", "bank_sort_code",
                           "bank_account_number", "bank_account_name")
# Changing these would change what a run already under way calculates, dates or pays from.
_FIXED_WHILE_RUN_UNDER_WAY = ("pay_day_of_month", "pay_weekday", "proration", "bank_sort_code",
                              "bank_account_number", "bank_account_name")
_PAY_DAY_FIELDS = ("pay_day_of_month", "pay_weekday")


def _detail_errors(schedule: PaySchedule, after: dict[str, object], changed: set[str]) -> dict[str, str]:
    """What is wrong with the details themselves, by field."""
    errors: dict[str, str] = {}
    name = str(after["name"])
    if not name:
        errors["name"] = "Enter a name for the pay schedule."
    elif len(name) > 100:
        errors["name"] = "The name must be 100 characters or fewer."
    elif "name" in changed and PaySchedule.objects.filter(name=name).exclude(pk=schedule.pk).exists():
        errors["name"] = f"There is already a pay schedule called {name}."
    if after["frequency"] not in PaySchedule.Frequency.values:
        errors["frequency"] = "Choose monthly or weekly."
    if after["proration"] not in PaySchedule.Proration.values:
        errors["proration"] = "Choose calendar days or working days."
    sort_code, account = str(after["bank_sort_code"]), str(after["bank_account_number"])
    if sort_code and not (len(sort_code) == 6 and sort_code.isdigit()):
        errors["bank_sort_code"] = "Enter the sort code as 6 digits, like 309430."
    if account and not (len(account) == 8 and account.isdigit()):
        errors["bank_account_number"] = "Enter the account number as 8 digits."
    if len(str(after["bank_account_name"])) > 18:
        errors["bank_account_name"] = "The account name must be 18 characters or fewer."
    if "frequency" not in errors:
        try:
            PayDateRule(frequency=str(after["frequency"]), day_of_month=int(str(after["pay_day_of_month"])),
                        weekday=int(str(after["pay_weekday"])))
        except PeriodError as error:
            if str(error).startswith("weekday"):
                errors["pay_weekday"] = "Choose a pay day of the week from Monday to Sunday."
            else:
                errors["pay_day_of_month"] = "Enter the pay day as a whole number from 0 to 31."
        except ValueError:
            errors["pay_day_of_month"] = "Enter the pay day as a whole number from 0 to 31."
    return errors


def _run_errors(schedule: PaySchedule, changed: set[str]) -> dict[str, str]:
    """The changes the schedule's runs forbid, by field."""
    errors: dict[str, str] = {}
    runs = PayRun.objects.filter(schedule=schedule).exclude(kind=PayRun.Kind.SHADOW)
    if "frequency" in changed and runs.exists():
        errors["frequency"] = (f"{schedule.name} has pay runs, so how often it pays cannot change. Add a new "
                               "schedule and move its employees onto it instead.")
    busy = selectors.pay_runs_in_progress(schedule_ids=[schedule.pk])
    if busy:
        run = busy[0]
        for field in sorted(changed & set(_FIXED_WHILE_RUN_UNDER_WAY)):
            errors.setdefault(field, f"The {run.period_start:%B %Y} run is {run.get_status_display().lower()}; "
                                     "this can change once it is finalised or cancelled.")
    draft = runs.filter(status=PayRun.Status.DRAFT).order_by("period_start").first()
    if draft is not None:
        for field in sorted(changed & set(_PAY_DAY_FIELDS)):
            errors.setdefault(field, f"The draft {draft.period_start:%B %Y} run already has its pay date; cancel "
                                     "it before changing the pay day.")
    return errors


@transaction.atomic
def pay_schedule_update(*, schedule: PaySchedule, acting_user: User | None, **changes: object) -> PaySchedule:
    """Change a schedule's details (any of ``PAY_SCHEDULE_CHANGEABLE``; those left out keep their value).

    Invariants: a run already under way (open to approved) is never altered, so its pay day,
    proration and the account its net pay leaves from wait until it is finalised or cancelled; a
    draft run's pay date was set from the old pay day, so a new pay day waits until it is cancelled;
    and frequency is fixed once the schedule has any run. The name alone may change at any time."""
    department = schedule.department
    with department_context(department.id):
        unknown = sorted(set(changes) - set(PAY_SCHEDULE_CHANGEABLE))
        if unknown:
            raise ValidationError({name: "This detail of a pay schedule cannot be changed here." for name in unknown})
        schedule = PaySchedule.objects.select_for_update().get(pk=schedule.pk)
        before = {name: getattr(schedule, name) for name in PAY_SCHEDULE_CHANGEABLE}
        after = dict(before)
        after.update({name: value.strip() if isinstance(value, str) else value for name, value in changes.items()})
        changed = {name for name in PAY_SCHEDULE_CHANGEABLE if after[name] != before[name]}
        errors = _detail_errors(schedule, after, changed)
        for field, message in _run_errors(schedule, changed).items():
            errors.setdefault(field, message)
        if errors:
            raise ValidationError(errors)
        if not changed:
            return schedule
        for field in changed:
            setattr(schedule, field, after[field])
        schedule.save(update_fields=sorted(changed))
        audit_record(department=department, action="pay_schedule.update", acting_user=acting_user, target=schedule,
                     changes=audit_changes({f: before[f] for f in changed}, {f: after[f] for f in changed}))
        return schedule
