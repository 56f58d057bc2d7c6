from django.urls import URLPattern, path

from payroll import apis_me as apis

# Included under api/v1/me/departments/<slug:department_slug>/ (shared_services/urls.py): the
# caller's own records in one department.
urlpatterns: list[URLPattern] = [
    path("payslips/", apis.MyPayslipListApi.as_view(), name="payslips"),
    path("payslips/<int:payslip_id>/", apis.MyPayslipDetailApi.as_view(), name="payslip"),
    path("payslips/<int:payslip_id>/pdf/", apis.MyPayslipPdfApi.as_view(), name="payslip-pdf"),
    path("documents/", apis.MyDocumentListApi.as_view(), name="documents"),
    path("documents/p60/<str:tax_year>/", apis.MyP60Api.as_view(), name="p60"),
    path("documents/p60/<str:tax_year>/pdf/", apis.MyP60PdfApi.as_view(), name="p60-pdf"),
    path("documents/p45/", apis.MyP45Api.as_view(), name="p45"),
    path("documents/p45/pdf/", apis.MyP45PdfApi.as_view(), name="p45-pdf"),
    path("documents/yearly-summary/<str:tax_year>/", apis.MyYearlySummaryApi.as_view(), name="yearly-summary"),
    path("documents/yearly-summary/<str:tax_year>/pdf/", apis.MyYearlySummaryPdfApi.as_view(),
         name="yearly-summary-pdf"),
]
