from django.urls import path

from hr import views_self_service as views

# Included by the app's urls.py, so its names are in that app's namespace.
urlpatterns = [
    path("me/details/", views.MyDetailsView.as_view(), name="my-details"),
    path("me/details/change/<slug:section>/", views.MyDetailsChangeView.as_view(), name="my-details-change"),
    path("me/details/ask/<slug:section>/", views.MyDetailsRequestView.as_view(), name="my-details-request"),
    path("me/details/requests/<int:request_id>/withdraw/", views.MyDetailsRequestWithdrawView.as_view(),
         name="my-details-request-withdraw"),
    path("detail-requests/", views.DetailRequestListView.as_view(), name="detail-requests"),
    path("detail-requests/<int:request_id>/", views.DetailRequestView.as_view(), name="detail-request"),
    path("detail-requests/<int:request_id>/evidence/", views.DetailRequestEvidenceView.as_view(),
         name="detail-request-evidence"),
    path("employees/<str:payroll_number>/detail-changes/", views.EmployeeDetailChangesView.as_view(),
         name="employee-detail-changes"),
]
