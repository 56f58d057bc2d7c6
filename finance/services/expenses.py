"""Expense claims: drafted with lines and receipts, approved by the line manager then finance, and
paid directly or through payroll."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from departments.models import Department
from departments.services import audit_changes, audit_record
from departments.tenancy import department_context
from finance import selectors
from finance.mileage import mileage_amount
from finance.models import ZERO, Account, ExpenseClaim, ExpenseLine, Journal
from finance.services.common import _amount, _pounds
from finance.services.journals import JournalLineInput, journal_post
from hr import selectors as hr_selectors
from hr.models import Employee
from hr.services.delegation import approvers_notify, deputy_acting_for, requester_notify_decided
from shared_services.accounts.models import User

MAX_EXPENSE_AMOUNT = Decimal("10000.00")
MAX_RECEIPT_BYTES = 10 * 1024 * 1024
MAX_MILES_PER_LINE = Decimal("2000")
EXPENSE_CLAIM_WINDOW = datetime.timedelta(days=365)
MAX_LINES_AT_ONCE = 50
RECEIPT_TYPES: dict[str, tuple[bytes, str]] = {
    "application/pdf": (b"%PDF-", "pdf"),
    "image/png": (b"\x89PNG\r\n\x1a\n", "png"),
    "image/jpeg": (b"\xff\xd8\xff", "jpg"),
}


def _claim_locked(claim: ExpenseClaim) -> ExpenseClaim:
    return ExpenseClaim.objects.select_for_update().select_related("employee").get(pk=claim.pk)


def _require_status(claim: ExpenseClaim, *allowed: str, doing: str) -> None:
    if claim.status not in allowed:
        raise ValidationError({"status": f"{claim.reference} is {claim.get_status_display().lower()}; "
                                         f"it cannot be {doing} now."})


def _audit_transition(claim: ExpenseClaim, action: str, before: str, acting_user: User | None,
                      reason: str = "", *, as_deputy_for: Employee | None = None) -> None:
    after = {"status": claim.status}
    if as_deputy_for is not None:
        after["as_deputy_for"] = str(as_deputy_for)
    audit_record(department=claim.department, action=action, acting_user=acting_user, target=claim,
                 changes=audit_changes({"status": before}, after), reason=reason)


def _claim_link(claim: ExpenseClaim) -> str:
    return reverse("finance:claim", kwargs={"department_slug": claim.department.slug, "claim_id": claim.pk})


def _tell_claimant(claim: ExpenseClaim, *, approved: bool, by_finance: bool) -> None:
    verdict = "approved" if approved else "rejected"
    if not approved:
        next_step = f"The reason given: {claim.rejection_reason}"
    elif by_finance:
        next_step = "It will be paid with your pay, or directly to your bank account."
    else:
        next_step = "It now goes to finance to approve for payment."
    requester_notify_decided(
        department=claim.department, employee=claim.employee,
        subject=f"Your expense claim {claim.reference} has been {verdict}",
        body=(f"Your expense claim {claim.reference} ({claim.purpose}) has been {verdict} by "
              f"{'finance' if by_finance else 'your line manager'}.\n\n{next_step}"),
        link=_claim_link(claim),
    )


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
def _expense_line_errors(*, claim: ExpenseClaim, category: str, incurred_on: datetime.date,
                         description: str) -> dict[str, str]:
    """What any item must have: a kind, a description, and a date the claim may still cover."""
    errors: dict[str, str] = {}
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
    return errors


def _miles_checked(vehicle: str, miles: Decimal | None, errors: dict[str, str]) -> Decimal | None:
    """A journey's vehicle and business miles; problems go into ``errors``."""
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
    return miles_value


def _amount_and_vat_checked(amount: Decimal, vat: Decimal, errors: dict[str, str]) -> tuple[Decimal, Decimal]:
    """An item's amount including VAT, and its VAT; problems go into ``errors``."""
    checked = _amount(amount, errors, "amount", "Amount")
    if "amount" not in errors and checked <= 0:
        errors["amount"] = "Enter an amount of more than £0.00."
    elif "amount" not in errors and checked > MAX_EXPENSE_AMOUNT:
        errors["amount"] = (f"{_pounds(checked)} is more than a single expense can be "
                            f"({_pounds(MAX_EXPENSE_AMOUNT)}); ask finance how to claim it.")
    vat_amount = _amount(vat, errors, "vat", "VAT")
    if "vat" not in errors and "amount" not in errors and vat_amount > checked:
        errors["vat"] = "The VAT cannot be more than the amount."
    return checked, vat_amount


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
        description = description.strip()
        errors = _expense_line_errors(claim=claim, category=category, incurred_on=incurred_on,
                                      description=description)
        vat_amount = ZERO
        if category == ExpenseLine.Category.MILEAGE:
            miles_value = _miles_checked(vehicle, miles, errors)
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
                amount, vat_amount = _amount_and_vat_checked(amount, vat, errors)
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


