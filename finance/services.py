"""Every write to finance records: accounts, periods, journals, budgets and expense claims.

Each service runs in its department's context and transaction and writes the audit log. Invalid
input raises ``ValidationError`` keyed by field (journal lines as ``lines[<index>].<field>``), and
nothing is written.

Pay runs use three calls here (payroll imports finance, never the other way round):

- ``journal_post(..., source=Journal.Source.PAYROLL, source_reference=<pay run id>)`` posts the
  pay run's costs and liabilities by cost centre; a retry with the same reference returns the
  journal already posted.
- ``expense_claims_queue_for_payroll`` takes the approved claims that
  ``finance.selectors.expense_claims_payable_through_payroll`` lists into a pay run, as
  non-taxable reimbursements; ``expense_claims_release_from_payroll`` gives them back if the run is
  abandoned.
- ``expense_claims_mark_paid`` marks them paid when the pay run is paid: it moves the amount from
  expenses payable to net pay control, which the pay run's own journal clears to the bank.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from departments.models import Department
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from finance import selectors
from finance.mileage import mileage_amount
from finance.models import (
    ZERO,
    Account,
    AccountingPeriod,
    Budget,
    ExpenseClaim,
    ExpenseLine,
    Journal,
    JournalLine,
    financial_year_of,
    period_number_of,
)
from hr import selectors as hr_selectors
from hr.models import CostCentre, Employee
from shared_services.accounts.models import User

PENNY = Decimal("0.01")
# Larger than any real journal line or expense; it stops typing slips (and fits NUMERIC(14, 2)).
MAX_LINE_AMOUNT = Decimal("999999999999.99")
MAX_EXPENSE_AMOUNT = Decimal("10000.00")
MAX_JOURNAL_LINES = 5000
MAX_RECEIPT_BYTES = 10 * 1024 * 1024
MAX_MILES_PER_LINE = Decimal("2000")
EXPENSE_CLAIM_WINDOW = datetime.timedelta(days=365)
RECEIPT_TYPES: dict[str, tuple[bytes, str]] = {
    "application/pdf": (b"%PDF-", "pdf"),
    "image/png": (b"\x89PNG\r\n\x1a\n", "png"),
    "image/jpeg": (b"\xff\xd8\xff", "jpg"),
}

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


def _money(value: Any) -> Decimal:
    return (value if isinstance(value, Decimal) else Decimal(str(value))).quantize(PENNY)


def _pounds(value: Decimal) -> str:
    return f"£{value:,.2f}"


# --- Chart of accounts -----------------------------------------------------------------------------


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


# --- Journals --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JournalLineInput:
    """One line to post: an account (or its code), a debit or a credit in pounds, and a cost
    centre (or its code) for income and expenditure accounts."""

    account: Account | str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    cost_centre: CostCentre | str | None = None
    description: str = ""


@dataclass
class _CheckedLine:
    account: Account
    debit: Decimal
    credit: Decimal
    cost_centre: CostCentre | None
    description: str = field(default="")


def _as_line_input(line: JournalLineInput | Mapping[str, Any]) -> JournalLineInput:
    if isinstance(line, JournalLineInput):
        return line
    known = {"account", "debit", "credit", "cost_centre", "description"}
    return JournalLineInput(**{key: value for key, value in line.items() if key in known and value is not None})


def _amount(value: Any, errors: dict[str, str], key: str, label: str) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value or "0"))
    except (InvalidOperation, ValueError):
        errors[key] = f"{label}: enter the amount as a number of pounds, like 125.50."
        return ZERO
    if not amount.is_finite():
        errors[key] = f"{label}: enter the amount as a number of pounds, like 125.50."
    elif amount < 0:
        errors[key] = f"{label}: the amount cannot be negative; put it on the other side."
    elif amount != amount.quantize(PENNY):
        errors[key] = f"{label}: amounts are to the penny (two decimal places at most)."
    elif amount > MAX_LINE_AMOUNT:
        errors[key] = f"{label}: {_pounds(amount)} is larger than any journal line can be."
    else:
        return amount.quantize(PENNY)
    return ZERO


def _resolve_account(department: Department, value: Account | str, errors: dict[str, str], key: str,
                     label: str) -> Account | None:
    if isinstance(value, Account):
        if value.department_id != department.id:  # type: ignore[attr-defined]
            errors[key] = f"{label}: account {value.code} does not belong to {department.name}."
            return None
        account: Account | None = Account.objects.filter(pk=value.pk).first()
    else:
        account = Account.objects.filter(code=str(value).strip()).first()
        if account is None:
            errors[key] = f"{label}: {department.name} has no account with the code '{value}'."
            return None
    if account is not None and not account.is_active:
        errors[key] = f"{label}: account {account.code} is closed to postings."
        return None
    return account


def _resolve_cost_centre(department: Department, value: CostCentre | str | None, errors: dict[str, str], key: str,
                         label: str) -> CostCentre | None:
    if value is None or value == "":
        return None
    if isinstance(value, CostCentre):
        if value.department_id != department.id:  # type: ignore[attr-defined]
            errors[key] = f"{label}: cost centre {value.code} does not belong to {department.name}."
            return None
        return value
    centre = CostCentre.objects.filter(code=str(value).strip()).first()
    if centre is None:
        errors[key] = f"{label}: {department.name} has no cost centre with the code '{value}'."
    return centre


def _check_lines(department: Department, lines: Sequence[JournalLineInput | Mapping[str, Any]]) -> list[_CheckedLine]:
    errors: dict[str, str] = {}
    if len(lines) < 2:
        raise ValidationError({"lines": "A journal needs at least two lines: at least one debit and one credit."})
    if len(lines) > MAX_JOURNAL_LINES:
        raise ValidationError({"lines": f"A journal can have at most {MAX_JOURNAL_LINES:,} lines."})
    checked: list[_CheckedLine] = []
    for index, raw in enumerate(lines):
        label = f"Line {index + 1}"
        try:
            line = _as_line_input(raw)
        except TypeError:
            errors[f"lines[{index}]"] = f"{label}: give an account and a debit or a credit."
            continue
        prefix = f"lines[{index}]"
        debit = _amount(line.debit, errors, f"{prefix}.debit", label)
        credit = _amount(line.credit, errors, f"{prefix}.credit", label)
        if f"{prefix}.debit" not in errors and f"{prefix}.credit" not in errors:
            if debit and credit:
                errors[f"{prefix}.credit"] = f"{label}: enter a debit or a credit, not both."
            elif not debit and not credit:
                errors[f"{prefix}.debit"] = f"{label}: enter a debit or a credit of more than £0.00."
        account = _resolve_account(department, line.account, errors, f"{prefix}.account", label)
        centre = _resolve_cost_centre(department, line.cost_centre, errors, f"{prefix}.cost_centre", label)
        if account is not None and account.needs_cost_centre and centre is None \
                and f"{prefix}.cost_centre" not in errors:
            errors[f"{prefix}.cost_centre"] = (f"{label}: account {account.code} is "
                                               f"{account.get_kind_display().lower()}; choose its cost centre.")
        if account is not None:
            checked.append(_CheckedLine(account, debit, credit, centre, str(line.description or "")[:200]))
    if errors:
        raise ValidationError(errors)
    debits = sum((line.debit for line in checked), ZERO)
    credits = sum((line.credit for line in checked), ZERO)
    if debits != credits:
        raise ValidationError({"lines": f"The journal does not balance: debits {_pounds(debits)}, credits "
                                        f"{_pounds(credits)}, a difference of {_pounds(abs(debits - credits))}."})
    return checked


def _fingerprint(posted_on: datetime.date, lines: Iterable[_CheckedLine]) -> str:
    canonical = [posted_on.isoformat()] + [
        [line.account.code, str(line.debit), str(line.credit), line.cost_centre.code if line.cost_centre else ""]
        for line in lines
    ]
    return hashlib.sha256(json.dumps(canonical).encode()).hexdigest()


def journal_by_source(*, source: str, source_reference: str) -> Journal | None:
    """The journal already posted under this reference, if any (in the current department)."""
    if not source_reference:
        return None
    return Journal.objects.filter(source=source, source_reference=source_reference).first()


@transaction.atomic
def journal_post(
    *,
    department: Department,
    acting_user: User | None,
    posted_on: datetime.date,
    description: str,
    lines: Sequence[JournalLineInput | Mapping[str, Any]],
    source: str = Journal.Source.MANUAL,
    source_reference: str = "",
    period: AccountingPeriod | None = None,
    reverses: Journal | None = None,
) -> Journal:
    """Post a balanced journal, header and lines, in one transaction; return it.

    Invariants: at least two lines; each line a debit or a credit (never both), positive, to the
    penny; every account and cost centre the department's own; income and expenditure lines carry
    a cost centre; debits equal credits exactly; the period (the month of ``posted_on``, or
    ``period`` when given, which must contain ``posted_on``) is open. The database checks balance,
    period and immutability again at commit.

    Idempotent on ``(source, source_reference)``: posting the same lines and date again returns
    the journal posted the first time; different ones under a used reference are refused.
    """
    with department_context(department.id):
        if source not in Journal.Source.values:
            raise ValidationError({"source": f"'{source}' is not a journal source."})
        source_reference = source_reference.strip()
        if len(source_reference) > 100:
            raise ValidationError({"source_reference": "The source reference must be 100 characters or fewer."})
        description = description.strip()
        errors: dict[str, str] = {}
        if not description:
            errors["description"] = "Enter a description of the journal."
        elif len(description) > 200:
            errors["description"] = "The description must be 200 characters or fewer."
        if errors:
            raise ValidationError(errors)
        checked = _check_lines(department, lines)
        fingerprint = _fingerprint(posted_on, checked)
        existing = journal_by_source(source=source, source_reference=source_reference)
        if existing is not None:
            if existing.fingerprint != fingerprint:
                raise ValidationError({"source_reference": (
                    f"{existing.reference} was already posted under the reference '{source_reference}' with "
                    "different lines or date; use a new reference for a different journal.")})
            return existing
        if period is None:
            period = accounting_period_for(department=department, day=posted_on)
        elif period.department_id != department.id:  # type: ignore[attr-defined]
            raise ValidationError({"period": f"The period does not belong to {department.name}."})
        elif not period.start_date <= posted_on <= period.end_date:
            raise ValidationError({"posted_on": f"{posted_on:%-d %B %Y} is outside {period}."})
        period = AccountingPeriod.objects.select_for_update().get(pk=period.pk)  # a close waits for this post
        if not period.is_open:
            raise ValidationError({"posted_on": f"{period} is closed; post into an open period, or ask for it "
                                                "to be reopened."})
        journal = Journal(period=period, posted_on=posted_on, description=description, source=source,
                          source_reference=source_reference, fingerprint=fingerprint, reverses=reverses,
                          posted_by=acting_user if acting_user is not None and acting_user.pk else None)
        try:
            with transaction.atomic():
                journal.save()
        except IntegrityError:
            # Another transaction posted under the same reference first: theirs stands.
            existing = journal_by_source(source=source, source_reference=source_reference)
            if existing is not None and existing.fingerprint == fingerprint:
                return existing
            raise ValidationError({"source_reference": f"The reference '{source_reference}' is in use."}) from None
        JournalLine.objects.bulk_create(
            JournalLine(journal=journal, line_number=number, account=line.account, cost_centre=line.cost_centre,
                        description=line.description, debit=line.debit, credit=line.credit)
            for number, line in enumerate(checked, start=1)
        )
        total = sum((line.debit for line in checked), ZERO)
        audit_record(department=department, action="journal.post", acting_user=acting_user, target=journal,
                     changes=audit_changes({}, {"posted_on": posted_on, "period": str(period), "source": source,
                                                "source_reference": source_reference, "lines": len(checked),
                                                "total": str(total)}))
        return journal


@transaction.atomic
def journal_reverse(*, journal: Journal, acting_user: User | None, posted_on: datetime.date | None = None,
                    description: str = "") -> Journal:
    """Post the mirror image of a journal (debits become credits), dated ``posted_on`` (today by
    default) in an open period. The original stays as it was; a journal is reversed at most once."""
    department = journal.department
    with department_context(department.id):
        if Journal.objects.filter(reverses=journal).exists():
            raise ValidationError({"journal": f"{journal.reference} has been reversed already."})
        if journal.source == Journal.Source.REVERSAL:
            raise ValidationError({"journal": f"{journal.reference} is itself a reversal; post a new journal."})
        lines = [
            JournalLineInput(account=line.account, debit=line.credit, credit=line.debit, cost_centre=line.cost_centre,
                             description=line.description)
            for line in journal.lines.select_related("account", "cost_centre").order_by("line_number")
        ]
        return journal_post(
            department=department, acting_user=acting_user, posted_on=posted_on or timezone.localdate(),
            description=description.strip() or f"Reversal of {journal.reference}: {journal.description}"[:200],
            lines=lines, source=Journal.Source.REVERSAL, source_reference=f"reversal-of-{journal.pk}",
            reverses=journal,
        )


# --- Budgets ---------------------------------------------------------------------------------------


def phase_evenly(annual: Decimal) -> list[Decimal]:
    """Twelve monthly amounts adding up to ``annual`` exactly; the pennies left over go to March."""
    monthly = (annual / 12).quantize(PENNY, rounding="ROUND_DOWN")
    return [monthly] * 11 + [annual - monthly * 11]


@transaction.atomic
def budget_set(*, department: Department, cost_centre: CostCentre, financial_year: int, acting_user: User | None,
               monthly_amounts: Sequence[Decimal] | None = None, annual_amount: Decimal | None = None) -> Budget:
    """Create or replace a cost centre's budget for a financial year: twelve monthly amounts
    (April first), or an annual amount phased evenly."""
    with department_context(department.id):
        errors: dict[str, str] = {}
        if cost_centre.department_id != department.id:  # type: ignore[attr-defined]
            raise ValidationError({"cost_centre": f"Cost centre {cost_centre.code} does not belong to "
                                                  f"{department.name}."})
        if not 2000 <= financial_year <= 2100:
            errors["financial_year"] = "Enter a financial year like 2026 (for 2026-27)."
        if (monthly_amounts is None) == (annual_amount is None):
            errors["monthly_amounts"] = "Give either twelve monthly amounts or an annual amount."
        amounts: list[Decimal] = []
        if annual_amount is not None and not errors:
            annual = _amount(annual_amount, errors, "annual_amount", "Annual budget")
            amounts = phase_evenly(annual)
        elif monthly_amounts is not None and not errors:
            if len(monthly_amounts) != 12:
                errors["monthly_amounts"] = f"Give twelve monthly amounts, April to March, not {len(monthly_amounts)}."
            else:
                amounts = [_amount(value, errors, "monthly_amounts", f"Month {number}")
                           for number, value in enumerate(monthly_amounts, start=1)]
        if errors:
            raise ValidationError(errors)
        budget = Budget.objects.select_for_update().filter(cost_centre=cost_centre,
                                                           financial_year=financial_year).first()
        before = {"monthly_amounts": [str(a) for a in budget.monthly_amounts]} if budget else {}
        if budget is None:
            budget = Budget(cost_centre=cost_centre, financial_year=financial_year, monthly_amounts=amounts)
        budget.monthly_amounts = amounts
        budget.save()
        audit_record(department=department, action="budget.set", acting_user=acting_user, target=budget,
                     changes=audit_changes(before, {"monthly_amounts": [str(a) for a in amounts]}))
        return budget


# --- Expenses --------------------------------------------------------------------------------------


def _claim_locked(claim: ExpenseClaim) -> ExpenseClaim:
    return ExpenseClaim.objects.select_for_update().select_related("employee").get(pk=claim.pk)


def _require_status(claim: ExpenseClaim, *allowed: str, doing: str) -> None:
    if claim.status not in allowed:
        raise ValidationError({"status": f"{claim.reference} is {claim.get_status_display().lower()}; "
                                         f"it cannot be {doing} now."})


def _audit_transition(claim: ExpenseClaim, action: str, before: str, acting_user: User | None,
                      reason: str = "") -> None:
    audit_record(department=claim.department, action=action, acting_user=acting_user, target=claim,
                 changes=audit_changes({"status": before}, {"status": claim.status}), reason=reason)


@transaction.atomic
def expense_claim_create(*, employee: Employee, purpose: str, acting_user: User | None) -> ExpenseClaim:
    """Start a draft claim for ``employee``; lines are added to it before it is submitted."""
    with department_context(employee.department_id):  # type: ignore[attr-defined]
        purpose = purpose.strip()
        if not purpose:
            raise ValidationError({"purpose": "Enter what the expenses were for."})
        if len(purpose) > 200:
            raise ValidationError({"purpose": "The purpose must be 200 characters or fewer."})
        claim = ExpenseClaim.objects.create(employee=employee, purpose=purpose, created_by=acting_user)
        audit_record(department=employee.department, action="expense_claim.create", acting_user=acting_user,
                     target=claim, changes=audit_changes({}, {"employee": employee.payroll_number,
                                                              "purpose": purpose}))
        return claim


def _receipt_checked(receipt: IO[bytes], errors: dict[str, str]) -> tuple[bytes, str, str] | None:
    """The receipt's bytes, content type and extension, judged by its first bytes (not its name)."""
    size = getattr(receipt, "size", None)
    if size is not None and size > MAX_RECEIPT_BYTES:
        errors["receipt"] = f"The receipt must be smaller than {MAX_RECEIPT_BYTES // (1024 * 1024)} MB."
        return None
    content = receipt.read(MAX_RECEIPT_BYTES + 1)
    if len(content) > MAX_RECEIPT_BYTES:
        errors["receipt"] = f"The receipt must be smaller than {MAX_RECEIPT_BYTES // (1024 * 1024)} MB."
        return None
    if not content:
        errors["receipt"] = "The receipt file is empty."
        return None
    for content_type, (magic, extension) in RECEIPT_TYPES.items():
        if content.startswith(magic):
            return content, content_type, extension
    errors["receipt"] = "The receipt must be a PDF, PNG or JPEG file."
    return None


