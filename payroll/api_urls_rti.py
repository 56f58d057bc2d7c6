"""RTI routes under /api/v1/departments/<slug>/payroll/ (``payroll.apis_rti``)."""

from django.urls import URLPattern, path

from payroll import apis_rti

urlpatterns: list[URLPattern] = [
    path("runs/<int:run_id>/fps", apis_rti.PayRunFpsApi.as_view(), name="run-fps"),
    path("rti/submissions/", apis_rti.RtiSubmissionListApi.as_view(), name="rti-submissions"),
    path("rti/submissions/<int:submission_id>", apis_rti.RtiSubmissionDetailApi.as_view(), name="rti-submission"),
    path("rti/submissions/<int:submission_id>/xml", apis_rti.RtiSubmissionDocumentApi.as_view(),
         name="rti-submission-xml"),
    path("rti/submissions/<int:submission_id>/resubmit", apis_rti.RtiSubmissionResubmitApi.as_view(),
         name="rti-submission-resubmit"),
]
