from django.urls import path

from hr import views_bank

# Included by the app's urls.py, so its names are in that app's namespace.
urlpatterns = [
    path("employees/<str:payroll_number>/bank-details/", views_bank.EmployeeBankDetailsView.as_view(),
         name="employee-bank-details"),
    path("me/bank-details/", views_bank.MyBankDetailsView.as_view(), name="my-bank-details"),
    path("me/bank-details/changes/<int:change_id>/", views_bank.MyBankDetailsChangeView.as_view(),
         name="my-bank-details-change"),
    path("bank-details-checks/", views_bank.BankDetailsChecksView.as_view(), name="bank-details-checks"),
    path("bank-details-checks/<int:change_id>/", views_bank.BankDetailsCheckView.as_view(),
         name="bank-details-check"),
    path("bank-details-checks/<int:change_id>/evidence/", views_bank.BankDetailsEvidenceView.as_view(),
         name="bank-details-evidence"),
]
