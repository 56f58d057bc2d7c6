from django.urls import path

from onboarding import views, views_parallel

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
    # Cut-over: the task list, parallel runs against the legacy payroll, and the sign-off.
    path("overview/", views_parallel.OnboardingOverviewView.as_view(), name="overview"),
    path("parallel-runs/", views_parallel.ParallelRunListView.as_view(), name="parallel-runs"),
    path("parallel-runs/new/", views_parallel.ParallelRunStartView.as_view(), name="parallel-run-new"),
    path("parallel-runs/<int:parallel_run_id>/", views_parallel.ParallelRunView.as_view(), name="parallel-run"),
    path("parallel-runs/<int:parallel_run_id>/progress/", views_parallel.ParallelRunProgressView.as_view(),
         name="parallel-run-progress"),
    path("parallel-runs/<int:parallel_run_id>/explain/", views_parallel.ParallelRunExplainView.as_view(),
         name="parallel-run-explain"),
    path("parallel-runs/<int:parallel_run_id>/rerun/", views_parallel.ParallelRunRerunView.as_view(),
         name="parallel-run-rerun"),
    path("parallel-runs/<int:parallel_run_id>/report.<str:file_format>", views_parallel.ParallelRunReportView.as_view(),
         name="parallel-run-report"),
    path("parallel-runs/<int:parallel_run_id>/sign-off/", views_parallel.ParallelRunSignOffView.as_view(),
         name="parallel-sign-off"),
    path("parallel-runs/<int:parallel_run_id>/sign-off/<int:sign_off_id>/withdraw/",
         views_parallel.CutoverSignOffWithdrawView.as_view(), name="parallel-sign-off-withdraw"),
]
