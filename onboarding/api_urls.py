from django.urls import path

from onboarding import apis

app_name = "onboarding-api"


class _ListOrCreate(apis.ImportJobListApi, apis.ImportJobCreateApi):
    """GET lists, POST uploads: two operations at one address."""

    required_scopes = {**apis.ImportJobListApi.required_scopes, **apis.ImportJobCreateApi.required_scopes}


# Relative to api/v1/departments/<slug:department_slug>/imports/ (shared_services/urls.py).
urlpatterns = [
    path("", _ListOrCreate.as_view(), name="imports"),
    path("<int:job_id>/", apis.ImportJobDetailApi.as_view(), name="import"),
    path("<int:job_id>/commit/", apis.ImportJobCommitApi.as_view(), name="import-commit"),
    path("<int:job_id>/errors/", apis.ImportErrorListApi.as_view(), name="import-errors"),
    path("<int:job_id>/errors.csv", apis.ImportErrorReportApi.as_view(), name="import-errors-csv"),
    path("<int:job_id>/reconciliation/", apis.ImportReconciliationApi.as_view(), name="import-reconciliation"),
    path("<int:job_id>/reconciliation.<str:file_format>", apis.ImportReconciliationDownloadApi.as_view(),
         name="import-reconciliation-file"),
]