@transaction.atomic
def expense_line_add(
    *,
    claim: ExpenseClaim,
    acting_user: User | None,
    category: str,
    incurred_on: datetime.date,
    description: str,
    amount: Decimal | None = None,
    vat: Decimal = ZERO,
    vehicle: str = "",
    miles: Decimal | None = None,
    receipt: IO[bytes] | None = None,
    receipt_name: str = "",
) -> ExpenseLine:
    """Add an item to a draft claim. Mileage is paid at HMRC's approved rates on the business miles
    (the amount is worked out, not typed); other items need an amount and may carry VAT and a
    receipt (PDF, PNG or JPEG by content, under 10 MB), stored under the department's own prefix."""
    department = claim.department
    with department_context(department.id):
        claim = _claim_locked(claim)
        _require_status(claim, ExpenseClaim.Status.DRAFT, doing="changed")
        errors: dict[str, str] = {}
        description = description.strip()
        if category not in ExpenseLine.Category.values:
            errors["category"] = "Choose the kind of expense."
        if not description:
            errors["description"] = "Describe the expense."
        elif len(description) > 200:
            errors["description"] = "The description must be 200 characters or fewer."
        today = timezone.localdate()
        if incurred_on > today:
            errors["incurred_on"] = "The date of the expense must be today or in the past."
        elif incurred_on < today - EXPENSE_CLAIM_WINDOW:
            errors["incurred_on"] = "Expenses must be claimed within a year of the date they were incurred."
        elif incurred_on < claim.employee.start_date:
            errors["incurred_on"] = "The expense must be dated after the employee started."
        vat_amount = ZERO
        if category == ExpenseLine.Category.MILEAGE:
            if vehicle not in ExpenseLine.Vehicle.values:
                errors["vehicle"] = "Choose the vehicle used."
            try:
                miles_value = Decimal(str(miles)) if miles is not None else None
            except InvalidOperation:
                miles_value = None
            if miles_value is None or not miles_value.is_finite() or miles_value <= 0:
                errors["miles"] = "Enter the business miles, more than 0."
            elif miles_value != miles_value.quantize(Decimal("0.1")):
                errors["miles"] = "Enter the miles to one decimal place at most."
            elif miles_value > MAX_MILES_PER_LINE:
                errors["miles"] = f"Enter at most {MAX_MILES_PER_LINE:,} miles on one line; split longer trips."
            if not errors:
                assert miles_value is not None
                earlier = selectors.business_miles_in_tax_year(employee=claim.employee, vehicle=vehicle,
                                                                 on=incurred_on)
                amount = mileage_amount(vehicle=vehicle, miles=miles_value, on=incurred_on, earlier_miles=earlier)
                miles = miles_value
        else:
            vehicle, miles = "", None
            if amount is None:
                errors["amount"] = "Enter the amount, including VAT."
            else:
                checked = _amount(amount, errors, "amount", "Amount")
                if "amount" not in errors and checked <= 0:
                    errors["amount"] = "Enter an amount of more than £0.00."
                elif "amount" not in errors and checked > MAX_EXPENSE_AMOUNT:
                    errors["amount"] = (f"{_pounds(checked)} is more than a single expense can be "
                                        f"({_pounds(MAX_EXPENSE_AMOUNT)}); ask finance how to claim it.")
                amount = checked
                vat_amount = _amount(vat, errors, "vat", "VAT")
                if "vat" not in errors and "amount" not in errors and vat_amount > checked:
                    errors["vat"] = "The VAT cannot be more than the amount."
        stored: tuple[bytes, str, str] | None = None
        if receipt is not None and category != ExpenseLine.Category.MILEAGE:
            stored = _receipt_checked(receipt, errors)
        if errors:
            raise ValidationError(errors)
        assert amount is not None
        line = ExpenseLine(claim=claim, category=category, incurred_on=incurred_on, description=description,
                           amount=amount, vat=vat_amount, vehicle=vehicle, miles=miles)
        if stored is not None:
            content, content_type, extension = stored
            # The department's prefix keeps one department's files apart from another's; a random
            # name means a path never reveals or collides with another.
            path = f"finance/receipts/department-{department.id}/{claim.pk}/{uuid.uuid4().hex}.{extension}"
            line.receipt.name = default_storage.save(path, ContentFile(content))
            line.receipt_name = (receipt_name or f"receipt.{extension}").rsplit("/", 1)[-1][:200]
            line.receipt_content_type = content_type
        line.save()
        audit_record(department=department, action="expense_line.add", acting_user=acting_user, target=claim,
                     changes=audit_changes({}, {"category": category, "incurred_on": incurred_on,
                                                "amount": str(amount), "vat": str(vat_amount),
                                                "miles": str(miles) if miles else None,
                                                "receipt": line.receipt_name or None}))
        return line


