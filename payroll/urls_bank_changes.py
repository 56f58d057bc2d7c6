from django.urls import URLPattern, path

from payroll import views_bank_changes as views

# Included by the app's urls.py, so its names are in that app's namespace. The run page itself
# (payroll:run) shows the first changes and takes acknowledgements too.
urlpatterns: list[URLPattern] = [
    path("runs/<int:run_id>/bank-changes/", views.PayRunBankChangesView.as_view(), name="run-bank-changes"),
]
