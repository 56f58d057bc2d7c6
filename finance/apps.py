from typing import Any, TextIO

from django.apps import AppConfig


class FinanceConfig(AppConfig):
    """Chart of accounts, double-entry journals, expenses and budgets by cost centre."""

    name = "finance"
    verbose_name = "Finance"

    def seed_demo(self, *, out: TextIO) -> None:
        from finance.demo import seed

        seed(out=out)

    def approval_sources(self) -> list[Any]:
        """Expense claims, for the approvals inbox in ``departments``, which may not import finance."""
        from finance.approvals import ExpenseApprovalSource

        return [ExpenseApprovalSource()]

    def department_home_figures(self, *, department: Any, access: Any) -> list[Any]:
        from departments.roles import Scope
        from finance import selectors
        from finance.models import ExpenseClaim
        from hr.selectors import employee_of_user
        from shared_services.core.hooks import HomeFigure

        base = f"/departments/{department.slug}/finance/"
        figures = []
        if access.allows(Scope.FINANCE_READ):
            report = selectors.budget_vs_actual(financial_year=selectors.current_financial_year())
            figures.append(HomeFigure(label="Spend this financial year", value=f"£{report.actual:,.0f}",
                                      hint=f"Against a budget of £{report.budget:,.0f}", url=f"{base}budgets/"))
        # Claims waiting for finance lead the home page under "What needs doing":
        # ``finance.navigation.attention_items``.
        own = employee_of_user(user_id=access.user.pk) if access.user is not None else None
        if own is not None and access.allows(Scope.SELF_SERVICE):
            in_progress = selectors.expense_claims_of(employee=own).exclude(
                status__in=[ExpenseClaim.Status.PAID, ExpenseClaim.Status.REJECTED]).count()
            figures.append(HomeFigure(label="Your expense claims in progress", value=in_progress,
                                      hint="Claim expenses and follow them to payment", url=f"{base}expenses/"))
        return figures

    def self_service_links(self, *, department: Any, access: Any) -> list[Any]:
        from departments.roles import Scope
        from hr.selectors import employee_of_user
        from shared_services.core.hooks import SelfServiceLink

        own = employee_of_user(user_id=access.user.pk) if access.user is not None else None
        if own is None or not access.allows(Scope.SELF_SERVICE):
            return []
        return [SelfServiceLink("Your expenses", f"/departments/{department.slug}/finance/expenses/",
                                "Claim expenses and mileage, and follow them to payment")]

    def navigation_sections(self, *, department: Any, access: Any) -> list[Any]:
        from finance.navigation import navigation_sections

        return navigation_sections(department=department, access=access)

    def attention_items(self, *, department: Any, access: Any) -> list[Any]:
        from finance.navigation import attention_items

        return attention_items(department=department, access=access)

    def audit_vocabulary(self) -> Any:
        from finance import audit_descriptions

        return audit_descriptions
