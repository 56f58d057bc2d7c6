"""Finance pages: the chart of accounts, journals, periods, budgets against actuals, exports, and
expense claims from the claimant, their line manager and finance.

Thin views: they parse input with ``finance.forms``, read through ``finance.selectors`` and write
through ``finance.services``. Who may see a claim is decided once, in ``ClaimPageMixin``.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from departments.models import Department
from departments.roles import Scope
from departments.selectors import DepartmentAccess
from departments.web import DepartmentPageMixin
from finance import exports, selectors, services
from finance.forms import (
    AccountEditForm,
    AccountForm,
    BudgetForm,
    ClaimForm,
    DecisionForm,
    ExpenseLineForm,
    JournalForm,
    MileageForm,
    ReverseForm,
)
from finance.models import Account, ExpenseClaim, ExpenseLine, Journal
from hr import selectors as hr_selectors
from hr.models import CostCentre
from shared_services.accounts.models import User
from shared_services.core.forms import add_service_errors


class FinancePageMixin:
    """What every finance page needs on top of ``DepartmentPageMixin``: who acts and what they may do.

    Each view states its own ``required_scope`` beside ``DepartmentPageMixin`` first in its bases.
    """

    department: Department
    department_access: DepartmentAccess
    request: HttpRequest
    kwargs: dict[str, Any]

    @property
    def acting_user(self) -> User:
        return cast(User, self.request.user)

    def allows(self, scope: str) -> bool:
        return self.department_access.allows(scope)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.update(can_write=self.allows(Scope.FINANCE_WRITE), can_read=self.allows(Scope.FINANCE_READ),
                       can_approve=self.allows(Scope.EXPENSES_APPROVE))
        return context

    def url(self, name: str, **kwargs: Any) -> str:
        return reverse(f"finance:{name}", kwargs={"department_slug": self.department.slug, **kwargs})

    def financial_year(self) -> int:
        raw = self.request.GET.get("year", "")
        if raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= 2100:
            return int(raw)
        return selectors.current_financial_year()


def _years_around(year: int) -> list[dict[str, Any]]:
    return [{"value": value, "label": f"{value} to {value + 1}", "selected": value == year}
            for value in range(year - 2, year + 2)]


# --- Finance home ----------------------------------------------------------------------------------


class FinanceHomeView(DepartmentPageMixin, FinancePageMixin, TemplateView):
    template_name = "finance/home.html"
    required_scope = Scope.DEPARTMENT_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        employee = selectors.employee_for_user(user=self.acting_user) if self.allows(Scope.SELF_SERVICE) else None
        context.update(
            employee=employee,
            my_claims=selectors.expense_claims_of(employee=employee)[:5] if employee else [],
            waiting_for_me=selectors.expense_claims_awaiting_manager(manager_user_id=self.acting_user.pk).count()
            if self.allows(Scope.TEAM_READ) else 0,
            waiting_for_finance=selectors.expense_claims_awaiting_finance().count()
            if self.allows(Scope.EXPENSES_APPROVE) else 0,
            shows_approvals=self.allows(Scope.TEAM_READ) or self.allows(Scope.EXPENSES_APPROVE),
        )
        return context


# --- Accounts --------------------------------------------------------------------------------------


class AccountListView(DepartmentPageMixin, FinancePageMixin, TemplateView):
    template_name = "finance/accounts.html"
    required_scope = Scope.FINANCE_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["accounts"] = selectors.accounts()
        return context


class AccountCreateView(DepartmentPageMixin, FinancePageMixin, FormView):
    template_name = "finance/account_form.html"
    form_class = AccountForm
    required_scope = Scope.FINANCE_WRITE

    def form_valid(self, form: AccountForm) -> HttpResponse:
        try:
            account = services.account_create(department=self.department, acting_user=self.acting_user,
                                              **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Account {account.code} {account.name} has been added")
        return redirect(self.url("accounts"))


class AccountEditView(DepartmentPageMixin, FinancePageMixin, FormView):
    template_name = "finance/account_form.html"
    form_class = AccountEditForm
    required_scope = Scope.FINANCE_WRITE

    @cached_property
    def account(self) -> Account:
        account = selectors.account_get(code=self.kwargs["account_code"])
        if account is None:
            raise Http404("There is no account with this code.")
        return account

    def get_initial(self) -> dict[str, Any]:
        return {"name": self.account.name, "purpose": self.account.purpose,
                "is_active": "yes" if self.account.is_active else "no"}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["account"] = self.account
        return context

    def form_valid(self, form: AccountEditForm) -> HttpResponse:
        try:
            services.account_update(account=self.account, acting_user=self.acting_user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Account {self.account.code} has been changed")
        return redirect(self.url("accounts"))


# --- Journals and periods --------------------------------------------------------------------------


class JournalListView(DepartmentPageMixin, FinancePageMixin, TemplateView):
    template_name = "finance/journals.html"
    required_scope = Scope.FINANCE_READ
    page_size = 50

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        year = self.financial_year()
        page = Paginator(selectors.journals(financial_year=year), self.page_size).get_page(self.request.GET.get("page"))
        context.update(year=year, years=_years_around(year), page=page)
        return context


class JournalPostView(DepartmentPageMixin, FinancePageMixin, FormView):
    template_name = "finance/journal_form.html"
    form_class = JournalForm
    required_scope = Scope.FINANCE_WRITE

    def form_valid(self, form: JournalForm) -> HttpResponse:
        lines = form.lines()
        if form.errors:
            return self.form_invalid(form)
        try:
            journal = services.journal_post(department=self.department, acting_user=self.acting_user, lines=lines,
                                            posted_on=form.cleaned_data["posted_on"],
                                            description=form.cleaned_data["description"])
        except ValidationError as error:
            form.add_line_errors(error)
            return self.form_invalid(form)
        messages.success(self.request, f"Journal {journal.reference} has been posted")
        return redirect(self.url("journal", journal_id=journal.pk))


class JournalDetailView(DepartmentPageMixin, FinancePageMixin, FormView):
    """A journal and its lines; finance can reverse it from here."""

    template_name = "finance/journal.html"
    form_class = ReverseForm
    required_scope = Scope.FINANCE_READ

    @cached_property
    def journal(self) -> Journal:
        journal = selectors.journal_get(journal_id=self.kwargs["journal_id"])
        if journal is None:
            raise Http404("There is no journal with this number.")
        return journal

    def get_initial(self) -> dict[str, Any]:
        return {"posted_on": timezone.localdate()}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        journal = self.journal
        lines = list(journal.lines.all())
        context.update(journal=journal, lines=lines, total=sum(line.debit for line in lines),
                       reversed_by=getattr(journal, "reversed_by", None),
                       can_reverse=self.allows(Scope.FINANCE_WRITE) and journal.source != Journal.Source.REVERSAL
                       and getattr(journal, "reversed_by", None) is None)
        return context

    def form_valid(self, form: ReverseForm) -> HttpResponse:
        if not self.allows(Scope.FINANCE_WRITE):
            raise PermissionDenied("Reversing a journal needs the 'finance:write' permission.")
        try:
            reversal = services.journal_reverse(journal=self.journal, acting_user=self.acting_user,
                                                posted_on=form.cleaned_data["posted_on"])
        except ValidationError as error:
            add_service_errors(form, error, aliases={"journal": "posted_on"})
            return self.form_invalid(form)
        messages.success(self.request, f"Journal {self.journal.reference} has been reversed by {reversal.reference}")
        return redirect(self.url("journal", journal_id=reversal.pk))


class PeriodListView(DepartmentPageMixin, FinancePageMixin, TemplateView):
    template_name = "finance/periods.html"
    required_scope = Scope.FINANCE_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        year = self.financial_year()
        held = {period.number: period for period in selectors.periods(financial_year=year)}
        rows = []
        for number in range(1, 13):
            start, end = services.period_dates(year, number)
            rows.append({"number": number, "start": start, "end": end, "period": held.get(number)})
        context.update(year=year, years=_years_around(year), rows=rows)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.allows(Scope.FINANCE_WRITE):
            raise PermissionDenied("Closing a period needs the 'finance:write' permission.")
        year, number, action = request.POST.get("year", ""), request.POST.get("number", ""), request.POST.get("action")
        if not (year.isascii() and year.isdigit() and number.isascii() and number.isdigit()
                and 1 <= int(number) <= 12 and 2000 <= int(year) <= 2100 and action in ("close", "reopen")):
            messages.error(request, "Choose a month to close or reopen.")
            return redirect(self.url("periods"))
        start = services.period_dates(int(year), int(number))[0]
        try:
            period = services.accounting_period_for(department=self.department, day=start)
            if action == "close":
                period = services.accounting_period_close(period=period, acting_user=self.acting_user)
            else:
                period = services.accounting_period_reopen(period=period, acting_user=self.acting_user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{period} is {period.get_status_display().lower()}")
        return redirect(f"{self.url('periods')}?year={year}")


# --- Budgets ---------------------------------------------------------------------------------------


class BudgetReportView(DepartmentPageMixin, FinancePageMixin, TemplateView):
    """Budget against actual spend by month, for the department or one cost centre, as a chart
    with the same figures in a table."""

    template_name = "finance/budget_report.html"
    required_scope = Scope.FINANCE_READ

    @cached_property
    def cost_centre(self) -> CostCentre | None:
        code = self.kwargs.get("cost_centre_code")
        if code is None:
            return None
        centre = hr_selectors.cost_centres().filter(code=code).first()
        if centre is None:
            raise Http404("There is no cost centre with this code.")
        return centre

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        year = self.financial_year()
        report = selectors.budget_vs_actual(financial_year=year, cost_centre=self.cost_centre)
        chart = {"labels": [month.label for month in report.months],
                 "budget": [str(month.budget) for month in report.months],
                 "actual": [str(month.actual) for month in report.months]}
        context.update(year=year, years=_years_around(year), report=report, cost_centre=self.cost_centre,
                       chart=chart, variance_abs=abs(report.variance))
        return context


class BudgetSetView(DepartmentPageMixin, FinancePageMixin, FormView):
    template_name = "finance/budget_form.html"
    form_class = BudgetForm
    required_scope = Scope.FINANCE_WRITE

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        year = selectors.current_financial_year()
        kwargs["years"] = list(range(year - 1, year + 3))
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        return {"financial_year": selectors.current_financial_year(), "cost_centre": self.request.GET.get("centre")}

    def form_valid(self, form: BudgetForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            budget = services.budget_set(department=self.department, acting_user=self.acting_user,
                                         cost_centre=data["cost_centre"], financial_year=data["financial_year"],
                                         monthly_amounts=data["monthly_amounts"],
                                         annual_amount=None if data["monthly_amounts"] else data["annual_amount"])
        except ValidationError as error:
            add_service_errors(form, error, aliases={"monthly_amounts": "month-0"})
            return self.form_invalid(form)
        messages.success(self.request, f"The {budget.financial_year} to {budget.financial_year + 1} budget for "
                                       f"{budget.cost_centre.code} is £{budget.total:,.2f}")
        return redirect(f"{self.url('budget-centre', cost_centre_code=budget.cost_centre.code)}"
                        f"?year={budget.financial_year}")


# --- Exports ---------------------------------------------------------------------------------------


class ExportsView(DepartmentPageMixin, FinancePageMixin, TemplateView):
    template_name = "finance/exports.html"
    required_scope = Scope.FINANCE_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        year = self.financial_year()
        context.update(year=year, years=_years_around(year), tb=selectors.trial_balance(financial_year=year))
        context["tb_debits"] = sum(row.debit for row in context["tb"])
        context["tb_credits"] = sum(row.credit for row in context["tb"])
        return context


class ExportDownloadView(DepartmentPageMixin, FinancePageMixin, View):
    required_scope = Scope.FINANCE_READ

    def get(self, request: HttpRequest, *args: Any, report: str, file_format: str, **kwargs: Any) -> HttpResponse:
        if report not in ("trial-balance", "journal-lines") or file_format not in exports.FORMATS:
            raise Http404("There is no such export.")
        return exports.export_response(department=self.department, report=report, file_format=file_format,
                                       financial_year=self.financial_year())


# --- Expenses --------------------------------------------------------------------------------------


class MyClaimsView(DepartmentPageMixin, FinancePageMixin, TemplateView):
    template_name = "finance/my_claims.html"
    required_scope = Scope.SELF_SERVICE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        employee = selectors.employee_for_user(user=self.acting_user)
        context.update(employee=employee, claims=selectors.expense_claims_of(employee=employee) if employee else [])
        return context


class ClaimCreateView(DepartmentPageMixin, FinancePageMixin, FormView):
    template_name = "finance/claim_new.html"
    form_class = ClaimForm
    required_scope = Scope.SELF_SERVICE

    def form_valid(self, form: ClaimForm) -> HttpResponse:
        employee = selectors.employee_for_user(user=self.acting_user)
        if employee is None:
            form.add_error(None, "Your account is not linked to an employee record here; ask HR to link it")
            return self.form_invalid(form)
        try:
            claim = services.expense_claim_create(employee=employee, purpose=form.cleaned_data["purpose"],
                                                  acting_user=self.acting_user)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Claim {claim.reference} has been started: add your expenses to it")
        return redirect(self.url("claim", claim_id=claim.pk))


class ClaimPageMixin(FinancePageMixin):
    """A page about one claim. The claimant, their line manager and finance readers may see it;
    anyone else gets a 404, as though it did not exist."""

    @cached_property
    def claim(self) -> ExpenseClaim:
        claim = selectors.expense_claim_get(claim_id=self.kwargs["claim_id"])
        if claim is None or not (self.is_claimant(claim) or self.is_line_manager(claim)
                                 or self.allows(Scope.FINANCE_READ)):
            raise Http404("There is no expense claim with this number.")
        return claim

    def is_claimant(self, claim: ExpenseClaim) -> bool:
        return claim.employee.user_id is not None and claim.employee.user_id == self.acting_user.pk

    def is_line_manager(self, claim: ExpenseClaim) -> bool:
        if services.claim_line_manager_user_id(claim) == self.acting_user.pk:
            return self.allows(Scope.TEAM_READ)
        # The line manager's deputy, while a delegation runs, sees and decides the claim as they would:
        # the delegation, not a role, is their authority.
        return services.claim_decidable_as_manager(claim=claim, user=self.acting_user)

    def claim_url(self) -> str:
        return self.url("claim", claim_id=self.claim.pk)

    def may_edit(self) -> bool:
        return self.is_claimant(self.claim) and self.claim.status == ExpenseClaim.Status.DRAFT

    def may_decide(self) -> bool:
        claim = self.claim
        if self.is_claimant(claim):
            return False
        if claim.status == ExpenseClaim.Status.SUBMITTED:
            return self.is_line_manager(claim)
        return claim.status == ExpenseClaim.Status.MANAGER_APPROVED and self.allows(Scope.EXPENSES_APPROVE)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        lines = list(self.claim.lines.all())
        context.update(claim=self.claim, lines=lines, total=sum(line.amount for line in lines),
                       claim_url=self.claim_url(), may_edit=self.may_edit(), may_decide=self.may_decide(),
                       may_mark_paid=self.allows(Scope.EXPENSES_APPROVE) and not self.is_claimant(self.claim)
                       and self.claim.status == ExpenseClaim.Status.APPROVED)
        return context


class ClaimView(DepartmentPageMixin, ClaimPageMixin, TemplateView):
    template_name = "finance/claim.html"
    required_scope = Scope.DEPARTMENT_READ


class ClaimActionView(DepartmentPageMixin, ClaimPageMixin, View):
    """Buttons on the claim page: submit (the claimant) and mark paid (finance)."""

    required_scope = Scope.DEPARTMENT_READ

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        action = kwargs["action"]
        try:
            if action == "submit" and self.is_claimant(self.claim):
                services.expense_claim_submit(claim=self.claim, acting_user=self.acting_user)
                messages.success(request, f"Claim {self.claim.reference} has been sent to your line manager")
            elif action == "mark-paid" and self.allows(Scope.EXPENSES_APPROVE):
                services.expense_claims_mark_paid(department=self.department, claims=[self.claim],
                                                  acting_user=self.acting_user)
                messages.success(request, f"Claim {self.claim.reference} has been marked paid")
            else:
                raise PermissionDenied("You cannot do that to this claim.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(self.claim_url())


class ClaimLineRemoveView(DepartmentPageMixin, ClaimPageMixin, View):
    required_scope = Scope.SELF_SERVICE

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        line = next((line for line in self.claim.lines.all() if line.pk == kwargs["line_id"]), None)
        if line is None or not self.is_claimant(self.claim):
            raise Http404("There is no such expense on this claim.")
        try:
            services.expense_line_remove(line=line, acting_user=self.acting_user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"The expense '{line.description}' has been removed")
        return redirect(self.claim_url())


class ReceiptView(DepartmentPageMixin, ClaimPageMixin, View):
    """A receipt, only through this page's checks: the files are never on a public address."""

    required_scope = Scope.DEPARTMENT_READ

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        line = next((line for line in self.claim.lines.all() if line.pk == kwargs["line_id"]), None)
        if line is None or not line.receipt:
            raise Http404("This expense has no receipt.")
        response = FileResponse(line.receipt.open("rb"), as_attachment=True, filename=line.receipt_name,
                                content_type=line.receipt_content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class ExpenseLineAddView(DepartmentPageMixin, ClaimPageMixin, FormView):
    template_name = "finance/expense_line_form.html"
    form_class = ExpenseLineForm
    required_scope = Scope.SELF_SERVICE

    def dispatch_allowed(self) -> None:
        if not self.may_edit():
            raise PermissionDenied("Only the claimant can add to a draft claim.")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.dispatch_allowed()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.dispatch_allowed()
        return super().post(request, *args, **kwargs)

    def add_line(self, form: Any) -> ExpenseLine:
        data = form.cleaned_data
        receipt = data.get("receipt")
        return services.expense_line_add(
            claim=self.claim, acting_user=self.acting_user, category=data["category"],
            incurred_on=data["incurred_on"], description=data["description"], amount=data["amount"],
            vat=data["vat"] or Decimal("0"), receipt=receipt, receipt_name=receipt.name if receipt else "")

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            line = self.add_line(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"£{line.amount:,.2f} for '{line.description}' has been added")
        return redirect(self.claim_url())



class MileageAddView(ExpenseLineAddView):
    template_name = "finance/mileage_form.html"
    form_class = MileageForm  # type: ignore[assignment]

    def add_line(self, form: Any) -> ExpenseLine:
        data = form.cleaned_data
        return services.expense_line_add(
            claim=self.claim, acting_user=self.acting_user, category=ExpenseLine.Category.MILEAGE,
            incurred_on=data["incurred_on"], description=data["description"], vehicle=data["vehicle"],
            miles=data["miles"])


class ClaimDecisionView(DepartmentPageMixin, ClaimPageMixin, FormView):
    """The line manager's, then finance's, decision on a claim."""

    template_name = "finance/claim_decision.html"
    form_class = DecisionForm
    required_scope = Scope.DEPARTMENT_READ

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.may_decide():
            raise PermissionDenied("This claim is not waiting for your decision.")
        return super().get(request, *args, **kwargs)

    def form_valid(self, form: DecisionForm) -> HttpResponse:
        approve = form.cleaned_data["decision"] == "approve"
        reason = form.cleaned_data["reason"]
        claim = self.claim
        try:
            if claim.status == ExpenseClaim.Status.SUBMITTED:
                services.expense_claim_manager_decide(claim=claim, approve=approve, acting_user=self.acting_user,
                                                      reason=reason)
            elif self.allows(Scope.EXPENSES_APPROVE):
                services.expense_claim_finance_decide(claim=claim, approve=approve, acting_user=self.acting_user,
                                                      reason=reason)
            else:
                raise ValidationError({"__all__": "This claim is not waiting for your decision."})
        except ValidationError as error:
            add_service_errors(form, error, aliases={"status": "decision"})
            return self.form_invalid(form)
        messages.success(self.request, f"Claim {claim.reference} has been {'approved' if approve else 'rejected'}")
        return redirect(self.url("approvals"))


class ApprovalsView(DepartmentPageMixin, FinancePageMixin, TemplateView):
    """Claims waiting for the signed-in line manager, and for finance: to approve, then to pay."""

    template_name = "finance/approvals.html"
    required_scope = Scope.DEPARTMENT_READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        if not (self.allows(Scope.TEAM_READ) or self.allows(Scope.EXPENSES_APPROVE)):
            raise PermissionDenied("This page is for line managers and finance.")
        context = super().get_context_data(**kwargs)
        me = self.acting_user.pk
        context.update(
            for_manager=selectors.expense_claims_awaiting_manager(manager_user_id=me)
            if self.allows(Scope.TEAM_READ) else None,
            for_finance=selectors.expense_claims_awaiting_finance().exclude(employee__user_id=me)
            if self.allows(Scope.EXPENSES_APPROVE) else None,
            to_pay=selectors.expense_claims_payable_through_payroll().exclude(employee__user_id=me)
            if self.allows(Scope.EXPENSES_APPROVE) else None,
        )
        return context

