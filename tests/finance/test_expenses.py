"""Expense claims: lines with receipts and mileage at HMRC's rates, approval by the line manager
then finance, payment through payroll or directly; each step audited and refused out of order."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from departments.models import AuditEvent
from finance import selectors, services
from finance.mileage import mileage_amount
from finance.models import ExpenseClaim, ExpenseLine, Journal
from hr import services as hr_services
from tests.finance.conftest import build_finance_setting, hire

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _day(days_ago: int = 3) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days_ago)


def _claim_with_line(moj, setting, amount=Decimal("84.20")) -> ExpenseClaim:
    claim = services.expense_claim_create(employee=setting.claimant, purpose="Court visit in Leeds",
                                          acting_user=moj.employee)
    services.expense_line_add(claim=claim, acting_user=moj.employee, category=ExpenseLine.Category.TRAVEL,
                              incurred_on=_day(), description="Train, return", amount=amount, vat=Decimal("0"))
    return claim


def _submitted(moj, setting) -> ExpenseClaim:
    return services.expense_claim_submit(claim=_claim_with_line(moj, setting), acting_user=moj.employee)


def test_the_whole_journey_claim_to_paid_through_payroll_posts_balanced_journals(moj, setting, in_department):
    # given a submitted claim
    claim = _submitted(moj, setting)
    assert claim.status == ExpenseClaim.Status.SUBMITTED
    assert claim.cost_centre == setting.sub_centre
    # when the line manager and then finance approve it
    claim = services.expense_claim_manager_decide(claim=claim, approve=True, acting_user=moj.manager)
    claim = services.expense_claim_finance_decide(claim=claim, approve=True, acting_user=moj.finance_officer)
    # then it is waiting for the next pay run, with its cost in the ledger
    with in_department(moj):
        payable = list(selectors.expense_claims_payable_through_payroll())
        assert [(row.pk, row.total) for row in payable] == [(claim.pk, Decimal("84.20"))]
        report = selectors.budget_vs_actual(financial_year=selectors.current_financial_year(),
                                            cost_centre=setting.centre)
        assert report.actual == Decimal("84.20")
    # when a pay run takes it and is paid
    services.expense_claims_queue_for_payroll(department=moj.department, claims=payable,
                                              pay_run_reference="PR-2026-05", acting_user=None)
    with in_department(moj):
        assert not selectors.expense_claims_payable_through_payroll().exists()
        in_run = list(selectors.expense_claims_in_pay_run(pay_run_reference="PR-2026-05"))
    services.expense_claims_mark_paid(department=moj.department, claims=in_run, acting_user=None)
    # then
    with in_department(moj):
        claim = ExpenseClaim.objects.get(pk=claim.pk)
        assert claim.status == ExpenseClaim.Status.PAID
        balances = {row.account.code: row.balance for row in selectors.trial_balance(
            financial_year=selectors.current_financial_year())}
        assert balances == {"5100": Decimal("84.20"), "2300": Decimal("0.00"), "2200": Decimal("-84.20")}
        actions = list(AuditEvent.objects.filter(object_type="finance.expenseclaim", object_id=str(claim.pk))
                       .order_by("id").values_list("action", flat=True))
    assert actions == ["expense_claim.create", "expense_line.add", "expense_claim.submit",
                       "expense_claim.manager_approve", "expense_claim.finance_approve",
                       "expense_claim.queue_for_payroll", "expense_claim.mark_paid"]


def test_finance_can_mark_an_approved_claim_paid_directly_from_the_bank(moj, setting, in_department):
    claim = services.expense_claim_manager_decide(claim=_submitted(moj, setting), approve=True,
                                                  acting_user=moj.manager)
    claim = services.expense_claim_finance_decide(claim=claim, approve=True, acting_user=moj.finance_officer)
    services.expense_claims_mark_paid(department=moj.department, claims=[claim], acting_user=moj.finance_officer)
    with in_department(moj):
        claim = ExpenseClaim.objects.get(pk=claim.pk)
        assert claim.payment_journal.lines.get(credit__gt=0).account.code == "1100"
        assert claim.paid_by == moj.finance_officer


def test_an_employee_cannot_approve_their_own_claim(moj, setting, in_department):
    # given the finance officer's own claim, approved by their line manager
    with in_department(moj):
        team, grade = setting.claimant.employments.get().organisation_unit, setting.claimant.employments.get().grade
    officer = hire(moj.department, payroll_number="F0001", first_name="Fin", user=moj.finance_officer, team=team,
                    grade=grade, centre=setting.centre, line_manager=setting.manager)
    claim = services.expense_claim_create(employee=officer, purpose="Audit visit", acting_user=moj.finance_officer)
    services.expense_line_add(claim=claim, acting_user=moj.finance_officer, category=ExpenseLine.Category.TRAVEL,
                              incurred_on=_day(), description="Taxi", amount=Decimal("12.00"))
    claim = services.expense_claim_submit(claim=claim, acting_user=moj.finance_officer)
    claim = services.expense_claim_manager_decide(claim=claim, approve=True, acting_user=moj.manager)
    # when they try to approve it for finance
    with pytest.raises(ValidationError, match="cannot approve or reject your own expense claim"):
        services.expense_claim_finance_decide(claim=claim, approve=True, acting_user=moj.finance_officer)
    # then it still waits for another finance officer
    with in_department(moj):
        assert ExpenseClaim.objects.get(pk=claim.pk).status == ExpenseClaim.Status.MANAGER_APPROVED


def test_a_line_manager_cannot_approve_their_own_claim_even_if_recorded_as_their_own_manager(moj, setting):
    hr_services.employment_change(employee=setting.manager, effective_from=datetime.date(2020, 4, 1),
                                  changes={"line_manager": setting.manager}, reason="Data error", acting_user=None)
    claim = services.expense_claim_create(employee=setting.manager, purpose="Own trip", acting_user=moj.manager)
    services.expense_line_add(claim=claim, acting_user=moj.manager, category=ExpenseLine.Category.TRAVEL,
                              incurred_on=_day(), description="Taxi", amount=Decimal("12.00"))
    claim = services.expense_claim_submit(claim=claim, acting_user=moj.manager)
    with pytest.raises(ValidationError, match="cannot approve or reject your own expense claim"):
        services.expense_claim_manager_decide(claim=claim, approve=True, acting_user=moj.manager)


def test_an_employee_cannot_submit_without_a_line_manager(moj, setting):
    claim = services.expense_claim_create(employee=setting.manager, purpose="Own trip", acting_user=moj.manager)
    services.expense_line_add(claim=claim, acting_user=moj.manager, category=ExpenseLine.Category.TRAVEL,
                              incurred_on=_day(), description="Taxi", amount=Decimal("12.00"))
    with pytest.raises(ValidationError, match="has no line manager"):
        services.expense_claim_submit(claim=claim, acting_user=moj.manager)


def test_only_the_claimants_line_manager_can_decide_and_finance_cannot_approve_its_own(moj, setting, in_department):
    claim = _submitted(moj, setting)
    # a finance officer is not the line manager
    with pytest.raises(ValidationError, match="Only the claimant's line manager"):
        services.expense_claim_manager_decide(claim=claim, approve=True, acting_user=moj.finance_officer)
    # the colleague (also managed by the manager) is not either
    with pytest.raises(ValidationError, match="Only the claimant's line manager"):
        services.expense_claim_manager_decide(claim=claim, approve=True, acting_user=moj.hr_officer)
    # the manager's queue holds the claim; another person's is empty
    with in_department(moj):
        assert list(selectors.expense_claims_awaiting_manager(manager_user_id=moj.manager.pk)) == [claim]
        assert not selectors.expense_claims_awaiting_manager(manager_user_id=moj.hr_officer.pk).exists()


def test_a_rejection_needs_a_reason_and_ends_the_claim(moj, setting):
    claim = _submitted(moj, setting)
    with pytest.raises(ValidationError, match="reason for rejecting"):
        services.expense_claim_manager_decide(claim=claim, approve=False, acting_user=moj.manager)
    claim = services.expense_claim_manager_decide(claim=claim, approve=False, acting_user=moj.manager,
                                                  reason="No receipt for the taxi")
    assert claim.status == ExpenseClaim.Status.REJECTED
    with pytest.raises(ValidationError, match="is rejected; it cannot be approved by finance now"):
        services.expense_claim_finance_decide(claim=claim, approve=True, acting_user=moj.finance_officer)


@pytest.mark.parametrize("step", ["finance", "queue", "paid", "submit_again", "add_line"])
def test_transitions_out_of_order_are_refused_and_change_nothing(moj, setting, in_department, step):
    claim = _submitted(moj, setting)
    with pytest.raises(ValidationError) as refused:
        if step == "finance":
            services.expense_claim_finance_decide(claim=claim, approve=True, acting_user=moj.finance_officer)
        elif step == "queue":
            services.expense_claims_queue_for_payroll(department=moj.department, claims=[claim],
                                                      pay_run_reference="PR1", acting_user=None)
        elif step == "paid":
            services.expense_claims_mark_paid(department=moj.department, claims=[claim], acting_user=None)
        elif step == "submit_again":
            services.expense_claim_submit(claim=claim, acting_user=moj.employee)
        else:
            services.expense_line_add(claim=claim, acting_user=moj.employee, category="travel", incurred_on=_day(),
                                      description="Extra", amount=Decimal("1"))
    assert "is waiting for line manager" in refused.value.message_dict["status"][0]
    with in_department(moj):
        assert ExpenseClaim.objects.get(pk=claim.pk).status == ExpenseClaim.Status.SUBMITTED
        assert not Journal.objects.exists()


def test_an_empty_claim_cannot_be_submitted(moj, setting):
    claim = services.expense_claim_create(employee=setting.claimant, purpose="Nothing", acting_user=moj.employee)
    with pytest.raises(ValidationError, match="Add at least one expense"):
        services.expense_claim_submit(claim=claim, acting_user=moj.employee)


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"amount": Decimal("-5")}, "amount", "cannot be negative"),
    ({"amount": Decimal("0")}, "amount", "more than £0.00"),
    ({"amount": Decimal("25000")}, "amount", "more than a single expense can be"),
    ({"amount": Decimal("10"), "vat": Decimal("11")}, "vat", "cannot be more than the amount"),
    ({"amount": Decimal("10"), "incurred_on": "future"}, "incurred_on", "today or in the past"),
    ({"amount": Decimal("10"), "incurred_on": "old"}, "incurred_on", "within a year"),
    ({"category": "mileage", "vehicle": "car", "miles": Decimal("0")}, "miles", "more than 0"),
    ({"category": "mileage", "vehicle": "car", "miles": Decimal("50000")}, "miles", "at most 2,000 miles"),
    ({"category": "mileage", "vehicle": "lorry", "miles": Decimal("10")}, "vehicle", "Choose the vehicle"),
])
def test_negative_or_absurd_expenses_are_refused(moj, setting, in_department, kwargs, field, message):
    claim = services.expense_claim_create(employee=setting.claimant, purpose="Trip", acting_user=moj.employee)
    arguments = {"category": "travel", "incurred_on": _day(), "description": "Item", **kwargs}
    if arguments["incurred_on"] == "future":
        arguments["incurred_on"] = _day(-2)
    elif arguments["incurred_on"] == "old":
        arguments["incurred_on"] = _day(400)
    with pytest.raises(ValidationError) as refused:
        services.expense_line_add(claim=claim, acting_user=moj.employee, **arguments)
    assert message in " ".join(refused.value.message_dict[field])
    with in_department(moj):
        assert not ExpenseLine.objects.exists()


def test_mileage_is_paid_at_45p_then_25p_after_10000_business_miles_in_the_tax_year():
    # 9,900 miles already claimed: the next 100 at 45p, then 100 at 25p
    assert mileage_amount(vehicle="car", miles=Decimal("200"), on=datetime.date(2026, 9, 1),
                          earlier_miles=Decimal("9900")) == Decimal("70.00")
    assert mileage_amount(vehicle="car", miles=Decimal("12.5"), on=datetime.date(2026, 9, 1),
                          earlier_miles=Decimal("0")) == Decimal("5.63")
    assert mileage_amount(vehicle="car", miles=Decimal("10"), on=datetime.date(2026, 9, 1),
                          earlier_miles=Decimal("20000")) == Decimal("2.50")
    assert mileage_amount(vehicle="motorcycle", miles=Decimal("10"), on=datetime.date(2026, 9, 1),
                          earlier_miles=Decimal("20000")) == Decimal("2.40")


def test_mileage_lines_count_the_employees_earlier_miles_in_the_tax_year(moj, setting, in_department):
    claim = services.expense_claim_create(employee=setting.claimant, purpose="Visits", acting_user=moj.employee)
    first = services.expense_line_add(claim=claim, acting_user=moj.employee, category="mileage", incurred_on=_day(5),
                                      description="Leeds and back", vehicle="car", miles=Decimal("1990"))
    assert first.amount == Decimal("895.50")
    with in_department(moj):
        ExpenseLine.objects.filter(pk=first.pk).update(miles=Decimal("1995"))  # as if the year's miles were 9,995 …
        ExpenseLine.objects.bulk_create([ExpenseLine(claim=claim, category="mileage", incurred_on=_day(5),
                                                     description="Earlier", amount=Decimal("1"), vehicle="car",
                                                     miles=Decimal("2000")) for _ in range(4)])
    second = services.expense_line_add(claim=claim, acting_user=moj.employee, category="mileage", incurred_on=_day(2),
                                       description="York", vehicle="car", miles=Decimal("15"))
    # 5 miles at 45p and 10 at 25p
    assert second.amount == Decimal("4.75")


def test_a_receipt_is_checked_by_content_and_stored_under_the_departments_prefix(moj, setting, in_department):
    claim = services.expense_claim_create(employee=setting.claimant, purpose="Trip", acting_user=moj.employee)
    line = services.expense_line_add(claim=claim, acting_user=moj.employee, category="subsistence",
                                     incurred_on=_day(), description="Lunch", amount=Decimal("9.80"),
                                     vat=Decimal("1.63"), receipt=io.BytesIO(PDF), receipt_name="lunch.pdf")
    assert line.receipt.name.startswith(f"finance/receipts/department-{moj.id}/{claim.pk}/")
    assert line.receipt_content_type == "application/pdf"
    assert default_storage.open(line.receipt.name).read() == PDF


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"MZ\x90\x00 not a receipt", "receipt.pdf", "must be a PDF, PNG or JPEG"),
    (b"<html><script>alert(1)</script>", "receipt.png", "must be a PDF, PNG or JPEG"),
    (b"", "empty.pdf", "is empty"),
    (PNG + b"\x00" * (10 * 1024 * 1024), "huge.png", "smaller than 10 MB"),
])
def test_unsupported_or_oversized_receipts_are_refused_and_nothing_is_written(moj, setting, in_department, content,
                                                                              name, message):
    claim = services.expense_claim_create(employee=setting.claimant, purpose="Trip", acting_user=moj.employee)
    with pytest.raises(ValidationError) as refused:
        services.expense_line_add(claim=claim, acting_user=moj.employee, category="other", incurred_on=_day(),
                                  description="Thing", amount=Decimal("3"), receipt=io.BytesIO(content),
                                  receipt_name=name)
    assert message in refused.value.message_dict["receipt"][0]
    with in_department(moj):
        assert not ExpenseLine.objects.exists()


def test_claims_of_another_department_cannot_be_queued_or_marked_paid(moj, dft, setting, in_department):
    other = build_finance_setting(dft, in_department)
    theirs = services.expense_claim_create(employee=other.claimant, purpose="Theirs", acting_user=None)
    for call in (lambda: services.expense_claims_queue_for_payroll(department=moj.department, claims=[theirs],
                                                                   pay_run_reference="PR1", acting_user=None),
                 lambda: services.expense_claims_mark_paid(department=moj.department, claims=[theirs],
                                                           acting_user=None)):
        with pytest.raises(ValidationError, match="do not belong to Ministry of Justice"):
            call()


def test_a_queued_claim_can_be_released_when_a_pay_run_is_abandoned(moj, setting, in_department):
    claim = services.expense_claim_manager_decide(claim=_submitted(moj, setting), approve=True,
                                                  acting_user=moj.manager)
    claim = services.expense_claim_finance_decide(claim=claim, approve=True, acting_user=moj.finance_officer)
    services.expense_claims_queue_for_payroll(department=moj.department, claims=[claim], pay_run_reference="PR9",
                                              acting_user=None)
    services.expense_claims_release_from_payroll(department=moj.department, claims=[claim], acting_user=None)
    with in_department(moj):
        assert list(selectors.expense_claims_payable_through_payroll()) == [claim]
