from django.urls import include, path

from payroll import apis

app_name = "payroll-department-api"

# Relative to api/v1/departments/<slug:department_slug>/payroll/ (shared_services/urls.py).
urlpatterns = [
    path("schedules/", apis.PaySchedulesApi.as_view(), name="schedules"),
    path("schedules/<int:schedule_id>/members/", apis.PayScheduleMembersMoveApi.as_view(), name="schedule-members"),
    path("inputs/", apis.PayInputsApi.as_view(), name="inputs"),
    path("runs/", apis.PayRunsApi.as_view(), name="runs"),
    path("runs/<int:run_id>/", apis.PayRunDetailApi.as_view(), name="run"),
    path("runs/<int:run_id>/open/", apis.PayRunOpenApi.as_view(), name="run-open"),
    path("runs/<int:run_id>/calculate/", apis.PayRunCalculateApi.as_view(), name="run-calculate"),
    path("runs/<int:run_id>/resume/", apis.PayRunResumeApi.as_view(), name="run-resume"),
    path("runs/<int:run_id>/recalculate-failed/", apis.PayRunRecalculateFailedApi.as_view(),
         name="run-recalculate-failed"),
    path("runs/<int:run_id>/approve/", apis.PayRunApproveApi.as_view(), name="run-approve"),
    path("runs/<int:run_id>/finalise/", apis.PayRunFinaliseApi.as_view(), name="run-finalise"),
    path("runs/<int:run_id>/cancel/", apis.PayRunCancelApi.as_view(), name="run-cancel"),
    path("runs/<int:run_id>/reopen/", apis.PayRunReopenApi.as_view(), name="run-reopen"),
    path("runs/<int:run_id>/exceptions/", apis.PayRunExceptionListApi.as_view(), name="run-exceptions"),
    path("runs/<int:run_id>/bank-changes/", include("payroll.api_urls_bank_changes")),
    path("runs/<int:run_id>/payslips/", apis.PayslipListApi.as_view(), name="payslips"),
    path("runs/<int:run_id>/payslips/<int:payslip_id>/", apis.PayslipDetailApi.as_view(), name="payslip"),
    path("runs/<int:run_id>/payslips/<int:payslip_id>/pdf", apis.PayslipPdfApi.as_view(), name="payslip-pdf"),
    path("runs/<int:run_id>/register.<str:file_format>", apis.PayRunRegisterApi.as_view(), name="run-register"),
    path("runs/<int:run_id>/bacs", apis.PayRunBacsFileApi.as_view(), name="run-bacs"),
    path("", include("payroll.api_urls_rti")),
    path("", include("payroll.api_urls_tax_codes")),
    path("", include("payroll.api_urls_year_end")),
    path("", include("payroll.api_urls_statutory")),
    path("", include("payroll.api_urls_review")),
    path("", include("payroll.api_urls_schedule_settings")),
]
