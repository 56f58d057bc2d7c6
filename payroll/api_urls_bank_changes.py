from django.urls import URLPattern, path

from payroll import apis_bank_changes

# Included under api/v1/departments/<slug>/payroll/runs/<int:run_id>/bank-changes/.
urlpatterns: list[URLPattern] = [
    path("", apis_bank_changes.PayRunBankChangeListApi.as_view(), name="run-bank-changes"),
    path("acknowledgements/", apis_bank_changes.PayRunBankChangeAcknowledgeApi.as_view(),
         name="run-bank-changes-acknowledge"),
]
