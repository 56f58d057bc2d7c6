from django.urls import path

from departments import views

# Included by the app's urls.py under departments/<slug:department_slug>/, so its names are in
# that app's namespace.
urlpatterns = [
    path("approvals/", views.ApprovalsInboxView.as_view(), name="approvals"),
    path("approvals/<slug:kind>/<int:item_id>/", views.ApprovalDecisionView.as_view(), name="approval"),
]
