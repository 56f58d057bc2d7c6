from django.urls import include, path

from payroll import views

app_name = "payroll"

# Included under departments/<slug:department_slug>/payroll/ (shared_services/urls.py).
urlpatterns = [
    path("", views.PayRunListView.as_view(), name="runs"),
    path("runs/<int:run_id>/", views.PayRunView.as_view(), name="run"),
    path("runs/<int:run_id>/progress/", views.PayRunProgressView.as_view(), name="run-progress"),
    path("runs/<int:run_id>/steps/<str:action>/", views.PayRunActionView.as_view(), name="run-action"),
    path("runs/<int:run_id>/downloads/<str:what>", views.PayRunDownloadView.as_view(), name="run-download"),
    path("runs/<int:run_id>/payslips/<int:payslip_id>/", views.PayslipView.as_view(), name="payslip"),
    path("runs/<int:run_id>/payslips/<int:payslip_id>/pdf/", views.PayslipPdfView.as_view(), name="payslip-pdf"),
    path("schedules/", views.PayScheduleListView.as_view(), name="schedules"),
    path("schedules/new/", views.PayScheduleCreateView.as_view(), name="schedule-new"),
    path("schedules/<int:schedule_id>/", views.PayScheduleView.as_view(), name="schedule"),
    path("schedules/<int:schedule_id>/inputs/", views.PayInputsView.as_view(), name="inputs"),
    path("me/payslips/", views.MyPayslipsView.as_view(), name="my-payslips"),
    # RTI submissions, tax code notices, year end (P45, P60, rollover) and absence pay: names in this
    # namespace too.
    path("", include("payroll.urls_rti")),
    path("", include("payroll.urls_tax_codes")),
    path("", include("payroll.urls_year_end")),
    path("", include("payroll.urls_statutory")),
    path("", include("payroll.urls_documents")),
    path("", include("payroll.urls_bank_changes")),
    path("", include("payroll.urls_review")),
    path("", include("payroll.urls_schedule_settings")),
]
