from django.urls import path

from finance import views

app_name = "finance"

# Included under departments/<slug:department_slug>/finance/ (shared_services/urls.py).
urlpatterns = [
    path("", views.FinanceHomeView.as_view(), name="home"),
    path("accounts/", views.AccountListView.as_view(), name="accounts"),
    path("accounts/new/", views.AccountCreateView.as_view(), name="account-new"),
    path("accounts/<str:account_code>/edit/", views.AccountEditView.as_view(), name="account-edit"),
    path("journals/", views.JournalListView.as_view(), name="journals"),
    path("journals/new/", views.JournalPostView.as_view(), name="journal-new"),
    path("journals/<int:journal_id>/", views.JournalDetailView.as_view(), name="journal"),
    path("periods/", views.PeriodListView.as_view(), name="periods"),
    path("budgets/", views.BudgetReportView.as_view(), name="budgets"),
    path("budgets/set/", views.BudgetSetView.as_view(), name="budget-set"),
    path("budgets/<str:cost_centre_code>/", views.BudgetReportView.as_view(), name="budget-centre"),
    path("exports/", views.ExportsView.as_view(), name="exports"),
    path("exports/<str:report>.<str:file_format>", views.ExportDownloadView.as_view(), name="export"),
    path("expenses/", views.MyClaimsView.as_view(), name="my-claims"),
    path("expenses/new/", views.ClaimCreateView.as_view(), name="claim-new"),
    path("expenses/approvals/", views.ApprovalsView.as_view(), name="approvals"),
    path("expenses/<int:claim_id>/", views.ClaimView.as_view(), name="claim"),
    path("expenses/<int:claim_id>/expenses/new/", views.ExpenseLineAddView.as_view(), name="claim-line-new"),
    path("expenses/<int:claim_id>/mileage/new/", views.MileageAddView.as_view(), name="claim-mileage-new"),
    path("expenses/<int:claim_id>/lines/<int:line_id>/remove/", views.ClaimLineRemoveView.as_view(),
         name="claim-line-remove"),
    path("expenses/<int:claim_id>/lines/<int:line_id>/receipt/", views.ReceiptView.as_view(), name="receipt"),
    path("expenses/<int:claim_id>/decision/", views.ClaimDecisionView.as_view(), name="claim-decision"),
    path("expenses/<int:claim_id>/<str:action>/", views.ClaimActionView.as_view(), name="claim-action"),
]