@transaction.atomic
def expense_line_remove(*, line: ExpenseLine, acting_user: User | None) -> None:
    department = line.department
    with department_context(department.id):
        claim = _claim_locked(line.claim)
        _require_status(claim, ExpenseClaim.Status.DRAFT, doing="changed")
        removed = {"category": line.category, "incurred_on": line.incurred_on, "amount": str(line.amount)}
        receipt = line.receipt.name
        ExpenseLine.objects.filter(pk=line.pk).delete()
        if receipt:
            transaction.on_commit(lambda: default_storage.delete(receipt))
        audit_record(department=department, action="expense_line.remove", acting_user=acting_user, target=claim,
                     changes=audit_changes(removed, {}))


def claim_total(claim: ExpenseClaim) -> Decimal:
    return ExpenseLine.objects.filter(claim=claim).aggregate(total=Sum("amount"))["total"] or ZERO


@transaction.atomic
def expense_claim_submit(*, claim: ExpenseClaim, acting_user: User | None) -> ExpenseClaim:
    """Send a draft claim to the claimant's line manager. It is charged to the cost centre of the
    claimant's employment today."""
    department = claim.department
    with department_context(department.id):
        claim = _claim_locked(claim)
        _require_status(claim, ExpenseClaim.Status.DRAFT, doing="submitted")
        if not ExpenseLine.objects.filter(claim=claim).exists():
            raise ValidationError({"lines": "Add at least one expense before submitting the claim."})
        employment = hr_selectors.employment_shown(employee=claim.employee)
        if employment is None:
            raise ValidationError({"employee": f"{claim.employee.display_name} has no employment to charge "
                                               "the claim to."})
        if employment.line_manager is None or employment.line_manager.user_id is None:
            raise ValidationError({"employee": f"{claim.employee.display_name} has no line manager with an account "
                                               "to approve the claim; ask HR to record one."})
        before = claim.status
        claim.status, claim.submitted_at, claim.cost_centre = (ExpenseClaim.Status.SUBMITTED, timezone.now(),
                                                               employment.cost_centre)
        claim.save(update_fields=["status", "submitted_at", "cost_centre"])
        _audit_transition(claim, "expense_claim.submit", before, acting_user)
        return claim


