from django.urls import path

from onboarding import views

app_name = "onboarding"

# Included under departments/<slug:department_slug>/onboarding/ (shared_services/urls.py).
urlpatterns = [
    path("", views.ImportJobListView.as_view(), name="jobs"),
    path("upload/", views.ImportUploadView.as_view(), name="upload"),
    path("mappings/new/", views.ImportMappingCreateView.as_view(), name="mapping-new"),
    path("imports/<int:job_id>/", views.ImportJobView.as_view(), name="job"),
    path("imports/<int:job_id>/progress/", views.ImportJobProgressView.as_view(), name="job-progress"),
    path("imports/<int:job_id>/commit/", views.ImportJobCommitView.as_view(), name="job-commit"),
    path("imports/<int:job_id>/errors.csv", views.ImportErrorReportView.as_view(), name="job-errors"),
    path("imports/<int:job_id>/reconciliation/", views.ImportReconciliationView.as_view(), name="job-reconciliation"),
    path("imports/<int:job_id>/reconciliation.<str:file_format>", views.ImportReconciliationDownloadView.as_view(),
         name="job-reconciliation-download"),
]
