from django.urls import path

from finance import apis

app_name = "finance-api"

# Relative to api/v1/departments/<slug:department_slug>/finance/ (shared_services/urls.py).
urlpatterns = [
    path("accounts/", apis.AccountsApi.as_view(), name="accounts"),
    path("accounts/<str:account_code>/", apis.AccountUpdateApi.as_view(), name="account"),
    path("periods/", apis.PeriodListApi.as_view(), name="periods"),
    path("periods/<int:financial_year>/<int:number>/status/", apis.PeriodStatusApi.as_view(), name="period-status"),
    path("journals/", apis.JournalsApi.as_view(), name="journals"),
    path("journals/<int:journal_id>/", apis.JournalDetailApi.as_view(), name="journal"),
    path("journals/<int:journal_id>/reversal/", apis.JournalReverseApi.as_view(), name="journal-reversal"),
    path("trial-balance/", apis.TrialBalanceApi.as_view(), name="trial-balance"),
    path("exports/<str:report>.<str:file_format>", apis.ExportApi.as_view(), name="export"),
    path("expense-claims/", apis.ExpenseClaimListApi.as_view(), name="expense-claims"),
    path("expense-claims/<int:claim_id>/", apis.ExpenseClaimDetailApi.as_view(), name="expense-claim"),
    path("expense-claims/<int:claim_id>/finance-decision/", apis.ExpenseClaimFinanceDecisionApi.as_view(),
         name="expense-claim-finance-decision"),
    path("expense-claims/<int:claim_id>/mark-paid/", apis.ExpenseClaimMarkPaidApi.as_view(),
         name="expense-claim-mark-paid"),
    path("budgets/", apis.BudgetsApi.as_view(), name="budgets"),
    path("budgets/vs-actual/", apis.BudgetVsActualApi.as_view(), name="budget-vs-actual"),
]