def claim_line_manager_user_id(claim: ExpenseClaim) -> int | None:
    """The user account of the claimant's line manager today (None without one)."""
    employment = hr_selectors.employment_shown(employee=claim.employee)
    if employment is None or employment.line_manager is None:
        return None
    return employment.line_manager.user_id


def _not_own(claim: ExpenseClaim, acting_user: User) -> None:
    if claim.employee.user_id is not None and claim.employee.user_id == acting_user.pk:
        raise ValidationError({"__all__": "You cannot approve or reject your own expense claim."})


@transaction.atomic
def expense_claim_manager_decide(*, claim: ExpenseClaim, approve: bool, acting_user: User,
                                 reason: str = "") -> ExpenseClaim:
    """The claimant's line manager approves (it goes on to finance) or rejects a submitted claim."""
    department = claim.department
    with department_context(department.id):
        claim = _claim_locked(claim)
        _require_status(claim, ExpenseClaim.Status.SUBMITTED, doing="approved by a line manager")
        _not_own(claim, acting_user)
        if claim_line_manager_user_id(claim) != acting_user.pk:
            raise ValidationError({"__all__": "Only the claimant's line manager can decide this claim."})
        if not approve and not reason.strip():
            raise ValidationError({"reason": "Give the reason for rejecting the claim."})
        before = claim.status
        claim.status = ExpenseClaim.Status.MANAGER_APPROVED if approve else ExpenseClaim.Status.REJECTED
        claim.manager_decided_by, claim.manager_decided_at = acting_user, timezone.now()
        claim.rejection_reason = "" if approve else reason.strip()[:300]
        claim.save(update_fields=["status", "manager_decided_by", "manager_decided_at", "rejection_reason"])
        _audit_transition(claim, "expense_claim.manager_approve" if approve else "expense_claim.manager_reject",
                          before, acting_user, reason)
        return claim