@dataclass(frozen=True)
class ExpenseLineInput:
    """One item of a claim made in one go, as ``expense_line_add`` takes it (no receipt)."""

    category: str
    incurred_on: datetime.date
    description: str
    amount: Decimal | None = None
    vat: Decimal = ZERO
    vehicle: str = ""
    miles: Decimal | None = None


@transaction.atomic
def expense_claim_create_with_lines(*, employee: Employee, purpose: str, lines: Sequence[ExpenseLineInput],
                                    acting_user: User | None) -> ExpenseClaim:
    """A draft claim with its items, all or nothing: a problem with any item (named
    ``lines[<index>].<field>``) leaves no claim behind. Receipts are added on the claim's page."""
    if not lines:
        raise ValidationError({"lines": "Add at least one expense to the claim."})
    if len(lines) > MAX_LINES_AT_ONCE:
        raise ValidationError({"lines": f"A claim made in one go can have at most {MAX_LINES_AT_ONCE} expenses."})
    claim = expense_claim_create(employee=employee, purpose=purpose, acting_user=acting_user)
    errors: dict[str, list[str]] = {}
    for index, line in enumerate(lines):
        try:
            expense_line_add(claim=claim, acting_user=acting_user, **asdict(line))
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors[f"lines[{index}]" if field == "__all__" else f"lines[{index}].{field}"] = messages
    if errors:
        raise ValidationError(errors)
    return claim


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
        employee = claim.employee
        approvers_notify(
            department=department, manager=employment.line_manager,
            subject=f"Expense claim from {employee.display_name} waiting for your decision",
            body=(f"{employee.display_name} has sent you expense claim {claim.reference} ({claim.purpose}).\n\n"
                  "You can approve or reject it in your approvals."),
        )
        return claim


def _claim_line_manager(claim: ExpenseClaim) -> Employee | None:
    """The claimant's line manager today (None without one)."""
    employment = hr_selectors.employment_shown(employee=claim.employee)
    return employment.line_manager if employment is not None else None


def claim_line_manager_user_id(claim: ExpenseClaim) -> int | None:
    """The user account of the claimant's line manager today (None without one)."""
    manager = _claim_line_manager(claim)
    return manager.user_id if manager is not None else None


def _manager_or_deputy(claim: ExpenseClaim, user: User) -> tuple[bool, Employee | None]:
    """Whether ``user`` decides the claim as the claimant's line manager today or that manager's
    deputy today, and the manager they deputise for (None when they are the manager)."""
    manager = _claim_line_manager(claim)
    if manager is not None and manager.user_id is not None and manager.user_id == user.pk:
        return True, None
    deputising_for = deputy_acting_for(acting_user=user, manager=manager, day=timezone.localdate())
    return deputising_for is not None, deputising_for


def claim_decidable_as_manager(*, claim: ExpenseClaim, user: User) -> bool:
    """Whether ``user`` is the claimant's line manager today, or that manager's deputy today."""
    return _manager_or_deputy(claim, user)[0]


def _not_own(claim: ExpenseClaim, acting_user: User) -> None:
    if claim.employee.user_id is not None and claim.employee.user_id == acting_user.pk:
        raise ValidationError({"__all__": "You cannot approve or reject your own expense claim."})


@transaction.atomic
def expense_claim_manager_decide(*, claim: ExpenseClaim, approve: bool, acting_user: User,
                                 reason: str = "") -> ExpenseClaim:
    """The claimant's line manager, or their deputy today, approves (it goes on to finance) or
    rejects a submitted claim; nobody decides their own. A deputy's decision is audited as made for
    the manager, and the claimant is told of the decision either way."""
    department = claim.department
    with department_context(department.id):
        claim = _claim_locked(claim)
        _require_status(claim, ExpenseClaim.Status.SUBMITTED, doing="approved by a line manager")
        _not_own(claim, acting_user)
        may_decide, deputising_for = _manager_or_deputy(claim, acting_user)
        if not may_decide:
            raise ValidationError({"__all__": "Only the claimant's line manager, or their deputy, can decide "
                                              "this claim."})
        if not approve and not reason.strip():
            raise ValidationError({"reason": "Give the reason for rejecting the claim."})
        before = claim.status
        claim.status = ExpenseClaim.Status.MANAGER_APPROVED if approve else ExpenseClaim.Status.REJECTED
        claim.manager_decided_by, claim.manager_decided_at = acting_user, timezone.now()
        claim.rejection_reason = "" if approve else reason.strip()[:300]
        claim.save(update_fields=["status", "manager_decided_by", "manager_decided_at", "rejection_reason"])
        _audit_transition(claim, "expense_claim.manager_approve" if approve else "expense_claim.manager_reject",
                          before, acting_user, reason, as_deputy_for=deputising_for)
        _tell_claimant(claim, approved=approve, by_finance=False)
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
        _tell_claimant(claim, approved=approve, by_finance=True)
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
