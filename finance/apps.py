from typing import Any, TextIO

from django.apps import AppConfig


class FinanceConfig(AppConfig):
    """Chart of accounts, double-entry journals, expenses and budgets by cost centre."""

    name = "finance"
    verbose_name = "Finance"

    def seed_demo(self, *, out: TextIO) -> None:
        from finance.demo import seed

        seed(out=out)

    def department_home_figures(self, *, department: Any, access: Any) -> list[Any]:
        from departments.roles import Scope
        from finance import selectors
        from shared_services.core.hooks import HomeFigure

        base = f"/departments/{department.slug}/finance/"
        figures = []
        if access.allows(Scope.FINANCE_READ):
            report = selectors.budget_vs_actual(financial_year=selectors.current_financial_year())
            figures.append(HomeFigure(label="Spend this financial year", value=f"£{report.actual:,.0f}",
                                      hint=f"Against a budget of £{report.budget:,.0f}", url=f"{base}budgets/"))
        if access.allows(Scope.EXPENSES_APPROVE):
            figures.append(HomeFigure(label="Expense claims for finance",
                                      value=selectors.expense_claims_awaiting_finance().count(),
                                      hint="Approved by line managers", url=f"{base}expenses/approvals/"))
        if access.allows(Scope.SELF_SERVICE):
            figures.append(HomeFigure(label="Expenses", value="Claims",
                                      hint="Claim expenses, or decide on your team's claims", url=base))
        return figures