def _account_for(purpose: str, department: Department) -> Account:
    account = Account.objects.filter(purpose=purpose, is_active=True).first()
    if account is None:
        raise ValidationError({"__all__": f"{department.name}'s chart has no active account for "
                                          f"'{Account.Purpose(purpose).label}'; add one before continuing."})
    return account


@transaction.atomic
def expense_claim_finance_decide(*, claim: ExpenseClaim, approve: bool, acting_user: User,
                                 reason: str = "") -> ExpenseClaim:
    """Finance approves a manager-approved claim for payment, or rejects it. Approval posts the
    cost to the claim's cost centre and the amount owed to expenses payable."""
    department = claim.department
    with department_context(department.id):
        claim = _claim_locked(claim)
        _require_status(claim, ExpenseClaim.Status.MANAGER_APPROVED, doing="approved by finance")
        _not_own(claim, acting_user)
        if claim.manager_decided_by_id == acting_user.pk:  # type: ignore[attr-defined]
            raise ValidationError({"__all__": "The line manager who approved the claim cannot also approve it "
                                              "for finance."})
        if not approve and not reason.strip():
            raise ValidationError({"reason": "Give the reason for rejecting the claim."})
        before = claim.status
        if approve:
            total = claim_total(claim)
            claim.approval_journal = journal_post(
                department=department, acting_user=acting_user, posted_on=timezone.localdate(),
                description=f"Expense claim {claim.reference}: {claim.employee.display_name}"[:200],
                source=Journal.Source.EXPENSES, source_reference=f"claim-{claim.pk}-approved",
                lines=[JournalLineInput(account=_account_for(Account.Purpose.EXPENSES, department), debit=total,
                                        cost_centre=claim.cost_centre, description=claim.purpose[:200]),
                       JournalLineInput(account=_account_for(Account.Purpose.EXPENSES_PAYABLE, department),
                                        credit=total, description=f"Owed to {claim.employee.payroll_number}")],
            )
        claim.status = ExpenseClaim.Status.APPROVED if approve else ExpenseClaim.Status.REJECTED
        claim.finance_decided_by, claim.finance_decided_at = acting_user, timezone.now()
        claim.rejection_reason = "" if approve else reason.strip()[:300]
        claim.save(update_fields=["status", "finance_decided_by", "finance_decided_at", "rejection_reason",
                                  "approval_journal"])
        _audit_transition(claim, "expense_claim.finance_approve" if approve else "expense_claim.finance_reject",
                          before, acting_user, reason)
        return claim


