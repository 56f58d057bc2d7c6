"""Journals: balanced double-entry postings, idempotent on their source reference, and their reversal."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from departments.models import Department
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from finance.models import ZERO, Account, AccountingPeriod, Journal, JournalLine
from finance.services.accounts import accounting_period_for
from finance.services.common import _amount, _pounds
from hr.models import CostCentre
from shared_services.accounts.models import User

MAX_JOURNAL_LINES = 5000


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
