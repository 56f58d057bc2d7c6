"""API: HMRC's tax code notices, and a leaver's P45 (under /api/v1/departments/<slug>/payroll/)."""

from django.urls import URLPattern, path

from payroll import apis_tax_codes as apis

urlpatterns: list[URLPattern] = [
    path("tax-code-notices/", apis.TaxCodeNoticesApi.as_view(), name="tax-code-notices"),
    path("employees/<str:payroll_number>/p45.pdf", apis.LeaverP45PdfApi.as_view(), name="leaver-p45-pdf"),
]