def _claims_locked(claims: Iterable[ExpenseClaim]) -> list[ExpenseClaim]:
    ids = sorted({claim.pk for claim in claims})
    return list(ExpenseClaim.objects.select_for_update().select_related("employee").filter(pk__in=ids)
                .order_by("pk"))


@transaction.atomic
def expense_claims_queue_for_payroll(*, department: Department, claims: Iterable[ExpenseClaim],
                                     pay_run_reference: str, acting_user: User | None) -> list[ExpenseClaim]:
    """Take approved claims into a pay run, to be paid with pay as non-taxable reimbursements.
    All or none: a claim that is not approved (or belongs elsewhere) refuses the whole batch."""
    with department_context(department.id):
        if not pay_run_reference.strip():
            raise ValidationError({"pay_run_reference": "Give the pay run's reference."})
        wanted = list(claims)
        locked = _claims_locked(wanted)
        if len(locked) != len({claim.pk for claim in wanted}):
            raise ValidationError({"claims": f"Some claims do not belong to {department.name}."})
        for claim in locked:
            _require_status(claim, ExpenseClaim.Status.APPROVED, doing="queued for payroll")
        for claim in locked:
            claim.status, claim.pay_run_reference = ExpenseClaim.Status.QUEUED_FOR_PAYROLL, pay_run_reference.strip()
            claim.save(update_fields=["status", "pay_run_reference"])
            _audit_transition(claim, "expense_claim.queue_for_payroll", ExpenseClaim.Status.APPROVED, acting_user,
                              f"Pay run {claim.pay_run_reference}")
        return locked


