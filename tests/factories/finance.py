import datetime
from decimal import Decimal
from typing import Any

import factory

from departments.tenancy import department_context
from finance.models import Account, AccountingPeriod, Budget, ExpenseClaim, ExpenseLine, Journal, JournalLine
from tests.factories.base import DepartmentOwnedFactory
from tests.factories.hr import CostCentreFactory, EmployeeFactory

SAME_DEPARTMENT = factory.SelfAttribute("..department")


class AccountFactory(DepartmentOwnedFactory):
    class Meta:
        model = Account

    code = factory.Sequence(lambda n: f"9{n:04d}")
    name = factory.Sequence(lambda n: f"Account {n}")
    kind = Account.Kind.ASSET


class AccountingPeriodFactory(DepartmentOwnedFactory):
    class Meta:
        model = AccountingPeriod

    # Far-future years, one per row, so factories never meet the periods services create.
    financial_year = factory.Sequence(lambda n: 2090 + n % 10)
    number = factory.Sequence(lambda n: n // 10 % 12 + 1)
    start_date = factory.LazyAttribute(lambda o: _period_start(o.financial_year, o.number))
    end_date = factory.LazyAttribute(lambda o: _period_start(o.financial_year, o.number) + datetime.timedelta(days=27))


def _period_start(financial_year: int, number: int) -> datetime.date:
    month = (number + 2) % 12 + 1
    return datetime.date(financial_year if month >= 4 else financial_year + 1, month, 1)


class JournalFactory(DepartmentOwnedFactory):
    """A journal with two balancing lines (the database refuses to commit one without)."""

    class Meta:
        model = Journal

    period = factory.SubFactory(AccountingPeriodFactory, department=SAME_DEPARTMENT)
    posted_on = factory.SelfAttribute("period.start_date")
    description = factory.Sequence(lambda n: f"Journal {n}")
    fingerprint = "factory"

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Any:
        journal = super()._create(model_class, *args, **kwargs)
        with department_context(journal.department_id):
            JournalLine.objects.create(journal=journal, line_number=1, debit=Decimal("100.00"),
                                       account=AccountFactory(department=journal.department))
            JournalLine.objects.create(journal=journal, line_number=2, credit=Decimal("100.00"),
                                       account=AccountFactory(department=journal.department))
        return journal


class JournalLineFactory(DepartmentOwnedFactory):
    """A debit line; creating one also creates its balancing credit on the same journal."""

    class Meta:
        model = JournalLine

    journal = factory.SubFactory(JournalFactory, department=SAME_DEPARTMENT)
    line_number = factory.Sequence(lambda n: 10 + n)
    account = factory.SubFactory(AccountFactory, department=SAME_DEPARTMENT)
    cost_centre = factory.SubFactory(CostCentreFactory, department=SAME_DEPARTMENT)
    debit = Decimal("25.00")

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Any:
        line = super()._create(model_class, *args, **kwargs)
        with department_context(line.department_id):
            JournalLine.objects.create(journal=line.journal, line_number=line.line_number + 1000,
                                       account=AccountFactory(department=line.department),
                                       credit=line.debit, debit=Decimal("0.00"))
        return line


class BudgetFactory(DepartmentOwnedFactory):
    class Meta:
        model = Budget

    cost_centre = factory.SubFactory(CostCentreFactory, department=SAME_DEPARTMENT)
    financial_year = factory.Sequence(lambda n: 2026 + n)
    monthly_amounts = factory.LazyFunction(lambda: [Decimal("1000.00")] * 12)


class ExpenseClaimFactory(DepartmentOwnedFactory):
    class Meta:
        model = ExpenseClaim

    employee = factory.SubFactory(EmployeeFactory, department=SAME_DEPARTMENT)
    purpose = "Site visit"


class ExpenseLineFactory(DepartmentOwnedFactory):
    class Meta:
        model = ExpenseLine

    claim = factory.SubFactory(ExpenseClaimFactory, department=SAME_DEPARTMENT)
    category = ExpenseLine.Category.TRAVEL
    incurred_on = datetime.date(2026, 5, 12)
    description = "Train to Leeds"
    amount = Decimal("84.20")
