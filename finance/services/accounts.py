"""The chart of accounts, and the accounting periods (months) journals are posted into."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from departments.models import Department
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from finance.models import Account, AccountingPeriod, financial_year_of, period_number_of
from shared_services.accounts.models import User

# A central-government chart every department starts with; each edits it and adds its own.
DEFAULT_ACCOUNTS: list[tuple[str, str, str, str]] = [
    ("1100", "Bank: Government Banking Service", Account.Kind.ASSET, Account.Purpose.BANK),
    ("1200", "Receivables", Account.Kind.ASSET, ""),
    ("2100", "PAYE and National Insurance due to HMRC", Account.Kind.LIABILITY, Account.Purpose.PAYE_NI_LIABILITY),
    ("2110", "Student loan deductions due to HMRC", Account.Kind.LIABILITY,
     Account.Purpose.STUDENT_LOAN_LIABILITY),
    ("2120", "Pension contributions due to the scheme", Account.Kind.LIABILITY, Account.Purpose.PENSION_LIABILITY),
    ("2200", "Net pay control", Account.Kind.LIABILITY, Account.Purpose.NET_PAY_CONTROL),
    ("2300", "Staff expenses payable", Account.Kind.LIABILITY, Account.Purpose.EXPENSES_PAYABLE),
    ("2400", "Payables and accruals", Account.Kind.LIABILITY, Account.Purpose.PAY_DEDUCTIONS_PAYABLE),
    ("3000", "General fund", Account.Kind.EQUITY, ""),
    ("4000", "Income from services", Account.Kind.INCOME, ""),
    ("5000", "Staff costs: salaries and wages", Account.Kind.EXPENSE, Account.Purpose.STAFF_COSTS),
    ("5010", "Staff costs: employer National Insurance", Account.Kind.EXPENSE, Account.Purpose.EMPLOYER_NI),
    ("5020", "Staff costs: employer pension contributions", Account.Kind.EXPENSE,
     Account.Purpose.EMPLOYER_PENSION),
    ("5100", "Staff expenses: travel and subsistence", Account.Kind.EXPENSE, Account.Purpose.EXPENSES),
    ("5200", "Accommodation and estates", Account.Kind.EXPENSE, ""),
    ("5300", "IT and digital services", Account.Kind.EXPENSE, ""),
    ("5400", "Professional services", Account.Kind.EXPENSE, ""),
]


def _account_errors(*, code: str, name: str, kind: str, purpose: str, existing: Account | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    candidate = Account(code=code, name=name, kind=kind, purpose=purpose)
    try:
        candidate.clean_fields(exclude=["department"])
    except ValidationError as error:
        errors.update({key: " ".join(messages) for key, messages in error.message_dict.items()})
    others = Account.objects.exclude(pk=existing.pk) if existing else Account.objects.all()
    if "code" not in errors and others.filter(code=code).exists():
        errors["code"] = f"There is already an account with the code {code}."
    if purpose and "purpose" not in errors and others.filter(purpose=purpose).exists():
        holder = others.get(purpose=purpose)
        errors["purpose"] = (f"{holder.code} {holder.name} already has the purpose "
                             f"'{Account.Purpose(purpose).label}'.")
    return errors


@transaction.atomic
def account_create(*, department: Department, code: str, name: str, kind: str, acting_user: User | None,
                   purpose: str = "") -> Account:
    with department_context(department.id):
        code, name = code.strip(), name.strip()
        errors = _account_errors(code=code, name=name, kind=kind, purpose=purpose, existing=None)
        if errors:
            raise ValidationError(errors)
        account = Account.objects.create(code=code, name=name, kind=kind, purpose=purpose)
        audit_record(department=department, action="account.create", acting_user=acting_user, target=account,
                     changes=audit_changes({}, {"code": code, "name": name, "kind": kind, "purpose": purpose}))
        return account


@transaction.atomic
def account_update(*, account: Account, acting_user: User | None, name: str | None = None,
                   purpose: str | None = None, is_active: bool | None = None) -> Account:
    """Rename an account, change its purpose or (de)activate it. The code and kind stay: lines
    already posted to the account keep their meaning."""
    with department_context(account.department_id):  # type: ignore[attr-defined]
        account = Account.objects.select_for_update().get(pk=account.pk)
        before = {"name": account.name, "purpose": account.purpose, "is_active": account.is_active}
        new_name = account.name if name is None else name.strip()
        new_purpose = account.purpose if purpose is None else purpose
        errors = _account_errors(code=account.code, name=new_name, kind=account.kind, purpose=new_purpose,
                                 existing=account)
        if errors:
            raise ValidationError(errors)
        account.name, account.purpose = new_name, new_purpose
        if is_active is not None:
            account.is_active = is_active
        account.save(update_fields=["name", "purpose", "is_active"])
        after = {"name": account.name, "purpose": account.purpose, "is_active": account.is_active}
        audit_record(department=account.department, action="account.update", acting_user=acting_user,
                     target=account, changes=audit_changes(before, after))
        return account


@transaction.atomic
def accounts_install_defaults(*, department: Department, acting_user: User | None) -> list[Account]:
    """The default central-government chart, for the codes and purposes a department lacks (idempotent)."""
    with department_context(department.id):
        codes = set(Account.objects.values_list("code", flat=True))
        purposes = set(Account.objects.exclude(purpose="").values_list("purpose", flat=True))
        created = [
            Account.objects.create(code=code, name=name, kind=kind, purpose=purpose if purpose not in purposes else "")
            for code, name, kind, purpose in DEFAULT_ACCOUNTS if code not in codes
        ]
        if created:
            audit_record(department=department, action="accounts.install_defaults", acting_user=acting_user,
                         changes=audit_changes({}, {"accounts": [account.code for account in created]}))
        return created


# --- Accounting periods ----------------------------------------------------------------------------


def period_dates(financial_year: int, number: int) -> tuple[datetime.date, datetime.date]:
    month = (number + 2) % 12 + 1
    year = financial_year if month >= 4 else financial_year + 1
    start = datetime.date(year, month, 1)
    following = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return start, following - datetime.timedelta(days=1)


@transaction.atomic
def accounting_period_for(*, department: Department, day: datetime.date) -> AccountingPeriod:
    """The month ``day`` falls in, created open the first time it is needed."""
    with department_context(department.id):
        financial_year, number = financial_year_of(day), period_number_of(day)
        period = AccountingPeriod.objects.filter(financial_year=financial_year, number=number).first()
        if period is None:
            start, end = period_dates(financial_year, number)
            period, created = AccountingPeriod.objects.get_or_create(
                financial_year=financial_year, number=number, defaults={"start_date": start, "end_date": end})
            if created:
                audit_record(department=department, action="period.open", acting_user=None, target=period,
                             changes=audit_changes({}, {"start_date": start, "end_date": end}))
        return period


def _period_set_status(period: AccountingPeriod, *, status: str, acting_user: User | None) -> AccountingPeriod:
    with department_context(period.department_id):  # type: ignore[attr-defined]
        period = AccountingPeriod.objects.select_for_update().get(pk=period.pk)
        if period.status == status:
            raise ValidationError({"status": f"{period} is {period.get_status_display().lower()} already."})
        before = period.status
        period.status = status
        period.closed_at = timezone.now() if status == AccountingPeriod.Status.CLOSED else None
        period.closed_by = acting_user if status == AccountingPeriod.Status.CLOSED else None
        period.save(update_fields=["status", "closed_at", "closed_by"])
        audit_record(department=period.department,
                     action="period.close" if status == AccountingPeriod.Status.CLOSED else "period.reopen",
                     acting_user=acting_user, target=period,
                     changes=audit_changes({"status": before}, {"status": status}))
        return period


@transaction.atomic
def accounting_period_close(*, period: AccountingPeriod, acting_user: User | None) -> AccountingPeriod:
    """Close a month: nothing more can be posted into it until it is reopened."""
    return _period_set_status(period, status=AccountingPeriod.Status.CLOSED, acting_user=acting_user)


@transaction.atomic
def accounting_period_reopen(*, period: AccountingPeriod, acting_user: User | None) -> AccountingPeriod:
    return _period_set_status(period, status=AccountingPeriod.Status.OPEN, acting_user=acting_user)
