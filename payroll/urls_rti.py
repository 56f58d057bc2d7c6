"""RTI pages under departments/<slug>/payroll/ (``payroll.views_rti``), in the "payroll" namespace."""

from django.urls import URLPattern, path

from payroll import views_rti

urlpatterns: list[URLPattern] = [
    path("rti/", views_rti.RtiSubmissionsView.as_view(), name="rti-submissions"),
    path("rti/<int:submission_id>/", views_rti.RtiSubmissionView.as_view(), name="rti-submission"),
    path("rti/<int:submission_id>/xml", views_rti.RtiSubmissionDocumentView.as_view(), name="rti-submission-xml"),
    path("rti/<int:submission_id>/resubmit/", views_rti.RtiSubmissionResubmitView.as_view(),
         name="rti-submission-resubmit"),
]