@transaction.atomic
def expense_claims_release_from_payroll(*, department: Department, claims: Iterable[ExpenseClaim],
                                        acting_user: User | None) -> list[ExpenseClaim]:
    """Give queued claims back (the pay run was abandoned): they are approved and unpaid again."""
    with department_context(department.id):
        locked = _claims_locked(claims)
        for claim in locked:
            _require_status(claim, ExpenseClaim.Status.QUEUED_FOR_PAYROLL, doing="released from payroll")
        for claim in locked:
            claim.status, claim.pay_run_reference = ExpenseClaim.Status.APPROVED, ""
            claim.save(update_fields=["status", "pay_run_reference"])
            _audit_transition(claim, "expense_claim.release_from_payroll", ExpenseClaim.Status.QUEUED_FOR_PAYROLL,
                              acting_user)
        return locked


@transaction.atomic
def expense_claims_mark_paid(*, department: Department, claims: Iterable[ExpenseClaim], acting_user: User | None,
                             paid_on: datetime.date | None = None) -> list[ExpenseClaim]:
    """Record claims as paid, each with a journal clearing expenses payable.

    A claim queued in a pay run was paid with pay: the credit goes to net pay control, which the
    pay run's journal clears to the bank. An approved claim paid directly is credited to the bank.
    Claims in any other state refuse the whole batch.
    """
    with department_context(department.id):
        paid_on = paid_on or timezone.localdate()
        wanted = list(claims)
        locked = _claims_locked(wanted)
        if len(locked) != len({claim.pk for claim in wanted}):
            raise ValidationError({"claims": f"Some claims do not belong to {department.name}."})
        for claim in locked:
            _require_status(claim, ExpenseClaim.Status.APPROVED, ExpenseClaim.Status.QUEUED_FOR_PAYROLL,
                            doing="marked paid")
        if paid_on > timezone.localdate():
            raise ValidationError({"paid_on": "The payment date cannot be in the future."})
        payable = _account_for(Account.Purpose.EXPENSES_PAYABLE, department)
        for claim in locked:
            through_payroll = claim.status == ExpenseClaim.Status.QUEUED_FOR_PAYROLL
            paid_from = _account_for(Account.Purpose.NET_PAY_CONTROL if through_payroll else Account.Purpose.BANK,
                                     department)
            total = claim_total(claim)
            before = claim.status
            claim.payment_journal = journal_post(
                department=department, acting_user=acting_user, posted_on=paid_on,
                description=f"Expense claim {claim.reference} paid"
                            f"{' in pay run ' + claim.pay_run_reference if through_payroll else ''}"[:200],
                source=Journal.Source.EXPENSES, source_reference=f"claim-{claim.pk}-paid",
                lines=[JournalLineInput(account=payable, debit=total, description=claim.employee.payroll_number),
                       JournalLineInput(account=paid_from, credit=total, description=claim.reference)],
            )
            claim.status, claim.paid_on = ExpenseClaim.Status.PAID, paid_on
            claim.paid_by = acting_user if acting_user is not None and acting_user.pk else None
            claim.save(update_fields=["status", "paid_on", "paid_by", "payment_journal"])
            _audit_transition(claim, "expense_claim.mark_paid", before, acting_user,
                              f"Paid in pay run {claim.pay_run_reference}" if through_payroll else "Paid directly")
        return locked

