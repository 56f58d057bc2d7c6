from django.urls import path

from departments.api_helpers import routed_by_method
from finance import apis_me as apis

# Included under api/v1/me/departments/<slug:department_slug>/ (shared_services/urls.py): the
# caller's own records in one department.
urlpatterns = [
    path("expenses/", routed_by_method(apis.MyExpenseClaimListApi, apis.MyExpenseClaimCreateApi).as_view(),
         name="expenses"),
    path("expenses/<int:claim_id>/", apis.MyExpenseClaimDetailApi.as_view(), name="expense"),
    path("expenses/<int:claim_id>/submit/", apis.MyExpenseClaimSubmitApi.as_view(), name="expense-submit"),
]
