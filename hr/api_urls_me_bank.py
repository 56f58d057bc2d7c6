from django.urls import path

from departments.api_helpers import routed_by_method
from hr import apis_me_bank

# Included under api/v1/me/departments/<slug:department_slug>/ (shared_services/urls.py): the
# caller's own records in one department.
urlpatterns = [
    path("bank-details/", apis_me_bank.MyBankDetailsApi.as_view(), name="bank-details"),
    path("bank-details/changes/",
         routed_by_method(apis_me_bank.MyBankDetailsChangeListApi, apis_me_bank.MyBankDetailsChangeCreateApi).as_view(),
         name="bank-details-changes"),
]
