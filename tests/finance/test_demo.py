"""The finance demo data: a chart, budgets, a balanced ledger and claims at every stage; the year's
payroll postings are left to the payroll demo's real runs."""

from __future__ import annotations

import io

import pytest

from departments import demo as department_demo
from departments.models import Department
from finance import demo, selectors
from finance.models import Account, Budget, ExpenseClaim, Journal
from hr import demo as hr_demo

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_a_balanced_ledger_and_claims_at_every_stage_once(in_department):
    # given the demo departments with a small staff
    department_demo.seed(out=io.StringIO())
    moj = Department.objects.get(slug="moj")
    hr_demo.seed_department(moj, employees=40, out=io.StringIO())
    # when
    out = io.StringIO()
    demo.seed_department(moj, out=out)
    demo.seed_department(moj, out=out)
    # then
    with in_department(moj):
        assert Account.objects.filter(purpose="staff_costs").exists()
        assert Budget.objects.exists()
        statuses = set(ExpenseClaim.objects.values_list("status", flat=True))
        assert statuses == {"draft", "submitted", "manager_approved", "approved", "paid"}
        # no estimated payroll postings: each month's comes from its finalised pay run
        assert not Journal.objects.filter(source=Journal.Source.PAYROLL).exists()
        rows = selectors.trial_balance(financial_year=selectors.current_financial_year())
        assert sum(row.debit for row in rows) == sum(row.credit for row in rows)
    assert "has a chart of accounts already" in out.getvalue()
