from django.urls import path

from departments.api_helpers import routed_by_method
from onboarding import apis_parallel

app_name = "parallel-runs-api"

# Relative to api/v1/departments/<slug:department_slug>/parallel-runs/ (shared_services/urls.py).
urlpatterns = [
    path("", routed_by_method(apis_parallel.ParallelRunListApi, apis_parallel.ParallelRunStartApi)
         .as_view(), name="parallel-runs"),
    path("<int:parallel_run_id>/", apis_parallel.ParallelRunDetailApi.as_view(), name="parallel-run"),
    path("<int:parallel_run_id>/differences/", apis_parallel.ParallelRunDifferenceListApi.as_view(),
         name="parallel-run-differences"),
    path("<int:parallel_run_id>/explain/", apis_parallel.ParallelRunExplainApi.as_view(),
         name="parallel-run-explain"),
    path("<int:parallel_run_id>/rerun/", apis_parallel.ParallelRunRerunApi.as_view(),
         name="parallel-run-rerun"),
    path("<int:parallel_run_id>/report.csv", apis_parallel.ParallelRunReportApi.as_view(),
         name="parallel-run-report"),
    path("<int:parallel_run_id>/sign-offs/", routed_by_method(
        apis_parallel.CutoverSignOffListApi, apis_parallel.CutoverSignOffCreateApi).as_view(),
         name="parallel-run-sign-offs"),
]
