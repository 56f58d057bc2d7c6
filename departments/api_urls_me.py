from django.urls import path

from departments import apis_approvals

# Included under api/v1/me/departments/<slug:department_slug>/ (shared_services/urls.py): the
# caller's own records in one department.
urlpatterns = [
    path("approvals/", apis_approvals.ApprovalListApi.as_view(), name="approvals"),
    path("approvals/bulk-approve/", apis_approvals.ApprovalBulkApproveApi.as_view(), name="approvals-bulk-approve"),
    path("approvals/<slug:kind>/<int:item_id>/decide/", apis_approvals.ApprovalDecideApi.as_view(),
         name="approval-decide"),
]
